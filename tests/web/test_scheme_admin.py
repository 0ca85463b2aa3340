"""The scheme admin's pages: users and roles, organisations' sign-in, each kept to its own scheme."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import IdentityProvider, Membership, Role, User, UserSession, UserStatus
from reciprocal.identity.secrets import Keys
from reciprocal.kernel.dates import govuk_datetime, govuk_time
from reciprocal.partners.models import Organisation
from reciprocal.settings import Settings
from support import add_member, scheme_id, session_token, visible_text
from support.web import LONDON, Client, act_as_new_member, post, use_session

COUNTY = "cambridgeshire"


# Helpers: signing a test client in as someone, and posting forms as a browser would.


async def admin_of(client: Client, db: Database, settings: Settings, slug: str = LONDON) -> tuple[User, str]:
    return await act_as_new_member(
        client, db, settings, slug, f"admin@{slug}.example", [("coordinator", Role.scheme_admin)]
    )


async def org_id(db: Database, slug: str, code: str) -> uuid.UUID:
    tid = await scheme_id(db, slug)
    async with db.tenant_session(tid) as session:
        found = await session.scalar(select(Organisation.id).where(Organisation.code == code))
    assert found is not None
    return found


async def users_with_email(db: Database, slug: str, email: str) -> list[User]:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        return list(await session.scalars(select(User).where(User.email == email)))


async def memberships(db: Database, slug: str, user_id: uuid.UUID) -> set[tuple[uuid.UUID, Role]]:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        rows = await session.execute(
            select(Membership.organisation_id, Membership.role).where(Membership.user_id == user_id)
        )
        return {(o, r) for o, r in rows}


async def counts(db: Database, slug: str) -> tuple[int, int, int]:
    """Users, memberships and identity providers of one scheme: what an invalid form must not change."""
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        return (
            await session.scalar(select(func.count()).select_from(User)) or 0,
            await session.scalar(select(func.count()).select_from(Membership)) or 0,
            await session.scalar(select(func.count()).select_from(IdentityProvider)) or 0,
        )


async def audit_actions(db: Database, slug: str, subject_id: uuid.UUID) -> list[AuditEvent]:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        return list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.subject_id == subject_id).order_by(AuditEvent.occurred_at)
            )
        )


async def provider_of(db: Database, slug: str, organisation_id: uuid.UUID) -> IdentityProvider | None:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        return await session.scalar(select(IdentityProvider).where(IdentityProvider.organisation_id == organisation_id))


# Users: invite, validation, duplicates.


async def test_admin_invites_a_user_who_can_then_sign_in(client: Client, db: Database, settings: Settings) -> None:
    admin, _ = await admin_of(client, db, settings)
    camden = await org_id(db, LONDON, "camden-council")
    form = await client.get("/s/pan-london/admin/users/invite")
    assert form.status_code == 200
    text = visible_text(form.text)
    assert "Camden Council (council)" in text
    assert "Held at a council or housing association" in text
    assert "how to sign in: at https://127.0.0.1/s/pan-london/sign-in" in text

    response = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {"email": " Jo.Lead@Camden.example ", "name": "Jo  Lead", "organisation": str(camden), "roles": "named_lead"},
    )
    assert response.status_code == 303
    [user] = await users_with_email(db, LONDON, "jo.lead@camden.example")
    assert response.headers["location"] == f"/s/pan-london/admin/users/{user.id}?done=invited"
    assert user.display_name == "Jo Lead"
    assert user.status is UserStatus.invited
    assert await memberships(db, LONDON, user.id) == {(camden, Role.named_lead)}

    page = visible_text((await client.get(response.headers["location"])).text)
    assert "Jo Lead has been invited. They can now sign in at https://127.0.0.1/s/pan-london/sign-in" in page
    assert "Named lead" in page

    listing = await client.get("/s/pan-london/admin/users")
    assert listing.status_code == 200
    row = next(r for r in listing.text.split("<tr") if "jo.lead@camden.example" in r)
    assert "Named lead, Camden Council" in visible_text(f"<body>{row}")
    assert "Invited" in row
    assert "Never" in row

    events = await audit_actions(db, LONDON, user.id)
    assert [e.action for e in events] == ["user.invited", "membership.added"]
    assert all(e.actor_user_id == admin.id and e.actor_role == "scheme_admin" for e in events)
    assert events[1].details == {"organisation_id": str(camden), "role": "named_lead"}
    assert "jo.lead" not in str([e.details for e in events])


async def test_several_roles_in_one_invitation(client: Client, db: Database, settings: Settings) -> None:
    await admin_of(client, db, settings)
    coordinator = await org_id(db, LONDON, "coordinator")
    response = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {
            "email": "kim@coord.example",
            "name": "Kim",
            "organisation": str(coordinator),
            "roles": ["coordinator", "risk_assessor"],
        },
    )
    assert response.status_code == 303
    [user] = await users_with_email(db, LONDON, "kim@coord.example")
    assert await memberships(db, LONDON, user.id) == {
        (coordinator, Role.coordinator),
        (coordinator, Role.risk_assessor),
    }


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({}, "email", "Enter their work email address"),
        ({"email": "not-an-address"}, "email", "Enter an email address in the correct format"),
        ({}, "name", "Enter their full name"),
        ({}, "organisation", "Select their organisation"),
        ({"organisation": "not-a-uuid"}, "organisation", "Select their organisation"),
        ({}, "roles", "Select at least one role"),
        ({"roles": "chief_executive"}, "roles", "Select at least one role"),
        (
            {"org": "safe-steps-london", "roles": ["named_lead", "coordinator"]},
            "roles",
            "Safe Steps London is a referring agency, so they cannot be a coordinator or a named lead there",
        ),
        (
            {"org": "camden-council", "roles": "nominating_officer"},
            "roles",
            "Camden Council is a council, so they cannot be a nominating officer there",
        ),
        (
            {"org": "coordinator", "roles": "named_lead"},
            "roles",
            "is the scheme's coordinating body, so they cannot be a named lead there",
        ),
    ],
)
async def test_invalid_invitations_name_the_field_and_change_nothing(
    client: Client, db: Database, settings: Settings, form: dict[str, Any], field: str, message: str
) -> None:
    await admin_of(client, db, settings)
    data = dict(form)
    if code := data.pop("org", None):
        data["organisation"] = str(await org_id(db, LONDON, code))
    before = await counts(db, LONDON)
    response = await post(client, "/s/pan-london/admin/users/invite", data)
    assert response.status_code == 400
    assert response.text.startswith("<!DOCTYPE html>") or "<html" in response.text
    assert "<title>Error: Invite a user" in response.text
    summary = response.text.split('class="govuk-error-summary"', 1)[1].split("</div>\n</div>", 1)[0]
    assert f'href="#{field}"' in summary
    assert message in visible_text(f"<body>{summary}")
    inline = response.text.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in visible_text(f"<body>{inline}")
    assert await counts(db, LONDON) == before


async def test_an_organisation_of_another_scheme_is_refused(client: Client, db: Database, settings: Settings) -> None:
    await admin_of(client, db, settings)
    fenland = await org_id(db, COUNTY, "fenland-council")
    before = await counts(db, LONDON)
    response = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {"email": "x@fenland.example", "name": "X", "organisation": str(fenland), "roles": "named_lead"},
    )
    assert response.status_code == 400
    assert "Select their organisation" in response.text
    assert await counts(db, LONDON) == before


async def test_invalid_form_keeps_what_was_entered(client: Client, db: Database, settings: Settings) -> None:
    await admin_of(client, db, settings)
    camden = await org_id(db, LONDON, "camden-council")
    response = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {
            "email": "bad",
            "name": "Jo <b>Lead</b>",
            "organisation": str(camden),
            "roles": ["named_lead", "scheme_admin"],
        },
    )
    assert response.status_code == 400
    assert 'value="bad"' in response.text
    assert "Jo &lt;b&gt;Lead&lt;/b&gt;" in response.text
    assert f'value="{camden}" selected' in response.text
    assert re.search(r'value="named_lead"\s+checked', response.text)
    assert re.search(r'value="scheme_admin"\s+checked', response.text)
    assert not re.search(r'value="coordinator"\s+checked', response.text)


async def test_an_existing_users_email_adds_roles_not_a_duplicate(
    client: Client, db: Database, settings: Settings
) -> None:
    await admin_of(client, db, settings)
    existing = await add_member(db, LONDON, "jo@camden.example", [("camden-council", Role.named_lead)], name="Jo")
    safe_steps = await org_id(db, LONDON, "safe-steps-london")
    camden = await org_id(db, LONDON, "camden-council")
    response = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {
            "email": "JO@camden.example",
            "name": "Someone Else",
            "organisation": str(safe_steps),
            "roles": "nominating_officer",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/s/pan-london/admin/users/{existing.id}?done=added"
    [user] = await users_with_email(db, LONDON, "jo@camden.example")
    assert user.display_name == "Jo"
    assert await memberships(db, LONDON, user.id) == {
        (camden, Role.named_lead),
        (safe_steps, Role.nominating_officer),
    }
    assert [e.action for e in await audit_actions(db, LONDON, user.id)] == ["membership.added"]

    # The same roles again: nothing new, so it is an error and nothing changes.
    before = await counts(db, LONDON)
    again = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {"email": "jo@camden.example", "name": "Jo", "organisation": str(safe_steps), "roles": "nominating_officer"},
    )
    assert again.status_code == 400
    assert "They already hold nominating officer there" in visible_text(again.text)
    assert await counts(db, LONDON) == before


async def test_give_another_role_fills_in_the_user(client: Client, db: Database, settings: Settings) -> None:
    await admin_of(client, db, settings)
    existing = await add_member(db, LONDON, "jo@camden.example", [("camden-council", Role.named_lead)], name="Jo")
    page = await client.get(f"/s/pan-london/admin/users/{existing.id}")
    assert f'href="/s/pan-london/admin/users/invite?user={existing.id}"' in page.text
    form = await client.get(f"/s/pan-london/admin/users/invite?user={existing.id}")
    assert 'value="jo@camden.example"' in form.text


async def test_an_address_another_organisations_provider_signs_in_must_be_of_that_organisation(
    client: Client, db: Database, settings: Settings
) -> None:
    await admin_of(client, db, settings)
    camden = await org_id(db, LONDON, "camden-council")
    islington = await org_id(db, LONDON, "islington-council")
    saved = await post(
        client,
        f"/s/pan-london/admin/organisations/{camden}/sign-in",
        {
            "issuer": "https://login.camden.example",
            "client_id": "c",
            "client_secret": "s",
            "email_domains": "camden.gov.uk",
        },
    )
    assert saved.status_code == 303
    refused = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {"email": "al@camden.gov.uk", "name": "Al", "organisation": str(islington), "roles": "named_lead"},
    )
    assert refused.status_code == 400
    assert "Addresses at camden.gov.uk sign in through Camden Council's identity provider" in visible_text(refused.text)
    accepted = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {"email": "al@camden.gov.uk", "name": "Al", "organisation": str(camden), "roles": "named_lead"},
    )
    assert accepted.status_code == 303


# Users: last sign-in, suspending, removing roles.


async def test_last_sign_in_shows_in_uk_time(client: Client, db: Database, settings: Settings) -> None:
    await admin_of(client, db, settings)
    page = visible_text((await client.get("/s/pan-london/admin/users")).text)
    # The admin has just signed in; the date and time are in the GOV.UK style.
    assert re.search(r"Active \d{1,2} [A-Z][a-z]+ \d{4} at (\d{1,2}(:\d\d)?[ap]m|midday|midnight)", page), page


def test_govuk_datetime_is_uk_time_in_govuk_style() -> None:
    assert govuk_datetime(datetime(2026, 3, 5, 14, 30, tzinfo=UTC)) == "5 March 2026 at 2:30pm"
    assert govuk_datetime(datetime(2026, 7, 1, 13, 0, tzinfo=UTC)) == "1 July 2026 at 2pm"  # British Summer Time
    assert govuk_datetime(datetime(2026, 7, 1, 11, 0, tzinfo=UTC)) == "1 July 2026 at midday"
    assert govuk_datetime(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == "1 January 2026 at midnight"
    assert govuk_datetime(datetime(2026, 1, 1, 9, 5, tzinfo=UTC)) == "1 January 2026 at 9:05am"
    # The time alone, as the demo's "ask again from" names it: seconds are not shown.
    assert govuk_time(datetime(2026, 7, 1, 13, 5, 59, tzinfo=UTC)) == "2:05pm"


async def test_suspending_signs_them_out_at_once(client: Client, db: Database, settings: Settings) -> None:
    _, admin_token = await admin_of(client, db, settings)
    officer, officer_token = await act_as_new_member(
        client, db, settings, LONDON, "sam@safesteps.example", [("safe-steps-london", Role.nominating_officer)]
    )
    assert (await client.get("/s/pan-london/officer/")).status_code == 200

    use_session(client, LONDON, admin_token)
    response = await post(client, f"/s/pan-london/admin/users/{officer.id}/suspend")
    assert response.status_code == 303
    assert response.headers["location"] == f"/s/pan-london/admin/users/{officer.id}?done=suspended"
    page = visible_text((await client.get(response.headers["location"])).text)
    assert "Sam has been suspended and signed out" in page
    assert "Suspended" in page
    assert "Reinstate" in page

    use_session(client, LONDON, officer_token)
    refused = await client.get("/s/pan-london/officer/", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/s/pan-london/sign-in"
    async with db.tenant_session(officer.tenant_id) as session:
        live = await session.scalar(
            select(func.count()).where(UserSession.user_id == officer.id, UserSession.revoked_at.is_(None))
        )
    assert live == 0

    use_session(client, LONDON, admin_token)
    reinstated = await post(client, f"/s/pan-london/admin/users/{officer.id}/reinstate")
    assert reinstated.status_code == 303
    [user] = await users_with_email(db, LONDON, "sam@safesteps.example")
    assert user.status is UserStatus.active
    assert [e.action for e in await audit_actions(db, LONDON, officer.id)] == [
        "sign_in.succeeded",
        "user.suspended",
        "user.reinstated",
    ]


async def test_removing_a_role_ends_access_in_it(client: Client, db: Database, settings: Settings) -> None:
    _, admin_token = await admin_of(client, db, settings)
    lead, lead_token = await act_as_new_member(
        client, db, settings, LONDON, "lee@camden.example", [("camden-council", Role.named_lead)]
    )
    assert (await client.get("/s/pan-london/named-lead/")).status_code == 200
    camden = await org_id(db, LONDON, "camden-council")

    use_session(client, LONDON, admin_token)
    page = await client.get(f"/s/pan-london/admin/users/{lead.id}")
    assert f'action="/s/pan-london/admin/users/{lead.id}/memberships/remove"' in page.text
    assert "Remove named lead role at Camden Council" in visible_text(page.text)
    response = await post(
        client,
        f"/s/pan-london/admin/users/{lead.id}/memberships/remove",
        {"organisation": str(camden), "role": "named_lead"},
    )
    assert response.status_code == 303
    assert await memberships(db, LONDON, lead.id) == set()
    events = await audit_actions(db, LONDON, lead.id)
    assert events[-1].action == "membership.removed"
    assert events[-1].details == {"organisation_id": str(camden), "role": "named_lead"}

    use_session(client, LONDON, lead_token)
    refused = await client.get("/s/pan-london/named-lead/", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/s/pan-london/sign-in"

    # A role they do not hold is not there.
    use_session(client, LONDON, admin_token)
    missing = await post(
        client,
        f"/s/pan-london/admin/users/{lead.id}/memberships/remove",
        {"organisation": str(camden), "role": "named_lead"},
    )
    assert missing.status_code == 404


async def test_removing_one_of_several_roles_keeps_the_others(client: Client, db: Database, settings: Settings) -> None:
    _, admin_token = await admin_of(client, db, settings)
    both, both_token = await act_as_new_member(
        client,
        db,
        settings,
        LONDON,
        "both@coord.example",
        [("coordinator", Role.coordinator), ("coordinator", Role.risk_assessor)],
    )
    coordinator = await org_id(db, LONDON, "coordinator")
    use_session(client, LONDON, admin_token)
    # They act as coordinator (first in order); removing risk assessor leaves that session alone.
    response = await post(
        client,
        f"/s/pan-london/admin/users/{both.id}/memberships/remove",
        {"organisation": str(coordinator), "role": "risk_assessor"},
    )
    assert response.status_code == 303
    use_session(client, LONDON, both_token)
    assert (await client.get("/s/pan-london/coordinator/")).status_code == 200


async def test_an_admin_cannot_suspend_themselves_or_drop_their_admin_role(
    client: Client, db: Database, settings: Settings
) -> None:
    admin, _ = await admin_of(client, db, settings)
    coordinator = await org_id(db, LONDON, "coordinator")
    page = await client.get(f"/s/pan-london/admin/users/{admin.id}")
    assert "/suspend" not in page.text
    assert "/memberships/remove" not in page.text
    suspended = await post(client, f"/s/pan-london/admin/users/{admin.id}/suspend")
    assert suspended.status_code == 400
    assert "You cannot suspend yourself" in visible_text(suspended.text)
    removed = await post(
        client,
        f"/s/pan-london/admin/users/{admin.id}/memberships/remove",
        {"organisation": str(coordinator), "role": "scheme_admin"},
    )
    assert removed.status_code == 400
    assert "You cannot remove your own scheme admin role" in visible_text(removed.text)
    assert (await client.get("/s/pan-london/admin/users")).status_code == 200


# Organisations and their identity providers.


async def test_configuring_a_provider_stores_the_secret_encrypted_and_never_shows_it(
    client: Client, db: Database, settings: Settings
) -> None:
    admin, _ = await admin_of(client, db, settings)
    camden = await org_id(db, LONDON, "camden-council")
    secret = "s3cret-Value-never-to-be-shown-9f2c"
    listing = visible_text((await client.get("/s/pan-london/admin/organisations")).text)
    assert "Camden Council Council Emailed link" in listing
    assert "Safe Steps London Referring agency Emailed link" in listing

    page = await client.get(f"/s/pan-london/admin/organisations/{camden}/sign-in")
    assert page.status_code == 200
    assert 'type="password"' in page.text
    response = await post(
        client,
        f"/s/pan-london/admin/organisations/{camden}/sign-in",
        {
            "issuer": "https://login.camden.example/tenant/v2.0",
            "client_id": "reciprocal-camden",
            "client_secret": secret,
            "email_domains": "Camden.gov.uk, camden.example\n@staff.camden.gov.uk\ncamden.gov.uk",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/s/pan-london/admin/organisations/{camden}/sign-in?done=saved"

    provider = await provider_of(db, LONDON, camden)
    assert provider is not None
    assert provider.issuer == "https://login.camden.example/tenant/v2.0"
    assert provider.client_id == "reciprocal-camden"
    assert provider.email_domains == ["camden.gov.uk", "camden.example", "staff.camden.gov.uk"]
    assert secret not in provider.client_secret_encrypted
    keys = Keys(settings.require_secret_key())
    assert keys.decrypt(provider.client_secret_encrypted) == secret

    shown = await client.get(response.headers["location"])
    assert secret not in shown.text
    text = visible_text(shown.text)
    assert "Identity provider saved" in text
    assert "reciprocal-camden" in shown.text
    assert f"https://127.0.0.1/s/pan-london/sign-in/oidc/{provider.id}/callback" in text
    listing = visible_text((await client.get("/s/pan-london/admin/organisations")).text)
    assert "Camden Council Council Their identity provider: https://login.camden.example/tenant/v2.0" in listing

    # Changing it with the secret left blank keeps the stored secret.
    changed = await post(
        client,
        f"/s/pan-london/admin/organisations/{camden}/sign-in",
        {"issuer": "https://login.camden.example/tenant/v2.0", "client_id": "new-id", "email_domains": "camden.gov.uk"},
    )
    assert changed.status_code == 303
    provider = await provider_of(db, LONDON, camden)
    assert provider is not None
    assert provider.client_id == "new-id"
    assert keys.decrypt(provider.client_secret_encrypted) == secret

    events = await audit_actions(db, LONDON, camden)
    assert [e.action for e in events] == ["identity_provider.created", "identity_provider.changed"]
    assert all(e.actor_user_id == admin.id for e in events)
    assert secret not in str([e.details for e in events])


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"issuer": ""}, "issuer", "Enter the issuer URL"),
        ({"issuer": "http://login.camden.example"}, "issuer", "Enter an issuer URL that starts with https://"),
        ({"issuer": "ftp://login.camden.example"}, "issuer", "Enter an issuer URL that starts with https://"),
        ({"issuer": "https://login.camden.example?x=1"}, "issuer", "without a query"),
        ({"client_id": ""}, "client_id", "Enter the client ID"),
        ({"client_secret": ""}, "client_secret", "Enter the client secret"),
        ({"email_domains": ""}, "email_domains", "Enter at least one email domain"),
        (
            {"email_domains": "camden.gov.uk\ncamden_council.example"},
            "email_domains",
            "“camden_council.example” is not an email domain",
        ),
        ({"email_domains": "localhost"}, "email_domains", "“localhost” is not an email domain"),
    ],
)
async def test_invalid_provider_settings_name_the_field_change_nothing_and_never_echo_the_secret(
    client: Client, db: Database, settings: Settings, form: dict[str, str], field: str, message: str
) -> None:
    await admin_of(client, db, settings)
    camden = await org_id(db, LONDON, "camden-council")
    secret = "echo-me-not-4471"
    data = {
        "issuer": "https://login.camden.example",
        "client_id": "c",
        "client_secret": secret,
        "email_domains": "camden.gov.uk",
        **form,
    }
    response = await post(client, f"/s/pan-london/admin/organisations/{camden}/sign-in", data)
    assert response.status_code == 400
    assert secret not in response.text
    assert f'href="#{field}"' in response.text
    inline = response.text.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in visible_text(f"<body>{inline}")
    assert await provider_of(db, LONDON, camden) is None


async def test_a_loopback_issuer_may_use_http(client: Client, db: Database, settings: Settings) -> None:
    await admin_of(client, db, settings)
    camden = await org_id(db, LONDON, "camden-council")
    for issuer in ("http://127.0.0.1:9400", "http://localhost:9400/realm"):
        response = await post(
            client,
            f"/s/pan-london/admin/organisations/{camden}/sign-in",
            {"issuer": issuer, "client_id": "c", "client_secret": "s", "email_domains": "camden.example"},
        )
        assert response.status_code == 303, issuer


async def test_a_domain_belongs_to_one_provider(client: Client, db: Database, settings: Settings) -> None:
    await admin_of(client, db, settings)
    camden = await org_id(db, LONDON, "camden-council")
    islington = await org_id(db, LONDON, "islington-council")
    base = {"issuer": "https://login.example", "client_id": "c", "client_secret": "s"}
    first = await post(
        client, f"/s/pan-london/admin/organisations/{camden}/sign-in", {**base, "email_domains": "shared.example"}
    )
    assert first.status_code == 303
    second = await post(
        client,
        f"/s/pan-london/admin/organisations/{islington}/sign-in",
        {**base, "email_domains": "islington.example, shared.example"},
    )
    assert second.status_code == 400
    assert "shared.example already signs in through Camden Council's identity provider" in visible_text(second.text)
    assert await provider_of(db, LONDON, islington) is None
    # Saving Camden's own again with the same domain is no conflict with itself.
    again = await post(
        client, f"/s/pan-london/admin/organisations/{camden}/sign-in", {**base, "email_domains": "shared.example"}
    )
    assert again.status_code == 303


async def test_removing_a_provider_goes_back_to_emailed_links(client: Client, db: Database, settings: Settings) -> None:
    await admin_of(client, db, settings)
    camden = await org_id(db, LONDON, "camden-council")
    await post(
        client,
        f"/s/pan-london/admin/organisations/{camden}/sign-in",
        {"issuer": "https://login.example", "client_id": "c", "client_secret": "s", "email_domains": "camden.example"},
    )
    provider = await provider_of(db, LONDON, camden)
    assert provider is not None
    # Someone signed in through it is signed out when it goes.
    lead = await add_member(db, LONDON, "lee@camden.example", [("camden-council", Role.named_lead)])
    lead_token = await session_token(db, LONDON, lead, settings)
    async with db.tenant_session(lead.tenant_id) as session, session.begin():
        for user_session in await session.scalars(select(UserSession).where(UserSession.user_id == lead.id)):
            user_session.provider_id = provider.id

    response = await post(client, f"/s/pan-london/admin/organisations/{camden}/sign-in/remove")
    assert response.status_code == 303
    assert await provider_of(db, LONDON, camden) is None
    page = visible_text((await client.get(response.headers["location"])).text)
    assert "Identity provider removed" in page
    assert "They sign in now with a link we email them." in page
    assert [e.action for e in await audit_actions(db, LONDON, camden)][-1] == "identity_provider.removed"

    use_session(client, LONDON, lead_token)
    assert (await client.get("/s/pan-london/named-lead/", follow_redirects=False)).status_code == 303


# Who may use these pages, and which scheme's ids they reach.


def admin_routes(user_id: uuid.UUID, organisation_id: uuid.UUID) -> list[tuple[str, str]]:
    users = "/admin/users"
    org = f"/admin/organisations/{organisation_id}/sign-in"
    return [
        ("GET", users),
        ("GET", f"{users}/invite"),
        ("POST", f"{users}/invite"),
        ("GET", f"{users}/{user_id}"),
        ("POST", f"{users}/{user_id}/memberships/remove"),
        ("POST", f"{users}/{user_id}/suspend"),
        ("POST", f"{users}/{user_id}/reinstate"),
        ("GET", "/admin/organisations"),
        ("GET", org),
        ("POST", org),
        ("POST", f"{org}/remove"),
    ]


async def request(client: Client, method: str, url: str) -> Response:
    if method == "GET":
        return await client.get(url, follow_redirects=False)
    return await post(client, url)


@pytest.mark.parametrize(
    "membership",
    [
        ("safe-steps-london", Role.nominating_officer),
        ("camden-council", Role.named_lead),
        ("coordinator", Role.coordinator),
        ("coordinator", Role.risk_assessor),
    ],
)
async def test_other_roles_are_refused_every_admin_route(
    client: Client, db: Database, settings: Settings, membership: tuple[str, Role]
) -> None:
    someone = await add_member(db, LONDON, "jo@camden.example", [("camden-council", Role.named_lead)])
    camden = await org_id(db, LONDON, "camden-council")
    await act_as_new_member(client, db, settings, LONDON, "not.admin@example.org", [membership])
    for method, path in admin_routes(someone.id, camden):
        response = await request(client, method, f"/s/pan-london{path}")
        assert response.status_code == 403, (method, path)
    assert (await users_with_email(db, LONDON, "jo@camden.example"))[0].status is UserStatus.invited


async def test_strangers_are_sent_to_sign_in(client: Client, db: Database) -> None:
    someone = await add_member(db, LONDON, "jo@camden.example", [("camden-council", Role.named_lead)])
    camden = await org_id(db, LONDON, "camden-council")
    for method, path in admin_routes(someone.id, camden):
        response = await request(client, method, f"/s/pan-london{path}")
        assert response.status_code == 303, (method, path)
        assert response.headers["location"] == "/s/pan-london/sign-in"


async def test_another_schemes_ids_and_unknown_ids_are_not_found(
    client: Client, db: Database, settings: Settings
) -> None:
    county_user = await add_member(db, COUNTY, "pat@fenland.example", [("fenland-council", Role.named_lead)])
    fenland = await org_id(db, COUNTY, "fenland-council")
    await admin_of(client, db, settings)
    for user_id, organisation_id in ((county_user.id, fenland), (uuid.uuid4(), uuid.uuid4())):
        for method, path in admin_routes(user_id, organisation_id):
            if path in ("/admin/users", "/admin/users/invite", "/admin/organisations"):
                continue
            response = await request(client, method, f"/s/pan-london{path}")
            assert response.status_code == 404, (method, path)
        invite = await client.get(f"/s/pan-london/admin/users/invite?user={user_id}")
        assert invite.status_code == 404
    [untouched] = await users_with_email(db, COUNTY, "pat@fenland.example")
    assert untouched.status is UserStatus.invited
    assert await memberships(db, COUNTY, county_user.id) == {(fenland, Role.named_lead)}


async def test_each_schemes_admin_sees_only_its_own_users(client: Client, db: Database, settings: Settings) -> None:
    london_user = await add_member(db, LONDON, "jo@camden.example", [("camden-council", Role.named_lead)])
    await admin_of(client, db, settings, COUNTY)
    page = await client.get("/s/cambridgeshire/admin/users")
    assert page.status_code == 200
    assert "jo@camden.example" not in page.text
    assert "admin@cambridgeshire.example" in page.text
    assert "admin@pan-london.example" not in page.text
    organisations = visible_text((await client.get("/s/cambridgeshire/admin/organisations")).text)
    assert "Fenland" in organisations
    assert "Camden" not in organisations
    invite = visible_text((await client.get("/s/cambridgeshire/admin/users/invite")).text)
    assert "Camden" not in invite
    assert (await client.get(f"/s/cambridgeshire/admin/users/{london_user.id}")).status_code == 404
    # Their session means nothing at the other scheme's admin pages.
    assert (await client.get("/s/pan-london/admin/users", follow_redirects=False)).status_code == 303
