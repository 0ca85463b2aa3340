"""Signing in through an organisation's own OpenID Connect provider: a real provider, the app over HTTP.

oidc-provider-mock issues and signs every token (tests/oidc_provider.py); the app is driven through
Litestar's test client exactly as a browser would, with httpx standing in for the browser at the
provider's pages.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import oidc_provider_mock
import pytest
from sqlalchemy import func, select, update

from oidc_provider import Provider, add_provider, callback_url, jwt_claims
from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity import oidc
from reciprocal.identity.models import IdentityProvider, OidcFlow, Role, User, UserSession, UserStatus
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.settings import Settings
from support import add_member, scheme_id, visible_text
from support.web import Client, post, post_from

LEAD = "lead@camden.example"


pytestmark = pytest.mark.usefixtures("loopback_provider")


@pytest.fixture
def provider() -> Iterator[Provider]:
    with Provider() as running:
        yield running


@pytest.fixture
async def camden(db: Database, settings: Settings, provider: Provider) -> IdentityProvider:
    """Camden Council's provider in pan-london, vouching for camden.example addresses."""
    row, _ = await add_provider(
        db, settings, "pan-london", "camden-council", provider, email_domains=["camden.example"]
    )
    return row


@pytest.fixture
async def lead(db: Database, provider: Provider) -> User:
    """An invited named lead at Camden, known to Camden's provider by a subject of their own."""
    provider.set_user("sub-lead", email=LEAD, email_verified=True, name="Sam Lead")
    return await add_member(db, "pan-london", LEAD, [("camden-council", Role.named_lead)], name="Sam Lead")


# The journey, as the browser makes it


async def start(client: Client, email: str, slug: str = "pan-london") -> str:
    """Ask to sign in with `email`; returns where the service sends the browser (the provider)."""
    response = await post_from(client, f"/s/{slug}/sign-in", f"/s/{slug}/sign-in", {"email": email})
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def authorise(url: str, sub: str, **changed: str) -> str:
    """Sign in at the provider as `sub`; returns the callback address it sends the browser back to.

    `changed` alters the authorisation request's parameters on the way, as a hostile browser could.
    """
    if changed:
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changed
        url = urlunsplit(parts._replace(query=urlencode(query)))
    async with httpx.AsyncClient() as browser:
        response = await browser.post(url, data={"sub": sub}, follow_redirects=False)
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def sign_in(client: Client, email: str, sub: str, slug: str = "pan-london") -> httpx.Response:
    callback = await authorise(await start(client, email, slug), sub)
    return await client.get(callback, follow_redirects=False)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode(query_of(url) | params)))


def set_flow_cookie(client: Client, value: str, slug: str = "pan-london") -> None:
    for cookie in [c for c in client.cookies.jar if c.name == oidc.FLOW_COOKIE]:
        client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    client.cookies.set(oidc.FLOW_COOKIE, value, domain="127.0.0.1", path=f"/s/{slug}/sign-in/")


def forget_cookie(client: Client, name: str) -> None:
    for cookie in [c for c in client.cookies.jar if c.name == name]:
        client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)


# What the database holds afterwards


async def refusals(db: Database, slug: str = "pan-london") -> list[str]:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        rows = await session.scalars(
            select(AuditEvent.details["reason"].astext)
            .where(AuditEvent.action == "sign_in.refused")
            .order_by(AuditEvent.occurred_at)
        )
        return [r for r in rows]


async def session_count(db: Database, slug: str = "pan-london") -> int:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        return await session.scalar(select(func.count()).select_from(UserSession)) or 0


async def assert_refused(client: Client, db: Database, response: httpx.Response, reason: str) -> None:
    """A refusal page, no session anywhere, and the reason on the audit trail."""
    assert response.status_code == 403, response.text
    assert "You could not be signed in" in visible_text(response.text)
    assert SESSION_COOKIE not in response.cookies
    assert all(c.name != SESSION_COOKIE for c in client.cookies.jar)
    assert await refusals(db) == [reason]
    assert await session_count(db) == 0
    assert await session_count(db, "cambridgeshire") == 0


# Signing in


async def test_a_member_signs_in_through_their_organisations_provider(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    to_provider = await start(client, "Lead@Camden.example ")
    assert to_provider.startswith(f"{provider.issuer}/oauth2/authorize?")
    asked = query_of(to_provider)
    assert asked["client_id"] == camden.client_id
    assert asked["redirect_uri"] == callback_url("pan-london", camden.id)
    assert asked["scope"] == "openid email profile"
    assert asked["response_type"] == "code"
    assert asked["code_challenge_method"] == "S256"
    assert asked["login_hint"] == LEAD
    assert asked["nonce"]
    assert asked["state"]
    assert client.cookies.get(oidc.FLOW_COOKIE, path="/s/pan-london/sign-in/") == asked["state"]

    callback = await authorise(to_provider, "sub-lead")
    assert callback.startswith(callback_url("pan-london", camden.id) + "?")
    response = await client.get(callback, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/s/pan-london/home"
    assert response.cookies.get(SESSION_COOKIE)
    # The verifier sent with the code is the one the challenge was made from (PKCE, S256).
    verifier = provider.token_requests[-1]["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == asked["code_challenge"]

    home = await client.get("/s/pan-london/home", follow_redirects=False)
    assert home.headers["location"] == "/s/pan-london/named-lead/"
    page = await client.get("/s/pan-london/named-lead/")
    assert page.status_code == 200
    assert "Signed in as Sam Lead, named lead for Camden Council" in visible_text(page.text)

    async with db.tenant_session(lead.tenant_id) as session:
        stored = (await session.scalars(select(UserSession))).one()
        user = await session.get(User, (lead.tenant_id, lead.id))
    assert (stored.method, stored.provider_id, stored.organisation_id) == ("oidc", camden.id, camden.organisation_id)
    assert stored.id_token is not None
    assert jwt_claims(stored.id_token)["email"] == LEAD
    assert user is not None
    assert user.status == UserStatus.active
    assert await refusals(db) == []


async def test_home_realm_discovery_finds_the_provider_by_email_domain_in_this_scheme_only(
    db: Database, settings: Settings, provider: Provider, camden: IdentityProvider
) -> None:
    cambs, _ = await add_provider(
        db, settings, "cambridgeshire", "cambridge-city-council", provider, email_domains=["cambridge.example"]
    )
    london = await scheme_id(db, "pan-london")
    async with db.tenant_session(london) as session:
        assert (await oidc.provider_for_email(session, london, "someone@CAMDEN.example")).id == camden.id  # type: ignore[union-attr]
        assert await oidc.provider_for_email(session, london, "someone@gmail.example") is None
        assert await oidc.provider_for_email(session, london, "someone@sub.camden.example") is None
        assert await oidc.provider_for_email(session, london, "not-an-address") is None
        # Another scheme's provider is not found here, even asked for by its own domain.
        assert await oidc.provider_for_email(session, london, "someone@cambridge.example") is None
    cambridge = await scheme_id(db, "cambridgeshire")
    async with db.tenant_session(cambridge) as session:
        assert (await oidc.provider_for_email(session, cambridge, "x@cambridge.example")).id == cambs.id  # type: ignore[union-attr]


async def test_a_rotated_signing_key_is_fetched_again(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    assert (await sign_in(client, LEAD, "sub-lead")).status_code == 303
    forget_cookie(client, SESSION_COOKIE)
    provider.rotate_key()
    # The key set read for the first sign-in is still cached; the new key id makes authlib read it again.
    response = await sign_in(client, LEAD, "sub-lead")
    assert response.status_code == 303, response.text
    assert await session_count(db) == 2


async def test_sign_out_ends_the_session_and_the_providers(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    assert (await sign_in(client, LEAD, "sub-lead")).status_code == 303
    assert (await client.get("/s/pan-london/named-lead/")).status_code == 200
    response = await post(client, "/s/pan-london/sign-out")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{provider.issuer}/oauth2/end_session?")
    params = query_of(location)
    assert params["post_logout_redirect_uri"] == "https://127.0.0.1/s/pan-london/"
    hint = jwt_claims(params["id_token_hint"])
    assert hint["iss"] == provider.issuer
    assert camden.client_id in hint["aud"]
    assert hint["sub"] == "sub-lead"
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(location)).status_code == 200

    after = await client.get("/s/pan-london/named-lead/", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"] == "/s/pan-london/sign-in"
    async with db.tenant_session(lead.tenant_id) as session:
        assert (await session.scalars(select(UserSession))).one().revoked_at is not None


# Refused: the token


async def test_a_token_under_another_issuers_name_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    provider.token_issued_as = "issuer.invalid"
    response = await sign_in(client, LEAD, "sub-lead")
    assert jwt_claims(provider.id_tokens[-1])["iss"] == "http://issuer.invalid"
    await assert_refused(client, db, response, "wrong_issuer")


async def test_a_token_issued_to_another_client_is_refused(
    client: Client, db: Database, settings: Settings, provider: Provider, lead: User
) -> None:
    camden, ours = await add_provider(
        db, settings, "pan-london", "camden-council", provider, email_domains=["camden.example"]
    )
    theirs = provider.register_client(callback_url("pan-london", camden.id))
    provider.acting_for = (ours, theirs)
    response = await sign_in(client, LEAD, "sub-lead")
    assert jwt_claims(provider.id_tokens[-1])["aud"] == [theirs.client_id]
    await assert_refused(client, db, response, "wrong_audience")


async def test_a_token_altered_after_signing_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    # Someone who is not invited has the token name the named lead instead.
    provider.set_user("sub-mallory", email="mallory@camden.example", email_verified=True)
    provider.alter_id_token = lambda claims: claims.update(email=LEAD, sub="sub-lead")
    response = await sign_in(client, "mallory@camden.example", "sub-mallory")
    await assert_refused(client, db, response, "bad_signature")


async def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    provider.keys_of = oidc_provider_mock.app()
    response = await sign_in(client, LEAD, "sub-lead")
    await assert_refused(client, db, response, "unknown_key")


async def test_an_expired_token_is_refused(db: Database, settings: Settings, client: Client) -> None:
    with Provider(token_lifetime=timedelta(minutes=-5)) as stale:
        await add_provider(db, settings, "pan-london", "camden-council", stale, email_domains=["camden.example"])
        stale.set_user("sub-lead", email=LEAD, email_verified=True)
        await add_member(db, "pan-london", LEAD, [("camden-council", Role.named_lead)])
        response = await sign_in(client, LEAD, "sub-lead")
    await assert_refused(client, db, response, "token_expired")


async def test_a_made_up_nonce_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    callback = await authorise(await start(client, LEAD), "sub-lead", nonce="chosen-by-someone-else")
    response = await client.get(callback, follow_redirects=False)
    await assert_refused(client, db, response, "wrong_nonce")


async def test_the_nonce_of_an_earlier_sign_in_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    assert (await sign_in(client, LEAD, "sub-lead")).status_code == 303
    earlier = provider.authorize_requests[-1]["nonce"]
    forget_cookie(client, SESSION_COOKIE)
    callback = await authorise(await start(client, LEAD), "sub-lead", nonce=earlier)
    response = await client.get(callback, follow_redirects=False)
    assert response.status_code == 403
    assert await refusals(db) == ["wrong_nonce"]
    assert SESSION_COOKIE not in response.cookies
    assert await session_count(db) == 1


async def test_a_code_from_another_sign_in_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    """An authorisation code injected into someone's callback carries the other flow's nonce.

    (This provider does not enforce PKCE; one that does would refuse the exchange first.)
    """
    injected = await authorise(await start(client, LEAD), "sub-lead")
    own = await authorise(await start(client, LEAD), "sub-lead")
    response = await client.get(with_query(own, code=query_of(injected)["code"]), follow_redirects=False)
    await assert_refused(client, db, response, "wrong_nonce")


# Refused: the state


async def test_a_replayed_state_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    callback = await authorise(await start(client, LEAD), "sub-lead")
    assert (await client.get(callback, follow_redirects=False)).status_code == 303
    forget_cookie(client, SESSION_COOKIE)
    set_flow_cookie(client, query_of(callback)["state"])
    response = await client.get(callback, follow_redirects=False)
    assert response.status_code == 403
    assert await refusals(db) == ["unknown_state"]
    assert SESSION_COOKIE not in response.cookies
    assert await session_count(db) == 1


async def test_a_state_is_used_up_even_when_the_sign_in_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    callback = await authorise(await start(client, LEAD), "sub-lead")
    provider.token_issued_as = "issuer.invalid"
    assert (await client.get(callback, follow_redirects=False)).status_code == 403
    provider.token_issued_as = None
    set_flow_cookie(client, query_of(callback)["state"])
    response = await client.get(callback, follow_redirects=False)
    assert response.status_code == 403
    assert await refusals(db) == ["wrong_issuer", "unknown_state"]
    assert await session_count(db) == 0


async def test_an_expired_flow_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    callback = await authorise(await start(client, LEAD), "sub-lead")
    async with db.tenant_session(camden.tenant_id) as session, session.begin():
        await session.execute(update(OidcFlow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    response = await client.get(callback, follow_redirects=False)
    await assert_refused(client, db, response, "unknown_state")


async def test_a_callback_without_the_browsers_state_cookie_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    callback = await authorise(await start(client, LEAD), "sub-lead")
    forget_cookie(client, oidc.FLOW_COOKIE)
    response = await client.get(callback, follow_redirects=False)
    await assert_refused(client, db, response, "state_mismatch")


async def test_a_callback_for_another_browsers_flow_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    """Login CSRF: someone's own completed sign-in, slipped into this browser, which started its own."""
    theirs = await authorise(await start(client, LEAD), "sub-lead")
    await start(client, LEAD)  # this browser's own flow: its cookie now holds another state
    response = await client.get(theirs, follow_redirects=False)
    await assert_refused(client, db, response, "state_mismatch")


async def test_a_callback_without_a_state_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    callback = await authorise(await start(client, LEAD), "sub-lead")
    parts = urlsplit(callback)
    response = await client.get(
        urlunsplit(parts._replace(query=urlencode({"code": query_of(callback)["code"]}))), follow_redirects=False
    )
    await assert_refused(client, db, response, "missing_state")


# Refused: the provider belongs to another scheme


async def test_another_schemes_flow_is_refused_here(
    client: Client, db: Database, settings: Settings, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    # Cambridgeshire's provider vouches for camden.example too; a pan-london member is there for the taking.
    cambs, _ = await add_provider(
        db, settings, "cambridgeshire", "cambridge-city-council", provider, email_domains=["camden.example"]
    )
    there = await authorise(await start(client, LEAD, "cambridgeshire"), "sub-lead")
    assert there.startswith(callback_url("cambridgeshire", cambs.id))
    here = there.replace("/s/cambridgeshire/", "/s/pan-london/")
    set_flow_cookie(client, query_of(there)["state"], "pan-london")
    response = await client.get(here, follow_redirects=False)
    await assert_refused(client, db, response, "unknown_state")


async def test_another_schemes_provider_cannot_finish_a_flow_here(
    client: Client, db: Database, settings: Settings, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    cambs, _ = await add_provider(
        db, settings, "cambridgeshire", "cambridge-city-council", provider, email_domains=["camden.example"]
    )
    callback = await authorise(await start(client, LEAD), "sub-lead")
    response = await client.get(callback.replace(str(camden.id), str(cambs.id)), follow_redirects=False)
    await assert_refused(client, db, response, "provider_mismatch")


# Refused: the person


async def test_an_unverified_email_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    provider.set_user("sub-lead", email=LEAD, email_verified=False)
    response = await sign_in(client, LEAD, "sub-lead")
    await assert_refused(client, db, response, "email_unverified")


async def test_an_email_outside_the_organisations_domains_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider
) -> None:
    # Invited at Camden under a private address: Camden's provider does not vouch for that domain.
    await add_member(db, "pan-london", "sam@elsewhere.example", [("camden-council", Role.named_lead)])
    provider.set_user("sub-sam", email="sam@elsewhere.example", email_verified=True)
    response = await sign_in(client, LEAD, "sub-sam")
    await assert_refused(client, db, response, "email_domain")


async def test_someone_not_invited_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider
) -> None:
    provider.set_user("sub-new", email="new.starter@camden.example", email_verified=True)
    response = await sign_in(client, "new.starter@camden.example", "sub-new")
    await assert_refused(client, db, response, "not_invited")


async def test_a_suspended_member_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    async with db.tenant_session(lead.tenant_id) as session, session.begin():
        await session.execute(update(User).values(status=UserStatus.suspended))
    response = await sign_in(client, LEAD, "sub-lead")
    await assert_refused(client, db, response, "suspended")


async def test_a_member_only_of_another_organisation_is_refused(
    client: Client, db: Database, provider: Provider, camden: IdentityProvider
) -> None:
    await add_member(db, "pan-london", "officer@camden.example", [("islington-council", Role.nominating_officer)])
    provider.set_user("sub-officer", email="officer@camden.example", email_verified=True)
    response = await sign_in(client, "officer@camden.example", "sub-officer")
    await assert_refused(client, db, response, "no_membership")


# Provider configuration


async def test_a_discovery_document_naming_another_issuer_is_not_trusted(
    db: Database, settings: Settings, provider: Provider, camden: IdentityProvider
) -> None:
    provider.discovery_served_as = "issuer.invalid"
    london = await scheme_id(db, "pan-london")
    async with db.tenant_session(london) as session:
        with pytest.raises(oidc.SignInRefused) as refused:
            await oidc.begin(
                session,
                london,
                camden,
                Keys(settings.require_secret_key()),
                redirect_uri=callback_url("pan-london", camden.id),
                login_hint=LEAD,
            )
    assert refused.value.reason == "issuer_mismatch"


async def test_an_unreachable_or_misconfigured_provider_is_a_clear_page_not_an_error(
    client: Client, provider: Provider, camden: IdentityProvider
) -> None:
    provider.discovery_served_as = "issuer.invalid"
    page = await client.get("/s/pan-london/sign-in")
    assert page.status_code == 200
    response = await client.post(
        "/s/pan-london/sign-in",
        data={"email": LEAD},
        headers={"x-csrftoken": client.cookies.get("csrftoken", path="/") or ""},
        follow_redirects=False,
    )
    assert response.status_code == 503
    assert "Your organisation's sign-in is not available" in visible_text(response.text)
    assert SESSION_COOKIE not in response.cookies


# Where forms may lead: the Content-Security-Policy's form-action


def form_action(response: httpx.Response) -> str:
    policy = response.headers["content-security-policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("form-action"))


async def test_without_a_provider_forms_lead_nowhere_else(client: Client) -> None:
    for path in ("/", "/s/pan-london/", "/s/pan-london/sign-in", "/s/pan-london/no-such-page", "/s/nowhere/"):
        assert form_action(await client.get(path)) == "form-action 'self'", path


async def test_a_schemes_pages_let_forms_lead_to_its_own_providers_only(
    client: Client, db: Database, settings: Settings, provider: Provider, camden: IdentityProvider, lead: User
) -> None:
    origin = oidc.origin_of(provider.issuer)
    assert origin is not None
    assert origin.startswith("http://127.0.0.1:")
    for path in ("/s/pan-london/", "/s/pan-london/sign-in", "/s/pan-london/no-such-page"):
        assert form_action(await client.get(path)) == f"form-action 'self' {origin}", path
    for path in ("/", "/s/cambridgeshire/sign-in", "/operator/sign-in"):
        assert form_action(await client.get(path)) == "form-action 'self'", path
    # Signed in through it, the page with the sign-out form lists it too: signing out goes on to its end-session page.
    assert (await sign_in(client, LEAD, "sub-lead")).status_code == 303
    assert form_action(await client.get("/s/pan-london/named-lead/")) == f"form-action 'self' {origin}"


def test_only_a_plain_origin_is_ever_listed() -> None:
    assert oidc.origin_of("https://Login.Example/tenant/v2.0?x=1") == "https://login.example"
    assert oidc.origin_of("http://127.0.0.1:8443/") == "http://127.0.0.1:8443"
    for url in ("https://a.example;script-src *", "https://a example", "javascript:alert(1)", "https://:80/", "x"):
        assert oidc.origin_of(url) is None, url
