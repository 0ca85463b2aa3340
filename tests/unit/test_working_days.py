"""Working days skip weekends and England and Wales's bank holidays, substitute days included."""

from __future__ import annotations

from datetime import date

from reciprocal.kernel.working_days import add_working_days, first_working_day, is_working_day, working_days_between


def test_christmas_2026_skips_the_weekend_and_boxing_days_substitute_monday() -> None:
    # Thursday 24 December 2026: Friday is Christmas Day, Boxing Day is a Saturday, observed on Monday 28th.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert not is_working_day(date(2026, 12, 28))
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1


def test_easter_and_ordinary_weeks() -> None:
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)  # Good Friday and Easter Monday
    assert add_working_days(date(2026, 12, 1), 5) == date(2026, 12, 8)  # a Tuesday, a week on
    assert working_days_between(date(2026, 12, 8), date(2026, 12, 1)) == 0


def test_the_first_working_day_of_a_month() -> None:
    assert first_working_day(2027, 1) == date(2027, 1, 4)  # New Year's Day is a Friday
    assert first_working_day(2026, 8) == date(2026, 8, 3)  # the 1st is a Saturday
    assert first_working_day(2026, 12) == date(2026, 12, 1)
