"""PgBouncer's image for the cluster (infra/pgbouncer/Containerfile), built and run with the configuration
infra/kubernetes/30-pgbouncer.yaml ships: the app works through it in transaction mode, and it follows prepared
statements across server connections (1.21 and later, max_prepared_statements), as its comments say."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from production.conftest import wait_listening
from production.containers import Container, build
from reciprocal.db.engine import Database
from reciprocal.db.rls import APP_ROLE
from reciprocal.settings import REPO_ROOT
from reciprocal.tenancy.models import Area
from support import DatabaseUnderTest, free_port, make_settings

pytestmark = pytest.mark.image

IMAGE = "reciprocal-pgbouncer:latest"
MANIFEST = REPO_ROOT / "infra" / "kubernetes" / "30-pgbouncer.yaml"


def shipped_configuration() -> str:
    documents = yaml.safe_load_all(MANIFEST.read_text())
    config = next(d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "pgbouncer-config")
    return str(config["data"]["pgbouncer.ini"])


@pytest.fixture(scope="module")
def pooler_image() -> str:
    return build("pgbouncer", IMAGE)


@pytest.fixture
def pooler(pooler_image: str) -> Iterator[Container]:
    box = Container(pooler_image)
    try:
        yield box
    finally:
        box.remove()


def test_it_is_a_pgbouncer_that_follows_prepared_statements_and_runs_as_its_own_user(pooler: Container) -> None:
    version = re.search(r"PgBouncer (\d+)\.(\d+)", pooler.run("pgbouncer", "--version"))
    assert version, "pgbouncer --version names no version"
    assert (int(version[1]), int(version[2])) >= (1, 21), "max_prepared_statements needs PgBouncer 1.21"
    assert pooler.run("id", "-u").strip() == "10002"


@pytest.fixture
def served(pooler: Container, database: DatabaseUnderTest, loopback_admin_url: URL) -> Iterator[int]:
    """The image's PgBouncer with the shipped configuration, but for what only the cluster has: the database's
    address (the test's server on loopback), trust in place of passwords, no TLS to it, and two server connections."""
    port = free_port()
    config = shipped_configuration()
    config = re.sub(
        r"^reciprocal = .*$",
        f"reciprocal = host={loopback_admin_url.host} port={loopback_admin_url.port or 5432} dbname={database.name}",
        config,
        flags=re.MULTILINE,
    )
    # Two server connections for three clients, so one client's transactions can be sent to either.
    changes = {"listen_addr": "127.0.0.1", "listen_port": str(port), "auth_type": "trust", "default_pool_size": "2"}
    for name, value in changes.items():
        config, found = re.subn(rf"^{name} = .*$", f"{name} = {value}", config, flags=re.MULTILINE)
        assert found == 1, f"the shipped configuration has no {name}"
    config = re.sub(r"^server_tls_sslmode = .*$", "server_tls_sslmode = disable", config, flags=re.MULTILINE)
    folder = Path(tempfile.mkdtemp(prefix="rc-pooler-"))
    (folder / "users").mkdir()
    (folder / "pgbouncer.ini").write_text(config)
    (folder / "users" / "userlist.txt").write_text(f'"{APP_ROLE}" ""\n')
    for path in (folder, folder / "users"):
        path.chmod(0o755)
    for path in (folder / "pgbouncer.ini", folder / "users" / "userlist.txt"):
        path.chmod(0o644)
    process = subprocess.Popen(
        pooler.command("pgbouncer", "/etc/pgbouncer/pgbouncer.ini", volumes={str(folder): "/etc/pgbouncer"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_listening(port, process)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        if process.stderr:
            process.stderr.close()
        shutil.rmtree(folder)


async def test_the_app_works_through_the_shipped_configuration(served: int) -> None:
    address = URL.create("postgresql", username=APP_ROLE, host="127.0.0.1", port=served, database="reciprocal")
    pooled = Database(address, make_settings(database_pool_mode="transaction"))
    try:
        async with pooled.session() as session:
            assert await session.scalar(select(func.count()).select_from(Area)) == 0  # no scheme: no rows
    finally:
        await pooled.dispose()
    # A client that keeps its prepared statements (asyncpg's default) works too, though its next transaction
    # lands on another server connection: PgBouncer 1.21+ prepares the statement where it goes. (Debian
    # bookworm's 1.18 answers 'prepared statement "__asyncpg_stmt_1__" does not exist', tried by hand.)
    query = "select count(*) from schemes where slug = $1"
    holder, preparer, other = [await asyncpg.connect(address.render_as_string(hide_password=False)) for _ in range(3)]
    try:
        first = holder.transaction()
        await first.start()
        await holder.execute("select 1")  # holds one of the two server connections
        assert await preparer.fetchval(query, "pan-london") == 1  # prepared on the other
        second = other.transaction()
        await second.start()
        await other.execute("select 1")  # now holds that other one
        await first.commit()  # and the first is free again: the only one the preparer can get
        assert await preparer.fetchval(query, "pan-london") == 1
        await second.commit()
    finally:
        for client in (holder, preparer, other):
            await client.close()
