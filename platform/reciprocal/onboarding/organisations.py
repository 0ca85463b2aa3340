"""A scheme admin sets up the scheme's organisations in the portal, as organisations.toml would: name, kind,
the areas a housing partner covers, and its Working Together Agreement's signed and review dates. Audited."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.kernel.fields import date_from_parts
from reciprocal.partners.models import Organisation, OrganisationArea, OrganisationKind
from reciprocal.tenancy.models import Area

KIND_WORDS = {
    OrganisationKind.council: "Council (housing partner)",
    OrganisationKind.housing_association: "Housing association (housing partner)",
    OrganisationKind.agency: "Referring agency",
    OrganisationKind.coordinator: "Coordinating body",
    OrganisationKind.funder: "Funder or steering group",
}


@dataclass(frozen=True)
class OrganisationChange:
    name: str
    kind: str
    area_ids: list[str]
    signed: tuple[str, str, str]
    review: tuple[str, str, str]


@dataclass(frozen=True)
class Checked:
    name: str
    kind: OrganisationKind
    area_ids: list[uuid.UUID]
    signed_on: date | None
    review_on: date | None


def _date(parts: tuple[str, str, str], field: str, what: str, problems: list[tuple[str, str]]) -> date | None:
    try:
        return date_from_parts(*parts)
    except ValueError as error:
        words = "must include a day, month and year" if str(error) == "incomplete" else "must be a real date"
        problems.append((field, f"The date the agreement {what} {words}"))
        return None


async def _check(db: AsyncSession, actor: Actor, change: OrganisationChange, other_than: uuid.UUID | None) -> Checked:
    problems: list[tuple[str, str]] = []
    name = " ".join(change.name.split())
    if not name:
        problems.append(("name", "Enter the organisation's name"))
    elif len(name) > 200:
        problems.append(("name", "The name must be 200 characters or fewer"))
    else:
        same = select(Organisation.id).where(
            Organisation.tenant_id == actor.tenant_id, func.lower(Organisation.name) == name.lower()
        )
        if other_than is not None:
            same = same.where(Organisation.id != other_than)
        if await db.scalar(same.limit(1)) is not None:
            problems.append(("name", f"There is already an organisation called {name}"))
    kind = OrganisationKind(change.kind) if change.kind in OrganisationKind else None
    if kind is None:
        problems.append(("kind", "Choose what kind of organisation it is"))
    known = {str(i): i for i in await db.scalars(select(Area.id).where(Area.tenant_id == actor.tenant_id))}
    area_ids = [known[a] for a in dict.fromkeys(change.area_ids) if a in known]
    if len(area_ids) != len(set(change.area_ids)):
        problems.append(("areas", "Choose areas from the list"))
    if area_ids and kind is not None and not kind.is_housing_partner:
        problems.append(("areas", "Only a council or housing association covers areas"))
    signed = _date(change.signed, "signed", "was signed", problems)
    review = _date(change.review, "review", "is reviewed", problems)
    if signed and review and review <= signed:
        problems.append(("review", "The review date must be after the date the agreement was signed"))
    if problems:
        raise Refused(problems=problems)
    assert kind is not None
    return Checked(name, kind, area_ids, signed, review)


async def find_organisation(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID) -> Organisation:
    found = await db.scalar(
        select(Organisation).where(Organisation.tenant_id == actor.tenant_id, Organisation.id == organisation_id)
    )
    if found is None:
        raise NotFound()
    return found


async def covered_areas(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        await db.scalars(
            select(OrganisationArea.area_id).where(
                OrganisationArea.tenant_id == actor.tenant_id, OrganisationArea.organisation_id == organisation_id
            )
        )
    )


async def _cover(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID, area_ids: list[uuid.UUID]) -> None:
    await db.execute(
        delete(OrganisationArea).where(
            OrganisationArea.tenant_id == actor.tenant_id, OrganisationArea.organisation_id == organisation_id
        )
    )
    if area_ids:
        await db.execute(
            insert(OrganisationArea),
            [{"tenant_id": actor.tenant_id, "organisation_id": organisation_id, "area_id": a} for a in area_ids],
        )


async def add_organisation(db: AsyncSession, actor: Actor, change: OrganisationChange) -> Organisation:
    checked = await _check(db, actor, change, None)
    base = (re.sub(r"[^a-z0-9]+", "-", checked.name.lower()).strip("-") or "organisation")[:55]
    taken = set(await db.scalars(select(Organisation.code).where(Organisation.tenant_id == actor.tenant_id)))
    code = next(c for c in [base, *(f"{base}-{n}" for n in range(2, 1000))] if c not in taken)
    organisation = Organisation(
        tenant_id=actor.tenant_id,
        code=code,
        name=checked.name,
        kind=checked.kind,
        agreement_signed_on=checked.signed_on,
        agreement_review_on=checked.review_on,
    )
    db.add(organisation)
    await db.flush()
    await _cover(db, actor, organisation.id, checked.area_ids)
    record(
        db, actor.tenant_id, "organisation.added", actor=actor, subject_type="organisation", subject_id=organisation.id
    )
    return organisation


async def change_organisation(
    db: AsyncSession, actor: Actor, organisation_id: uuid.UUID, change: OrganisationChange
) -> Organisation:
    organisation = await find_organisation(db, actor, organisation_id)
    checked = await _check(db, actor, change, organisation.id)
    organisation.name = checked.name
    organisation.kind = checked.kind
    organisation.agreement_signed_on = checked.signed_on
    organisation.agreement_review_on = checked.review_on
    await db.flush()
    await _cover(db, actor, organisation.id, checked.area_ids)
    record(
        db,
        actor.tenant_id,
        "organisation.changed",
        actor=actor,
        subject_type="organisation",
        subject_id=organisation.id,
    )
    return organisation
