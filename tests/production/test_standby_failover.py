"""The primary dies and its synchronous standby is promoted while a signed-in admin keeps working: every page in
between is a success or the fast 503 page, service is back within 10 s of the promotion, and no write that was
acknowledged is missing from the promoted server.

The service is the real `reciprocal serve` in a process of its own, given both servers in DATABASE_URL with
target_session_attrs=read-write (README, "Recovery objectives").
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from reciprocal.db.bootstrap import bootstrap, connect_as, role_urls
from reciprocal.db.engine import Database
from reciprocal.db.migrate import migrate
from reciprocal.identity.models import Role
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.provisioning.load import load_scheme
from reciprocal.settings import REPO_ROOT
from reciprocal.worker import asyncpg_dsn
from support import add_member, make_settings, session_token, visible_text
from support.replication import StandbyPair, free_port, standby_pair, wait_until
from support.web import token_in, use_session

RECIPROCAL = Path(sys.executable).parent / "reciprocal"
SLUG = "pan-london"
AREAS = f"/s/{SLUG}/admin/areas"
CONNECT_TIMEOUT_S = 2
SLOW_S = CONNECT_TIMEOUT_S + 2.0
"""Longest any answer may take: the connect timeout, with a margin for a second look (web/guard.py) and a busy
machine. Past it the page is a hang, not the fast 503 page."""
OUTAGE_S = 2.0
"""Between the primary's death and the promotion: what a failover manager takes to notice and decide."""
RESUMED_WITHIN_S = 10.0
MARKER = "Failover check"


@dataclass(frozen=True)
class Answer:
    kind: str  # "write" or "read"
    sent: float
    took: float
    status: int | None  # None: no answer at all (a transport error or our timeout)
    unavailable_page: bool
    marker: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in (200, 303)


async def prepare(pair: StandbyPair) -> tuple[URL, str]:
    """The schema migrated and Pan London loaded on the primary, as `reciprocal bootstrap`, `migrate` and `tenant
    load` do, and a scheme admin signed in: the application's address on the primary and their session token."""
    admin = pair.primary.admin_url
    owner, app = role_urls(admin)
    await bootstrap(admin, owner, app)
    await migrate(owner)
    settings = make_settings()
    db = Database(app, settings)
    try:
        await load_scheme(db, read_scheme_folder(REPO_ROOT / "tenants" / SLUG))
        user = await add_member(db, SLUG, "failover-admin@pan-london.example", [("coordinator", Role.scheme_admin)])
        token = await session_token(db, SLUG, user, settings)
    finally:
        await db.dispose()
    return app, token


@pytest.fixture
def pair() -> Iterator[StandbyPair]:
    with standby_pair() as started:
        yield started


class Service:
    """`reciprocal serve` on a free port, with this checkout's code (PYTHONPATH is passed on)."""

    def __init__(self, database_url: URL, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DATABASE_", "RECIPROCAL_", "SMTP_")) and name not in {"HOST", "PORT"}
        }
        env |= {
            "DATABASE_URL": database_url.render_as_string(hide_password=False),
            "PORT": str(self.port),
            # Demo mode for its plain-HTTP cookies on loopback (a browser sends no Secure cookie over http).
            "RECIPROCAL_DEMO": "true",
            "RECIPROCAL_SECRET_KEY": "standby-failover-test-secret-key-long-enough",
            "RECIPROCAL_LOG_FORMAT": "json",
            "RECIPROCAL_CONNECT_TIMEOUT_S": str(CONNECT_TIMEOUT_S),
        }
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(RECIPROCAL), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_until_serving(self) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"reciprocal serve exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, 30, "reciprocal serve answering /readyz")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def service_log(tmp_path: Path) -> Path:
    return tmp_path / "serve.log"


async def timed(client: httpx.AsyncClient, kind: str, request: httpx.Request, marker: str | None = None) -> Answer:
    sent = time.monotonic()
    try:
        response = await client.send(request)
    except httpx.HTTPError:
        return Answer(kind, sent, time.monotonic() - sent, None, unavailable_page=False, marker=marker)
    took = time.monotonic() - sent
    page = response.status_code == 503 and "Sorry, the service is unavailable" in visible_text(response.text)
    return Answer(kind, sent, took, response.status_code, unavailable_page=page, marker=marker)


async def keep_writing(client: httpx.AsyncClient, token: str, stop: asyncio.Event, answers: list[Answer]) -> None:
    """The admin adds areas one after another, each named with a number of its own (no case content)."""
    number = 0
    while not stop.is_set():
        number += 1
        marker = f"{MARKER} {number:04d}"
        request = client.build_request("POST", AREAS, data={"name": marker}, headers={"x-csrftoken": token})
        answers.append(await timed(client, "write", request, marker))
        await asyncio.sleep(0.05)


async def keep_reading(client: httpx.AsyncClient, stop: asyncio.Event, answers: list[Answer]) -> None:
    while not stop.is_set():
        answers.append(await timed(client, "read", client.build_request("GET", AREAS, headers={"accept": "text/html"})))
        await asyncio.sleep(0.05)


async def port_reached(url: URL) -> int:
    """The port of the server the worker's own connection (asyncpg's address, not SQLAlchemy's) reaches."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        port: int = await connection.fetchval("select inet_server_port()")
    finally:
        await connection.close()
    return port


async def areas_on(server_url: URL) -> set[str]:
    connection: asyncpg.Connection = await connect_as(server_url.set(database="reciprocal"))
    try:
        rows = await connection.fetch("select name from areas where name like $1", f"{MARKER} %")
    finally:
        await connection.close()
    return {row["name"] for row in rows}


async def test_a_standby_takes_over_without_a_500_or_a_lost_write(pair: StandbyPair, service_log: Path) -> None:
    app_url, session = await prepare(pair)
    both = pair.app_url(app_url)
    assert await port_reached(both) == pair.primary.port
    service = Service(both, service_log)
    try:
        service.wait_until_serving()
        async with httpx.AsyncClient(base_url=service.url, timeout=SLOW_S + 10) as client:
            use_session(client, SLUG, session)
            token = token_in(await client.get(f"/s/{SLUG}/"))
            stop = asyncio.Event()
            answers: list[Answer] = []
            traffic = [
                asyncio.create_task(keep_writing(client, token, stop, answers)),
                asyncio.create_task(keep_reading(client, stop, answers)),
            ]
            await asyncio.sleep(2)
            assert answers, "no request was answered before the failover"
            assert all(a.succeeded for a in answers), [a.status for a in answers]

            await asyncio.to_thread(pair.primary.stop_hard)
            died = time.monotonic()
            await asyncio.sleep(OUTAGE_S)
            promoted = time.monotonic()
            await asyncio.to_thread(pair.standby.promote)

            deadline = promoted + RESUMED_WITHIN_S + SLOW_S
            while time.monotonic() < deadline and not any(a.sent >= promoted and a.succeeded for a in answers):
                await asyncio.sleep(0.1)
            await asyncio.sleep(2)  # and it keeps working
            stop.set()
            await asyncio.gather(*traffic)
    finally:
        service.stop()

    log_tail = "\n".join(service_log.read_text().splitlines()[-40:])
    during = [a for a in answers if a.sent + a.took >= died]
    bad = [a for a in during if not (a.succeeded or a.unavailable_page)]
    assert not bad, f"answers neither a success nor the 503 page: {[(a.kind, a.status) for a in bad]}\n{log_tail}"
    slowest = max(a.took for a in during)
    assert slowest <= SLOW_S, f"an answer took {slowest:.1f} s during the failover\n{log_tail}"

    after = [a for a in answers if a.sent >= promoted and a.succeeded]
    assert after, f"no success after the promotion\n{log_tail}"
    resumed = after[0].sent + after[0].took - promoted
    assert resumed <= RESUMED_WITHIN_S, f"service resumed {resumed:.1f} s after the promotion"
    writes_after = [a for a in after if a.kind == "write"]
    assert writes_after, "no write succeeded on the promoted server"

    acknowledged = {a.marker for a in answers if a.kind == "write" and a.status == 303}
    kept = await areas_on(pair.standby.admin_url)
    missing = sorted(m for m in acknowledged if m is not None and m not in kept)
    assert not missing, f"acknowledged writes missing after the failover: {missing}"

    assert await port_reached(both) == pair.standby.port  # the worker finds the promoted server too

    unavailable = [a for a in during if a.unavailable_page]
    print(
        f"\nfailover: {len(answers)} requests, {len(acknowledged)} writes acknowledged and all kept; "
        f"first success {resumed:.2f} s after promotion ({OUTAGE_S:.0f} s after the primary died); "
        f"{len(unavailable)} fast 503 pages, longest {max((a.took for a in unavailable), default=0):.3f} s; "
        f"slowest answer during the switch {slowest:.3f} s"
    )
