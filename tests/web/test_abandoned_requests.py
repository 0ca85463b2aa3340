"""A request whose client goes away stops at once, and leaves nothing behind for the requests after it.

Served by uvicorn on loopback, as in production: the test client never disconnects, a socket can.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from reciprocal.settings import Settings
from support import DatabaseUnderTest, make_settings

POOL = 2 + 10  # pool_size below, and SQLAlchemy's default overflow


@pytest.fixture
def settings(live_url: str) -> Settings:
    # A long statement timeout, so a query left waiting is still waiting when the test looks.
    return make_settings(base_url=live_url, pool_size=2, statement_timeout_ms=20_000, connect_timeout_s=2)


async def _admin(database: DatabaseUnderTest) -> asyncpg.Connection:
    return await asyncpg.connect(database.admin.set(drivername="postgresql").render_as_string(hide_password=False))


async def _waiting_on_locks(admin: asyncpg.Connection) -> int:
    count: int = await admin.fetchval(
        "select count(*) from pg_stat_activity"
        " where datname = current_database() and application_name = 'reciprocal' and wait_event_type = 'Lock'"
    )
    return count


async def _gone(admin: asyncpg.Connection) -> bool:
    return await _waiting_on_locks(admin) == 0


async def _until(condition: Callable[[], Awaitable[bool | int]], seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return True
        await asyncio.sleep(0.05)
    return False


async def _abandon(live_url: str, path: str, after: float) -> None:
    """Send a GET for `path`, then hang up after `after` seconds without reading the answer."""
    address = urlsplit(live_url)
    _, writer = await asyncio.open_connection(address.hostname, address.port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {address.netloc}\r\nAccept: text/html\r\n\r\n".encode())
    await writer.drain()
    await asyncio.sleep(after)
    writer.close()
    await writer.wait_closed()


async def test_requests_abandoned_while_waiting_on_the_database_stop_and_free_the_pool(
    live_server: str, database: DatabaseUnderTest
) -> None:
    page = "/s/pan-london/criteria"
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        assert (await client.get(page)).status_code == 200
        admin = await _admin(database)
        try:
            async with admin.transaction():
                # The criteria page's query waits on this, as it would on a slow database.
                await admin.execute("lock table criteria_versions in access exclusive mode")
                clients = [asyncio.ensure_future(_abandon(live_server, page, after=0.5)) for _ in range(POOL + 2)]
                assert await _until(lambda: _waiting_on_locks(admin), 5), "no request reached the database"
                await asyncio.gather(*clients)
                # Each query is cancelled on the server, not left to wait out its 20 s statement timeout.
                gone = await _until(lambda: _gone(admin), 3)
                assert gone, f"{await _waiting_on_locks(admin)} abandoned queries still waiting"
            # The pool is free for the next person at once: a page, not the 503 of a pool held by nobody.
            answered = await client.get(page)
            assert answered.status_code == 200
        finally:
            await admin.close()


async def test_requests_abandoned_at_any_moment_never_change_what_the_next_one_sees(live_server: str) -> None:
    # Each scheme's criteria page reads its own criteria, through its tenant's row-level security: a word of
    # each is the canary of a connection handed on in a bad state.
    pages = {
        "/s/pan-london/criteria": ("Stalking", "whatever"),
        "/s/cambridgeshire/criteria": ("whatever", "Stalking"),
    }
    chance = random.Random(20261202)
    async with httpx.AsyncClient(base_url=live_server, timeout=20) as client:

        async def read(path: str) -> None:
            response = await client.get(path)
            own, other = pages[path]
            assert response.status_code == 200, response.status_code
            assert own in response.text, path
            assert other not in response.text, path

        for _ in range(4):
            paths = [chance.choice(list(pages)) for _ in range(40)]
            await asyncio.gather(
                *(
                    _abandon(live_server, path, after=chance.uniform(0, 0.05)) if n % 2 else read(path)
                    for n, path in enumerate(paths)
                )
            )
        for path in list(pages) * 5:
            await read(path)
