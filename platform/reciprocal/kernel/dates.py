"""Dates and times in the GOV.UK style, on the UK's clock: one place for every page and domain."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

UK_TIME = ZoneInfo("Europe/London")


def govuk_date(value: date | datetime | None) -> str:
    """'5 March 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UK_TIME)
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime) -> str:
    """'5 March 2026 at 2:30pm', 'at midday', 'at midnight'."""
    local = value.astimezone(UK_TIME)
    if (local.hour, local.minute) == (12, 0):
        time = "midday"
    elif (local.hour, local.minute) == (0, 0):
        time = "midnight"
    else:
        minutes = f":{local.minute:02d}" if local.minute else ""
        time = f"{local.hour % 12 or 12}{minutes}{'am' if local.hour < 12 else 'pm'}"
    return f"{govuk_date(local)} at {time}"
