"""Suspending and resuming a scheme (operator portal and command line): its people cannot sign in and their
sessions end, its data stays, its pages say it is paused; the other scheme goes on as before."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.cli import main
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, UserSession
from reciprocal.operations import services as operations
from reciprocal.partners.models import Organisation
from reciprocal.portals.operator.controllers import OPERATOR_COOKIE
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from support import DatabaseUnderTest, make_settings, scheme_id, visible_text
from support.web import Client, act_as_new_member, post

LONDON, COUNTY = "pan-london", "cambridgeshire"
PAUSED = "This scheme is paused"


async def sign_in_operator(client: Client, db: Database) -> None:
    async with db.session() as session, session.begin():
        operator = await operations.add_operator(session, "ops@reciprocal.example", "Olu Operations")
        token = await operations.start_session(session, operator, make_settings())
    client.cookies.set(OPERATOR_COOKIE, token, path="/operator/")


async def sessions(db: Database, slug: str) -> int:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        return await session.scalar(select(func.count()).select_from(UserSession)) or 0


async def audit_actions(db: Database, slug: str) -> list[str]:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        found = await session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.in_(["scheme.suspended", "scheme.resumed"]))
        )
        return sorted(found)


async def test_an_operator_suspends_a_scheme_and_resumes_it(client: Client, db: Database, settings: Settings) -> None:
    await act_as_new_member(client, db, settings, LONDON, "admin@london.example", [("coordinator", Role.scheme_admin)])
    await act_as_new_member(client, db, settings, COUNTY, "admin@county.example", [("coordinator", Role.scheme_admin)])
    assert (await client.get(f"/s/{LONDON}/admin/")).status_code == 200
    await sign_in_operator(client, db)
    overview = await client.get("/operator/")
    assert 'action="/operator/schemes/pan-london/suspend"' in overview.text

    suspended = await post(client, f"/operator/schemes/{LONDON}/suspend", {})
    assert suspended.status_code == 303
    assert "Suspended Resume" in visible_text((await client.get("/operator/")).text)

    # Signed out at once, and no one signs in: a clear page, not an error.
    assert await sessions(db, LONDON) == 0
    refused = await client.get(f"/s/{LONDON}/admin/")
    assert refused.status_code == 403
    assert PAUSED in visible_text(refused.text)
    sign_in = await post(client, f"/s/{LONDON}/sign-in", {"email": "admin@london.example"})
    assert sign_in.status_code == 403
    assert PAUSED in visible_text(sign_in.text)
    home = await client.get(f"/s/{LONDON}/")
    assert home.status_code == 200
    assert PAUSED in visible_text(home.text)

    # Its data stays; the other scheme is untouched.
    async with db.tenant_session(await scheme_id(db, LONDON)) as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 13
    assert (await client.get(f"/s/{COUNTY}/admin/")).status_code == 200
    assert PAUSED not in (await client.get(f"/s/{COUNTY}/")).text
    assert await sessions(db, COUNTY) == 1

    assert (await post(client, f"/operator/schemes/{LONDON}/resume", {})).status_code == 303
    assert PAUSED not in (await client.get(f"/s/{LONDON}/")).text
    await act_as_new_member(client, db, settings, LONDON, "again@london.example", [("coordinator", Role.scheme_admin)])
    assert (await client.get(f"/s/{LONDON}/admin/")).status_code == 200
    assert await audit_actions(db, LONDON) == ["scheme.resumed", "scheme.suspended"]
    assert await audit_actions(db, COUNTY) == []
    assert (await post(client, "/operator/schemes/nowhere/suspend", {})).status_code == 404


async def test_only_an_operator_may_suspend(client: Client, db: Database, settings: Settings) -> None:
    await act_as_new_member(client, db, settings, LONDON, "admin@london.example", [("coordinator", Role.scheme_admin)])
    response = await post(client, f"/operator/schemes/{LONDON}/suspend", {}, csrf_from=f"/s/{LONDON}/")
    assert response.status_code in (303, 401, 403)
    async with db.session() as session:
        assert await session.scalar(select(Scheme.suspended_at).where(Scheme.slug == LONDON)) is None


async def test_the_command_line_suspends_and_resumes(database: DatabaseUnderTest, db: Database) -> None:
    env = {"DATABASE_URL": database.app.render_as_string(hide_password=False), "RECIPROCAL_LOG_FORMAT": "json"}

    async def run(*args: str) -> tuple[int, str]:
        result = await asyncio.to_thread(CliRunner().invoke, main, ["tenant", *args], env=env)
        return result.exit_code, result.output

    assert await run("suspend", LONDON) == (0, f"Suspended {LONDON}.\n")
    assert await run("suspend", LONDON) == (0, f"{LONDON} was already suspended: nothing changed.\n")
    code, listed = await run("list")
    assert code == 0
    assert [line.split("\t")[-1] for line in listed.splitlines() if line.startswith(LONDON)] == ["suspended"]
    assert await run("resume", LONDON) == (0, f"Resumed {LONDON}.\n")
    code, missing = await run("suspend", "nowhere")
    assert code == 1
    assert "There is no scheme 'nowhere'" in missing
    assert await audit_actions(db, LONDON) == ["scheme.resumed", "scheme.suspended"]
    async with db.session() as session:
        assert await session.scalar(select(Scheme.suspended_at).where(Scheme.slug == LONDON)) is None
