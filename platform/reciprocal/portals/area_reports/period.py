"""A report's period as two GOV.UK date inputs: read once here, with a message naming the field that is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from reciprocal.kernel.dates import govuk_date
from reciprocal.kernel.fields import whole_number


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both days included."""

    first: date
    last: date

    @property
    def words(self) -> str:
        return f"{govuk_date(self.first)} to {govuk_date(self.last)}"


def last_twelve_months(today: date) -> Period:
    """The year to `today`: from the day after the same date a year before."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return Period(year_ago + timedelta(days=1), today)


@dataclass(frozen=True)
class DateField:
    """One date input's three boxes as typed; `field` is its id prefix ("from"), `label` its legend."""

    field: str
    label: str
    day: str = ""
    month: str = ""
    year: str = ""

    @property
    def blank(self) -> bool:
        return not any(part.strip() for part in (self.day, self.month, self.year))

    def read(self) -> date | str:
        """The date, or what is wrong with it."""
        if self.blank:
            return f"Enter the {self.label}"
        day, month, year = (whole_number(part) for part in (self.day, self.month, self.year))
        if day is None or month is None or year is None:
            return f"The {self.label} must be a real date, like 1 4 2026"
        if not 2000 <= year <= 2100:
            return f"The {self.label} must be a year from 2000 to 2100"
        try:
            return date(year, month, day)
        except ValueError:
            return f"The {self.label} must be a real date, like 1 4 2026"

    def filled(self, value: date) -> DateField:
        return DateField(self.field, self.label, str(value.day), str(value.month), str(value.year))


def read_period(start: DateField, end: DateField, today: date) -> tuple[Period | None, dict[str, str]]:
    """The period the two inputs give (the last twelve months if both are blank), or messages by field id."""
    if start.blank and end.blank:
        return last_twelve_months(today), {}
    first, last = start.read(), end.read()
    errors = {field.field: value for field, value in ((start, first), (end, last)) if isinstance(value, str)}
    if isinstance(first, date) and isinstance(last, date) and first > last:
        errors[end.field] = f"The {end.label} must be the same as or after the {start.label}"
    if errors or not isinstance(first, date) or not isinstance(last, date):
        return None, errors
    return Period(first, last), {}
