"""`reciprocal tenant export`: a scheme written back as its folder loads into an empty service unchanged."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlalchemy.engine import URL

from reciprocal.cli import main
from reciprocal.db.bootstrap import bootstrap, role_urls
from reciprocal.db.engine import Database
from reciprocal.db.migrate import migrate
from reciprocal.notifications import templates
from reciprocal.partners.models import Organisation
from reciprocal.provisioning.export import write_folder
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.provisioning.load import load_scheme
from reciprocal.settings import REPO_ROOT
from reciprocal.tenancy.models import Scheme
from support import DatabaseUnderTest, drop_database, make_settings, scheme_id


@pytest.fixture
async def empty_service(admin_url: URL) -> AsyncIterator[Database]:
    """A second service, migrated and holding no scheme at all."""
    name = f"rc_empty_{os.getpid()}"
    await drop_database(admin_url, name)
    owner, app = role_urls(admin_url, name)
    await bootstrap(admin_url, owner, app)
    await migrate(owner)
    fresh = Database(app, make_settings())
    yield fresh
    await fresh.dispose()
    await drop_database(admin_url, name)


def _read(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.suffix == ".toml"}


async def _export(database_url: URL, slug: str, parent: Path) -> Path:
    env = {"DATABASE_URL": database_url.render_as_string(hide_password=False), "RECIPROCAL_LOG_FORMAT": "json"}
    result = await asyncio.to_thread(CliRunner().invoke, main, ["tenant", "export", slug, "--to", str(parent)], env=env)
    assert result.exit_code == 0, result.output
    assert f"Exported {slug} to {parent / slug}." in result.output
    return parent / slug


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_an_exported_scheme_loads_into_an_empty_service_and_exports_the_same(
    database: DatabaseUnderTest, db: Database, empty_service: Database, tmp_path: Path, slug: str
) -> None:
    tenant = await scheme_id(db, slug)
    async with db.tenant_session(tenant) as session, session.begin():
        # An admin's own wording (made in the portal) goes out with the folder too.
        await templates.save(
            session, tenant, "invited", templates.Source("Welcome, {{ scheme }}", "Sign in: {{ link }}"), slug, None
        )
        # And a Working Together Agreement's dates, as an admin records them in the portal.
        await session.execute(
            update(Organisation)
            .where(Organisation.code == "coordinator")
            .values(agreement_signed_on=date(2026, 4, 1), agreement_review_on=date(2027, 4, 1))
        )
        # And a retention rule of its own (scheme.toml's [retention] table).
        await session.execute(update(Scheme).where(Scheme.id == tenant).values(keep_sessions_days=14))
    first = await _export(database.app, slug, tmp_path / "first")

    config = read_scheme_folder(first)
    original = read_scheme_folder(REPO_ROOT / "tenants" / slug)
    assert config.scheme.retention.sessions == 14
    kept = msgspec.structs.replace(original.scheme.retention, sessions=14)
    assert config.scheme == msgspec.structs.replace(original.scheme, retention=kept)
    assert sorted(a.code for a in config.areas) == sorted(a.code for a in original.areas)
    assert {o.code: sorted(o.areas) for o in config.organisations} == {
        o.code: sorted(o.areas) for o in original.organisations
    }
    assert config.criteria == original.criteria
    coordinator = next(o for o in config.organisations if o.code == "coordinator")
    assert (coordinator.agreement_signed_on, coordinator.agreement_review_on) == (date(2026, 4, 1), date(2027, 4, 1))

    loaded = await load_scheme(empty_service, config)
    assert loaded.created
    second = tmp_path / "second"
    async with empty_service.tenant_session(loaded.scheme_id) as session, session.begin():
        await write_folder(session, loaded.scheme_id, second)
    assert _read(second / slug) == _read(first)
    assert "Welcome, {{ scheme }}" in (first / "messages.toml").read_text()


async def test_exporting_a_scheme_that_does_not_exist_says_so(database: DatabaseUnderTest, tmp_path: Path) -> None:
    env = {"DATABASE_URL": database.app.render_as_string(hide_password=False), "RECIPROCAL_LOG_FORMAT": "json"}
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["tenant", "export", "nowhere", "--to", str(tmp_path)], env=env
    )
    assert result.exit_code == 1
    assert "There is no scheme 'nowhere'" in result.output
    assert not (tmp_path / "nowhere").exists()
