"""Batches released by the worker on each scheme's cadence, with controlled time and real SMTP on loopback.

Pan London circulates every 7 days, Cambridgeshire every 14: each releases on its day and not before, once; a
batch is one digest per named lead; a referral held back, or reaching no partner, stays out; no email carries
case content.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from people import area_ids
from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.referrals import batches
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import State
from smtp_server import Inbox
from support import DatabaseUnderTest
from support.scheduled import Jobs, Time, approved, assert_no_case_content, subjects
from support.world import County, World

START = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
"""A Monday: the first scheduled run, when neither scheme has released a batch before."""


@pytest.fixture
def time(monkeypatch: pytest.MonkeyPatch) -> Time:
    time = Time(monkeypatch)
    time.at(START)
    return time


@pytest.fixture
def jobs(database: DatabaseUnderTest, db: Database, inbox: Inbox) -> Jobs:
    return Jobs(database, db, inbox)


async def test_each_scheme_releases_on_its_cadence_one_digest_per_named_lead(
    db: Database, time: Time, jobs: Jobs
) -> None:
    london, county = await World(db).build(), await County(db).build()
    await jobs.worker.circulate()  # the first run starts each scheme's cadence (nothing approved yet)

    first, second = await approved(london), await approved(london)
    held = await approved(london)
    held = await london.run(batches.hold_back, london.coordinator, held.id, held=True, version=held.version)
    nowhere = await area_ids(db, london.scheme.id, "croydon", "sutton", "merton", "kingston-upon-thames", "wandsworth")
    unreached = await approved(london, replace(london.domestic_abuse(), safe_area_ids=frozenset(nowhere)))
    theirs = await approved(county)
    await jobs.new()  # the approvals' own emails

    time.at(START + timedelta(days=6))
    await jobs.worker.circulate()
    assert await jobs.new() == []
    assert (await london.referral(first.id)).state == State.approved

    time.at(START + timedelta(days=7))
    await jobs.worker.circulate()
    await jobs.worker.circulate()  # run twice (two workers, or a retry): one release
    sent = await jobs.new()
    told = subjects(sent)
    assert told[london.partner.email] == ["2 new referrals for your boroughs"]
    assert all(len(each) == 1 for each in told.values())  # one digest per named lead
    assert london.landlord.email not in told  # its own tenants' referrals are not circulated to it
    assert not set(told) & {county.partner.email, county.landlord.email, county.officer.email}
    (digest,) = [m for m in sent if m["To"] == london.partner.email]
    body = digest.get_content()
    assert str(first.reference) in body
    assert str(second.reference) in body
    assert str(held.reference) not in body
    assert str(unreached.reference) not in body
    assert_no_case_content(sent)
    for referral, state in ((first, State.circulating), (second, State.circulating)):
        assert (await london.referral(referral.id)).state == state
    for waiting in (held, unreached):
        assert (await london.referral(waiting.id)).state == State.approved
    assert (await county.referral(theirs.id)).state == State.approved  # its cadence is 14 days

    # The timeline says the service released it, on the cadence.
    async with db.tenant_session(london.scheme.id) as session:
        (step,) = await session.scalars(
            select(AuditEvent).where(AuditEvent.subject_id == first.id, AuditEvent.action == "referral.circulate")
        )
    assert step.actor_user_id is None
    assert step.details["batch"] == "scheduled"
    assert START + timedelta(days=7) < step.occurred_at < START + timedelta(days=7, minutes=1)

    time.at(START + timedelta(days=13))
    await jobs.worker.circulate()
    assert await jobs.new() == []

    time.at(START + timedelta(days=14))
    await london.run(batches.hold_back, london.coordinator, held.id, held=False, version=held.version)
    await jobs.worker.circulate()
    sent = await jobs.new()
    told = subjects(sent)
    assert told[county.partner.email] == [f"Referral {theirs.reference} was circulated to you"]
    assert told[london.partner.email] == [f"New referral {held.reference} for your boroughs"]  # put back
    assert (await london.referral(unreached.id)).state == State.approved  # still reaches no one
    assert_no_case_content(sent)


async def test_the_coordinator_can_still_release_now_and_the_cadence_counts_from_then(
    db: Database, time: Time, jobs: Jobs
) -> None:
    london = await World(db).build()
    await jobs.worker.circulate()
    early = await approved(london)
    time.at(START + timedelta(days=2))
    await london.run(referrals.circulate_batch, london.coordinator)
    assert (await london.referral(early.id)).state == State.circulating
    async with db.tenant_session(london.scheme.id) as session:
        (step,) = await session.scalars(
            select(AuditEvent).where(AuditEvent.subject_id == early.id, AuditEvent.action == "referral.circulate")
        )
    assert step.actor_user_id == london.coordinator.user_id
    assert step.details["batch"] == "now"

    later = await approved(london)
    time.at(START + timedelta(days=7))  # seven days after the first run, five after the coordinator's release
    await jobs.worker.circulate()
    assert (await london.referral(later.id)).state == State.approved
    time.at(START + timedelta(days=9))
    await jobs.worker.circulate()
    assert (await london.referral(later.id)).state == State.circulating
