"""A form body is counted before anything parses it: far less is accepted from someone not signed in."""

from __future__ import annotations

from typing import cast

import pytest
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import Message, Receive, ReceiveMessage, Scope, Send

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.settings import Settings
from reciprocal.web.limits import ANONYMOUS, BodyLimits
from support import visible_text
from support.web import Client, act_as_new_member, csrf_token

FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}


def _fields(count: int) -> bytes:
    return b"&".join(b"f%d=x" % n for n in range(count))


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_an_anonymous_form_over_the_limit_is_refused_before_the_csrf_check(client: Client, slug: str) -> None:
    # No CSRF token at all: were the body parsed first, the answer would be the CSRF check's 403.
    for body in (b"email=" + b"a" * ANONYMOUS.body_bytes, _fields(ANONYMOUS.fields + 1), _fields(400_000)):
        refused = await client.post(f"/s/{slug}/sign-in", content=body, headers=FORM)
        assert refused.status_code == 413, len(body)
        assert "What you sent is too long" in visible_text(refused.text)


async def test_a_body_sent_without_its_length_is_counted_as_it_arrives() -> None:
    reached: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        reached.append(message.get("body", b""))  # type: ignore[arg-type]

    def receiving(chunks: list[bytes]) -> Receive:
        messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

        async def receive() -> ReceiveMessage:
            return messages.pop(0)  # type: ignore[return-value]

        return receive

    async def send(message: Message) -> None:
        raise AssertionError("the middleware itself sends nothing")

    limits = BodyLimits(app, signed_in=ANONYMOUS, session_cookies=())
    # No content-length header: the body arrives in chunks and is counted as it comes.
    scope = cast("Scope", {"type": ScopeType.HTTP, "method": "POST", "path": "/", "query_string": b"", "headers": []})
    with pytest.raises(HTTPException) as refused:
        await limits(scope, receiving([b"a" * 1000] * 10), send)
    assert refused.value.status_code == 413
    assert reached == []
    # Within the limit, the app reads the same bytes, in one piece.
    await limits(scope, receiving([b"email=a", b"%40b.org"]), send)
    assert reached == [b"email=a%40b.org"]


async def test_an_anonymous_form_within_the_limit_reaches_the_csrf_check(client: Client) -> None:
    token = await csrf_token(client)
    ok = await client.post(
        "/s/pan-london/sign-in",
        content=b"email=someone%40example.org&_csrf_token=" + token.encode(),
        headers=FORM,
    )
    assert ok.status_code in (200, 303)
    forged = await client.post("/s/pan-london/sign-in", content=b"email=someone%40example.org", headers=FORM)
    assert forged.status_code == 403


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_a_signed_in_form_may_be_longer(client: Client, db: Database, settings: Settings, slug: str) -> None:
    await act_as_new_member(client, db, settings, slug, f"co@{slug}.example", [("coordinator", Role.coordinator)])
    long = b"note=" + b"a" * (ANONYMOUS.body_bytes * 2)
    # Past the limits, on to the CSRF check (no token sent), which refuses it in its own words.
    answered = await client.post(f"/s/{slug}/coordinator/batch", content=long, headers=FORM)
    assert answered.status_code == 403


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_a_nul_byte_anywhere_is_the_400_page(client: Client, slug: str) -> None:
    # PostgreSQL cannot store a NUL: each of these reached the database and answered 500.
    for path in (f"/s/{slug}%00/", f"/s/{slug}/criteria?x=%00", f"/s/{slug}/sign-in?email=a%00b"):
        refused = await client.get(path, headers={"accept": "text/html"})
        assert refused.status_code == 400, path
        assert "There is a problem with your request" in visible_text(refused.text)
    token = await csrf_token(client, f"/s/{slug}/")
    email = await client.post(
        f"/s/{slug}/sign-in", content=b"email=a%00%40example.org&_csrf_token=" + token.encode(), headers=FORM
    )
    assert email.status_code == 400
