"""Monthly statements by email, with controlled time and real SMTP on loopback, in two schemes.

On the first working day of a month (1 January 2027 is a bank holiday: the 4th) every partner's named leads are
sent their figures for the month before, once however often the job runs; counts only, never case content.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from reciprocal.db.engine import Database
from reciprocal.notifications.models import OutboxMessage
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action
from reciprocal.statements.services import Month, figures
from smtp_server import Inbox
from support import DatabaseUnderTest
from support.scheduled import CANARIES, Jobs, Time, approved, assert_no_case_content, subjects
from support.world import County, World

DECEMBER = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)
NEW_YEAR = datetime(2027, 1, 1, 7, 10, tzinfo=UTC)
"""A bank holiday: no statement yet."""
FIRST_WORKING_DAY = datetime(2027, 1, 4, 7, 10, tzinfo=UTC)


@pytest.fixture
def time(monkeypatch: pytest.MonkeyPatch) -> Time:
    time = Time(monkeypatch)
    time.at(DECEMBER)
    return time


@pytest.fixture
def jobs(database: DatabaseUnderTest, db: Database, inbox: Inbox) -> Jobs:
    return Jobs(database, db, inbox)


async def december(london: World) -> None:
    """In December: a Camden tenant moves to Islington, another Camden tenant's referral is put on hold, and a
    third circulates (safe in Islington, among others)."""
    await london.moved(
        replace(london.domestic_abuse(), **CANARIES), london.partner, london.home(), moved_on=date(2026, 12, 10)
    )
    held = await london.submitted(london.domestic_abuse())
    await london.run(referrals.act, london.coordinator, held.id, Action.put_on_hold, version=held.version)
    listed = await approved(london)
    await london.run(referrals.circulate_batch, london.coordinator)
    assert listed.reference


async def test_statements_go_on_the_first_working_day_once_with_counts_only(
    db: Database, time: Time, jobs: Jobs
) -> None:
    london, county = await World(db).build(), await County(db).build()
    await december(london)
    await county.moved(county.domestic_abuse(), county.partner, county.home(), moved_on=date(2026, 12, 3))
    await jobs.new()  # the referrals' own emails

    time.at(NEW_YEAR)
    await jobs.worker.statements()
    assert await jobs.new() == []

    time.at(FIRST_WORKING_DAY)
    await jobs.worker.statements()
    await jobs.worker.statements()  # run twice (two workers, or a retry): made once
    sent = await jobs.new()
    told = subjects(sent)
    leads = [london.camden, london.islington, london.brent, county.landlord, county.partner]
    assert told == {lead.email: ["Your statement for December 2026"] for lead in leads}
    assert_no_case_content(sent)

    def body(lead_email: str) -> str:
        (message,) = [m for m in sent if m["To"] == lead_email]
        return message.get_content()

    camden = body(london.camden.email)
    assert "Your statement for December 2026: Camden Council." in camden
    assert "- Your tenants rehoused by other partners in December 2026: 1" in camden
    assert "- Your tenants' referrals on hold: 1" in camden
    assert "- 2 bedrooms: owed to you 0, owing from you 1, net -1" in camden
    assert f"/s/pan-london/ledger/partners/{london.camden_council}?month=2026-12" in camden
    islington = body(london.islington.email)
    assert "- Applicants on the list who could live in your areas: 1" in islington
    assert "- 2 bedrooms: owed to you 1, owing from you 0, net +1" in islington
    assert "- Your tenants rehoused by other partners in December 2026: 0" in islington
    county_partner = body(county.partner.email)
    assert "/s/cambridgeshire/ledger/partners/" in county_partner
    assert "- Any size: owed to you 1, owing from you 0, net +1" in county_partner  # no like-for-like

    time.at(FIRST_WORKING_DAY + timedelta(days=1))
    await jobs.worker.statements()
    assert await jobs.new() == []
    async with db.tenant_session(london.scheme.id) as session:
        made = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "statement")
        )
    assert made == 3


async def test_a_months_figures_are_as_they_stood_at_its_end(db: Database, time: Time) -> None:
    london = await World(db).build()
    await december(london)
    time.at(datetime(2027, 1, 20, 12, tzinfo=UTC))
    held = await london.submitted(london.domestic_abuse())  # January's: not in December's figures
    await london.run(referrals.act, london.coordinator, held.id, Action.put_on_hold, version=held.version)
    async with db.tenant_session(london.scheme.id) as session:
        past = await figures(session, london.scheme.id, london.camden_council, Month(2026, 12))
        now = await figures(session, london.scheme.id, london.camden_council, Month(2027, 1))
        before = await figures(session, london.scheme.id, london.camden_council, Month(2026, 11))
    assert (past.rehoused_elsewhere, past.on_hold) == (1, 1)
    assert (now.rehoused_elsewhere, now.on_hold) == (0, 2)
    assert (before.rehoused_elsewhere, before.on_hold, before.balances) == (0, 0, ())
    assert [(b.bedrooms, b.owed, b.owing) for b in now.balances] == [(2, 0, 1)]


async def test_a_referral_live_at_a_months_end_counts_in_that_month_after_it_ends(
    db: Database, time: Time, each_world: World
) -> None:
    world = each_world
    listed = await approved(world)
    await world.run(referrals.circulate_batch, world.coordinator)
    reached = world.partner.organisation_id
    time.at(datetime(2027, 1, 20, 12, tzinfo=UTC))
    circulating = await world.referral(listed.id)
    await world.run(referrals.act, world.officer, listed.id, Action.withdraw, version=circulating.version)
    async with db.tenant_session(world.scheme.id) as session:
        december_end = await figures(session, world.scheme.id, reached, Month(2026, 12))
        january = await figures(session, world.scheme.id, reached, Month(2027, 1))
        november = await figures(session, world.scheme.id, reached, Month(2026, 11))
    assert december_end.wanting_area == 1, "on the list when December ended, though withdrawn since"
    assert january.wanting_area == 0
    assert november.wanting_area == 0, "not yet submitted when November ended"
