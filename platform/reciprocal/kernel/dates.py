"""Dates and times in the GOV.UK style, on the UK's clock: one place for every page and domain."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from reciprocal.kernel import clock

UK_TIME = ZoneInfo("Europe/London")


def today() -> date:
    """Today's date on the UK's clock (the service's clock: a test's or the demo's history's when set)."""
    return clock.now().astimezone(UK_TIME).date()


def govuk_date(value: date | datetime | None) -> str:
    """'5 March 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UK_TIME)
    return f"{value.day} {value:%B %Y}"


def govuk_time(value: datetime) -> str:
    """'2:30pm', '9am', 'midday', 'midnight', on the UK's clock (seconds are not shown)."""
    local = value.astimezone(UK_TIME)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{local.hour % 12 or 12}{minutes}{'am' if local.hour < 12 else 'pm'}"


def govuk_datetime(value: datetime) -> str:
    """'5 March 2026 at 2:30pm', 'at midday', 'at midnight'."""
    return f"{govuk_date(value.astimezone(UK_TIME))} at {govuk_time(value)}"
