"""The period a report covers, read from what a form sent: defaults, every kind, and mistakes named by field."""

from __future__ import annotations

from datetime import date

import pytest

from reciprocal.reports.periods import Kind, Period, PeriodErrors, parse

TODAY = date(2026, 12, 3)


def test_no_period_asked_for_is_the_last_12_months() -> None:
    period = parse({}, TODAY)
    assert (period.kind, period.first, period.last) == (Kind.last_12_months, date(2026, 1, 1), TODAY)
    assert len(list(period.months())) == 12
    assert period.label == "the 12 months to 3 December 2026"


@pytest.mark.parametrize(
    ("params", "first", "last", "label"),
    [
        ({"period": "month", "month": "2", "month-year": "2024"}, date(2024, 2, 1), date(2024, 2, 29), "February 2024"),
        (
            {"period": "quarter", "quarter": "4", "quarter-year": "2025"},
            date(2025, 10, 1),
            date(2025, 12, 31),
            "October to December 2025",
        ),
        ({"period": "year", "year": " 2025 "}, date(2025, 1, 1), date(2025, 12, 31), "2025"),
        (
            {
                "period": "between",
                "from-day": "5",
                "from-month": "3",
                "from-year": "2026",
                "to-day": "5",
                "to-month": "3",
                "to-year": "2026",
            },
            date(2026, 3, 5),
            date(2026, 3, 5),
            "5 March 2026 to 5 March 2026",
        ),
    ],
)
def test_each_kind_of_period(params: dict[str, str], first: date, last: date, label: str) -> None:
    period = parse(params, TODAY)
    assert (period.first, period.last, period.label) == (first, last, label)


def test_a_period_is_half_open_on_the_uks_clock() -> None:
    period = Period(Kind.month, date(2026, 7, 1), date(2026, 7, 31))
    assert period.starts.isoformat() == "2026-07-01T00:00:00+01:00"
    assert period.ends.isoformat() == "2026-08-01T00:00:00+01:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "weekly"}, "period"),
        ({"period": "month", "month": "0", "month-year": "2026"}, "month"),
        ({"period": "month", "month": "²", "month-year": "2026"}, "month"),
        ({"period": "month", "month": "1", "month-year": ""}, "month-year"),
        ({"period": "month", "month": "1", "month-year": "99999999999999999999"}, "month-year"),
        ({"period": "month", "month": "12", "month-year": "2027"}, "month-year"),
        ({"period": "quarter", "quarter": "5", "quarter-year": "2026"}, "quarter"),
        ({"period": "year", "year": "1999"}, "year"),
        ({"period": "between", "from-day": "30", "from-month": "2", "from-year": "2026"}, "from"),
        (
            {
                "period": "between",
                "from-day": "1",
                "from-month": "1",
                "from-year": "2026",
                "to-day": "1",
                "to-month": "1",
                "to-year": "2025",
            },
            "to",
        ),
        (
            {
                "period": "between",
                "from-day": "1",
                "from-month": "1",
                "from-year": "2020",
                "to-day": "1",
                "to-month": "1",
                "to-year": "2026",
            },
            "to",
        ),
    ],
)
def test_a_mistake_names_its_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(PeriodErrors) as wrong:
        parse(params, TODAY)
    assert field in wrong.value.errors
