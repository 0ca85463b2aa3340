"""An operator creates a scheme from a preset in the portal: each field's problem named, nothing made."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reciprocal.db.engine import Database
from reciprocal.operations import services as operations
from reciprocal.partners.models import Organisation
from reciprocal.portals.operator.controllers import OPERATOR_COOKIE
from reciprocal.tenancy.models import Area, Scheme
from support import make_settings, scheme_id, visible_text
from support.web import Client, post

FIELDS = {
    "preset": "county",
    "slug": "north-county",
    "name": "North County",
    "region": "North",
    "reference_prefix": "NC",
}


async def sign_in_operator(client: Client, db: Database) -> None:
    async with db.session() as session, session.begin():
        operator = await operations.add_operator(session, "ops@reciprocal.example", "Olu Operations")
        token = await operations.start_session(session, operator, make_settings())
    client.cookies.set(OPERATOR_COOKIE, token, path="/operator/")


async def slugs(db: Database) -> list[str]:
    async with db.session() as session:
        return list(await session.scalars(select(Scheme.slug).order_by(Scheme.slug)))


@pytest.mark.parametrize(
    ("preset", "areas", "organisations"), [("pan-london", 33, 13), ("county", 6, 5), ("blank", 0, 1)]
)
async def test_an_operator_creates_a_scheme_from_a_preset(
    client: Client, db: Database, preset: str, areas: int, organisations: int
) -> None:
    await sign_in_operator(client, db)
    form = await client.get("/operator/schemes/new")
    assert form.status_code == 200
    assert "What does the scheme start from?" in visible_text(form.text)

    created = await post(client, "/operator/schemes/new", {**FIELDS, "preset": preset})
    assert created.status_code == 303
    overview = await client.get(created.headers["location"])
    assert "North County" in visible_text(overview.text)
    tenant = await scheme_id(db, "north-county")
    async with db.tenant_session(tenant) as session:
        assert len(list(await session.scalars(select(Area.id)))) == areas
        assert len(list(await session.scalars(select(Organisation.id)))) == organisations
    assert (await client.get("/s/north-county/")).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("preset", "", "Choose what the scheme starts from"),
        ("slug", "North County", "The address must be lower-case letters"),
        ("slug", "cambridgeshire", "There is already a scheme at /s/cambridgeshire/"),
        ("name", "", "Enter the scheme's name"),
        ("region", "x" * 201, "The region must be 200 characters or fewer"),
        ("reference_prefix", "N1", "The reference prefix must be 1 to 8 capital letters"),
    ],
)
async def test_bad_fields_are_named_and_nothing_is_made(
    client: Client, db: Database, field: str, value: str, words: str
) -> None:
    await sign_in_operator(client, db)
    before = await slugs(db)
    refused = await post(client, "/operator/schemes/new", {**FIELDS, field: value})
    assert refused.status_code == 400
    text = visible_text(refused.text)
    assert "There is a problem" in text
    assert words in text
    anchor = "#preset-0" if field == "preset" else f"#{field}"
    assert f'href="{anchor}"' in refused.text
    assert await slugs(db) == before


async def test_the_page_is_only_for_operators(client: Client, db: Database) -> None:
    page = await client.get("/operator/schemes/new", follow_redirects=False)
    assert page.status_code in (302, 303, 401)
    assert "Create a scheme" not in page.text
