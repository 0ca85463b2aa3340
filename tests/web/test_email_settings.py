"""A person may have the emails that only inform once a day, in one morning summary; the ones that ask them
to act always come at once, and cannot be chosen otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reciprocal.db.engine import Database
from reciprocal.kernel import clock
from reciprocal.mail.services import SmtpMailer
from reciprocal.notifications import delivery
from reciprocal.notifications.models import EmailChoice, MessageState, OutboxMessage
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action
from reciprocal.settings import Settings
from reciprocal.worker import run
from smtp_server import Inbox
from support import DatabaseUnderTest, make_settings, visible_text
from support.web import Client, post, sign_in
from support.world import World


async def test_informing_emails_come_in_one_morning_summary_once_chosen(
    each_world: World,
    client: Client,
    db: Database,
    settings: Settings,
    database: DatabaseUnderTest,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = each_world
    slug = w.scheme.slug
    mail = make_settings(smtp_port=inbox.port)
    await sign_in(client, db, settings, w.officer, slug)
    saved = await post(client, f"/s/{slug}/email-settings", {"daily": "approved"})
    assert saved.status_code == 303
    page = visible_text((await client.get(saved.headers["location"])).text)
    assert "Your email settings are saved." in page

    approved = []
    for _ in range(2):
        referral = await w.submitted(w.domestic_abuse())
        referral = await w.run(
            referrals.act, w.coordinator, referral.id, Action.request_approval, version=referral.version
        )
        await w.run(referrals.act, w.landlord, referral.id, Action.approve, version=referral.version)
        approved.append(referral.reference)
    await run(db, database.app, SmtpMailer(mail), mail, drain=True)
    assert [m for m in inbox.messages if m["To"] == w.officer.email] == []  # not at once
    home = visible_text((await client.get(f"/s/{slug}/officer/")).text)
    assert f"Referral {approved[0]} was approved by the landlord" in home  # but in What's new at once

    async with db.tenant_session(w.scheme.id) as session:
        (summary,) = await session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == w.officer.user_id))
    assert summary.next_attempt_at == delivery.next_summary(clock.now())
    morning = summary.next_attempt_at + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: morning)
    async with db.tenant_session(w.scheme.id) as session, session.begin():
        assert (
            await delivery.deliver(session, w.scheme.id, summary.id, SmtpMailer(mail), "https://x") == MessageState.sent
        )
    (sent,) = [m for m in inbox.messages if m["To"] == w.officer.email]
    assert sent["Subject"] == "Your daily summary: 2 updates"
    body = sent.get_content()
    assert all(
        f"Referral {reference} was approved by the landlord: https://x/s/{slug}/referrals/" in body
        for reference in approved
    )


async def test_an_email_that_asks_for_action_cannot_be_put_off(
    world: World, client: Client, db: Database, settings: Settings
) -> None:
    await sign_in(client, db, settings, world.officer)
    await post(client, "/s/pan-london/email-settings", {"daily": "moved"})
    page = await client.get("/s/pan-london/email-settings")
    assert 'value="moved" checked' in page.text
    assert 'value="returned"' not in page.text  # asks the officer to act: always at once, so not offered

    refused = await post(client, "/s/pan-london/email-settings", {"daily": ["moved", "returned"]})
    assert refused.status_code == 400
    text = visible_text(refused.text)
    assert "There is a problem Choose from the emails listed: the others are always sent at once" in text
    async with db.tenant_session(world.scheme.id) as session:
        kinds = set(await session.scalars(select(EmailChoice.kind).where(EmailChoice.user_id == world.officer.user_id)))
    assert kinds == {"moved"}  # nothing changed
