"""The scheme admin rewrites an email in the scheme's own words: previewed, saved as a version, used from then on
in that scheme only; a template that would not render, or reaches for anything but its variables, is refused
with the line and problem, and nothing changes."""

from __future__ import annotations

from sqlalchemy import func, select

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.mail.services import SmtpMailer
from reciprocal.notifications.models import MessageTemplate
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action
from reciprocal.settings import Settings
from reciprocal.worker import run
from smtp_server import Inbox
from support import DatabaseUnderTest, make_settings, visible_text
from support.web import Client, act_as_new_member, post
from support.world import County, World

OURS = {
    "subject": "Approval needed: {{ reference }}",
    "body": "Dear colleague at {{ scheme }},\nplease see {{ link }}\n",
}


async def test_a_schemes_own_wording_is_previewed_saved_and_sent_in_that_scheme_only(
    each_world: World, client: Client, db: Database, settings: Settings, database: DatabaseUnderTest, inbox: Inbox
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()
    slug = w.scheme.slug
    admin = [("coordinator", Role.scheme_admin)]
    await act_as_new_member(client, db, settings, slug, f"admin@{slug}.example", admin, replace=True)
    page = f"/s/{slug}/admin/messages/approval_requested"
    assert "Referral {{ reference }} is waiting for your approval" in (await client.get(page)).text

    preview = await post(client, page, {**OURS, "action": "preview"}, csrf_from=page)
    assert preview.status_code == 200
    text = visible_text(preview.text)
    assert f"Approval needed: PL-2026-0042 Dear colleague at {w.scheme.name}, please see https://" in text
    saved = await post(client, page, {**OURS, "action": "save"}, csrf_from=page)
    assert saved.status_code == 303
    assert "Saved as version 1" in visible_text((await client.get(saved.headers["location"])).text)

    mail = make_settings(smtp_port=inbox.port)
    for world in (w, other):
        referral = await world.submitted(world.domestic_abuse())
        await world.run(
            referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version
        )
    await run(db, database.app, SmtpMailer(mail), mail, drain=True)
    ours = {m["Subject"]: m.get_content().replace("\r\n", "\n") for m in inbox.messages if m["To"] == w.landlord.email}
    ((subject, body),) = ours.items()
    assert subject.startswith("Approval needed: ")
    assert body.startswith(
        f"Dear colleague at {w.scheme.name},\nplease see {mail.require_base_url()}/s/{slug}/named-lead/approvals/"
    )
    (theirs,) = [m["Subject"] for m in inbox.messages if m["To"] == other.landlord.email]
    assert theirs.endswith("is waiting for your approval")  # the other scheme keeps the service's wording


async def test_a_template_that_would_not_render_is_refused_with_its_line_and_nothing_is_saved(
    world: World, client: Client, db: Database, settings: Settings
) -> None:
    await act_as_new_member(
        client, db, settings, "pan-london", "admin@pan-london.example", [("coordinator", Role.scheme_admin)]
    )
    page = "/s/pan-london/admin/messages/approved"
    for body, problem in [
        ("Hello\n{{ applicant_name }}\n", "The message, line 2: applicant_name is not one of the variables"),
        ("Hello\n\n{% if count %}\n", "The message, line 3: Unexpected end of template"),
        ("{{ scheme.__class__ }}", "The message cannot be written out"),
        ("", "Enter the message"),
    ]:
        refused = await post(
            client, page, {"subject": "Approved {{ reference }}", "body": body, "action": "save"}, csrf_from=page
        )
        assert refused.status_code == 400, body
        assert problem in visible_text(refused.text), body
    async with db.tenant_session(world.scheme.id) as session:
        saved = select(func.count()).where(MessageTemplate.kind == "approved")
        assert await session.scalar(saved) == 0
    assert (await client.get("/s/pan-london/admin/messages/no_such_email")).status_code == 404
