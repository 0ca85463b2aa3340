"""Signed-in pages: each role lands on its own home, is refused elsewhere, and sessions end when they should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update

from reciprocal.db.engine import Database
from reciprocal.identity.models import Membership, Role, UserSession
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.settings import Settings
from support import add_member, scheme_id, session_token, visible_text
from support.web import Client, act_as_new_member, token_in


async def test_a_page_for_a_role_sends_strangers_to_sign_in(client: Client) -> None:
    response = await client.get("/s/pan-london/named-lead/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/s/pan-london/sign-in"


async def test_each_role_lands_on_its_own_home(client: Client, db: Database, settings: Settings) -> None:
    await act_as_new_member(
        client,
        db,
        settings,
        "pan-london",
        "lead@camden.example",
        [("camden-council", Role.named_lead)],
        name="Sam Lead",
    )
    home = await client.get("/s/pan-london/home", follow_redirects=False)
    assert home.headers["location"] == "/s/pan-london/named-lead/"
    page = await client.get("/s/pan-london/named-lead/")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Signed in as Sam Lead, named lead for Camden Council" in text
    assert page.headers["cache-control"] == "no-store"


async def test_a_role_is_refused_another_roles_pages(client: Client, db: Database, settings: Settings) -> None:
    await act_as_new_member(
        client,
        db,
        settings,
        "pan-london",
        "lead@camden.example",
        [("camden-council", Role.named_lead)],
        name="Sam Lead",
    )
    for path in ("/s/pan-london/coordinator/", "/s/pan-london/admin/", "/s/pan-london/officer/"):
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "You cannot use this page" in response.text


async def test_a_session_does_not_open_another_scheme(client: Client, db: Database, settings: Settings) -> None:
    user = await add_member(db, "pan-london", "lead@camden.example", [("camden-council", Role.named_lead)])
    token = await session_token(db, "pan-london", user, settings)
    # Even sent deliberately to the other scheme's pages, the token means nothing there.
    client.cookies.set(SESSION_COOKIE, token, path="/s/cambridgeshire/")
    response = await client.get("/s/cambridgeshire/named-lead/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/s/cambridgeshire/sign-in"


async def test_several_roles_switch_and_act_in_one_at_a_time(client: Client, db: Database, settings: Settings) -> None:
    await act_as_new_member(
        client,
        db,
        settings,
        "pan-london",
        "both@camden.example",
        [("camden-council", Role.named_lead), ("coordinator", Role.coordinator)],
        name="Sam Lead",
    )
    assert (
        (await client.get("/s/pan-london/home", follow_redirects=False)).headers["location"].endswith("/coordinator/")
    )
    form = await client.get("/s/pan-london/acting-as")
    assert "Named lead, Camden Council" in visible_text(form.text)
    csrf = token_in(form)
    value = next(
        line.split('value="')[1].split('"')[0]
        for line in form.text.splitlines()
        if 'name="acting"' in line and "named_lead" in line
    )
    switched = await client.post(
        "/s/pan-london/acting-as", data={"acting": value}, headers={"x-csrftoken": csrf}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert (await client.get("/s/pan-london/named-lead/")).status_code == 200
    assert (await client.get("/s/pan-london/coordinator/")).status_code == 403


async def test_idle_and_absolute_timeouts_end_a_session(client: Client, db: Database, settings: Settings) -> None:
    await act_as_new_member(
        client,
        db,
        settings,
        "pan-london",
        "lead@camden.example",
        [("camden-council", Role.named_lead)],
        name="Sam Lead",
    )
    assert (await client.get("/s/pan-london/named-lead/")).status_code == 200
    idle = datetime.now(UTC) - timedelta(minutes=settings.session_idle_minutes + 1)
    await _age_sessions(db, last_seen_at=idle)
    assert (await client.get("/s/pan-london/named-lead/", follow_redirects=False)).status_code == 303


async def test_leaving_the_organisation_ends_access_at_once(client: Client, db: Database, settings: Settings) -> None:
    await act_as_new_member(
        client,
        db,
        settings,
        "pan-london",
        "lead@camden.example",
        [("camden-council", Role.named_lead)],
        name="Sam Lead",
    )
    assert (await client.get("/s/pan-london/named-lead/")).status_code == 200
    await _delete_memberships(db)
    assert (await client.get("/s/pan-london/named-lead/", follow_redirects=False)).status_code == 303


async def _age_sessions(db: Database, **values) -> None:  # type: ignore[no-untyped-def]
    async with db.tenant_session(await scheme_id(db, "pan-london")) as session, session.begin():
        await session.execute(update(UserSession).values(**values))


async def _delete_memberships(db: Database) -> None:
    async with db.tenant_session(await scheme_id(db, "pan-london")) as session, session.begin():
        await session.execute(delete(Membership))
