"""Signing in with an emailed link, end to end: a real SMTP server on loopback, the app over HTTP, two schemes."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from reciprocal.db.bootstrap import connect_as
from reciprocal.db.engine import Database
from reciprocal.identity.links import redeem
from reciprocal.identity.models import Role, SignInLink, User, UserStatus
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.mail.services import wait_for_sending
from smtp_server import Inbox
from support import DatabaseUnderTest, add_member, make_settings, visible_text
from support.mail import app_client, ask_for_link, link_in, same_page, use_link
from support.web import Client

OFFICER = [("safe-steps-london", Role.nominating_officer)]
LINK = re.compile(r"https://127\.0\.0\.1/s/[a-z-]+/sign-in/link/\S+")
REFUSED = "This sign-in link cannot be used"


@pytest.fixture
async def client(database: DatabaseUnderTest, inbox: Inbox) -> AsyncIterator[Client]:
    async with app_client(database, make_settings(smtp_port=inbox.port)) as test_client:
        yield test_client


def sets_session(response: httpx.Response) -> bool:
    return any(h.startswith(f"{SESSION_COOKIE}=") for h in response.headers.get_list("set-cookie"))


@pytest.mark.parametrize(
    ("slug", "organisation", "scheme_name"),
    [
        ("pan-london", "safe-steps-london", "Pan London Housing Reciprocal"),
        ("cambridgeshire", "county-refuge-support", "Cambridgeshire and Peterborough Reciprocal"),
    ],
)
async def test_an_invited_member_signs_in_with_an_emailed_link(
    client: Client, db: Database, inbox: Inbox, slug: str, organisation: str, scheme_name: str
) -> None:
    user = await add_member(db, slug, "officer@refuge.example", [(organisation, Role.nominating_officer)])
    answer = await ask_for_link(client, f"/s/{slug}/sign-in", "  Officer@Refuge.example ")
    assert answer.status_code == 200
    assert "Check your email" in visible_text(answer.text)

    message = await inbox.only_message_to("officer@refuge.example")
    assert message["Subject"] == f"Sign in to {scheme_name}"
    assert message["Date"]
    assert message["Message-ID"]
    body = message.get_content()
    assert "works once, for 15 minutes" in body
    assert "If you did not ask for this, you can ignore this email." in body
    assert "Test Person" not in body  # nothing personal beyond the address it went to
    assert message.get_content_type() == "text/plain"

    signed_in = await use_link(client, link_in(message, LINK))
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == f"/s/{slug}/home"
    assert sets_session(signed_in)
    home = await client.get(f"/s/{slug}/home", follow_redirects=False)
    assert home.headers["location"] == f"/s/{slug}/officer/"
    page = await client.get(f"/s/{slug}/officer/")
    assert page.status_code == 200
    assert "Signed in as Test Person" in visible_text(page.text)
    async with db.tenant_session(user.tenant_id) as session:
        assert (await session.get(User, (user.tenant_id, user.id))).status == UserStatus.active  # type: ignore[union-attr]


async def test_a_link_works_once(client: Client, db: Database, inbox: Inbox) -> None:
    await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
    link = link_in(await inbox.only_message_to("officer@refuge.example"), LINK)
    assert (await use_link(client, link)).status_code == 303

    client.cookies.clear()
    replay = await use_link(client, link)
    assert replay.status_code == 403
    assert REFUSED in visible_text(replay.text)
    assert not sets_session(replay)
    refused = await client.get("/s/pan-london/officer/", follow_redirects=False)
    assert refused.headers["location"] == "/s/pan-london/sign-in"


async def test_two_redeems_at_once_sign_in_once(client: Client, db: Database, inbox: Inbox) -> None:
    user = await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
    token = link_in(await inbox.only_message_to("officer@refuge.example"), LINK).rsplit("/", 1)[1]
    async with db.tenant_session(user.tenant_id) as first, db.tenant_session(user.tenant_id) as second:
        assert await redeem(first, user.tenant_id, token) is not None
        racing = asyncio.create_task(redeem(second, user.tenant_id, token))
        await asyncio.sleep(0.2)
        assert not racing.done()  # waiting for the first to commit or roll back
        await first.commit()
        assert await racing is None


async def test_an_expired_link_is_refused(client: Client, db: Database, inbox: Inbox) -> None:
    user = await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
    link = link_in(await inbox.only_message_to("officer@refuge.example"), LINK)
    async with db.tenant_session(user.tenant_id) as session, session.begin():
        await session.execute(update(SignInLink).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    answer = await use_link(client, link)
    assert answer.status_code == 403
    assert REFUSED in visible_text(answer.text)
    assert not sets_session(answer)


async def test_a_link_stops_working_when_its_member_is_suspended(client: Client, db: Database, inbox: Inbox) -> None:
    user = await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
    link = link_in(await inbox.only_message_to("officer@refuge.example"), LINK)
    async with db.tenant_session(user.tenant_id) as session, session.begin():
        await session.execute(update(User).where(User.id == user.id).values(status=UserStatus.suspended))
    answer = await use_link(client, link)
    assert answer.status_code == 403
    assert not sets_session(answer)


async def test_a_link_from_one_scheme_is_refused_by_another(client: Client, db: Database, inbox: Inbox) -> None:
    await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    # The same address is a member of the other scheme too: still not a way in there.
    await add_member(
        db, "cambridgeshire", "officer@refuge.example", [("county-refuge-support", Role.nominating_officer)]
    )
    await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
    link = link_in(await inbox.only_message_to("officer@refuge.example"), LINK)

    elsewhere = await use_link(client, link, at_scheme="cambridgeshire")
    assert elsewhere.status_code == 403
    assert REFUSED in visible_text(elsewhere.text)
    assert not sets_session(elsewhere)
    # Refused there, it was not used up: it still works where it was sent from.
    assert (await use_link(client, link)).status_code == 303


async def test_unknown_addresses_and_non_members_get_the_same_page_and_no_email(
    client: Client, db: Database, inbox: Inbox
) -> None:
    await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    suspended = await add_member(db, "pan-london", "suspended@refuge.example", OFFICER)
    await add_member(db, "pan-london", "no-role@refuge.example", [])
    # A member of the other scheme only is unknown here.
    await add_member(db, "cambridgeshire", "county@refuge.example", [("county-refuge-support", Role.named_lead)])
    async with db.tenant_session(suspended.tenant_id) as session, session.begin():
        await session.execute(update(User).where(User.id == suspended.id).values(status=UserStatus.suspended))

    known = await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
    for email in (
        "nobody@refuge.example",
        "suspended@refuge.example",
        "no-role@refuge.example",
        "county@refuge.example",
    ):
        answer = await ask_for_link(client, "/s/pan-london/sign-in", email)
        assert same_page(answer, email, known, "officer@refuge.example"), email
    assert [m["To"] for m in await inbox.received()] == ["officer@refuge.example"]


async def test_a_fourth_request_for_one_address_sends_nothing(client: Client, db: Database, inbox: Inbox) -> None:
    await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    answers = [await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example") for _ in range(4)]
    assert all(same_page(a, "x", answers[0], "x") for a in answers)
    assert len(await inbox.received()) == 3


async def test_a_twenty_first_request_from_one_network_is_refused(client: Client, db: Database, inbox: Inbox) -> None:
    await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    for n in range(20):
        answer = await ask_for_link(client, "/s/pan-london/sign-in", f"person{n}@refuge.example")
        assert answer.status_code == 200, n
    refused = await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
    assert refused.status_code == 429
    assert "Too many sign-in requests" in visible_text(refused.text)
    assert await inbox.received() == []
    # Another scheme counts its own requests.
    assert (await ask_for_link(client, "/s/cambridgeshire/sign-in", "person@refuge.example")).status_code == 200


async def test_the_token_is_kept_out_of_the_database_and_the_logs(
    capsys: pytest.CaptureFixture[str], database: DatabaseUnderTest, db: Database, inbox: Inbox
) -> None:
    await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    async with app_client(database, make_settings(smtp_port=inbox.port)) as client:
        await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
        link = link_in(await inbox.only_message_to("officer@refuge.example"), LINK)
        assert (await use_link(client, link)).status_code == 303
    token = link.rsplit("/", 1)[1]

    admin = await connect_as(database.admin)
    try:
        stored = await admin.fetchval("select token_hash from sign_in_links")
        assert stored == hashlib.sha256(token.encode()).digest()
        tables = await admin.fetch("select tablename from pg_tables where schemaname = 'public'")
        for (table,) in tables:
            rows = await admin.fetchval(f'select count(*) from "{table}" t where t::text like $1', f"%{token}%")
            assert rows == 0, table
    finally:
        await admin.close()

    logs = capsys.readouterr()
    assert '"event": "mail.sent"' in logs.err  # the logs were captured: their silence below means something
    assert '"event": "sign_in.link_sent"' in logs.err
    for secret in (token, "officer@refuge.example"):
        assert secret not in logs.out
        assert secret not in logs.err


async def test_a_mail_server_that_is_down_changes_nothing_a_person_sees(
    capsys: pytest.CaptureFixture[str], database: DatabaseUnderTest, db: Database
) -> None:
    await add_member(db, "pan-london", "officer@refuge.example", OFFICER)
    async with app_client(database, make_settings(smtp_port=9)) as client:  # nothing listens on the discard port
        known = await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
        unknown = await ask_for_link(client, "/s/pan-london/sign-in", "nobody@refuge.example")
        await wait_for_sending()
    assert known.status_code == 200
    assert same_page(known, "officer@refuge.example", unknown, "nobody@refuge.example")
    logs = capsys.readouterr().err
    assert '"event": "mail.failed"' in logs
    assert '"error": "SMTPConnectError"' in logs
    assert "officer@refuge.example" not in logs
