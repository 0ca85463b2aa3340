"""Keyset pagination: a page is the rows after (or before) a cursor of the sort key and the id, never an OFFSET.

An OFFSET reads and throws away every row before the page, so page 8,000 of 200,000 referrals costs as much as
reading them all; a cursor seeks straight to the row it names in an index on the same columns.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, tuple_

Key = tuple[str, ...]
"""A row's sort key and id as text: what a cursor carries."""


def encode(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode(cursor: str | None, width: int) -> Key | None:
    """The key a cursor carries; None for a missing, altered or foreign one (the page then starts at the top)."""
    if not cursor or len(cursor) > 400:
        return None
    try:
        found = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(found, list) or len(found) != width or not all(isinstance(v, str) for v in found):
        return None
    return tuple(found)


def as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def parse_datetime(text: str) -> datetime:
    found = datetime.fromisoformat(text)
    if found.tzinfo is None:
        raise ValueError(text)
    return found


Parse = Callable[[str], Any]
PARSE_ID: Parse = uuid.UUID


@dataclass(frozen=True)
class Order:
    """How a list is sorted: its columns (the last one unique, the id), how each parses from a cursor, which way."""

    columns: Sequence[Any]
    """Mapped columns or column expressions."""
    parsers: Sequence[Parse]
    descending: bool

    def values(self, key: Key) -> list[Any] | None:
        try:
            return [parse(text) for parse, text in zip(self.parsers, key, strict=True)]
        except ValueError:
            return None


@dataclass(frozen=True)
class Page[T]:
    rows: list[T]
    next: str | None
    """The cursor of the page after (`?after=`), if there is one."""
    previous: str | None
    """The cursor of the page before (`?before=`), if there is one."""


@dataclass(frozen=True)
class Reading:
    """How `paged` read a page: backwards (from `?before=`), and whether from a cursor at all."""

    backwards: bool
    from_cursor: bool


EVERY = None
"""A `size` for `paged` and `page_of`: every row, in order, from the start (what a download carries)."""


def paged[Q: Select[*tuple[Any, ...]]](
    query: Q, order: Order, *, after: str | None, before: str | None, size: int | None
) -> tuple[Q, Reading]:
    """`query` limited to one page, with one row more to tell whether there is another: the rows after the
    cursor `after`, or else those before `before` (read backwards: `page_of` turns them round). With size
    EVERY, every row in order and no cursor."""
    if size is EVERY:
        after = before = None
    wanted = before if after is None else after
    cursor = decode(wanted, len(order.columns))
    values = order.values(cursor) if cursor else None
    backwards = after is None and values is not None
    # Forwards in a descending list, or backwards in an ascending one, the rows come after the cursor's
    # smaller keys.
    smaller = order.descending != backwards
    if values is not None:
        row, at = tuple_(*order.columns), tuple_(*values)
        query = query.where(row < at if smaller else row > at)
    columns = [c.desc() if smaller else c.asc() for c in order.columns]
    query = query.order_by(*columns)
    return (query if size is EVERY else query.limit(size + 1)), Reading(backwards, values is not None)


def page_of[T](rows: Sequence[T], key: Callable[[T], Key], *, size: int | None, reading: Reading) -> Page[T]:
    """The page from the rows `paged`'s query read."""
    if size is EVERY:
        return Page(rows=list(rows), next=None, previous=None)
    more = len(rows) > size
    shown = list(rows[:size])
    if reading.backwards:
        shown.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = reading.from_cursor, more
    return Page(
        rows=shown,
        next=encode(key(shown[-1])) if has_next and shown else None,
        previous=encode(key(shown[0])) if has_previous and shown else None,
    )
