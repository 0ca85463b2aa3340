""" "What's new" on each role's home: what the worker told a person, unread until they open it, in their scheme
and role only; the full list pages back over 90 days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from reciprocal.db.engine import Database
from reciprocal.kernel import clock
from reciprocal.mail.services import SmtpMailer
from reciprocal.notifications.models import Notice
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action
from reciprocal.settings import Settings
from reciprocal.worker import run
from smtp_server import Inbox
from support import DatabaseUnderTest, make_settings, visible_text
from support.web import Client, post, sign_in
from support.world import County, World


async def drain(database: DatabaseUnderTest, db: Database, inbox: Inbox) -> None:
    settings = make_settings(smtp_port=inbox.port)
    await run(db, database.app, SmtpMailer(settings), settings, drain=True)


async def test_a_notice_is_new_on_its_persons_home_until_opened_and_nobody_else_sees_it(
    each_world: World, client: Client, db: Database, settings: Settings, database: DatabaseUnderTest, inbox: Inbox
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()
    slug = w.scheme.slug
    referral = await w.submitted(w.domestic_abuse())
    await w.run(referrals.act, w.coordinator, referral.id, Action.request_approval, version=referral.version)
    await drain(database, db, inbox)
    told = f"Referral {referral.reference} is waiting for your approval"

    await sign_in(client, db, settings, w.landlord, slug)
    home = await client.get(f"/s/{slug}/named-lead/")
    text = visible_text(home.text)
    assert "What's new 1 unread" in text
    assert f"New {told}" in text
    (link,) = [line for line in home.text.split('"') if line.startswith(f"/s/{slug}/whats-new/")]

    opened = await client.get(link, follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/s/{slug}/named-lead/approvals/{referral.id}"
    text = visible_text((await client.get(f"/s/{slug}/named-lead/")).text)
    assert told in text
    assert "unread" not in text
    assert f"New {told}" not in text

    # The partner of the same scheme, and the landlord of the other, were told nothing, and cannot open it.
    await sign_in(client, db, settings, w.partner, slug)
    text = visible_text((await client.get(f"/s/{slug}/named-lead/")).text)
    assert "Nothing in the last 90 days" in text
    assert told not in text
    assert (await client.get(link, follow_redirects=False)).status_code == 404
    await sign_in(client, db, settings, other.landlord, other.scheme.slug)
    assert (await client.get(link.replace(slug, other.scheme.slug), follow_redirects=False)).status_code == 404


async def test_the_whats_new_page_lists_older_lines_marks_all_read_and_forgets_after_90_days(
    world: World,
    client: Client,
    db: Database,
    settings: Settings,
    database: DatabaseUnderTest,
    inbox: Inbox,
) -> None:
    made = []
    for _ in range(3):
        referral = await world.submitted(world.domestic_abuse())
        await world.run(
            referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version
        )
        made.append(referral.reference)
    await drain(database, db, inbox)

    await sign_in(client, db, settings, world.landlord)
    page = visible_text((await client.get("/s/pan-london/whats-new")).text)
    assert "3 not opened yet" in page
    assert page.index(made[2]) < page.index(made[1]) < page.index(made[0]), "newest first"
    await post(client, "/s/pan-london/whats-new/read", {}, csrf_from="/s/pan-london/whats-new")
    page = visible_text((await client.get("/s/pan-london/whats-new")).text)
    assert "not opened yet" not in page
    assert all(reference in page for reference in made)

    async with db.tenant_session(world.scheme.id) as session, session.begin():
        await session.execute(update(Notice).values(occurred_at=clock.now() - timedelta(days=91)))
    page = visible_text((await client.get("/s/pan-london/whats-new")).text)
    assert "Nothing in the last 90 days" in page
