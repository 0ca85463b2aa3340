"""The service's one clock: timezone-aware UTC, for every timestamp it stores or compares."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def stamp() -> datetime:
    """`now()` as a column default: looked up when called, so controlled time (a test setting `clock.now`) dates
    the rows it writes too, not only the comparisons."""
    return now()
