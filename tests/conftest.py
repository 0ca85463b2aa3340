"""Shared fixtures: one PostgreSQL per test session, a migrated template with two schemes, a clone per test."""

from __future__ import annotations

import itertools
import os
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL, make_url

from reciprocal.app import create_app
from reciprocal.db.bootstrap import bootstrap, connect_as, refresh_statistics, role_urls
from reciprocal.db.embedded import start_embedded
from reciprocal.db.engine import Database
from reciprocal.db.migrate import migrate
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.provisioning.load import load_scheme
from reciprocal.settings import REPO_ROOT, Settings
from smtp_server import Inbox, smtp_server
from support import DatabaseUnderTest, drop_database, make_settings
from support.world import County, World

TEMPLATE = f"rc_template_{os.getpid()}"
SCHEMES = ("pan-london", "cambridgeshire")
_numbers = itertools.count()


@pytest.fixture(scope="session")
def admin_url() -> URL:
    """A superuser address: TEST_DATABASE_URL, or an embedded server under var/test-postgres."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return make_url(url)
    return start_embedded(REPO_ROOT / "var" / "test-postgres")


@pytest.fixture(scope="session")
async def template_database(admin_url: URL) -> AsyncIterator[str]:
    """A database migrated to head with both demo schemes loaded: cloned for each test that needs one."""
    owner, app = role_urls(admin_url, TEMPLATE)
    admin = await connect_as(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
    finally:
        await admin.close()
    await bootstrap(admin_url, owner, app)
    await migrate(owner)
    db = Database(app, make_settings())
    try:
        for slug in SCHEMES:
            await load_scheme(db, read_scheme_folder(REPO_ROOT / "tenants" / slug))
    finally:
        await db.dispose()
    await refresh_statistics(owner)  # a clone keeps them: no test plans against tables the planner never saw
    yield TEMPLATE
    admin = await connect_as(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    finally:
        await admin.close()


async def clone_database(admin_url: URL, template: str) -> DatabaseUnderTest:
    name = f"rc_test_{os.getpid()}_{next(_numbers)}"
    admin = await connect_as(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    owner, app = role_urls(admin_url, name)
    return DatabaseUnderTest(admin=admin_url.set(database=name), owner=owner, app=app, name=name)


@pytest.fixture
async def database(admin_url: URL, template_database: str) -> AsyncIterator[DatabaseUnderTest]:
    """This test's own copy of the template: commit freely, it is dropped afterwards."""
    test_db = await clone_database(admin_url, template_database)
    yield test_db
    await drop_database(admin_url, test_db.name)


@pytest.fixture
async def db(database: DatabaseUnderTest) -> AsyncIterator[Database]:
    """The application's view of this test's database: the non-owner role, RLS in force."""
    app_db = Database(database.app, make_settings())
    yield app_db
    await app_db.dispose()


@pytest.fixture
async def owner_connection(database: DatabaseUnderTest) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect_as(database.owner)
    yield conn
    await conn.close()


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def app(database: DatabaseUnderTest, settings: Settings) -> Litestar:
    return create_app(settings, database_url=database.app)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A free loopback port, bound before the app is built: the app's base URL names it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock


@pytest.fixture
def live_url(listener: socket.socket) -> str:
    """Where a browser or a raw socket finds the served app, and so the base URL its links and callbacks use."""
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def live_server(app: Litestar, listener: socket.socket, live_url: str) -> Iterator[str]:
    """The app on `listener`, in a thread with its own event loop."""
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server did not start")
        threading.Event().wait(0.02)
    yield live_url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url="https://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def tenants_dir() -> Path:
    return REPO_ROOT / "tenants"


@pytest.fixture
async def world(db: Database) -> World:
    """Pan London's cast and places for a referral's journey (support.world)."""
    return await World(db).build()


@pytest.fixture(params=[World, County], ids=["pan-london", "cambridgeshire"])
async def each_world(db: Database, request: pytest.FixtureRequest) -> World:
    """Each scheme's cast in turn, Pan London's and the county's (support.world): a test taking it runs twice."""
    built: World = await request.param(db).build()
    return built


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server on loopback, keeping what it is sent: point smtp_port at inbox.port."""
    with smtp_server() as server:
        yield server
