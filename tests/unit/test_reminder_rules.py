"""The reminder ladders as pure rules: which rung is due on which working day, without a database."""

from __future__ import annotations

from datetime import date

from reciprocal.kernel.working_days import add_working_days
from reciprocal.notifications.messages import KINDS
from reciprocal.portals.coordinator.presenters import event_description
from reciprocal.reminders.rules import WITHDRAWAL_NOTICE_DAYS, Rung, Task, due
from reciprocal.reminders.services import KINDS as REMINDER_KINDS

ASKED = date(2026, 12, 14)  # a Monday, before Christmas and Boxing Day (observed Monday 28th)


def rung(task: Task, today: date, sent: dict[Rung, date] | None = None, *, cover: bool = True) -> Rung | None:
    return due(task, ASKED, today, sent or {}, reminder_days=10, inactivity_days=60, cover=cover)


def test_the_first_reminder_waits_its_working_days_past_the_bank_holidays() -> None:
    assert rung(Task.approval, date(2026, 12, 29)) is None
    assert rung(Task.approval, date(2026, 12, 30)) == Rung.reminder


def test_cover_counts_from_the_reminder_and_only_a_named_leads_task_has_it() -> None:
    reminded = {Rung.reminder: date(2027, 1, 4)}  # sent late: cover counts from when it went
    assert rung(Task.approval, date(2027, 1, 15), reminded) is None
    assert rung(Task.approval, add_working_days(date(2027, 1, 4), 10), reminded) == Rung.cover
    # The officer's and the risk assessor's tasks, or an organisation with one named lead: straight to stalled.
    assert rung(Task.viewing_outcome, add_working_days(date(2027, 1, 4), 10), reminded) == Rung.stalled
    assert rung(Task.approval, add_working_days(date(2027, 1, 4), 10), reminded, cover=False) == Rung.stalled


def test_the_ladder_ends_once_stalled() -> None:
    sent = {Rung.reminder: date(2026, 12, 30), Rung.cover: date(2027, 1, 14), Rung.stalled: date(2027, 1, 28)}
    assert rung(Task.approval, date(2027, 12, 1), sent) is None


def test_withdrawal_comes_only_after_its_notice_however_long_the_silence() -> None:
    reminded = {Rung.reminder: date(2026, 12, 30)}
    assert rung(Task.officer_update, date(2027, 12, 1), reminded) == Rung.inactivity_notice
    noticed = {**reminded, Rung.inactivity_notice: date(2027, 12, 1)}
    assert rung(Task.officer_update, add_working_days(date(2027, 12, 1), WITHDRAWAL_NOTICE_DAYS - 1), noticed) is None
    assert rung(Task.officer_update, add_working_days(date(2027, 12, 1), WITHDRAWAL_NOTICE_DAYS), noticed) == (
        Rung.withdrawal
    )


def test_one_rung_a_run_even_when_several_are_late() -> None:
    assert rung(Task.officer_update, date(2027, 12, 1)) == Rung.reminder


def test_every_reminder_kind_has_fixed_words_and_the_notice_names_its_period() -> None:
    assert set(REMINDER_KINDS.values()) <= set(KINDS)
    assert f"in {WITHDRAWAL_NOTICE_DAYS} working days" in KINDS["inactivity_warning"].wanted


def test_the_timeline_says_who_was_reminded_by_role_and_organisation() -> None:
    sent = {"task": "approval", "rung": "reminder", "role": "named_lead", "organisation": "Camden Council"}
    assert event_description({**sent, "working_days": 14, "recipients": 1}) == [
        "To a named lead of Camden Council",
        "Landlord approval: waited 14 working days",
    ]
    assert event_description({**sent, "rung": "cover", "working_days": 28, "recipients": 2})[0] == (
        "To the other named leads of Camden Council"
    )
    assert event_description({**sent, "working_days": 14, "recipients": 0})[0] == (
        "Nobody to remind: a named lead of Camden Council has no account"
    )
    officer = {"task": "officer_update", "rung": "inactivity_notice", "role": "nominating_officer"}
    assert event_description({**officer, "organisation": "Safe Steps", "working_days": 1, "recipients": 1}) == [
        "To the nominating officer, Safe Steps",
        "An update from the nominating officer: waited 1 working day",
    ]
