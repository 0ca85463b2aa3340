"""A statement's month: parsed from the page's query, its neighbours, and where it ends on the UK's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reciprocal.kernel.working_days import first_working_day
from reciprocal.notifications.messages import statement_email
from reciprocal.statements.services import Month


@pytest.mark.parametrize("text", ["2026-13", "2026-0", "26-12", "2026/12", "", "2026-", "²⁰²⁶-12", "2026-1a"])
def test_anything_but_a_month_is_refused(text: str) -> None:
    assert Month.parse(text) is None


def test_months_step_over_the_year_and_end_at_uk_midnight() -> None:
    december = Month.parse("2026-12")
    assert december == Month(2026, 12)
    assert december.next == Month(2027, 1)
    assert Month(2027, 1).previous == december
    assert december.label == "December 2026"
    assert december.end == datetime(2027, 1, 1, tzinfo=UTC)  # GMT in winter
    assert Month(2027, 6).end == datetime(2027, 6, 30, 23, tzinfo=UTC)  # BST in summer: an hour earlier


def test_the_first_working_day_skips_new_years_day_and_the_weekend() -> None:
    assert first_working_day(2027, 1) == date(2027, 1, 4)
    assert Month.of(date(2027, 1, 4)).previous == Month(2026, 12)


def test_the_statement_email_holds_counts_and_the_link_only() -> None:
    params = {"month": "2026-12", "partner": "Camden Council", "rehoused_elsewhere": 2, "wanting_area": 5}
    mail = statement_email("Pan London", {**params, "on_hold": 1, "balances": [[2, 0, 1], [None, 3, 0]]}, "https://x/s")
    assert mail.subject == "Your statement for December 2026"
    assert "- 2 bedrooms: owed to you 0, owing from you 1, net -1" in mail.body
    assert "- Any size: owed to you 3, owing from you 0, net +3" in mail.body
    assert "Open the statement: https://x/s" in mail.body


def test_the_statement_email_says_the_partner_had_paused_new_circulations() -> None:
    params = {"month": "2026-12", "partner": "Camden Council", "rehoused_elsewhere": 0, "wanting_area": 5}
    base = {**params, "on_hold": 0, "balances": []}
    paused = statement_email("Pan London", {**base, "paused_until": "2027-01-08"}, "https://x/s")
    assert "- Paused: new circulations do not reach you until 8 January 2027" in paused.body
    assert "Paused" not in statement_email("Pan London", {**base, "paused_until": None}, "https://x/s").body
