"""Helpers for tests of what the service mails: the app over HTTP with mail going out, and sign-in links."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx

from reciprocal.app import create_app
from reciprocal.mail.services import wait_for_sending
from reciprocal.settings import Settings
from support import DatabaseUnderTest, visible_text
from support.web import Client, post_from


@asynccontextmanager
async def app_client(
    database: DatabaseUnderTest, settings: Settings, base_url: str = "https://127.0.0.1"
) -> AsyncIterator[Client]:
    """The app over HTTP with `settings`; on closing, the mail it handed over is sent before the event loop ends."""
    app = create_app(settings, database_url=database.app)
    async with Client(app, base_url=base_url) as client:
        yield client
        # The client's event loop ends with it: let what the app handed over go first.
        await wait_for_sending()


async def ask_for_link(client: httpx.AsyncClient, sign_in: str, email: str) -> httpx.Response:
    """Ask the sign-in page at `sign_in` to email `email` a link, as its form would."""
    return await post_from(client, sign_in, sign_in, {"email": email})


def link_in(message: object, link: re.Pattern[str]) -> str:
    """The one link matching `link` in a mail message's body."""
    body = message.get_content()  # type: ignore[attr-defined]
    found = link.findall(body)
    assert len(found) == 1, body
    return str(found[0])


async def use_link(client: httpx.AsyncClient, link: str, *, at_scheme: str | None = None) -> httpx.Response:
    """Follow a sign-in link as a person would: open it (at another scheme's address if told), then press the
    button on the page it shows."""
    path = urlsplit(link).path
    if at_scheme is not None:
        path = re.sub(r"^/s/[a-z-]+/", f"/s/{at_scheme}/", path)
    page = await client.get(path)
    assert page.status_code == 200
    action = re.search(r'<form method="post" action="(/(?:s/[a-z-]+|operator)/sign-in/link)">', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert action, page.text
    assert token
    assert csrf
    return await client.post(action[1], data={"token": token[1], "_csrf_token": csrf[1]}, follow_redirects=False)


def same_page(one: httpx.Response, one_email: str, other: httpx.Response, other_email: str) -> bool:
    """Two answers a person could not tell apart, but for the address they typed in."""
    return one.status_code == other.status_code and visible_text(one.text).replace(one_email, "@") == visible_text(
        other.text
    ).replace(other_email, "@")
