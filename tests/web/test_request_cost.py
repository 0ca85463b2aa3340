"""What every request under a scheme costs before its page does anything: one pooled connection, one
transaction, no query for a scheme already known, and one for the person signed in.

Counted with SQLAlchemy's own events on the app's engine, not timed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text

from reciprocal.app import create_app
from reciprocal.db.engine import Database
from reciprocal.settings import Settings
from support import DatabaseUnderTest, make_settings, visible_text
from support.web import act_as
from support.world import World


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    checkouts: int = 0
    begins: int = 0

    def touching(self, table: str) -> list[str]:
        return [s for s in self.statements if f" {table}" in s]


@contextmanager
def counting(app: Litestar) -> Iterator[Counted]:
    engine = app.state.db.engine.sync_engine
    counted = Counted()

    def on_statement(*args: Any) -> None:
        counted.statements.append(" ".join(str(args[2]).lower().split()))

    def on_checkout(*_: Any) -> None:
        counted.checkouts += 1

    def on_begin(*_: Any) -> None:
        counted.begins += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine.pool, "checkout", on_checkout)
    event.listen(engine, "begin", on_begin)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine.pool, "checkout", on_checkout)
        event.remove(engine, "begin", on_begin)


async def test_a_signed_in_page_takes_one_connection_and_one_transaction(
    app: Litestar, client: AsyncTestClient[Litestar], db: Database, settings: Settings, each_world: World
) -> None:
    slug = each_world.scheme.slug
    await act_as(client, db, settings, each_world.coordinator, slug)
    assert (await client.get(f"/s/{slug}/coordinator")).status_code == 200  # the scheme is now known

    with counting(app) as counted:
        page = await client.get(f"/s/{slug}/coordinator")

    assert page.status_code == 200
    assert each_world.scheme.name in visible_text(page.text)
    assert counted.checkouts == 1
    assert counted.begins == 1
    assert counted.touching("schemes") == [], "a known scheme is not read again"
    # The session, its person, their organisation and every membership: one statement.
    assert len(counted.touching("user_sessions")) == 1
    assert counted.touching("memberships") == counted.touching("user_sessions")


async def test_a_public_page_for_a_known_scheme_reads_no_scheme_or_person(
    app: Litestar, client: AsyncTestClient[Litestar], each_world: World
) -> None:
    path = f"/s/{each_world.scheme.slug}/criteria"
    assert (await client.get(path)).status_code == 200

    with counting(app) as counted:
        page = await client.get(path)

    assert page.status_code == 200
    assert counted.checkouts == 1
    assert counted.touching("schemes") == []
    assert counted.touching("user_sessions") == []
    assert counted.touching("identity_providers") == []


async def test_each_scheme_is_remembered_as_itself(client: AsyncTestClient[Litestar], db: Database) -> None:
    for _ in range(2):
        london = visible_text((await client.get("/s/pan-london/criteria")).text)
        county = visible_text((await client.get("/s/cambridgeshire/criteria")).text)
        assert "Pan London" in london
        assert "Cambridgeshire" not in london
        assert "Cambridgeshire" in county
        assert "Pan London" not in county
    assert (await client.get("/s/no-such-scheme/criteria")).status_code == 404
    assert (await client.get("/s/no-such-scheme/criteria")).status_code == 404


async def test_a_change_to_a_scheme_is_seen_within_the_cache_time(database: DatabaseUnderTest) -> None:
    app = create_app(make_settings(scheme_cache_s=1), database_url=database.app)
    owner = await asyncpg.connect(database.admin.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        async with AsyncTestClient(app, base_url="https://127.0.0.1") as client:
            assert "Pan London" in visible_text((await client.get("/s/pan-london/criteria")).text)
            await owner.execute("update schemes set name = 'Capital Reciprocal' where slug = 'pan-london'")
            # Within the cache time, the page may still say what the scheme was called; after it, never.
            await asyncio.sleep(1.1)
            renamed = visible_text((await client.get("/s/pan-london/criteria")).text)
            assert "Capital Reciprocal" in renamed
            assert "Cambridgeshire" in visible_text((await client.get("/s/cambridgeshire/criteria")).text)
    finally:
        await owner.close()


async def test_connections_the_database_dropped_are_replaced_without_an_error_page(
    app: Litestar, client: AsyncTestClient[Litestar], db: Database, settings: Settings, world: World
) -> None:
    await act_as(client, db, settings, world.coordinator)
    assert (await client.get("/s/pan-london/coordinator")).status_code == 200
    async with db.session() as admin:
        # The app's pooled connections end, as a database restart or a failover ends them.
        ended = await admin.scalar(
            text(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity"
                " where datname = current_database() and application_name = 'reciprocal' and pid <> pg_backend_pid()"
            )
        )
    assert ended
    with counting(app) as counted:
        page = await client.get("/s/pan-london/coordinator")
    assert page.status_code == 200
    assert counted.checkouts == 2, "looked once more, on a new connection"
    assert (await client.get("/s/pan-london/coordinator")).status_code == 200
