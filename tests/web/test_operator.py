"""The operator's pages: sign-in by emailed link (a real SMTP server), the schemes' counts and health, no case data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar import get
from litestar.testing import create_test_client
from sqlalchemy import select, update

from reciprocal.db.engine import Database
from reciprocal.db.migrate import head_revision
from reciprocal.identity.models import Role, User, UserStatus
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.kernel.dates import govuk_date
from reciprocal.operations import services as operations
from reciprocal.operations.models import Operator, OperatorSession, OperatorSignInLink
from reciprocal.partners.models import Organisation
from reciprocal.portals.operator.controllers import OPERATOR_COOKIE, admit_operator
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import State
from reciprocal.settings import REPO_ROOT
from smtp_server import Inbox
from support import DatabaseUnderTest, add_member, make_settings, session_token, visible_text
from support.mail import app_client, ask_for_link, link_in, same_page, use_link
from support.web import Client, post

OPS = "ops@reciprocal.example"
LINK = re.compile(r"https://127\.0\.0\.1/operator/sign-in/link/\S+")
REFUSED = "This sign-in link cannot be used"
SIGN_IN = "/operator/sign-in"

# What the "no case data" test plants in pan-london: none of it may reach an operator's page.
PLANTED_NAME = "Philippa Quarrington-Vance"
PLANTED_EMAIL = "philippa.qv@planted-refuge.example"
PLANTED_REFERENCE = "PL-2026-7319"
PLANTED_CASE_REFERENCE = "SAFE-CASE-ZX8841"
PLANTED_NOTE = "Planted note about the household"


@pytest.fixture
async def client(database: DatabaseUnderTest, inbox: Inbox) -> AsyncIterator[Client]:
    async with app_client(database, make_settings(smtp_port=inbox.port)) as test_client:
        yield test_client


async def add_operator(db: Database, email: str = OPS, name: str = "Olu Operations") -> Operator:
    async with db.session() as session, session.begin():
        return await operations.add_operator(session, email, name)


async def operator_token(db: Database, operator: Operator) -> str:
    async with db.session() as session, session.begin():
        fresh = await session.get(Operator, operator.id)
        assert fresh is not None
        return await operations.start_session(session, fresh, make_settings())


def sign_in_as_operator(client: Client, token: str) -> None:
    client.cookies.set(OPERATOR_COOKIE, token, path="/operator/")


def operator_cookie_header(response: httpx.Response) -> str | None:
    return next((h for h in response.headers.get_list("set-cookie") if h.startswith(f"{OPERATOR_COOKIE}=")), None)


# --- signing in and out -----------------------------------------------------------------------------------


async def test_an_operator_signs_in_with_an_emailed_link_and_out_again(
    client: Client, db: Database, inbox: Inbox
) -> None:
    await add_operator(db)
    away = await client.get("/operator/", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/operator/sign-in"

    answer = await ask_for_link(client, SIGN_IN, "  Ops@Reciprocal.example ")
    assert answer.status_code == 200
    assert "Check your email" in visible_text(answer.text)
    message = await inbox.only_message_to(OPS)
    assert message["Subject"] == "Sign in to Reciprocal operations"
    assert "works once, for 15 minutes" in message.get_content()

    signed_in = await use_link(client, link_in(message, LINK))
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/operator/"
    cookie = operator_cookie_header(signed_in)
    assert cookie is not None
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"path=/operator/", "secure", "httponly", "samesite=lax"} <= attributes

    page = await client.get("/operator/")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = visible_text(page.text)
    assert "Schemes and health" in text
    assert "Signed in as Olu Operations, operator of this service" in text
    # Signed in, the sign-in page sends them home.
    assert (await client.get("/operator/sign-in", follow_redirects=False)).headers["location"] == "/operator/"

    signed_out = await post(client, "/operator/sign-out")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/operator/sign-in"
    async with db.session() as session:
        assert await session.scalar(select(OperatorSession.revoked_at)) is not None
    # Even a browser that kept the cookie is signed out: the session itself has ended.
    client.cookies.set(OPERATOR_COOKIE, cookie.split(";")[0].split("=", 1)[1], path="/operator/")
    assert (await client.get("/operator/", follow_redirects=False)).headers["location"] == "/operator/sign-in"


async def test_a_link_works_once_and_not_after_it_expires(client: Client, db: Database, inbox: Inbox) -> None:
    await add_operator(db)
    await ask_for_link(client, SIGN_IN, OPS)
    link = link_in(await inbox.only_message_to(OPS), LINK)
    assert (await use_link(client, link)).status_code == 303
    client.cookies.clear()
    replay = await use_link(client, link)
    assert replay.status_code == 403
    assert REFUSED in visible_text(replay.text)
    assert operator_cookie_header(replay) is None

    await ask_for_link(client, SIGN_IN, OPS)
    second = link_in((await inbox.received())[-1], LINK)
    async with db.session() as session, session.begin():
        await session.execute(update(OperatorSignInLink).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    expired = await use_link(client, second)
    assert expired.status_code == 403
    assert operator_cookie_header(expired) is None


async def test_unknown_addresses_get_the_same_page_and_no_email(client: Client, db: Database, inbox: Inbox) -> None:
    await add_operator(db)
    disabled = await add_operator(db, "former@reciprocal.example", "Former Operator")
    async with db.session() as session, session.begin():
        await session.execute(update(Operator).where(Operator.id == disabled.id).values(disabled=True))
    # A scheme's member is not an operator, whatever they can do in their scheme.
    await add_member(db, "pan-london", "admin@pan-london.example", [("coordinator", Role.scheme_admin)])

    known = await ask_for_link(client, SIGN_IN, OPS)
    for email in ("nobody@reciprocal.example", "former@reciprocal.example", "admin@pan-london.example"):
        answer = await ask_for_link(client, SIGN_IN, email)
        assert same_page(answer, email, known, OPS), email
    assert [m["To"] for m in await inbox.received()] == [OPS]


async def test_link_requests_are_throttled_like_a_schemes(client: Client, db: Database, inbox: Inbox) -> None:
    await add_operator(db)
    answers = [await ask_for_link(client, SIGN_IN, OPS) for _ in range(4)]
    assert all(same_page(a, "x", answers[0], "x") for a in answers)
    assert len(await inbox.received()) == 3
    for n in range(16):
        assert (await ask_for_link(client, SIGN_IN, f"person{n}@reciprocal.example")).status_code == 200, n
    refused = await ask_for_link(client, SIGN_IN, OPS)
    assert refused.status_code == 429
    assert "Too many sign-in requests" in visible_text(refused.text)
    # A scheme's sign-in counts its own requests, not the operators'.
    await client.get("/s/pan-london/sign-in")
    scheme = await client.post(
        "/s/pan-london/sign-in", data={"email": OPS}, headers={"x-csrftoken": client.cookies["csrftoken"]}
    )
    assert scheme.status_code == 200


async def test_an_idle_session_ends(client: Client, db: Database) -> None:
    operator = await add_operator(db)
    sign_in_as_operator(client, await operator_token(db, operator))
    assert (await client.get("/operator/")).status_code == 200
    async with db.session() as session, session.begin():
        await session.execute(update(OperatorSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31)))
    assert (await client.get("/operator/", follow_redirects=False)).headers["location"] == "/operator/sign-in"


async def test_a_disabled_operator_is_signed_out(client: Client, db: Database) -> None:
    operator = await add_operator(db)
    sign_in_as_operator(client, await operator_token(db, operator))
    assert (await client.get("/operator/")).status_code == 200
    async with db.session() as session, session.begin():
        assert await operations.disable_operator(session, OPS)
    assert (await client.get("/operator/", follow_redirects=False)).headers["location"] == "/operator/sign-in"


# --- the other side's sessions ----------------------------------------------------------------------------


async def test_sessions_do_not_cross_between_schemes_and_operators(client: Client, db: Database) -> None:
    member = await add_member(db, "pan-london", "admin@pan-london.example", [("coordinator", Role.scheme_admin)])
    member_token = await session_token(db, "pan-london", member, make_settings())
    operator_token_ = await operator_token(db, await add_operator(db))

    # A scheme admin's session, sent under either cookie's name, opens no operator page.
    for name in (SESSION_COOKIE, OPERATOR_COOKIE):
        client.cookies.clear()
        client.cookies.set(name, member_token, path="/")
        page = await client.get("/operator/", follow_redirects=False)
        assert page.headers["location"] == "/operator/sign-in", name
    # An operator's session, under either name, opens no scheme page and greets no one on a public one.
    for name in (SESSION_COOKIE, OPERATOR_COOKIE):
        client.cookies.clear()
        client.cookies.set(name, operator_token_, path="/")
        page = await client.get("/s/pan-london/admin/", follow_redirects=False)
        assert page.headers["location"] == "/s/pan-london/sign-in", name
        assert "Signed in" not in visible_text((await client.get("/s/pan-london/")).text)


def test_an_operator_route_that_declares_no_rule_is_refused_to_everyone() -> None:
    @get("/undeclared", sync_to_thread=False)
    def undeclared() -> str:
        return "should not be seen"

    with create_test_client(route_handlers=[undeclared], guards=[admit_operator]) as test_client:
        response = test_client.get("/undeclared")
    assert response.status_code == 403


# --- what an operator sees --------------------------------------------------------------------------------


async def plant_case_data(db: Database) -> None:
    """In pan-london: one member with a distinctive name and two referrals with distinctive references."""
    officer = await add_member(
        db, "pan-london", PLANTED_EMAIL, [("safe-steps-london", Role.nominating_officer)], name=PLANTED_NAME
    )
    await add_member(db, "pan-london", "lead@camden.example", [("camden-council", Role.named_lead)])
    async with db.tenant_session(officer.tenant_id) as session, session.begin():
        await session.execute(update(User).where(User.id == officer.id).values(status=UserStatus.active))
        agency = await session.scalar(select(Organisation.id).where(Organisation.code == "safe-steps-london"))
        assert agency is not None
        for state, reference in ((State.circulating, PLANTED_REFERENCE), (State.draft, None)):
            session.add(
                Referral(
                    tenant_id=officer.tenant_id,
                    state=state,
                    reference=reference,
                    officer_id=officer.id,
                    agency_id=agency,
                    officer_case_reference=PLANTED_CASE_REFERENCE,
                    note=PLANTED_NOTE,
                )
            )


def row_text(html: str, slug: str) -> str:
    row = re.search(rf'<tr class="govuk-table__row" id="scheme-{slug}">(.*?)</tr>', html, re.DOTALL)
    assert row, slug
    return visible_text(f"<body>{row[1]}")


async def test_the_overview_counts_each_scheme(client: Client, db: Database) -> None:
    await plant_case_data(db)
    sign_in_as_operator(client, await operator_token(db, await add_operator(db)))
    page = await client.get("/operator/")
    assert page.status_code == 200

    today = govuk_date(datetime.now(UTC))
    london = read_scheme_folder(REPO_ROOT / "tenants" / "pan-london")
    county = read_scheme_folder(REPO_ROOT / "tenants" / "cambridgeshire")
    assert row_text(page.text, "pan-london") == (
        f"Pan London Housing Reciprocal /s/pan-london/ {london.scheme.region} {today} "
        f"{len(london.organisations)} 1 invited, 1 active, 0 suspended 2 0 {today} Running Suspend"
    )
    assert row_text(page.text, "cambridgeshire") == (
        f"Cambridgeshire and Peterborough Reciprocal /s/cambridgeshire/ {county.scheme.region} {today} "
        f"{len(county.organisations)} 0 invited, 0 active, 0 suspended 0 0 {today} Running Suspend"
    )
    text = visible_text(page.text)
    assert "Pan London Housing Reciprocal State Referrals Draft 1 Circulating 1 All 2" in text
    assert "Cambridgeshire and Peterborough Reciprocal No referrals yet" in text
    assert "Database Reachable" in text
    assert f"Database schema Up to date revision {head_revision()}" in text
    assert f"Version {operations.service_version()}" in text
    assert "reciprocal tenant load tenants/<slug>" in text


async def test_no_case_data_reaches_an_operators_page(client: Client, db: Database) -> None:
    await plant_case_data(db)
    sign_in_as_operator(client, await operator_token(db, await add_operator(db)))
    for path in ("/operator/", "/operator/sign-in", "/operator/sign-in/link/anything"):
        page = await client.get(path)
        assert page.status_code == 200, path
        for planted in (PLANTED_NAME, PLANTED_EMAIL, PLANTED_REFERENCE, PLANTED_CASE_REFERENCE, PLANTED_NOTE):
            assert planted not in page.text, (path, planted)
    # The planted rows are there to be found: the page counts them and shows nothing of them.
    assert "Circulating 1" in visible_text((await client.get("/operator/")).text)
