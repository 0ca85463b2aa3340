"""The service's one clock: timezone-aware UTC, for every timestamp it stores or compares."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def stamp() -> datetime:
    """`now()`, looked up when called: a column default of this follows a test's controlled clock, where a
    default of `now` itself keeps the function it was given at import (monkeypatching `clock.now` misses it)."""
    return now()
