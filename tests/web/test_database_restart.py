"""Around a database restart, every page is the fast 503 page (never a 500), and the app recovers by itself.

The outage itself (the database unreachable) is tested in test_operations.py; these are the moments either side
of it: PostgreSQL still starting up, and a query cut off mid-flight by a shutdown or by its statement timeout.
"""

from __future__ import annotations

import asyncio
import threading

import asyncpg
from litestar.testing import AsyncTestClient

from reciprocal.app import create_app
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.settings import Settings
from support import DatabaseUnderTest, make_settings, visible_text
from support.web import Client, act_as_new_member, post
from tcp_proxy import TcpProxy

PAGE = "/s/pan-london/"
HTML = {"accept": "text/html"}
AREAS = "/s/pan-london/admin/areas"
ADMIN = [("coordinator", Role.scheme_admin)]


def _is_the_unavailable_page(status: int, text: str) -> bool:
    return status == 503 and "Sorry, the service is unavailable" in visible_text(text) and "Traceback" not in text


async def test_while_postgresql_is_starting_up_pages_are_the_503_page(database: DatabaseUnderTest) -> None:
    proxy = TcpProxy(database.app)
    proxy.start()
    app = create_app(make_settings(connect_timeout_s=2), database_url=proxy.url)
    try:
        async with AsyncTestClient(app, base_url="https://127.0.0.1", timeout=30) as client:
            assert (await client.get(PAGE)).status_code == 200
            # A restart: open connections drop, and new ones hear "the database system is starting up".
            proxy.cut()
            proxy.starting()
            proxy.restore()
            starting = await asyncio.wait_for(client.get(PAGE, headers=HTML), 10)
            assert _is_the_unavailable_page(starting.status_code, starting.text)
            assert starting.headers["retry-after"]
            assert (await client.get("/readyz")).status_code == 503

            proxy.starting(False)
            assert (await client.get(PAGE)).status_code == 200
    finally:
        proxy.stop()


async def _admin(database: DatabaseUnderTest) -> asyncpg.Connection:
    return await asyncpg.connect(database.admin.set(drivername="postgresql").render_as_string(hide_password=False))


def _terminate_when_blocked(database: DatabaseUnderTest) -> threading.Thread:
    """In a thread of its own (the test client may hold the test's loop while the page waits): wait for the
    app's backend to queue on the test's lock, then end it as a fast shutdown ends every backend."""

    async def terminate() -> None:
        admin = await _admin(database)
        try:
            for _ in range(200):
                pid = await admin.fetchval(
                    "select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"
                )
                if pid:
                    # "terminating connection due to administrator command", SQLSTATE 57P01
                    await admin.execute("select pg_terminate_backend($1)", pid)
                    return
                await asyncio.sleep(0.02)
        finally:
            await admin.close()

    thread = threading.Thread(target=asyncio.run, args=(terminate(),), daemon=True)
    thread.start()
    return thread


async def test_a_query_cut_off_by_a_shutdown_is_the_503_page(database: DatabaseUnderTest) -> None:
    app = create_app(make_settings(connect_timeout_s=2, statement_timeout_ms=5000), database_url=database.app)
    admin = await _admin(database)
    try:
        async with AsyncTestClient(app, base_url="https://127.0.0.1", timeout=30) as client:
            assert (await client.get(PAGE)).status_code == 200
            async with admin.transaction():
                # The page's query (the scheme's counts) waits on this lock, so the shutdown finds it mid-flight.
                await admin.execute("lock table areas in access exclusive mode")
                terminator = _terminate_when_blocked(database)
                cut = await asyncio.wait_for(client.get(PAGE, headers=HTML), 10)
            terminator.join(timeout=10)
            assert _is_the_unavailable_page(cut.status_code, cut.text)
            assert (await client.get(PAGE)).status_code == 200
    finally:
        await admin.close()


async def test_a_query_cut_off_by_its_statement_timeout_is_the_503_page(database: DatabaseUnderTest) -> None:
    app = create_app(make_settings(connect_timeout_s=2, statement_timeout_ms=300), database_url=database.app)
    admin = await _admin(database)
    try:
        async with AsyncTestClient(app, base_url="https://127.0.0.1", timeout=30) as client:
            async with admin.transaction():
                await admin.execute("lock table areas in access exclusive mode")
                slow = await asyncio.wait_for(client.get(PAGE, headers=HTML), 10)
            assert _is_the_unavailable_page(slow.status_code, slow.text)
            assert (await client.get(PAGE)).status_code == 200
    finally:
        await admin.close()


async def test_a_write_to_a_server_that_takes_none_is_the_503_page(
    database: DatabaseUnderTest, client: Client, db: Database, settings: Settings
) -> None:
    # A standby, as a failover leaves it to an address naming both servers without target_session_attrs, or a
    # primary set read-only for maintenance: the write was sound and will succeed later, so never a 500.
    await act_as_new_member(client, db, settings, "pan-london", "admin@pan-london.example", ADMIN)
    served: Database = client.app.state.db
    admin = await _admin(database)
    try:
        await admin.execute(f'alter database "{database.name}" set default_transaction_read_only = on')
        await served.engine.dispose()  # the setting applies to connections made after it
        refused = await post(client, AREAS, {"name": "Read Only Town"}, headers=HTML)
        assert _is_the_unavailable_page(refused.status_code, refused.text)
        assert refused.headers["retry-after"]
        await admin.execute(f'alter database "{database.name}" reset default_transaction_read_only')
        await served.engine.dispose()
        assert (await post(client, AREAS, {"name": "Read Only Town"})).status_code == 303
    finally:
        await admin.close()
