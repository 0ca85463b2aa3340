"""A person the scheme admin invites is emailed how to sign in, once; a role added later is told of too; another
scheme's people hear nothing."""

from __future__ import annotations

import uuid

from people import organisation_id, scheme
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.mail.services import SmtpMailer
from reciprocal.settings import Settings
from reciprocal.worker import run
from smtp_server import Inbox
from support import DatabaseUnderTest, make_settings
from support.web import Client, act_as_new_member, post


async def org_id(db: Database, slug: str, code: str) -> uuid.UUID:
    return await organisation_id(db, (await scheme(db, slug)).id, code)


async def test_an_invited_person_is_emailed_how_to_sign_in_to_their_scheme(
    client: Client, db: Database, settings: Settings, database: DatabaseUnderTest, inbox: Inbox
) -> None:
    mail = make_settings(smtp_port=inbox.port)
    for slug, organisation, role in [
        ("pan-london", "camden-council", "named_lead"),
        ("cambridgeshire", "cambridge-city-council", "named_lead"),
    ]:
        admin = [("coordinator", Role.scheme_admin)]
        await act_as_new_member(client, db, settings, slug, f"admin@{slug}.example", admin, replace=True)
        form = {
            "email": f"jo@{slug}.example",
            "name": "Jo Lead",
            "organisation": str(await org_id(db, slug, organisation)),
        }
        invited = await post(client, f"/s/{slug}/admin/users/invite", {**form, "roles": [role]})
        assert invited.status_code == 303
        await run(db, database.app, SmtpMailer(mail), mail, drain=True)
        (email,) = [m for m in inbox.messages if m["To"] == f"jo@{slug}.example"]
        # Each scheme's own welcome, from its folder (tenants/<slug>/messages.toml).
        assert email["Subject"] == f"Welcome to the {(await scheme(db, slug)).name}"
        body = email.get_content()
        assert f"{settings.require_base_url()}/s/{slug}/sign-in\r\n" in body
        assert body.startswith((await scheme(db, slug)).name)

    # Another role for the same person: told again, once.
    slug = "pan-london"
    await act_as_new_member(client, db, settings, slug, "admin2@pan-london.example", admin, replace=True)
    form = {
        "email": f"jo@{slug}.example",
        "name": "Jo Lead",
        "organisation": str(await org_id(db, slug, "coordinator")),
    }
    assert (await post(client, f"/s/{slug}/admin/users/invite", {**form, "roles": ["coordinator"]})).status_code == 303
    await run(db, database.app, SmtpMailer(mail), mail, drain=True)
    subjects = [m["Subject"] for m in inbox.messages if m["To"] == f"jo@{slug}.example"]
    assert subjects == [
        "Welcome to the Pan London Housing Reciprocal",
        "You have been given another role in the scheme",
    ]
    assert len(inbox.messages) == 3
