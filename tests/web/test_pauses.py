"""A partner pausing new circulations, in both schemes: set by its named lead or the coordinator, audited, a bad
end date refused with nothing changed; shown on the batch page and the statement; skipped by a batch release and
its notices; ended by itself on its date; and the paused partner's offers made go on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.kernel import dates
from reciprocal.notifications.handoffs import tell
from reciprocal.notifications.models import Notice
from reciprocal.partners.models import Organisation
from reciprocal.referrals import pauses
from reciprocal.referrals import services as referrals
from reciprocal.referrals.circulation import partners_reached
from reciprocal.referrals.workflow import State
from reciprocal.settings import Settings
from reciprocal.statements.services import Month
from support import visible_text
from support.scheduled import Time, approved
from support.web import Client, post, sign_in
from support.world import County, World


def _date_fields(day) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"until-day": str(day.day), "until-month": str(day.month), "until-year": str(day.year)}


async def _pause_row(w: World) -> tuple[object, int]:
    """The partner's pause columns, and how many pauses of it the audit trail holds."""
    async with w.db.tenant_session(w.scheme.id) as session:
        until = await session.scalar(
            select(Organisation.paused_until).where(
                Organisation.tenant_id == w.scheme.id, Organisation.id == w.partner.organisation_id
            )
        )
        audited = await session.scalar(
            select(func.count()).where(
                AuditEvent.tenant_id == w.scheme.id,
                AuditEvent.action == pauses.PAUSED,
                AuditEvent.subject_id == w.partner.organisation_id,
            )
        )
    return until, audited or 0


async def test_a_named_lead_pauses_their_organisation_and_a_bad_end_date_changes_nothing(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    w = each_world
    slug = w.scheme.slug
    await sign_in(client, db, settings, w.partner, slug)
    path = f"/s/{slug}/named-lead/pause"
    assert (await client.get(path)).status_code == 200
    today = dates.today()
    for fields, message in (
        ({"reason": "absence"}, "Enter the date new circulations should reach you again"),
        ({**_date_fields(today - timedelta(days=1)), "reason": "absence"}, "must be in the future"),
        ({**_date_fields(today), "reason": "absence"}, "must be in the future"),
        ({"until-day": "31", "until-month": "2", "until-year": "2027", "reason": "absence"}, "must be a real date"),
        (_date_fields(today + timedelta(days=5)), "Select why new circulations are paused"),
    ):
        refused = await post(client, path, fields)
        assert refused.status_code == 400, fields
        assert message in visible_text(refused.text)
        assert 'class="govuk-error-summary' in refused.text
        assert await _pause_row(w) == (None, 0)

    until = today + timedelta(days=5)
    done = await post(client, path, {**_date_fields(until), "reason": "no_stock"})
    assert done.status_code == 303
    assert await _pause_row(w) == (until, 1)
    home = visible_text((await client.get(f"/s/{slug}/named-lead/")).text)
    assert f"has paused new circulations until {dates.govuk_date(until)} (no properties to offer for now)" in home

    ended = await post(client, f"{path}/end")
    assert ended.status_code == 303
    assert (await _pause_row(w))[0] is None
    assert "has paused new circulations" not in visible_text((await client.get(f"/s/{slug}/named-lead/")).text)


async def test_the_coordinator_pauses_a_partner_the_batch_skips_it_and_its_pages_say_so(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    w = each_world
    slug = w.scheme.slug
    waiting = await approved(w)
    await sign_in(client, db, settings, w.coordinator, slug)
    until = dates.today() + timedelta(days=10)
    done = await post(
        client,
        f"/s/{slug}/coordinator/partners/{w.partner.organisation_id}/pause",
        {**_date_fields(until), "reason": "absence"},
    )
    assert done.status_code == 303
    listed = visible_text((await client.get(done.headers["location"])).text)
    assert f"{w.partner.organisation_name} Paused until {dates.govuk_date(until)}: staff absence" in listed

    batch = visible_text((await client.get(f"/s/{slug}/coordinator/batch")).text)
    assert f"{w.partner.organisation_name}: Paused until {dates.govuk_date(until)} (staff absence)" in batch
    # The county's referral is safe only where the paused partner has homes: it is left out, and the page says why.
    assert ("or those that have are paused: no one would see it" in batch) == (slug == "cambridgeshire")
    statement = await client.get(f"/s/{slug}/ledger/partners/{w.partner.organisation_id}")
    assert f"New circulations Paused until {dates.govuk_date(until)}" in visible_text(statement.text)
    last_month = Month.of(dates.today()).previous.key  # paused only since today: not at that month's end
    before = await client.get(f"/s/{slug}/ledger/partners/{w.partner.organisation_id}?month={last_month}")
    assert before.status_code == 200
    assert "Paused until" not in visible_text(before.text)

    await w.run(referrals.circulate_batch, w.coordinator)
    async with db.tenant_session(w.scheme.id) as session:
        referral = await w.referral(waiting.id)
        reached = (await partners_reached(session, [referral]))[referral.id]
    assert w.partner.organisation_id not in reached
    # Pan London's referral still reaches its other safe boroughs; the county's reached only the paused partner.
    assert referral.state == (State.circulating if reached else State.approved)

    ended = await post(client, f"/s/{slug}/coordinator/partners/{w.partner.organisation_id}/pause/end")
    assert ended.status_code == 303
    assert (await _pause_row(w))[0] is None


async def test_the_paused_partners_named_lead_is_not_told_of_the_batch(db: Database, each_world: World) -> None:
    w = each_world
    waiting = await approved(w)
    async with db.tenant_session(w.scheme.id) as session, session.begin():
        await pauses.pause(
            session, w.coordinator, w.partner.organisation_id, until=dates.today() + timedelta(days=2), reason="other"
        )
    released = await w.run(referrals.circulate_batch, w.coordinator)
    async with db.tenant_session(w.scheme.id) as session, session.begin():
        steps = list(
            await session.scalars(
                select(AuditEvent.id).where(
                    AuditEvent.tenant_id == w.scheme.id,
                    AuditEvent.subject_id == waiting.id,
                    AuditEvent.action == "referral.circulate",
                )
            )
        )
        if steps:  # the county's referral reached only the paused partner: it stayed out of the batch
            await tell(session, w.scheme.id, steps)
        told = set(
            await session.scalars(
                select(Notice.user_id).where(Notice.tenant_id == w.scheme.id, Notice.kind == "circulated")
            )
        )
    assert w.partner.user_id not in told
    assert bool(steps) == bool(released)
    if released:  # Pan London: Brent's named lead covers a safe borough and is told
        assert w.brent.user_id in told


async def test_a_pause_ends_by_itself_on_its_date(
    client: Client, db: Database, settings: Settings, each_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = each_world
    time = Time(monkeypatch)
    time.at(datetime(2027, 3, 1, 10, 0, tzinfo=UTC))
    waiting = await approved(w)
    async with db.tenant_session(w.scheme.id) as session, session.begin():
        await pauses.pause(
            session, w.partner, w.partner.organisation_id, until=dates.today() + timedelta(days=3), reason="absence"
        )

    async def reached() -> bool:
        referral = await w.referral(waiting.id)
        async with db.tenant_session(w.scheme.id) as session:
            return w.partner.organisation_id in (await partners_reached(session, [referral]))[referral.id]

    time.at(datetime(2027, 3, 3, 23, 0, tzinfo=UTC))
    assert not await reached()
    time.at(datetime(2027, 3, 4, 9, 0, tzinfo=UTC))
    assert await reached()
    await sign_in(client, db, settings, w.partner, w.scheme.slug)
    assert "has paused new circulations" not in visible_text((await client.get(f"/s/{w.scheme.slug}/named-lead/")).text)


async def test_a_paused_partner_still_sees_the_referral_it_offered_a_property(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    w = each_world
    referral = await w.offered(w.domestic_abuse())
    async with db.tenant_session(w.scheme.id) as session, session.begin():
        await pauses.pause(
            session, w.partner, w.partner.organisation_id, until=dates.today() + timedelta(days=3), reason="no_stock"
        )
    await sign_in(client, db, settings, w.partner, w.scheme.slug)
    page = await client.get(f"/s/{w.scheme.slug}/named-lead/referrals/{referral.id}")
    assert page.status_code == 200
    assert referral.reference in page.text
    home = visible_text((await client.get(f"/s/{w.scheme.slug}/named-lead/")).text)
    assert "Your open offers" in home
    assert referral.reference in home


async def test_another_schemes_partner_cannot_be_paused(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    w = each_world
    other = (await World(db).build()) if w.scheme.slug != "pan-london" else None
    await sign_in(client, db, settings, w.coordinator, w.scheme.slug)
    foreign = other.partner.organisation_id if other else await _county_partner(db)
    path = f"/s/{w.scheme.slug}/coordinator/partners/{foreign}/pause"
    assert (await client.get(path)).status_code == 404
    agency = f"/s/{w.scheme.slug}/coordinator/partners/{w.officer.organisation_id}/pause"  # not a housing partner
    assert (await client.get(agency)).status_code == 404
    refused = await post(client, path, {**_date_fields(dates.today() + timedelta(days=3)), "reason": "absence"})
    assert refused.status_code == 404


async def _county_partner(db: Database):  # type: ignore[no-untyped-def]
    return (await County(db).build()).partner.organisation_id
