"""Many processes, one database, through PgBouncer in transaction mode, as the hosted service runs.

PgBouncer gives each transaction whichever server connection is free: here there is one, so every transaction of
every client shares it, and anything left on a connection (a scheme, a timeout, a prepared statement) would reach
the next client. The tenancy isolation tests run again through it, and a sign-in and a referral's journey go over
HTTP to two `reciprocal serve` processes in turn, and a worker's job sends its email.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL

from integration.test_tenant_isolation import (
    scheme_ids,
    test_a_row_cannot_point_at_another_schemes_row,
    test_a_scoped_session_sees_only_its_schemes_rows,
    test_an_unscoped_insert_is_refused,
    test_an_unscoped_session_sees_no_tenant_rows,
    test_updating_another_schemes_rows_touches_none,
    test_writing_a_row_for_another_scheme_is_refused,
)
from people import actor
from production.conftest import require_tools, wait_listening
from reciprocal.db.bootstrap import OWNER_ROLE
from reciprocal.db.engine import Database
from reciprocal.db.rls import APP_ROLE, TENANT_SETTING
from reciprocal.identity.models import Role
from reciprocal.tenancy.models import Area
from smtp_server import Inbox
from support import DatabaseUnderTest, add_member, free_port, make_settings, visible_text
from support.mail import ask_for_link, link_in, use_link
from support.web import act_as, post, version_in
from web.test_officer_referrals import Officer, _answer_everything, _london

pytestmark = pytest.mark.pgbouncer

REPEATED = (
    test_a_scoped_session_sees_only_its_schemes_rows,
    test_an_unscoped_session_sees_no_tenant_rows,
    test_writing_a_row_for_another_scheme_is_refused,
    test_an_unscoped_insert_is_refused,
    test_updating_another_schemes_rows_touches_none,
    test_a_row_cannot_point_at_another_schemes_row,
)
"""The isolation tests taken as they are: collected here, they run with this module's `db`, through PgBouncer."""

SETTINGS = make_settings(database_pool_mode="transaction")


@dataclass(frozen=True)
class Bouncer:
    port: int

    def url(self, database: str, role: str = APP_ROLE) -> URL:
        return URL.create("postgresql", username=role, host="127.0.0.1", port=self.port, database=database)


@pytest.fixture(scope="module")
def bouncer(loopback_admin_url: URL) -> Iterator[Bouncer]:
    """PgBouncer in transaction mode in front of the test server, with one server connection per database."""
    require_tools("pgbouncer")
    folder = Path(tempfile.mkdtemp(prefix="rc-pgbouncer-"))
    folder.chmod(0o755)  # it drops to `nobody` when started as root, and reads its files after
    port = free_port()
    (folder / "users.txt").write_text(f'"{APP_ROLE}" ""\n"{OWNER_ROLE}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={loopback_admin_url.host} port={loopback_admin_url.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = 1
max_client_conn = 200
"""
    )
    for path in folder.iterdir():
        path.chmod(0o644)
    as_user = ["-u", "nobody"] if os.geteuid() == 0 else []
    process = subprocess.Popen(
        ["pgbouncer", *as_user, str(folder / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_listening(port, process)
        yield Bouncer(port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
        shutil.rmtree(folder)


@pytest.fixture
async def db(database: DatabaseUnderTest, bouncer: Bouncer) -> AsyncIterator[Database]:
    """The application's view of this test's database, through PgBouncer (overrides the suite's `db`)."""
    pooled = Database(bouncer.url(database.name), SETTINGS)
    yield pooled
    await pooled.dispose()


async def test_nothing_a_transaction_sets_reaches_the_next_client_of_its_server_connection(
    db: Database, database: DatabaseUnderTest, bouncer: Bouncer
) -> None:
    ids = await scheme_ids(db)
    other_process = Database(bouncer.url(database.name), SETTINGS)
    try:
        async with db.tenant_session(ids["pan-london"]) as session:
            backend = await session.scalar(text("select pg_backend_pid()"))
            assert await session.scalar(select(func.count()).select_from(Area)) == 33
            # The timeouts come with the transaction, as the scheme does.
            assert await session.scalar(text("show statement_timeout")) == "2s"
        async with other_process.session() as session:
            assert await session.scalar(text("select pg_backend_pid()")) == backend  # the same server connection
            assert await session.scalar(select(func.count()).select_from(Area)) == 0
            assert await session.scalar(text(f"select current_setting('{TENANT_SETTING}', true)")) in (None, "")
        # Nor does any of it outlast the transaction for a client that sets nothing.
        raw = await asyncpg.connect(
            bouncer.url(database.name).render_as_string(hide_password=False), statement_cache_size=0
        )
        try:
            assert await raw.fetchval("select pg_backend_pid()") == backend
            assert await raw.fetchval("show statement_timeout") == "0"
            # Every statement was prepared under a name of its own and never found again by another client.
            assert await raw.fetchval("select count(*) from pg_prepared_statements") > 0
        finally:
            await raw.close()
        # A statement a client prepared is never mistaken for another client's (PgBouncer 1.18 does not track them).
        for _ in range(3):
            async with db.tenant_session(ids["cambridgeshire"]) as session:
                assert await session.scalar(select(func.count()).select_from(Area)) == 6
            async with other_process.tenant_session(ids["pan-london"]) as session:
                assert await session.scalar(select(func.count()).select_from(Area)) == 33
    finally:
        await other_process.dispose()


class Alternating(httpx.AsyncBaseTransport):
    """Sends each request to the next of several processes, as a load balancer in front of them would: the
    client speaks to https://127.0.0.1 (the service's base URL), each process listens on plain HTTP."""

    def __init__(self, ports: list[int]) -> None:
        self._ports = cycle(ports)
        self._transport = httpx.AsyncHTTPTransport()
        self.served: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        port = next(self._ports)
        self.served.append(port)
        request.url = request.url.copy_with(scheme="http", port=port)
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._transport.aclose()


@pytest.fixture
def two_processes(
    database: DatabaseUnderTest, bouncer: Bouncer, inbox: Inbox, loopback_admin_url: URL
) -> Iterator[list[int]]:
    """Two `reciprocal serve` processes on the test's database, both through PgBouncer, and a worker whose jobs
    go through it too while its queue listens directly."""
    ports = [free_port(), free_port()]
    direct = loopback_admin_url.set(username=APP_ROLE, password=None, database=database.name)
    env = {
        **os.environ,
        "DATABASE_URL": bouncer.url(database.name).render_as_string(hide_password=False),
        "DATABASE_POOL_MODE": "transaction",
        "RECIPROCAL_SECRET_KEY": SETTINGS.require_secret_key(),
        "RECIPROCAL_BASE_URL": "https://127.0.0.1",
        "RECIPROCAL_POOL_SIZE": "4",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "SMTP_STARTTLS": "false",
    }
    reciprocal = str(Path(sys.executable).parent / "reciprocal")
    commands = [[reciprocal, "serve", "--host", "127.0.0.1", "--port", str(port)] for port in ports]
    worker_env = {**env, "DATABASE_DIRECT_URL": direct.render_as_string(hide_password=False)}
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for command in commands
    ]
    processes.append(
        subprocess.Popen([reciprocal, "worker"], env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    )
    try:
        for port, process in zip(ports, processes[: len(ports)], strict=True):
            wait_listening(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
            if process.stderr:
                process.stderr.close()


LINK = re.compile(r"https://127\.0\.0\.1/s/pan-london/sign-in/link/\S+")


async def test_a_sign_in_and_a_referral_go_through_two_processes_in_turn(
    two_processes: list[int], db: Database, inbox: Inbox
) -> None:
    await add_member(db, "pan-london", "officer@refuge.example", [("safe-steps-london", Role.nominating_officer)])
    coordinator = await actor(db, "pan-london", "coordinator", Role.coordinator)
    await actor(db, "pan-london", "camden-council", Role.named_lead, email="lead@camden.example")
    transport = Alternating(two_processes)
    async with httpx.AsyncClient(transport=transport, base_url="https://127.0.0.1", timeout=20) as client:
        asked = await ask_for_link(client, "/s/pan-london/sign-in", "officer@refuge.example")
        assert asked.status_code == 200
        assert "Check your email" in visible_text(asked.text)
        signed_in = await use_link(client, link_in(await inbox.message_from_afar("officer@refuge.example"), LINK))
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/s/pan-london/home"

        officer = Officer(client, "pan-london")  # type: ignore[arg-type]
        base = await officer.start()
        await _answer_everything(officer, base, await _london(db))
        submitted = await officer.submit(base)
        assert submitted.status_code == 303
        confirmation = visible_text((await client.get(f"{base}/submitted")).text)
        reference = re.search(r"Its reference number is (PL-\d{4}-\d{4})", confirmation)
        assert reference, confirmation
        for _ in range(2):  # the officer's home, from each process
            home = visible_text((await client.get("/s/pan-london/officer/")).text)
            assert f"{reference[1]} SS-4471 The coordinator is checking it" in home

        # The coordinator asks the landlord to approve it; the worker's job tells Camden's named lead by email.
        await act_as(client, db, SETTINGS, coordinator)
        page = await client.get(f"/s/pan-london/coordinator/referrals/{base.rsplit('/', 1)[1]}")
        asked = await post(
            client, f"{page.url.path}/request-approval", {"version": version_in(page.text, "request-approval")}
        )
        assert asked.status_code == 303
        told = await inbox.message_from_afar("lead@camden.example", within_s=30)
        assert told["Subject"] == f"Referral {reference[1]} is waiting for your approval"
    assert set(transport.served) == set(two_processes)
    assert len(transport.served) > 30
