"""Helpers for tests that drive the service over HTTP: signing a client in, and sending forms as a browser would."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, User
from reciprocal.identity.services import SESSION_COOKIE, Actor
from reciprocal.settings import Settings
from support import add_member, session_token

Client = AsyncTestClient[Litestar]
LONDON = "pan-london"
Fields = list[tuple[str, str]]
"""A form's fields in the order a browser sends them, a name repeated for each ticked box."""


def use_session(client: httpx.AsyncClient, slug: str, token: str, *, replace: bool = False) -> None:
    """Send `token` as the session cookie under /s/`slug`/; `replace` first drops every other session cookie."""
    if replace:
        client.cookies.delete(SESSION_COOKIE)
    client.cookies.set(SESSION_COOKIE, token, path=f"/s/{slug}/")


async def token_for(db: Database, settings: Settings, person: Actor, slug: str = LONDON) -> str:
    """A new session token for `person`, as signing in gives them."""
    async with db.tenant_session(person.tenant_id) as session:
        user = await session.get(User, (person.tenant_id, person.user_id))
    assert user is not None
    return await session_token(db, slug, user, settings)


async def act_as(
    client: httpx.AsyncClient, db: Database, settings: Settings, person: Actor, slug: str = LONDON
) -> None:
    """Sign the client in as `person`, as a sign-in would, in place of whoever it was signed in as."""
    use_session(client, slug, await token_for(db, settings, person, slug), replace=True)


async def sign_in(
    client: httpx.AsyncClient, db: Database, settings: Settings, person: Actor, slug: str = LONDON
) -> None:
    """Act as `person` and land on the scheme's home, as after signing in: the client then holds a CSRF cookie."""
    await act_as(client, db, settings, person, slug)
    await client.get(f"/s/{slug}/")
    assert client.cookies.get("csrftoken")


async def new_member_session(
    db: Database,
    settings: Settings,
    slug: str,
    email: str,
    memberships: list[tuple[str, Role]],
    *,
    name: str | None = None,
) -> tuple[User, str]:
    """A new member of `slug` holding `memberships` (named after their address unless `name`), signed in: the
    user and their session token."""
    user = await add_member(db, slug, email, memberships, name=name or email.split("@")[0].title())
    return user, await session_token(db, slug, user, settings)


async def act_as_new_member(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    slug: str,
    email: str,
    memberships: list[tuple[str, Role]],
    *,
    name: str | None = None,
    replace: bool = False,
) -> tuple[User, str]:
    """A new member of `slug` (as new_member_session makes), with the client signed in as them."""
    user, token = await new_member_session(db, settings, slug, email, memberships, name=name)
    use_session(client, slug, token, replace=replace)
    return user, token


_PAGE_TOKEN = re.compile(r'X-CSRFToken\W+([0-9a-f]+)|name="_csrf_token" value="([0-9a-f]+)"')


def token_in(page: httpx.Response) -> str:
    """The CSRF token a page gives its forms and htmx (for a signed-in client, bound to their session)."""
    found = _PAGE_TOKEN.search(page.text)
    assert found, f"no CSRF token on {page.url}"
    return found[1] or found[2]


def page_of(url: str) -> str:
    """A page a form posting to `url` could have come from: the root of its scheme or portal."""
    found = re.match(r"(/s/[^/]+/|/operator/)", url)
    return found[1] if found else f"/s/{LONDON}/"


async def csrf_token(client: httpx.AsyncClient, opening: str = f"/s/{LONDON}/") -> str:
    """The CSRF token the page `opening` carries, as a browser reads it before sending a form from there (the
    client is given the CSRF cookie then too, if it has none)."""
    return token_in(await client.get(opening, follow_redirects=True))


async def post(
    client: httpx.AsyncClient,
    url: str,
    data: Mapping[str, Any] | Fields | None = None,
    *,
    csrf_from: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send a form with the CSRF token of the page `csrf_from` (by default the root of `url`'s scheme), not
    following the redirect. `data` as a list of pairs is sent in that order, as a browser sends a form's fields."""
    sent = {"x-csrftoken": await csrf_token(client, csrf_from or page_of(url)), **(headers or {})}
    if isinstance(data, list):
        sent["content-type"] = "application/x-www-form-urlencoded"
        return await client.post(url, content=urlencode(data), headers=sent, follow_redirects=False)
    return await client.post(url, data=data or {}, headers=sent, follow_redirects=False)


async def post_from(
    client: httpx.AsyncClient, page: str, url: str, data: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """Open `page`, as a browser does before sending a form from it, then post `data` to `url` with its CSRF token."""
    token = await csrf_token(client, page)
    return await client.post(url, data=data, headers={**(headers or {}), "x-csrftoken": token}, follow_redirects=False)


def version_in(html: str, step: str | None = None) -> str:
    """The referral version a page's form carries (the form posting to `…/step`, if given), as a browser sends it."""
    if step is not None:
        form = re.search(rf'action="[^"]*/{re.escape(step)}"[^>]*>(.*?)</form>', html, re.DOTALL)
        assert form, f"no {step} form on the page"
        html = form[1]
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "the form carries the version it was drawn from"
    return found[1]
