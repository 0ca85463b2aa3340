"""The period a report covers: a month, a quarter, a year, two dates, or by default the last 12 months.

Read from a page's query parameters, once, here: every field arrives as text and may be anything, and a
mistake comes back naming the field (its form id) and what to do about it, never a 500.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from reciprocal.kernel.dates import UK_TIME, govuk_date
from reciprocal.kernel.fields import date_from_parts, whole_number

EARLIEST_YEAR = 2000
"""No scheme reports on years before this: a year outside it is a typing mistake."""
LONGEST_YEARS = 5
"""The longest period between two dates: a report's monthly trend has at most 60 months."""

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Kind(enum.StrEnum):
    last_12_months = "last-12-months"
    month = "month"
    quarter = "quarter"
    year = "year"
    between = "between"


@dataclass(frozen=True)
class Period:
    """The days from `first` to `last`, both included, on the UK's calendar."""

    kind: Kind
    first: date
    last: date

    @property
    def label(self) -> str:
        if self.kind == Kind.month:
            return f"{MONTHS[self.first.month - 1]} {self.first.year}"
        if self.kind == Kind.quarter:
            return f"{MONTHS[self.first.month - 1]} to {MONTHS[self.last.month - 1]} {self.first.year}"
        if self.kind == Kind.year:
            return f"{self.first.year}"
        if self.kind == Kind.last_12_months:
            return f"the 12 months to {govuk_date(self.last)}"
        return f"{govuk_date(self.first)} to {govuk_date(self.last)}"

    @property
    def starts(self) -> datetime:
        """The first moment in the period, on the UK's clock."""
        return datetime.combine(self.first, time.min, tzinfo=UK_TIME)

    @property
    def ends(self) -> datetime:
        """The first moment after it (a period is half open: starts <= t < ends)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UK_TIME)

    def months(self) -> Iterator[date]:
        """The first day of each month the period touches, in order: a monthly trend's columns."""
        month = self.first.replace(day=1)
        while month <= self.last:
            yield month
            month = _next_month(month)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _next_month(first) - timedelta(days=1)


def last_12_months(today: date) -> Period:
    """The default: this month so far and the 11 whole months before it."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(Kind.last_12_months, first, today)


class PeriodErrors(Exception):
    """What is wrong with the period asked for: form field id -> what to do about it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _year(params: Mapping[str, str], field: str, today: date, errors: dict[str, str]) -> int | None:
    text = params.get(field, "").strip()
    year = whole_number(text)
    if not text:
        errors[field] = "Enter a year"
    elif year is None or not EARLIEST_YEAR <= year <= today.year:
        errors[field] = f"Enter a year from {EARLIEST_YEAR} to {today.year}, like {today.year}"
    else:
        return year
    return None


def _date(params: Mapping[str, str], field: str, what: str, errors: dict[str, str]) -> date | None:
    """A GOV.UK date input `field` (its parts `field-day`, `field-month`, `field-year`)."""
    parts = [params.get(f"{field}-{part}", "") for part in ("day", "month", "year")]
    if not all(part.strip() for part in parts):
        errors[field] = f"Enter the {what} date, with a day, month and year"
        return None
    try:
        found = date_from_parts(*parts)
    except ValueError:
        found = None
    if found is None or found.year < EARLIEST_YEAR:
        errors[field] = f"The {what} date must be a real date, in {EARLIEST_YEAR} or later"
        return None
    return found


def parse(params: Mapping[str, str], today: date) -> Period:
    """The period `params` ask for (the last 12 months when they ask for none); PeriodErrors if it is wrong."""
    errors: dict[str, str] = {}
    try:
        kind = Kind(params.get("period", Kind.last_12_months.value) or Kind.last_12_months.value)
    except ValueError:
        raise PeriodErrors({"period": "Select a period: a month, a quarter, a year or between two dates"}) from None
    if kind == Kind.last_12_months:
        return last_12_months(today)
    if kind == Kind.month:
        month = whole_number(params.get("month", ""))
        if month is None or not 1 <= month <= 12:
            errors["month"] = "Select a month"
        year = _year(params, "month-year", today, errors)
        if errors or month is None or year is None:
            raise PeriodErrors(errors)
        first = date(year, month, 1)
        return _not_future(Period(kind, first, _month_end(first)), today, "month")
    if kind == Kind.quarter:
        quarter = whole_number(params.get("quarter", ""))
        if quarter is None or not 1 <= quarter <= 4:
            errors["quarter"] = "Select a quarter"
        year = _year(params, "quarter-year", today, errors)
        if errors or quarter is None or year is None:
            raise PeriodErrors(errors)
        first = date(year, 3 * quarter - 2, 1)
        return _not_future(Period(kind, first, _month_end(date(year, 3 * quarter, 1))), today, "quarter")
    if kind == Kind.year:
        year = _year(params, "year", today, errors)
        if errors or year is None:
            raise PeriodErrors(errors)
        return Period(kind, date(year, 1, 1), date(year, 12, 31))
    start = _date(params, "from", "start", errors)
    end = _date(params, "to", "end", errors)
    if errors or start is None or end is None:
        raise PeriodErrors(errors)
    if end < start:
        raise PeriodErrors({"to": "The end date must be the same as or after the start date"})
    if start > today:
        raise PeriodErrors({"from": "The start date must be today or in the past"})
    if end >= _years_later(start):
        raise PeriodErrors({"to": f"The end date must be within {LONGEST_YEARS} years of the start date"})
    return Period(kind, start, end)


def _years_later(day: date) -> date:
    try:
        return day.replace(year=day.year + LONGEST_YEARS)
    except ValueError:  # 29 February
        return date(day.year + LONGEST_YEARS, 3, 1)


def _not_future(period: Period, today: date, what: str) -> Period:
    if period.first > today:
        raise PeriodErrors({what: f"Choose a {what} that has begun: today is {govuk_date(today)}"})
    return period
