"""A scheme's exit export (issue 13): the whole scheme as JSON Lines per table in a zip with a README, no secrets,
and loaded into an empty service it exports again identically, table by table."""

from __future__ import annotations

import asyncio
import io
import json
import os
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.engine import URL

from reciprocal.cli import main
from reciprocal.db.bootstrap import bootstrap, role_urls
from reciprocal.db.engine import Database
from reciprocal.db.migrate import migrate
from reciprocal.exports.scheme_exit import LEFT_OUT_TABLES, export_scheme, import_scheme, tables
from reciprocal.identity.models import IdentityProvider, Role
from reciprocal.identity.secrets import Keys
from reciprocal.kernel.errors import Refused
from reciprocal.provisioning.demo import load_demo
from reciprocal.provisioning.demo_seeder import demo_actor
from reciprocal.settings import Settings
from support import add_member, demo_scheme, drop_database, make_settings, scheme_id
from support.web import Client, act_as

ISSUER = "http://127.0.0.1:8001"
COORDINATOR = "coordinator@pl.example"


@pytest.fixture
async def empty_url(admin_url: URL) -> AsyncIterator[URL]:
    """A fresh service's database: migrated to head, with no scheme at all (its application role's address)."""
    name = f"rc_exit_{os.getpid()}"
    await drop_database(admin_url, name)
    owner, app = role_urls(admin_url, name)
    await bootstrap(admin_url, owner, app)
    await migrate(owner)
    yield app
    await drop_database(admin_url, name)


@pytest.fixture
async def empty_service(empty_url: URL) -> AsyncIterator[Database]:
    db = Database(empty_url, make_settings())
    yield db
    await db.dispose()


def files(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


async def test_a_scheme_exported_and_imported_into_an_empty_service_exports_identically(
    db: Database, empty_service: Database, settings: Settings, tmp_path: Path
) -> None:
    keys = Keys(settings.require_secret_key())
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    london = await scheme_id(db, "pan-london")
    first = await export_scheme(db, london)
    path = tmp_path / "pan-london.zip"
    path.write_bytes(first)

    imported = await import_scheme(empty_service, path)
    assert imported.slug == "pan-london"
    again = await export_scheme(empty_service, imported.id)

    before, after = files(first), files(again)
    assert set(before) == set(after)
    assert {"README.md", "scheme.jsonl", "referrals.jsonl", "audit_events.jsonl", "ledger_entries.jsonl"} <= set(before)
    for name in sorted(before):
        assert before[name] == after[name], f"{name} changed in the round trip"
    assert before["referrals.jsonl"].count(b"\n") > 10, "the demo's referrals are in it"

    # Loading it twice is refused: a fresh service only.
    with pytest.raises(Refused, match="already on this service"):
        await import_scheme(empty_service, path)


async def test_the_export_carries_no_secrets(db: Database, settings: Settings) -> None:
    keys = Keys(settings.require_secret_key())
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    london = await scheme_id(db, "pan-london")
    async with db.tenant_session(london) as session:
        secrets = [p.client_secret_encrypted for p in await session.scalars(select(IdentityProvider))]
    exported = files(await export_scheme(db, london))
    for table in LEFT_OUT_TABLES:
        assert f"{table}.jsonl" not in exported
    everything = b"".join(exported.values())
    for secret in secrets:
        assert secret.encode() not in everything
    for name, body in exported.items():
        if name.endswith(".jsonl"):
            for line in body.splitlines():
                for column in json.loads(line):
                    assert not column.endswith(("_hash", "_encrypted", "token", "secret")), (name, column)
    readme = exported["README.md"].decode()
    assert "## referrals.jsonl" in readme
    assert all(f"## {t.name}.jsonl" in readme for t in tables())


async def test_the_command_line_imports_an_export_and_refuses_it_twice(
    db: Database, empty_url: URL, tmp_path: Path
) -> None:
    path = tmp_path / "cambridgeshire.zip"
    path.write_bytes(await export_scheme(db, await scheme_id(db, "cambridgeshire")))
    env = {"DATABASE_URL": empty_url.render_as_string(hide_password=False), "RECIPROCAL_LOG_FORMAT": "json"}
    done = await asyncio.to_thread(CliRunner().invoke, main, ["tenant", "import", str(path)], env=env)
    assert done.exit_code == 0, done.output
    assert "Imported cambridgeshire" in done.output
    again = await asyncio.to_thread(CliRunner().invoke, main, ["tenant", "import", str(path)], env=env)
    assert again.exit_code == 1
    assert "already on this service" in again.output


async def test_the_scheme_admin_downloads_the_whole_scheme(client: Client, db: Database, settings: Settings) -> None:
    london = await scheme_id(db, "pan-london")
    await add_member(db, "pan-london", "admin@pl.example", [("coordinator", Role.scheme_admin)])
    await add_member(db, "pan-london", COORDINATOR, [("coordinator", Role.coordinator)])
    async with db.tenant_session(london) as session:
        admin = await demo_actor(session, london, "admin@pl.example", "coordinator", Role.scheme_admin)
        coordinator = await demo_actor(session, london, COORDINATOR, "coordinator", Role.coordinator)
    await act_as(client, db, settings, admin)
    got = await client.get("/s/pan-london/admin/export")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/zip")
    assert "scheme.jsonl" in files(got.content)
    await act_as(client, db, settings, coordinator)
    assert (await client.get("/s/pan-london/admin/export")).status_code in {403, 404}
