"""Cross-site request forgery: every unsafe request needs the token, by form field, header or htmx's header, and a
signed-in person's token is bound to their session."""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
import pytest
from sqlalchemy import func, select

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, SignInAttempt
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.settings import Settings
from support import scheme_id, visible_text
from support.web import LONDON, Client, act_as_new_member, csrf_token, post

SCHEMES = pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
SENT = "Check your email"
LINK_REFUSED = "This sign-in link cannot be used"


async def sign_in_page(client: Client, slug: str) -> httpx.Response:
    page = await client.get(f"/s/{slug}/sign-in")
    assert page.status_code == 200
    return page


def form_token(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found
    return found[1]


def htmx_headers(page: httpx.Response) -> dict[str, str]:
    """What htmx sends with every request from this page: the <body>'s hx-headers."""
    body = re.search(r"<body\b[^>]*\bhx-headers='([^']*)'", page.text)
    assert body, "the page's <body> carries no hx-headers"
    headers: dict[str, str] = json.loads(unescape(body[1]))
    return headers


async def link_requests(db: Database, slug: str) -> int:
    tenant_id = await scheme_id(db, slug)
    async with db.tenant_session(tenant_id) as session:
        return await session.scalar(select(func.count()).select_from(SignInAttempt)) or 0


@SCHEMES
async def test_a_post_without_the_token_is_refused_and_does_nothing(client: Client, db: Database, slug: str) -> None:
    await sign_in_page(client, slug)  # the browser has the cookie, but the request does not carry the token
    refused = await client.post(f"/s/{slug}/sign-in", data={"email": "someone@example.org"})
    assert refused.status_code == 403
    assert SENT not in visible_text(refused.text)
    assert "Your form has expired" in visible_text(refused.text)
    assert await link_requests(db, slug) == 0


@SCHEMES
async def test_a_post_without_the_cookie_is_refused(client: Client, slug: str) -> None:
    token = form_token(await sign_in_page(client, slug))
    client.cookies.clear()
    refused = await client.post(f"/s/{slug}/sign-in", data={"email": "someone@example.org", "_csrf_token": token})
    assert refused.status_code == 403


@SCHEMES
async def test_a_wrong_token_is_refused(client: Client, slug: str) -> None:
    token = form_token(await sign_in_page(client, slug))
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    for attempt in ({"data": {"_csrf_token": forged}}, {"headers": {"x-csrftoken": forged}}):
        refused = await client.post(
            f"/s/{slug}/sign-in",
            data={"email": "someone@example.org", **attempt.get("data", {})},
            headers=attempt.get("headers"),
        )
        assert refused.status_code == 403


@SCHEMES
async def test_the_forms_hidden_field_lets_a_post_through(client: Client, db: Database, slug: str) -> None:
    token = form_token(await sign_in_page(client, slug))
    answer = await client.post(f"/s/{slug}/sign-in", data={"email": "someone@example.org", "_csrf_token": token})
    assert answer.status_code == 200
    assert SENT in visible_text(answer.text)
    assert await link_requests(db, slug) == 1


@SCHEMES
async def test_the_header_lets_a_post_through(client: Client, slug: str) -> None:
    await sign_in_page(client, slug)
    answer = await client.post(
        f"/s/{slug}/sign-in",
        data={"email": "someone@example.org"},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert answer.status_code == 200
    assert SENT in visible_text(answer.text)


@SCHEMES
async def test_htmx_requests_carry_the_token_from_the_pages_body(client: Client, slug: str) -> None:
    page = await sign_in_page(client, slug)
    headers = htmx_headers(page)
    assert headers == {"X-CSRFToken": form_token(page)}

    refused = await client.post(
        f"/s/{slug}/sign-in", data={"email": "someone@example.org"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 403
    answer = await client.post(
        f"/s/{slug}/sign-in", data={"email": "someone@example.org"}, headers={"HX-Request": "true", **headers}
    )
    assert answer.status_code == 200
    assert SENT in visible_text(answer.text)


@SCHEMES
async def test_using_a_link_and_signing_out_need_the_token_too(client: Client, slug: str) -> None:
    await sign_in_page(client, slug)
    for path, data in ((f"/s/{slug}/sign-in/link", {"token": "anything"}), (f"/s/{slug}/sign-out", {})):
        refused = await client.post(path, data=data, follow_redirects=False)
        assert refused.status_code == 403, path
        # Refused before the handler: not the page a bad link gets.
        assert LINK_REFUSED not in visible_text(refused.text), path
    # With the token, the made-up link reaches the service and is refused there, on its own terms.
    answer = await client.post(
        f"/s/{slug}/sign-in/link", data={"token": "anything", "_csrf_token": client.cookies["csrftoken"]}
    )
    assert answer.status_code == 403
    assert LINK_REFUSED in visible_text(answer.text)


# Bound to the session: a signed-in person's token is theirs alone


async def signed_in_as(client: Client, db: Database, settings: Settings, email: str) -> str:
    """Sign the client in as a new named lead (in place of anyone else) and return their session's cookie."""
    _, session = await act_as_new_member(
        client, db, settings, LONDON, email, [("camden-council", Role.named_lead)], replace=True
    )
    return session


async def still_signed_in(client: Client) -> bool:
    return (await client.get(f"/s/{LONDON}/named-lead/", follow_redirects=False)).status_code == 200


async def test_another_sessions_token_is_refused(client: Client, db: Database, settings: Settings) -> None:
    await signed_in_as(client, db, settings, "alex@camden.example")
    alexs = await csrf_token(client)
    sam = await signed_in_as(client, db, settings, "sam@camden.example")
    sams = await csrf_token(client)
    assert alexs != sams
    # The client keeps one `csrftoken` cookie throughout, as if Alex had planted theirs in Sam's browser.
    for attempt in ({"headers": {"x-csrftoken": alexs}}, {"data": {"_csrf_token": alexs}}):
        refused = await client.post(f"/s/{LONDON}/sign-out", follow_redirects=False, **attempt)
        assert refused.status_code == 403
        assert "Your form has expired" in visible_text(refused.text)
        assert await still_signed_in(client)
    # Nor does the cookie's own token stand in for the session's.
    assert (
        await post(client, f"/s/{LONDON}/sign-out", headers={"x-csrftoken": client.cookies["csrftoken"]})
    ).status_code == 403
    assert client.cookies.get(SESSION_COOKIE) == sam
    signed_out = await post(client, f"/s/{LONDON}/sign-out")
    assert signed_out.status_code == 303
    assert not await still_signed_in(client)


async def test_a_token_from_before_signing_in_is_refused_after(
    client: Client, db: Database, settings: Settings
) -> None:
    before = form_token(await sign_in_page(client, LONDON))
    await signed_in_as(client, db, settings, "alex@camden.example")
    page = await client.get(f"/s/{LONDON}/named-lead/")
    after = form_token(page)
    assert after != before
    assert htmx_headers(page) == {"X-CSRFToken": after}
    refused = await client.post(f"/s/{LONDON}/sign-out", data={"_csrf_token": before}, follow_redirects=False)
    assert refused.status_code == 403
    assert "Your form has expired" in visible_text(refused.text)
    assert await still_signed_in(client)
    # The page's own token works, as htmx's header and as the form's field.
    htmx = await client.post(
        f"/s/{LONDON}/sign-out", headers={"HX-Request": "true", **htmx_headers(page)}, follow_redirects=False
    )
    assert htmx.status_code == 303
    assert not await still_signed_in(client)
    # Signed out, the sign-in form's token works again.
    answer = await client.post(
        f"/s/{LONDON}/sign-in", data={"email": "someone@example.org", "_csrf_token": await csrf_token(client)}
    )
    assert answer.status_code == 200
    assert SENT in visible_text(answer.text)


async def test_the_same_session_keeps_its_token_across_pages(client: Client, db: Database, settings: Settings) -> None:
    await signed_in_as(client, db, settings, "alex@camden.example")
    first = form_token(await client.get(f"/s/{LONDON}/named-lead/"))
    assert await csrf_token(client) == first
    answer = await client.post(f"/s/{LONDON}/sign-out", data={"_csrf_token": first}, follow_redirects=False)
    assert answer.status_code == 303
