"""`reciprocal tenant load`: create, update, version criteria, and refuse bad folders changing nothing."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.cli import main
from reciprocal.criteria.models import CriteriaVersion
from reciprocal.db.engine import Database
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.provisioning.load import load_scheme
from reciprocal.settings import REPO_ROOT
from reciprocal.tenancy.models import Area
from support import DatabaseUnderTest, scheme_id


async def test_loading_again_changes_only_what_changed(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "cambridgeshire"
    shutil.copytree(REPO_ROOT / "tenants" / "cambridgeshire", folder)
    unchanged = await load_scheme(db, read_scheme_folder(folder))
    assert not unchanged.created
    assert unchanged.criteria_version is None

    areas = folder / "areas.toml"
    areas.write_text(areas.read_text().replace('name = "Fenland"', 'name = "Fenland District"'))
    criteria = folder / "criteria.toml"
    criteria.write_text(criteria.read_text().replace("min_safe_areas = 2", "min_safe_areas = 3"))
    result = await load_scheme(db, read_scheme_folder(folder))
    assert result.criteria_version == 2

    tenant = await scheme_id(db, "cambridgeshire")
    async with db.tenant_session(tenant) as session:
        names = set(await session.scalars(select(Area.name)))
        versions = list(await session.scalars(select(CriteriaVersion.version).order_by(CriteriaVersion.version)))
        loads = await session.scalar(select(func.count()).where(AuditEvent.action == "scheme.loaded"))
    assert "Fenland District" in names
    assert "Fenland" not in names
    assert len(names) == 6
    assert versions == [1, 2]
    assert loads == 3  # template load, unchanged reload, this one


async def test_the_command_line_refuses_a_bad_folder_and_changes_nothing(
    database: DatabaseUnderTest, db: Database, tmp_path: Path
) -> None:
    good = tmp_path / "cambridgeshire"
    shutil.copytree(REPO_ROOT / "tenants" / "cambridgeshire", good)
    bad = tmp_path / "pan-london"
    shutil.copytree(REPO_ROOT / "tenants" / "pan-london", bad)
    good_areas = good / "areas.toml"
    good_areas.write_text(good_areas.read_text().replace('name = "Fenland"', 'name = "Renamed"'))
    (bad / "criteria.toml").write_text(
        (bad / "criteria.toml").read_text().replace("reminder_days = 14", "reminder_days = 0")
    )

    env = {
        "DATABASE_URL": database.app.render_as_string(hide_password=False),
        "RECIPROCAL_LOG_FORMAT": "json",
    }
    result = await asyncio.to_thread(CliRunner().invoke, main, ["tenant", "load", str(good), str(bad)], env=env)
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    assert f"{bad / 'criteria.toml'}: reminder_days: Expected `int` >= 1" in result.output

    tenant = await scheme_id(db, "cambridgeshire")
    async with db.tenant_session(tenant) as session:
        assert "Renamed" not in set(await session.scalars(select(Area.name)))


async def test_the_command_line_creates_a_new_scheme_and_lists_it(database: DatabaseUnderTest, tmp_path: Path) -> None:
    folder = tmp_path / "county-two"
    shutil.copytree(REPO_ROOT / "tenants" / "cambridgeshire", folder)
    scheme = folder / "scheme.toml"
    scheme.write_text(scheme.read_text().replace('slug = "cambridgeshire"', 'slug = "county-two"'))

    env = {
        "DATABASE_URL": database.app.render_as_string(hide_password=False),
        "RECIPROCAL_LOG_FORMAT": "json",
    }
    loaded = await asyncio.to_thread(CliRunner().invoke, main, ["tenant", "load", str(folder)], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "Created county-two: 6 areas, 5 organisations, criteria version 1." in loaded.output

    listed = await asyncio.to_thread(CliRunner().invoke, main, ["tenant", "list"], env=env)
    assert listed.exit_code == 0
    assert [line.split("\t")[0] for line in listed.output.splitlines()] == [
        "cambridgeshire",
        "county-two",
        "pan-london",
    ]
