"""The scheme admin sees the emails every attempt of which failed, in their own scheme only, and sends one again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.kernel import clock
from reciprocal.mail.services import SmtpMailer
from reciprocal.notifications import delivery
from reciprocal.notifications.models import MessageState, OutboxMessage
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action
from reciprocal.settings import Settings
from reciprocal.worker import run
from smtp_server import Inbox
from support import DatabaseUnderTest, make_settings, visible_text
from support.web import Client, act_as_new_member, post
from support.world import County, World


async def test_a_failed_email_is_shown_to_its_schemes_admin_and_sent_again(
    each_world: World,
    client: Client,
    db: Database,
    settings: Settings,
    database: DatabaseUnderTest,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()
    slug = w.scheme.slug
    referral = await w.submitted(w.domestic_abuse())
    await w.run(referrals.act, w.coordinator, referral.id, Action.request_approval, version=referral.version)
    down = make_settings(smtp_port=9)  # nothing listens there
    await run(db, database.app, SmtpMailer(down), down, drain=True)
    async with db.tenant_session(w.scheme.id) as session:
        (message,) = await session.scalars(select(OutboxMessage))
    start = clock.now()
    for hours in range(1, delivery.ATTEMPTS):
        monkeypatch.setattr(clock, "now", lambda hours=hours: start + timedelta(hours=3 * hours))
        async with db.tenant_session(w.scheme.id) as session, session.begin():
            await delivery.deliver(session, w.scheme.id, message.id, SmtpMailer(down), "https://127.0.0.1")
    monkeypatch.undo()
    subject = f"Referral {referral.reference} is waiting for your approval"

    elsewhere = other.scheme.slug
    admin = [("coordinator", Role.scheme_admin)]
    await act_as_new_member(client, db, settings, elsewhere, f"admin@{elsewhere}.example", admin, replace=True)
    text = visible_text((await client.get(f"/s/{elsewhere}/admin/")).text)
    assert "Emails that could not be sent None." in text
    assert subject not in text
    refused = await post(
        client, f"/s/{elsewhere}/admin/messages/{message.id}/retry", csrf_from=f"/s/{elsewhere}/admin/"
    )
    assert refused.status_code == 404

    await act_as_new_member(client, db, settings, slug, f"admin@{slug}.example", admin, replace=True)
    text = visible_text((await client.get(f"/s/{slug}/admin/")).text)
    assert f"{w.landlord.email} {subject} {delivery.ATTEMPTS} times" in text

    # Sent again, it goes once the mail server is back.
    again = await post(client, f"/s/{slug}/admin/messages/{message.id}/retry", csrf_from=f"/s/{slug}/admin/")
    assert again.status_code == 303
    text = visible_text((await client.get(again.headers["location"])).text)
    assert "The email will be sent again within a minute." in text
    assert subject not in text
    up = make_settings(smtp_port=inbox.port)
    await run(db, database.app, SmtpMailer(up), up, drain=True)
    (sent,) = inbox.messages
    assert (sent["To"], sent["Subject"]) == (w.landlord.email, subject)
    async with db.tenant_session(w.scheme.id) as session:
        assert (await session.get(OutboxMessage, (w.scheme.id, message.id))).state == MessageState.sent  # type: ignore[union-attr]
    again = await post(client, f"/s/{slug}/admin/messages/{message.id}/retry", csrf_from=f"/s/{slug}/admin/")
    assert again.status_code == 404  # sent: nothing to send again
