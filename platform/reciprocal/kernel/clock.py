"""The service's one clock: timezone-aware UTC, for every timestamp it stores or compares."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

_as_of: ContextVar[datetime | None] = ContextVar("reciprocal_clock_as_of", default=None)


def now() -> datetime:
    return _as_of.get() or datetime.now(UTC)


def stamp() -> datetime:
    """`now()`, looked up when called: a column default of this follows a test's controlled clock, where a
    default of `now` itself keeps the function it was given at import (monkeypatching `clock.now` misses it)."""
    return now()


@contextlib.contextmanager
def as_of(when: datetime) -> Iterator[None]:
    """Within the block (this task only), `now()` is `when`: the demo writes a history that began weeks ago."""
    token = _as_of.set(when)
    try:
        yield
    finally:
        _as_of.reset(token)
