"""Reminders and escalation on their working days, through a real SMTP server on loopback, in controlled time.

Each ladder is walked day by day with the clock set: the reminder, the cover of the other named leads, the
stalled row on the coordinator's queue; the officer's reminder, the notice of withdrawal, the withdrawal.
Christmas 2026 (Friday 25 December, Boxing Day observed on Monday 28th) and New Year's Day are skipped.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from people import actor
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, User
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.kernel.dates import UK_TIME
from reciprocal.notifications.models import Notice
from reciprocal.referrals import inactivity, offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import Action, State
from reciprocal.reminders import services as reminders
from reciprocal.reminders.models import Reminder
from reciprocal.reminders.rules import WITHDRAWAL_NOTICE_DAYS, Rung, Task
from reciprocal.settings import Settings
from smtp_server import Inbox
from support import DatabaseUnderTest, visible_text
from support.scheduled import Jobs
from support.web import LONDON, Client, act_as, post, version_in
from support.world import KEYS, County, World

CANARIES = ("PETS-CANARY-1", "ACCESS-CANARY-2", "SAFEGUARDING-CANARY-3", "CASEREF-CANARY-5", "MONITORING-CANARY-6")


def days(start: date, end: date) -> Iterator[date]:
    """Every day after `start`, up to and including `end`."""
    day = start
    while day < end:
        day += timedelta(days=1)
        yield day


class Desk(Jobs):
    """The clock, the worker's daily reminders, and what the SMTP server received since last asked."""

    def __init__(self, database: DatabaseUnderTest, db: Database, inbox: Inbox, monkeypatch: pytest.MonkeyPatch):
        super().__init__(database, db, inbox)
        self.monkeypatch = monkeypatch
        self.scheme = uuid.UUID(int=0)
        """The scheme whose reminders `remind` reports (a session sees its own scheme's rows only)."""

    def watch(self, w: World) -> None:
        self.scheme = w.scheme.id

    def at(self, day: date, hour: int = 7) -> None:
        moment = datetime.combine(day, time(hour), tzinfo=UK_TIME)
        self.monkeypatch.setattr(clock, "now", lambda: moment)

    async def remind(self, day: date) -> list[tuple[Task, Rung]]:
        """The reminders job on `day`: the rungs it sent."""
        self.at(day)
        async with self.db.tenant_session(self.scheme) as session:
            before = set(await session.scalars(select(Reminder.id)))
        await self.worker.reminders()
        async with self.db.tenant_session(self.scheme) as session:
            everything = await session.scalars(select(Reminder).order_by(Reminder.created_at))
            made = [r for r in everything if r.id not in before]
        return [(r.task, r.rung) for r in made]

    async def walk(self, start: date, end: date) -> dict[date, list[tuple[Task, Rung]]]:
        """The job run every day after `start` up to `end`: what it sent on which day."""
        sent = {}
        for day in days(start, end):
            if found := await self.remind(day):
                sent[day] = found
        return sent

    def assert_no_case_content(self, w: World) -> None:
        assert self.inbox.messages
        for message in self.inbox.messages:
            text = f"{message['Subject']}\n{message.get_content()}"
            for canary in (*CANARIES, w.officer.display_name):
                assert canary not in text, (canary, message["Subject"])
            assert f"/s/{w.scheme.slug}/" in text


@pytest.fixture
def desk(database: DatabaseUnderTest, db: Database, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> Desk:
    return Desk(database, db, inbox, monkeypatch)


async def with_canaries(w: World) -> Referral:
    draft = await w.run(referrals.start_referral, w.officer)
    answers = replace(w.domestic_abuse(), pets=CANARIES[0], access_needs=CANARIES[1], safeguarding_measures=CANARIES[2])
    draft = await w.run(
        referrals.save_draft,
        w.officer,
        draft.id,
        answers,
        version=draft.version,
        case_reference=CANARIES[3],
        monitoring={"ethnicity": CANARIES[4]},
    )
    return await w.run(referrals.submit, w.officer, w.scheme, draft.id, version=draft.version)


async def second_lead(w: World) -> Actor:
    """Another named lead of the applicant's landlord, who signed in less recently than `landlord`."""
    code = "camden-council" if type(w) is World else "cambridge-city-council"
    cover = await actor(w.db, w.scheme.slug, code, Role.named_lead)
    async with w.db.tenant_session(w.scheme.id) as session, session.begin():
        for who, day in ((w.landlord, date(2026, 12, 11)), (cover, date(2026, 12, 1))):
            moment = datetime.combine(day, time(9), tzinfo=UK_TIME)
            await session.execute(update(User).where(User.id == who.user_id).values(last_signed_in_at=moment))
    return cover


LADDER = {
    # The scheme's reminder_days from Monday 14 December 2026: 14 for Pan London, 10 for the county.
    "pan-london": (date(2027, 1, 6), date(2027, 1, 26), date(2027, 2, 15)),
    "cambridgeshire": (date(2026, 12, 30), date(2027, 1, 14), date(2027, 1, 28)),
}


async def test_an_approval_waits_then_is_reminded_covered_and_stalled_on_its_working_days(
    each_world: World, desk: Desk
) -> None:
    w = each_world
    desk.watch(w)
    other = await (County(w.db) if type(w) is World else World(w.db)).build()
    cover = await second_lead(w)
    asked = date(2026, 12, 14)
    desk.at(asked, hour=10)
    referral = await with_canaries(w)
    await w.run(referrals.act, w.coordinator, referral.id, Action.request_approval, version=referral.version)
    assert set(await desk.told()) == {w.landlord.email, cover.email}  # both were asked
    ref = referral.reference

    reminded, covered, stalled = LADDER[w.scheme.slug]
    sent = await desk.walk(asked, stalled + timedelta(days=3))
    assert sent == {
        reminded: [(Task.approval, Rung.reminder)],
        covered: [(Task.approval, Rung.cover)],
        stalled: [(Task.approval, Rung.stalled)],
    }
    assert await desk.told() == {
        w.landlord.email: [f"Reminder: referral {ref} is still waiting for your approval"],
        cover.email: [f"Referral {ref} is waiting for approval by your organisation"],
    }
    desk.assert_no_case_content(w)
    assert not {str(m["To"]) for m in desk.inbox.messages} & {other.landlord.email, other.officer.email}

    # The coordinator's queue shows it stalled: how long, and who was reminded (by role and organisation).
    desk.at(stalled)
    async with w.db.tenant_session(w.scheme.id) as session:
        (row,) = await reminders.stalled(session, w.scheme.id)
    async with w.db.tenant_session(other.scheme.id) as session:
        other_rows = await reminders.stalled(session, other.scheme.id)
    assert row.reference == ref
    assert row.task == Task.approval
    assert row.working_days == 3 * (14 if type(w) is World else 10)
    assert [(r.rung, r.role) for r in row.reminded] == [(Rung.reminder, Role.named_lead), (Rung.cover, Role.named_lead)]
    assert other_rows == []

    # Once approved, the wait is over: nothing more is sent, and nothing is stalled.
    approving = await w.referral(referral.id)
    await w.run(referrals.act, cover, referral.id, Action.approve, version=approving.version)
    assert await desk.walk(stalled, stalled + timedelta(days=30)) == {}
    async with w.db.tenant_session(w.scheme.id) as session:
        assert await reminders.stalled(session, w.scheme.id) == []


async def test_the_applicants_decision_is_chased_once_the_offer_is_made_or_chosen(
    each_world: World, desk: Desk
) -> None:
    """Under offer by the one offer the cap allows (Pan London's domestic abuse) or by the officer's choice among
    offers standing side by side (the county caps none): either way the wait for the decision begins there."""
    w = each_world
    desk.watch(w)
    offered = date(2026, 12, 14)
    desk.at(offered, hour=10)
    referral = await w.circulating(w.domestic_abuse())
    await w.run(offers.make_offer, w.partner, KEYS, referral.id, w.home(), version=referral.version)
    referral = await w.chosen(referral.id)
    assert referral.state == State.offer_made
    reminded, _, _ = LADDER[w.scheme.slug]
    assert await desk.walk(offered, reminded) == {reminded: [(Task.offer_decision, Rung.reminder)]}
    assert w.officer.email in await desk.told()


async def test_the_reminder_waits_for_the_bank_holidays(world: World, desk: Desk) -> None:
    county = await County(world.db).build()
    desk.watch(county)
    desk.at(date(2026, 12, 14), hour=10)
    referral = await county.submitted(county.domestic_abuse())
    await county.run(referrals.act, county.coordinator, referral.id, Action.request_approval, version=referral.version)
    # Ten working days from Monday 14 December: not Christmas Day, not Boxing Day (observed Monday 28th).
    for day in (date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 29)):
        assert await desk.remind(day) == []
    assert await desk.remind(date(2026, 12, 30)) == [(Task.approval, Rung.reminder)]


async def test_a_reminder_job_run_twice_sends_once(world: World, desk: Desk) -> None:
    desk.watch(world)
    desk.at(date(2026, 12, 14), hour=10)
    referral = await world.submitted(world.domestic_abuse())
    await world.run(referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version)
    await desk.told()
    # Two workers at once on the day it is due (a schedule fired twice), then once more: one reminder.
    desk.at(date(2027, 1, 6))
    await asyncio.gather(desk.worker.reminders(), desk.worker.reminders())
    assert await desk.remind(date(2027, 1, 6)) == []
    async with world.db.tenant_session(world.scheme.id) as session:
        (reminder,) = await session.scalars(select(Reminder))
        (notice,) = await session.scalars(select(Notice).where(Notice.event_id == reminder.id))
    assert (reminder.rung, notice.user_id, notice.kind) == (Rung.reminder, world.landlord.user_id, "approval_reminder")
    assert notice.path == f"/named-lead/approvals/{referral.id}"  # in their "What's new", the way to act
    async with world.db.tenant_session(world.scheme.id) as session, session.begin():
        assert await reminders.remind(session, world.scheme.id) == 0
    assert await desk.told() == {
        world.landlord.email: [f"Reminder: referral {referral.reference} is still waiting for your approval"]
    }
    assert await desk.told() == {}


INACTIVITY = {
    # reminder_days, inactivity_days and 14 more working days from Monday 14 December 2026.
    "pan-london": (date(2027, 1, 6), date(2027, 4, 26), date(2027, 5, 17)),
    "cambridgeshire": (date(2026, 12, 30), date(2027, 3, 11), date(2027, 4, 2)),
}


async def test_a_referral_without_update_is_reminded_warned_then_withdrawn(each_world: World, desk: Desk) -> None:
    w = each_world
    desk.watch(w)
    circulated = date(2026, 12, 14)
    desk.at(circulated, hour=10)
    referral = await with_canaries(w)
    for step, who in ((Action.request_approval, w.coordinator), (Action.approve, w.landlord)):
        referral = await w.run(referrals.act, who, referral.id, step, version=referral.version)
    await w.run(referrals.circulate_batch, w.coordinator)
    await desk.told()
    ref = referral.reference

    reminded, warned, withdrawn = INACTIVITY[w.scheme.slug]
    sent = await desk.walk(circulated, withdrawn + timedelta(days=3))
    assert sent == {
        reminded: [(Task.officer_update, Rung.reminder)],
        warned: [(Task.officer_update, Rung.inactivity_notice)],
        withdrawn: [(Task.officer_update, Rung.withdrawal)],
    }
    assert (await w.referral(referral.id)).state == State.withdrawn
    told = await desk.told()
    assert sorted(told[w.officer.email]) == [
        f"Referral {ref} was withdrawn",
        f"Referral {ref} will be withdrawn for inactivity",
        f"Reminder: referral {ref} has had no update",
    ]
    assert told[w.coordinator.email] == [f"Referral {ref} was withdrawn"]  # everyone with a part is told
    desk.assert_no_case_content(w)


async def test_an_update_starts_the_count_again(world: World, desk: Desk) -> None:
    desk.watch(world)
    circulated = date(2026, 12, 14)
    desk.at(circulated, hour=10)
    referral = await world.circulating(world.domestic_abuse())
    reminded, warned, _ = INACTIVITY["pan-london"]
    assert await desk.walk(circulated, warned) == {
        reminded: [(Task.officer_update, Rung.reminder)],
        warned: [(Task.officer_update, Rung.inactivity_notice)],
    }
    # The officer confirms that the applicant still needs to move: no withdrawal; the ladder starts again.
    desk.at(warned + timedelta(days=1), hour=10)
    referral = await world.referral(referral.id)
    await world.run(inactivity.confirm_still_needed, world.officer, referral.id, version=referral.version)
    sent = await desk.walk(warned + timedelta(days=1), warned + timedelta(days=40))
    assert list(sent.values()) == [[(Task.officer_update, Rung.reminder)]]
    assert (await world.referral(referral.id)).state == State.circulating


async def test_the_coordinator_sees_the_stalled_row_and_each_reminder_on_the_timeline(
    world: World, desk: Desk, client: Client, settings: Settings
) -> None:
    """In the recent past (the pages read the real clock): asked on Monday 5 October 2026, stalled by 2 December."""
    desk.watch(world)
    desk.at(date(2026, 10, 5), hour=10)
    referral = await world.submitted(world.domestic_abuse())
    await world.run(referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version)
    sent = await desk.walk(date(2026, 10, 5), date(2026, 12, 2))
    assert list(sent.values()) == [[(Task.approval, Rung.reminder)], [(Task.approval, Rung.stalled)]]
    desk.monkeypatch.undo()

    await act_as(client, world.db, settings, world.coordinator)
    response = await client.get(f"/s/{LONDON}/coordinator/")
    assert response.status_code == 200, response.text[-3000:]
    home = visible_text(response.text)
    stalled = home[home.index("Stalled") :]
    assert referral.reference in stalled
    assert "Landlord approval" in stalled
    assert "A named lead of Camden Council, 23 October 2026" in stalled
    assert world.camden.display_name not in stalled

    page = visible_text((await client.get(f"/s/{LONDON}/coordinator/referrals/{referral.id}")).text)
    timeline = page[page.index("Timeline") :]
    assert "Reminder sent" in timeline
    assert "To a named lead of Camden Council" in timeline
    assert "Landlord approval: waited 14 working days" in timeline
    assert "Stalled: shown on the work queue" in timeline
    assert "Landlord approval: waited 28 working days" in timeline


async def test_the_criteria_page_promises_what_the_ladder_does(client: Client) -> None:
    """The public words name the same working days the tests above walk, and the notice period the rules use."""
    for slug, (reminder, withdrawal) in {"pan-london": (14, 90), "cambridgeshire": (10, 60)}.items():
        text = " ".join(visible_text((await client.get(f"/s/{slug}/criteria")).text).split())
        assert "Days here are working days" in text
        assert f"the person who must act is reminded after {reminder} working days" in text
        assert f"has had no update for {reminder} working days, the nominating officer is reminded" in text
        assert f"no update for {withdrawal} working days" in text
        assert f"withdrawn from the scheme in {WITHDRAWAL_NOTICE_DAYS} working days" in text


async def test_the_officer_confirms_in_one_click_that_the_applicant_still_needs_to_move(
    world: World, client: Client, settings: Settings
) -> None:
    referral = await world.circulating(world.domestic_abuse())
    before = referral.updated_at
    await act_as(client, world.db, settings, world.officer)
    url = f"/s/{LONDON}/referrals/{referral.id}"
    page = await client.get(url)
    assert "The applicant still needs to move" in page.text
    sent = await post(client, f"{url}/still-needed", {"version": version_in(page.text, "still-needed")})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{url}?confirmed=true"
    assert "You confirmed that the applicant still needs to move" in (await client.get(sent.headers["location"])).text
    after = await world.referral(referral.id)
    assert (after.state, after.updated_at > before) == (State.circulating, True)

    await act_as(client, world.db, settings, world.coordinator)
    page = visible_text((await client.get(f"/s/{LONDON}/coordinator/referrals/{referral.id}")).text)
    assert "Confirmed the applicant still needs to move" in page[page.index("Timeline") :]
