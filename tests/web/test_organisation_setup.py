"""The scheme admin adds an organisation with the areas it covers and its Working Together Agreement's dates,
and changes one; bad dates are named; another scheme's organisation is a 404; the folder export carries it."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from sqlalchemy import select

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.partners.models import Organisation, OrganisationArea, OrganisationKind
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Area
from support import scheme_id, visible_text
from support.web import Client, act_as_new_member, post
from support.world import World


def dates(signed: tuple[str, str, str], review: tuple[str, str, str]) -> dict[str, str]:
    return {
        "signed-day": signed[0], "signed-month": signed[1], "signed-year": signed[2],
        "review-day": review[0], "review-month": review[1], "review-year": review[2],
    }  # fmt: skip


async def test_the_admin_adds_and_changes_an_organisation(
    client: Client, db: Database, each_world: World, settings: Settings
) -> None:
    slug = each_world.scheme.slug
    other = "cambridgeshire" if slug == "pan-london" else "pan-london"
    await act_as_new_member(client, db, settings, slug, f"admin@{slug}.example", [("coordinator", Role.scheme_admin)])
    tenant = await scheme_id(db, slug)
    async with db.tenant_session(tenant) as session:
        two = list(await session.scalars(select(Area.id).order_by(Area.code).limit(2)))
    form = await client.get(f"/s/{slug}/admin/setup/organisations/new")
    assert form.status_code == 200

    fields = [("name", "Riverside Homes"), ("kind", "housing_association"), *(("areas", str(a)) for a in two)]
    bad = await post(
        client,
        f"/s/{slug}/admin/setup/organisations/new",
        [*fields, *dates(("31", "2", "2026"), ("1", "", "2027")).items()],
    )
    assert bad.status_code == 400
    text = visible_text(bad.text)
    assert "The date the agreement was signed must be a real date" in text
    assert "The date the agreement is reviewed must include a day, month and year" in text
    assert 'href="#signed-day"' in bad.text
    backwards = await post(
        client,
        f"/s/{slug}/admin/setup/organisations/new",
        [*fields, *dates(("1", "4", "2026"), ("1", "4", "2025")).items()],
    )
    assert "The review date must be after" in visible_text(backwards.text)
    agency_with_areas = [("name", "Helping Hands"), ("kind", "agency"), ("areas", str(two[0]))]
    assert "Only a council or housing association covers areas" in visible_text(
        (await post(client, f"/s/{slug}/admin/setup/organisations/new", agency_with_areas)).text
    )
    async with db.tenant_session(tenant) as session:
        assert await session.scalar(select(Organisation.id).where(Organisation.name == "Riverside Homes")) is None

    added = await post(
        client,
        f"/s/{slug}/admin/setup/organisations/new",
        [*fields, *dates(("1", "4", "2026"), ("1", "4", "2027")).items()],
    )
    assert added.status_code == 303
    async with db.tenant_session(tenant) as session:
        made = await session.scalar(select(Organisation).where(Organisation.name == "Riverside Homes"))
        assert made is not None
        covered = set(
            await session.scalars(select(OrganisationArea.area_id).where(OrganisationArea.organisation_id == made.id))
        )
    assert (made.kind, made.agreement_signed_on, made.agreement_review_on) == (
        OrganisationKind.housing_association,
        date(2026, 4, 1),
        date(2027, 4, 1),
    )
    assert covered == set(two)

    renamed = [("name", "Riverside Housing"), ("kind", "housing_association"), ("areas", str(two[1]))]
    later = dates(("1", "4", "2026"), ("1", "10", "2027"))
    changed = await post(client, f"/s/{slug}/admin/setup/organisations/{made.id}", [*renamed, *later.items()])
    assert changed.status_code == 303
    async with db.tenant_session(tenant) as session:
        again = await session.get_one(Organisation, (tenant, made.id))
        covered = set(
            await session.scalars(select(OrganisationArea.area_id).where(OrganisationArea.organisation_id == made.id))
        )
    assert (again.name, again.agreement_review_on) == ("Riverside Housing", date(2027, 10, 1))
    assert covered == {two[1]}

    exported = await client.get(f"/s/{slug}/admin/export/folder")
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        listed = archive.read(f"{slug}/organisations.toml").decode()
    assert 'code = "riverside-homes"\nname = "Riverside Housing"' in listed
    assert "agreement_review_on = 2027-10-01" in listed

    async with db.tenant_session(await scheme_id(db, other)) as session:
        theirs = await session.scalar(select(Organisation.id).limit(1))
    assert (await client.get(f"/s/{slug}/admin/setup/organisations/{theirs}")).status_code == 404
    refused = await post(
        client, f"/s/{slug}/admin/setup/organisations/{theirs}", [("name", "Taken"), ("kind", "agency")]
    )
    assert refused.status_code == 404
    async with db.tenant_session(await scheme_id(db, other)) as session:
        assert await session.scalar(select(Organisation.id).where(Organisation.name == "Taken")) is None
