"""Links and callbacks name RECIPROCAL_BASE_URL only; requests for any other host are refused with a 400 page.

Whoever sends a request chooses its Host header. Were links built from it, a sign-in requested for a
member with `Host: evil.example` would email them a link (or send their provider's code) to that host.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from oidc_provider import Provider, add_provider
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.operations import services as operations
from reciprocal.settings import Settings
from smtp_server import Inbox
from support import DatabaseUnderTest, add_member, make_settings, session_token, visible_text
from support.mail import app_client
from support.web import Client, post_from

PUBLIC = "https://reciprocal.example"
"""The configured public address. The test client reaches the app at https://127.0.0.1, an allowed host
that is not the public one (as a proxy or an internal name would), so a link built from the request shows."""
OFFICER = "officer@refuge.example"
LEAD = "lead@camden.example"
EVIL = "evil.example"


pytestmark = pytest.mark.usefixtures("loopback_provider")


@pytest.fixture
def settings(inbox: Inbox) -> Settings:
    return make_settings(base_url=PUBLIC, allowed_hosts=("127.0.0.1",), smtp_port=inbox.port)


@pytest.fixture
async def client(database: DatabaseUnderTest, settings: Settings) -> AsyncIterator[Client]:
    async with app_client(database, settings) as test_client:
        yield test_client


def links_in(message: object) -> list[str]:
    body = message.get_content()  # type: ignore[attr-defined]
    return re.findall(r"https?://\S+", body)


# --- requests for another host ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", [EVIL, "127.0.0.1.evil.example", "evil.example:443", "", "reciprocal.example.evil"])
async def test_a_page_asked_for_under_another_host_is_refused_with_the_services_400_page(
    client: Client, host: str
) -> None:
    response = await client.get("/s/pan-london/", headers={"host": host})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    text = visible_text(response.text)
    assert text.startswith("Skip to main content")
    assert "There is a problem with your request" in text
    assert "Traceback" not in response.text
    assert "invalid host header" not in response.text
    # The refusal is a page like every other: the security headers are on it.
    assert response.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" in response.headers


async def test_the_public_host_and_the_allowed_ones_are_answered(client: Client) -> None:
    for host in ["reciprocal.example", "Reciprocal.Example", "127.0.0.1"]:
        response = await client.get("/s/pan-london/", headers={"host": host})
        assert response.status_code == 200, host


async def test_a_sign_in_link_asked_for_under_another_host_is_refused_and_nothing_is_sent(
    client: Client, db: Database, inbox: Inbox
) -> None:
    await add_member(db, "pan-london", OFFICER, [("safe-steps-london", Role.nominating_officer)])
    response = await post_from(
        client, "/s/pan-london/sign-in", "/s/pan-london/sign-in", {"email": OFFICER}, headers={"host": EVIL}
    )
    assert response.status_code == 400
    assert "There is a problem with your request" in visible_text(response.text)
    assert await inbox.received() == []


async def test_an_operator_link_asked_for_under_another_host_is_refused_and_nothing_is_sent(
    client: Client, db: Database, inbox: Inbox
) -> None:
    async with db.session() as session, session.begin():
        await operations.add_operator(session, "ops@reciprocal.example", "Olu Operations")
    response = await post_from(
        client,
        "/s/pan-london/sign-in",
        "/operator/sign-in",
        {"email": "ops@reciprocal.example"},
        headers={"host": EVIL},
    )
    assert response.status_code == 400
    assert await inbox.received() == []


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_load_balancers_probe_by_address_whatever_the_host(client: Client, path: str) -> None:
    for host in ["10.0.0.7:8000", EVIL, ""]:
        response = await client.get(path, headers={"host": host})
        assert response.status_code == 200, (host, response.text)
        assert response.json()["status"] == "ok"


async def test_an_unknown_address_under_another_host_is_still_not_found(client: Client) -> None:
    response = await client.get("/nowhere", headers={"host": EVIL})
    assert response.status_code == 404


# --- what the service builds from the public address -----------------------------------------------------


async def test_an_emailed_sign_in_link_names_the_public_address_not_the_requests_host(
    client: Client, db: Database, inbox: Inbox
) -> None:
    await add_member(db, "pan-london", OFFICER, [("safe-steps-london", Role.nominating_officer)])
    response = await post_from(client, "/s/pan-london/sign-in", "/s/pan-london/sign-in", {"email": OFFICER})
    assert response.status_code == 200
    message = await inbox.only_message_to(OFFICER)
    links = links_in(message)
    assert len(links) == 1, links
    assert links[0].startswith(f"{PUBLIC}/s/pan-london/sign-in/link/")


async def test_an_operators_sign_in_link_names_the_public_address(client: Client, db: Database, inbox: Inbox) -> None:
    async with db.session() as session, session.begin():
        await operations.add_operator(session, "ops@reciprocal.example", "Olu Operations")
    await client.get("/operator/sign-in")
    response = await client.post(
        "/operator/sign-in",
        data={"email": "ops@reciprocal.example"},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
        follow_redirects=False,
    )
    assert response.status_code == 200
    message = await inbox.only_message_to("ops@reciprocal.example")
    links = links_in(message)
    assert len(links) == 1, links
    assert links[0].startswith(f"{PUBLIC}/operator/sign-in/link/")


async def test_the_provider_is_given_and_sends_back_to_the_public_address(
    client: Client, db: Database, settings: Settings
) -> None:
    provider_id = uuid.uuid4()
    callback = f"{PUBLIC}/s/pan-london/sign-in/oidc/{provider_id}/callback"
    with Provider() as provider:
        # The organisation's IT registered the public callback: the provider refuses any other.
        registered = provider.register_client(callback)
        await add_provider(
            db,
            settings,
            "pan-london",
            "camden-council",
            provider,
            email_domains=["camden.example"],
            provider_id=provider_id,
            client=registered,
        )
        provider.set_user("sub-lead", email=LEAD, email_verified=True, name="Sam Lead")
        await add_member(db, "pan-london", LEAD, [("camden-council", Role.named_lead)], name="Sam Lead")

        to_provider = await post_from(client, "/s/pan-london/sign-in", "/s/pan-london/sign-in", {"email": LEAD})
        assert to_provider.status_code == 303, to_provider.text
        location = to_provider.headers["location"]
        assert parse_qs(urlsplit(location).query)["redirect_uri"] == [callback]

        async with httpx.AsyncClient() as browser:
            authorised = await browser.post(location, data={"sub": "sub-lead"}, follow_redirects=False)
        assert authorised.status_code == 302, authorised.text
        back = authorised.headers["location"]
        assert back.startswith(f"{callback}?")
        # The browser comes back to the public address; here, to the same app under its other name.
        signed_in = await client.get(urlsplit(back)._replace(scheme="", netloc="").geturl(), follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/s/pan-london/home"
        # The code was exchanged naming the same redirect_uri, as the provider requires.
        assert provider.token_requests[-1]["redirect_uri"] == callback


async def test_the_admins_provider_page_shows_the_public_callback_to_register(
    client: Client, db: Database, settings: Settings
) -> None:
    admin = await add_member(db, "pan-london", "admin@coordination.example", [("coordinator", Role.scheme_admin)])
    client.cookies.set(SESSION_COOKIE, await session_token(db, "pan-london", admin, settings), path="/s/pan-london/")
    with Provider() as provider:
        row, _ = await add_provider(
            db, settings, "pan-london", "camden-council", provider, email_domains=["camden.example"]
        )
    page = await client.get(f"/s/pan-london/admin/organisations/{row.organisation_id}/sign-in")
    assert page.status_code == 200, page.text
    text = visible_text(page.text)
    assert f"Redirect URI {PUBLIC}/s/pan-london/sign-in/oidc/{row.id}/callback" in text
    assert f"Sign-out redirect URI {PUBLIC}/s/pan-london/" in text
    assert "https://127.0.0.1" not in text  # where the test client asked; the provider itself is on loopback


async def test_the_demo_without_a_base_url_links_to_where_it_listens_not_to_the_requests_host(
    database: DatabaseUnderTest, db: Database, inbox: Inbox
) -> None:
    settings = make_settings(demo=True, base_url=None, port=8011, smtp_port=inbox.port)
    await add_member(db, "pan-london", OFFICER, [("safe-steps-london", Role.nominating_officer)])
    async with app_client(database, settings, base_url="http://127.0.0.1:8011") as client:
        refused = await post_from(
            client,
            "/s/pan-london/sign-in",
            "/s/pan-london/sign-in",
            {"email": OFFICER},
            headers={"host": f"{EVIL}:8011"},
        )
        assert refused.status_code == 400
        # Opened by name rather than address: allowed in the demo, but the link still names HOST and PORT.
        response = await post_from(
            client,
            "/s/pan-london/sign-in",
            "/s/pan-london/sign-in",
            {"email": OFFICER},
            headers={"host": "localhost:8011"},
        )
        assert response.status_code == 200
    links = links_in(await inbox.only_message_to(OFFICER))
    assert len(links) == 1, links
    assert links[0].startswith("http://127.0.0.1:8011/s/pan-london/sign-in/link/")
