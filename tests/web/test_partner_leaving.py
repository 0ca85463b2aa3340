"""A housing partner leaving the scheme, in two schemes: the coordinator records the date with a reason (bad
input names the field, nothing changes); from that day its people are refused and nothing new is circulated to
it, while the referral it has already offered on goes on; the other scheme's partners are untouched."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import User
from reciprocal.identity.services import start_session
from reciprocal.kernel import dates
from reciprocal.kernel.errors import Refused
from reciprocal.ledger import services as ledger
from reciprocal.ledger.models import LedgerEntry
from reciprocal.partners.models import Organisation
from reciprocal.referrals import leaving, offers
from reciprocal.referrals.circulation import partners_reached
from reciprocal.referrals.workflow import State
from reciprocal.settings import Settings
from support import visible_text
from support.scheduled import approved
from support.web import Client, act_as, post
from support.world import County, World


async def left_on(w: World, partner_id: object) -> date | None:
    async with w.db.tenant_session(w.scheme.id) as session:
        found = await session.get(Organisation, (w.scheme.id, partner_id))
    assert found is not None
    return found.left_on


async def test_bad_leaving_is_refused_by_field_and_changes_nothing(each_world: World) -> None:
    w = each_world
    partner = w.partner.organisation_id
    cases = [
        (None, "Moving to another scheme", "left_on"),
        (dates.today() - timedelta(days=1), "Moving to another scheme", "left_on"),
        (dates.today(), "  ", "reason"),
        (dates.today(), "Call 07700 900123 about it", "reason"),
    ]
    for day, reason, field in cases:
        with pytest.raises(Refused) as refused:
            await w.run(leaving.record_leaving, w.coordinator, partner, left_on=day, reason=reason)
        assert [name for name, _ in refused.value.problems] == [field]
        assert await left_on(w, partner) is None
    with pytest.raises(leaving.PartnerNotFound):
        await w.run(leaving.record_leaving, w.partner, partner, left_on=dates.today(), reason="Leaving")


async def test_from_the_leaving_day_its_people_are_refused_and_nothing_new_reaches_it(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()
    slug = w.scheme.slug
    offered = await w.offered(w.domestic_abuse())
    await act_as(client, db, settings, w.partner, slug)
    before = await client.get(f"/s/{slug}/named-lead/")
    assert before.status_code == 200
    assert "/sign-in" not in str(before.url)

    await w.run(
        leaving.record_leaving, w.coordinator, w.partner.organisation_id, left_on=dates.today(), reason="Stock sold"
    )

    assert await left_on(w, w.partner.organisation_id) == dates.today()
    async with db.tenant_session(w.scheme.id) as session:
        events = await session.scalar(
            AuditEvent.__table__.select()
            .with_only_columns(AuditEvent.details)
            .where(AuditEvent.action == leaving.LEAVING, AuditEvent.subject_id == w.partner.organisation_id)
        )
    assert events == {"left_on": dates.today().isoformat()}
    # Its named lead's session is refused from today.
    after = await client.get(f"/s/{slug}/named-lead/", follow_redirects=False)
    assert after.status_code in (302, 303, 401, 403)
    # And a new sign-in starts no session (the sign-in pages then refuse, as for anyone with no membership).
    async with db.tenant_session(w.scheme.id) as session, session.begin():
        user = await session.get(User, (w.scheme.id, w.partner.user_id))
        assert user is not None
        assert await start_session(session, w.scheme.id, user, settings, method="link", organisation_id=None) is None
    # A new referral is circulated to others, never to it.
    fresh = await approved(w)
    async with db.tenant_session(w.scheme.id) as session:
        reached = await partners_reached(session, [fresh])
    assert w.partner.organisation_id not in reached[fresh.id]
    # The referral it had offered on goes on, served by the coordinator.
    for step in (offers.arrange_viewing, offers.accept):
        referral = await w.referral(offered.id)
        await w.run(step, w.coordinator, referral.id, version=referral.version)
    assert (await w.referral(offered.id)).state == State.accepted
    # The other scheme's partner is still in, and its people still act.
    assert await left_on(other, other.partner.organisation_id) is None
    await act_as(client, db, settings, other.partner, other.scheme.slug)
    assert (await client.get(f"/s/{other.scheme.slug}/named-lead/", follow_redirects=False)).status_code == 200


async def net_of(w: World, partner_id: object) -> dict[int | None, int]:
    async with w.db.tenant_session(w.scheme.id) as session:
        return {b.bedrooms: b.net for b in await ledger.balances(session, w.scheme.id, partner_id)}  # type: ignore[arg-type]


async def entry_count(w: World) -> int:
    async with w.db.tenant_session(w.scheme.id) as session:
        return int(await session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


@pytest.mark.parametrize("how", ["settled", "written_off"])
async def test_a_leaving_partners_balance_is_closed_by_reversing_entries_with_the_reason(
    each_world: World, db: Database, how: str
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()
    partner = w.partner.organisation_id
    await w.moved(w.domestic_abuse(), w.partner, w.home())
    theirs = await other.moved(other.domestic_abuse(), other.partner, other.home())
    assert theirs.state == State.moved
    before = await net_of(w, partner)
    assert sum(before.values()) == 1
    others_before = await net_of(other, other.partner.organisation_id)
    entries = await entry_count(w)

    # Bad input: not left yet, no reason, no way chosen: field errors, no entry.
    for when_left, way, reason, field in [
        (False, how, "Agreed at the board", "how"),
        (True, how, "", "reason"),
        (True, "forgotten", "Agreed at the board", "how"),
    ]:
        if when_left and await left_on(w, partner) is None:
            await w.run(leaving.record_leaving, w.coordinator, partner, left_on=dates.today(), reason="Stock sold")
        with pytest.raises(Refused) as refused:
            await w.run(leaving.close_balance, w.coordinator, partner, how=way, reason=reason)
        assert [name for name, _ in refused.value.problems] == [field]
        assert await entry_count(w) == entries

    closed = await w.run(leaving.close_balance, w.coordinator, partner, how=how, reason="Agreed at the board")

    assert closed == 1
    assert await net_of(w, partner) == dict.fromkeys(before, 0)
    assert await entry_count(w) == entries + 2
    async with db.tenant_session(w.scheme.id) as session:
        reasons = set(await session.scalars(select(LedgerEntry.reason).where(LedgerEntry.reverses_id.is_not(None))))
    words = leaving.SETTLEMENTS[how]
    assert reasons == {f"{words} as {w.partner.organisation_name} left the scheme: Agreed at the board"}
    with pytest.raises(Refused):
        await w.run(leaving.close_balance, w.coordinator, partner, how=how, reason="Again")
    assert await net_of(other, other.partner.organisation_id) == others_before


async def test_the_coordinator_records_leaving_and_closes_the_balance_on_the_ledger_pages(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    slug, partner = w.scheme.slug, w.partner.organisation_id
    await w.moved(w.domestic_abuse(), w.partner, w.home())
    await act_as(client, db, settings, w.coordinator, slug)
    page = f"/s/{slug}/ledger/partners/{partner}/leaving"
    today = dates.today()
    entries = await entry_count(w)

    bad = await post(client, page, {"left_on-day": "31", "left_on-month": "2", "left_on-year": "2027"}, csrf_from=page)
    assert bad.status_code == 400
    text = visible_text(bad.text)
    assert "There is a problem" in text
    assert "The leaving date must be a real date" in text
    assert await left_on(w, partner) is None
    no_reason = {"left_on-day": str(today.day), "left_on-month": str(today.month), "left_on-year": str(today.year)}
    refused = await post(client, page, no_reason, csrf_from=page)
    assert refused.status_code == 400
    assert "Enter why the partner is leaving" in visible_text(refused.text)
    assert await left_on(w, partner) is None

    done = await post(client, page, {**no_reason, "reason": "Stock transferred"}, csrf_from=page)
    assert done.status_code == 303
    statement = visible_text((await client.get(done.headers["location"])).text)
    assert "Leaving date recorded" in statement
    assert f"Left on {dates.govuk_date(today)}" in statement
    assert f"Left on {dates.govuk_date(today)}" in visible_text((await client.get(f"/s/{slug}/ledger")).text)

    balance = f"{page}/balance"
    unchosen = await post(client, balance, {"reason": "Agreed"}, csrf_from=page)
    assert unchosen.status_code == 400
    assert "Select whether the balance is settled or written off" in visible_text(unchosen.text)
    assert await entry_count(w) == entries
    closed = await post(client, balance, {"how": "written_off", "reason": "Agreed"}, csrf_from=page)
    assert closed.status_code == 303
    assert "Balance closed" in visible_text((await client.get(closed.headers["location"])).text)
    assert sum((await net_of(w, partner)).values()) == 0
    assert await entry_count(w) == entries + 2
