"""A scheme's exit export (issue 13): the whole scheme as JSON Lines per table in a zip with a README, no secrets,
and loaded into an empty service it exports again identically, table by table."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from reciprocal.db.bootstrap import bootstrap, role_urls
from reciprocal.db.engine import Database
from reciprocal.db.migrate import migrate
from reciprocal.exports.scheme_exit import LEFT_OUT_TABLES, export_scheme, import_scheme, tables
from reciprocal.identity.models import IdentityProvider
from reciprocal.identity.secrets import Keys
from reciprocal.kernel.errors import Refused
from reciprocal.provisioning.demo import load_demo
from reciprocal.settings import Settings
from support import demo_scheme, drop_database, make_settings, scheme_id

ISSUER = "http://127.0.0.1:8001"


@pytest.fixture
async def empty_service(admin_url: URL) -> AsyncIterator[Database]:
    """A fresh service: a database migrated to head with no scheme at all."""
    name = f"rc_exit_{os.getpid()}"
    await drop_database(admin_url, name)
    owner, app = role_urls(admin_url, name)
    await bootstrap(admin_url, owner, app)
    await migrate(owner)
    db = Database(app, make_settings())
    yield db
    await db.dispose()
    await drop_database(admin_url, name)


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
    for column in (b"client_secret_encrypted", b"address_encrypted", b"token", b"key_hash"):
        for name, body in exported.items():
            if name.endswith(".jsonl"):
                for line in body.splitlines():
                    assert column.decode() not in json.loads(line), (name, column)
    readme = exported["README.md"].decode()
    assert "## referrals.jsonl" in readme
    assert all(f"## {t.name}.jsonl" in readme for t in tables())
