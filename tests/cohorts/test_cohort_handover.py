"""Handing the demo's domestic abuse cohort from pan-london to a successor scheme (issue 13, PCD 1544): the
referrals go on there with their answers, history and "formerly" references; those whose landlord has no
counterpart stay and are listed; no balance moves; nothing happens until both schemes' admins agree; and nothing
outside the cohort, nor any other scheme, is touched."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.cohorts import services as cohorts
from reciprocal.cohorts.models import HANDED_ON, RECEIVED, CohortHandover
from reciprocal.cohorts.moving import DONE, STAYS_LANDLORD, unscoped_hand_over
from reciprocal.db.engine import Database
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.ledger.services import balances
from reciprocal.notifications.handoffs import tell
from reciprocal.notifications.models import Notice
from reciprocal.partners.models import Organisation
from reciprocal.provisioning.demo import load_demo
from reciprocal.referrals.models import MonitoringAnswers, Referral, ReferralArea
from reciprocal.referrals.workflow import ACTIVE, State
from reciprocal.settings import Settings
from support import demo_scheme, scheme_id
from support.cohorts import DROPPED, ISSUER, OPERATOR, SUCCESSOR, admin, successor


async def agree(db: Database, actor: Actor, handover_id: uuid.UUID) -> None:
    async with db.tenant_session(actor.tenant_id) as session, session.begin():
        await cohorts.agree(session, actor, handover_id)


async def referrals(db: Database, tid: uuid.UUID) -> dict[uuid.UUID, tuple[str | None, State, int]]:
    async with db.tenant_session(tid) as session:
        rows = await session.execute(select(Referral.id, Referral.reference, Referral.state, Referral.version))
        return {row.id: (row.reference, row.state, row.version) for row in rows}


async def ledger(db: Database, tid: uuid.UUID) -> list[tuple[str, int | None, int, int]]:
    async with db.tenant_session(tid) as session:
        return [(b.partner_name, b.bedrooms, b.owed, b.owing) for b in await balances(session, tid)]


async def events(db: Database, tid: uuid.UUID) -> int:
    async with db.tenant_session(tid) as session:
        return await session.scalar(select(func.count()).select_from(AuditEvent)) or 0


@pytest.fixture
def keys(settings: Settings) -> Keys:
    return Keys(settings.require_secret_key())


async def test_the_demos_domestic_abuse_cohort_goes_on_in_the_successor_scheme(
    db: Database, keys: Keys, tmp_path: Path
) -> None:
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    london, gla = await scheme_id(db, "pan-london"), await successor(db, tmp_path)
    county = await scheme_id(db, "cambridgeshire")
    before = await referrals(db, london)
    county_before, county_events = await referrals(db, county), await events(db, county)
    london_ledger, gla_ledger = await ledger(db, london), await ledger(db, gla)
    async with db.tenant_session(london) as session:
        cohort = {
            r.id: r
            for r in await session.scalars(
                select(Referral).where(Referral.risk_type == "domestic_abuse", Referral.state.in_(ACTIVE))
            )
        }
        dropped = [r.id for r in cohort.values() if await _code(session, r.current_landlord_id) == DROPPED]
        timelines = {
            rid: [
                e.action
                for e in await session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.subject_type == "referral", AuditEvent.subject_id == rid)
                    .order_by(AuditEvent.occurred_at, AuditEvent.id)
                )
            ]
            for rid in cohort
        }
    assert cohort, "the demo has live domestic abuse referrals"
    assert dropped, "one of them is the dropped partner's tenant"

    request = await cohorts.unscoped_request(db, OPERATOR, "pan-london", SUCCESSOR, "domestic_abuse")
    await agree(db, await admin(db, "pan-london"), request.id)
    await agree(db, await admin(db, SUCCESSOR), request.id)
    done = await unscoped_hand_over(db, OPERATOR, request.id)

    moved = {line["from_reference"]: line["to_reference"] for line in done.report["moved"]}
    stayed = {line["reference"]: line["reason"] for line in done.report["stayed"]}
    assert moved, "some of the cohort moved"
    for rid in dropped:
        assert stayed[cohort[rid].reference or ""] == STAYS_LANDLORD
    assert set(moved) | set(stayed) == {r.reference for r in cohort.values()}

    after = await referrals(db, london)
    for rid, (reference, state, version) in before.items():
        if reference in moved:
            assert after[rid][1] == State.handed_on
        else:  # nothing outside the cohort, nor what stayed, changed at all
            assert after[rid] == (reference, state, version)

    # The receiving scheme sees exactly what moved: each with its answers, its whole history and a line more.
    async with db.tenant_session(gla) as session:
        arrived = {r.former_reference: r for r in await session.scalars(select(Referral))}
        assert set(arrived) == set(moved)
        for rid, old in cohort.items():
            if old.reference not in moved:
                continue
            new = arrived[old.reference]
            assert new.reference == moved[old.reference]
            assert new.reference.startswith("GLA-")
            assert (new.state, new.adults, new.children_ages, new.bedrooms_needed, new.submitted_at) == (
                old.state,
                old.adults,
                old.children_ages,
                old.bedrooms_needed,
                old.submitted_at,
            )
            history = [
                e.action
                for e in await session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.subject_type == "referral", AuditEvent.subject_id == new.id)
                    .order_by(AuditEvent.occurred_at, AuditEvent.id)
                )
            ]
            assert sorted(history) == sorted([*timelines[rid], RECEIVED])  # (steps at one instant: either order)
        areas = await session.scalar(select(func.count()).select_from(ReferralArea))
        assert areas, "the safe and risk boroughs came too"
        assert await session.scalar(select(func.count()).select_from(MonitoringAnswers)) is not None
        received = list(await session.scalars(select(AuditEvent.id).where(AuditEvent.action == RECEIVED)))
    async with db.tenant_session(london) as session:
        handed = await session.scalar(select(func.count()).where(AuditEvent.action == HANDED_ON))
        assert handed == len(moved)
    for tid in (london, gla):  # audited in both schemes: asked, agreed, carried out (with the operator's id)
        async with db.tenant_session(tid) as session:
            trail = {
                e.action: e.details
                for e in await session.scalars(select(AuditEvent).where(AuditEvent.subject_id == request.id))
            }
        assert set(trail) == {cohorts.REQUESTED, cohorts.AGREED, DONE}
        assert trail[DONE] == {"moved": len(moved), "stayed": len(stayed), "operator": str(OPERATOR)}

    # Its officer is told, in the receiving scheme.
    async with db.tenant_session(gla) as session, session.begin():
        await tell(session, gla, received)
    async with db.tenant_session(gla) as session:
        told = set(await session.scalars(select(Notice.user_id).where(Notice.kind == "received")))
        assert {r.officer_id for r in arrived.values()} <= told

    # Ledger positions do not move between pots, and the report says what they were.
    assert await ledger(db, london) == london_ledger
    assert await ledger(db, gla) == gla_ledger
    reported = done.report["balances"]
    assert [(b["partner"], b["bedrooms"], b["owed"], b["owing"]) for b in reported["from"]] == london_ledger
    assert [(b["partner"], b["bedrooms"], b["owed"], b["owing"]) for b in reported["to"]] == gla_ledger
    # No other scheme is touched.
    assert await referrals(db, county) == county_before
    assert await events(db, county) == county_events


async def _code(session: AsyncSession, organisation_id: uuid.UUID | None) -> str | None:
    return await session.scalar(select(Organisation.code).where(Organisation.id == organisation_id))


async def test_nothing_moves_until_both_admins_agree(db: Database, tmp_path: Path) -> None:
    london, gla = await scheme_id(db, "pan-london"), await successor(db, tmp_path)
    before = await referrals(db, london)
    request = await cohorts.unscoped_request(db, OPERATOR, "pan-london", SUCCESSOR, "domestic_abuse")
    with pytest.raises(Refused, match="Both schemes' admins must agree"):
        await unscoped_hand_over(db, OPERATOR, request.id)
    london_admin, gla_admin = await admin(db, "pan-london"), await admin(db, SUCCESSOR)
    await agree(db, london_admin, request.id)
    with pytest.raises(Refused, match="Both schemes' admins must agree"):
        await unscoped_hand_over(db, OPERATOR, request.id)
    # Both agreed, then one admin changes the matching: both must agree again to what will be used.
    await agree(db, gla_admin, request.id)
    first = next(iter(request.matches))
    async with db.tenant_session(gla) as session, session.begin():
        await cohorts.match(session, gla_admin, request.id, first, None)
    with pytest.raises(Refused, match="Both schemes' admins must agree"):
        await unscoped_hand_over(db, OPERATOR, request.id)
    assert await referrals(db, london) == before
    assert await referrals(db, gla) == {}


async def test_another_schemes_admin_cannot_see_or_agree_to_the_request(db: Database, tmp_path: Path) -> None:
    await successor(db, tmp_path)
    request = await cohorts.unscoped_request(db, OPERATOR, "pan-london", SUCCESSOR, "domestic_abuse")
    outsider = await admin(db, "cambridgeshire")
    with pytest.raises(NotFound):
        await agree(db, outsider, request.id)
    async with db.tenant_session(outsider.tenant_id) as session:
        assert list(await session.scalars(cohorts.requests_for(outsider.tenant_id))) == []
        assert await session.get(CohortHandover, request.id) is not None  # not hidden by the database: by the query


async def test_a_request_names_two_schemes_and_a_cohort(db: Database) -> None:
    with pytest.raises(Refused) as refused:
        await cohorts.unscoped_request(db, OPERATOR, "pan-london", "pan-london", "domestic_abuse")
    assert refused.value.problems == [(cohorts.FIELD_TO, "Select another scheme on the service to hand the cohort to")]
    with pytest.raises(Refused) as refused:
        await cohorts.unscoped_request(db, OPERATOR, "pan-london", "cambridgeshire", " ")
    assert refused.value.problems[0][0] == cohorts.FIELD_RISK
