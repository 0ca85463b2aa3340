"""The scheme admin sees each retention run's receipt and downloads it: the rules, counts and dates, never a
case's content; each scheme sees only its own runs, and no one but its admin sees them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy import update

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.referrals.models import Referral
from reciprocal.retention import services as retention
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from support import visible_text
from support.scheduled import CANARIES, CASE_REFERENCE
from support.web import Client, act_as, act_as_new_member
from support.world import County, World

TODAY = date(2026, 12, 3)


async def test_the_receipt_page_and_download_carry_counts_never_case_content(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()
    moved = await w.moved(replace(w.domestic_abuse(), **CANARIES), w.partner, w.home(), moved_on=date(2024, 11, 1))

    async def long_ago(session, _):  # type: ignore[no-untyped-def]
        await session.execute(
            update(Referral).where(Referral.id == moved.id).values(ended_at=datetime(2024, 1, 1, tzinfo=UTC))
        )

    await w.run(long_ago, None)
    await w.run(retention.apply, w.scheme.id, TODAY)
    await w.run(retention.apply, w.scheme.id, TODAY)

    slug = w.scheme.slug
    await act_as_new_member(client, db, settings, slug, f"admin@{slug}.example", [("coordinator", Role.scheme_admin)])
    page = await client.get(f"/s/{slug}/admin/retention")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Closed referrals (with their answers, offers and timeline) 730 days (2 years)" in text
    assert "Run on" in text
    assert "nothing was due" in text
    assert (
        "Closed referrals (with their answers, offers and timeline) Kept 730 days: what ended before 3 December 2024 1"
        in text
    )
    download = await client.get(f"/s/{slug}/admin/retention?format=csv")
    assert download.status_code == 200
    rows = download.text.lstrip("\ufeff").splitlines()
    assert rows[0] == "Ran,Records,Kept (days),Removed what ended before,Removed"
    assert len(rows) == 1 + 2 * 5
    assert sum(1 for row in rows if row.startswith(tuple("0123456789")) and row.endswith(",1")) == 1
    for body in (page.text, download.text):
        for canary in [*CANARIES.values(), CASE_REFERENCE, str(moved.reference)]:
            assert canary not in body

    # The coordinator's ledger keeps the move's entries, marked where the reference was; the page is not theirs.
    await act_as(client, db, settings, w.coordinator, slug)
    statement = visible_text((await client.get(f"/s/{slug}/ledger/partners/{w.partner.organisation_id}")).text)
    assert "removed under retention: from" in statement
    assert str(moved.reference) not in statement
    assert (await client.get(f"/s/{slug}/admin/retention")).status_code in (403, 404)

    # The other scheme's admin sees no run of this scheme's; its coordinator cannot open the page at all.
    theirs = other.scheme.slug
    await act_as_new_member(
        client, db, settings, theirs, f"admin@{theirs}.example", [("coordinator", Role.scheme_admin)], replace=True
    )
    assert "No run yet" in visible_text((await client.get(f"/s/{theirs}/admin/retention")).text)


async def test_the_public_criteria_page_states_each_schemes_retention_and_the_defaults(
    each_world: World, client: Client, db: Database
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()

    async def shorter(session, _):  # type: ignore[no-untyped-def]
        await session.execute(update(Scheme).where(Scheme.id == w.scheme.id).values(keep_sessions_days=14))

    await w.run(shorter, None)
    ours = visible_text((await client.get(f"/s/{w.scheme.slug}/criteria")).text)
    assert "How long records are kept" in ours
    assert "Signed-in sessions ended 14 days 30 days" in ours
    assert "Closed referrals (with their answers, offers and timeline) 730 days (2 years) 730 days (2 years)" in ours
    theirs = visible_text((await client.get(f"/s/{other.scheme.slug}/criteria")).text)
    assert "Signed-in sessions ended 30 days 30 days" in theirs
