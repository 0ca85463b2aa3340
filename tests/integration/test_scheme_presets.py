"""`reciprocal tenant create`: a scheme from each preset; bad fields or a taken slug refused, nothing made."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.cli import main
from reciprocal.db.engine import Database
from reciprocal.partners.models import Organisation
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.settings import REPO_ROOT
from reciprocal.tenancy.models import Area, Scheme
from support import DatabaseUnderTest, scheme_id


async def create(database: DatabaseUnderTest, *args: str) -> tuple[int, str]:
    env = {"DATABASE_URL": database.app.render_as_string(hide_password=False), "RECIPROCAL_LOG_FORMAT": "json"}
    result = await asyncio.to_thread(CliRunner().invoke, main, ["tenant", "create", *args], env=env)
    return result.exit_code, result.output


async def schemes(db: Database) -> list[str]:
    async with db.session() as session:
        return list(await session.scalars(select(Scheme.slug).order_by(Scheme.slug)))


@pytest.mark.parametrize(
    ("preset", "model"), [("pan-london", "pan-london"), ("county", "cambridgeshire"), ("blank", None)]
)
async def test_a_scheme_is_created_from_each_preset(
    database: DatabaseUnderTest, db: Database, preset: str, model: str | None
) -> None:
    code, output = await create(
        database, "north-county", "--preset", preset, "--name", "North County Reciprocal", "--region", "North",
        "--reference-prefix", "NC",
    )  # fmt: skip
    assert code == 0, output
    assert "Created north-county" in output
    assert "/s/north-county/" in output

    tenant = await scheme_id(db, "north-county")
    async with db.tenant_session(tenant) as session:
        scheme = await session.get_one(Scheme, tenant)
        areas = set(await session.scalars(select(Area.code)))
        organisations = set(await session.scalars(select(Organisation.code)))
        created = list(await session.scalars(select(AuditEvent.details).where(AuditEvent.action == "scheme.created")))
    assert (scheme.name, scheme.region, scheme.reference_prefix) == ("North County Reciprocal", "North", "NC")
    if model is None:
        assert areas == set()
        assert organisations == {"coordinator"}
    else:
        folder = read_scheme_folder(REPO_ROOT / "tenants" / model)
        assert areas == {a.code for a in folder.areas}
        assert organisations == {o.code for o in folder.organisations}
        assert scheme.area_term == folder.scheme.area_term
    assert created == [{"preset": preset, "by": "command line"}]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["Bad Slug", "--name", "N", "--region", "R", "--reference-prefix", "NC"], "slug: The address must be"),
        (["new-one", "--name", " ", "--region", "R", "--reference-prefix", "NC"], "name: Enter the scheme's name"),
        (["new-one", "--name", "N", "--region", "", "--reference-prefix", "NC"], "region: Enter the region"),
        (["new-one", "--name", "N", "--region", "R", "--reference-prefix", "nc1"], "reference_prefix: The reference"),
        (["pan-london", "--name", "N", "--region", "R", "--reference-prefix", "NC"], "slug: There is already a scheme"),
    ],
)
async def test_bad_fields_and_a_taken_slug_are_refused_and_nothing_is_made(
    database: DatabaseUnderTest, db: Database, args: list[str], problem: str
) -> None:
    before = await schemes(db)
    async with db.tenant_session(await scheme_id(db, "pan-london")) as session:
        london_name = (await session.get_one(Scheme, await scheme_id(db, "pan-london"))).name
    code, output = await create(database, *args[:1], "--preset", "county", *args[1:])
    assert code == 1
    assert "nothing was changed" in output
    assert problem in output
    assert await schemes(db) == before
    async with db.session() as session:
        assert await session.scalar(select(Scheme.name).where(Scheme.slug == "pan-london")) == london_name


async def test_an_unknown_preset_is_refused(database: DatabaseUnderTest, db: Database) -> None:
    code, output = await create(
        database, "x", "--preset", "city", "--name", "N", "--region", "R", "--reference-prefix", "X"
    )
    assert code == 2
    assert "'city' is not one of" in output
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Scheme)) == 2
