"""Which partners a circulated referral reaches: one rule, in Python for pages that list why, in SQL for queries.

A referral names risk areas (where the applicant must not live) and usually safe areas (where they may). It
reaches a housing partner covering any of its safe areas; a referral naming no safe area (serious violence:
anywhere but the risk areas) reaches every partner with stock outside its risk areas. `reachable`, `reaches`
and `reachable_areas` are the same rule; a test checks them against each other on the same data.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, case, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.kernel import dates
from reciprocal.partners.models import Organisation, OrganisationArea, OrganisationKind, taking_circulations
from reciprocal.referrals.models import Referral, ReferralArea
from reciprocal.referrals.workflow import State

CIRCULATED = (State.circulating, State.offer_made, State.viewing, State.accepted, State.moved)
"""States in which a referral is visible, anonymised, to the partners it was circulated to."""

HOUSING_PARTNERS = (OrganisationKind.council, OrganisationKind.housing_association)
"""The partners with homes to offer: only they are circulated to."""


@dataclass(frozen=True)
class Places:
    """The areas a referral names: where the applicant is at risk, and where they may safely live."""

    risk: frozenset[uuid.UUID] = field(default_factory=frozenset)
    safe: frozenset[uuid.UUID] = field(default_factory=frozenset)


def reachable(covered: Collection[uuid.UUID], places: Places) -> frozenset[uuid.UUID]:
    """The areas, of those a partner covers, where it may house the applicant: none means it is not reached."""
    covered = frozenset(covered)
    return covered & places.safe if places.safe else covered - places.risk


def _covered(tenant_id: uuid.UUID, organisation_id: uuid.UUID) -> Select[uuid.UUID]:
    return select(OrganisationArea.area_id).where(
        OrganisationArea.tenant_id == tenant_id, OrganisationArea.organisation_id == organisation_id
    )


def _named(kind: str) -> Select[uuid.UUID]:
    """The referral's areas of one kind ("risk" or "safe"), correlated to Referral."""
    return (
        select(ReferralArea.area_id)
        .where(
            ReferralArea.tenant_id == Referral.tenant_id,
            ReferralArea.referral_id == Referral.id,
            ReferralArea.kind == kind,
        )
        .correlate(Referral)
    )


def reaches(tenant_id: uuid.UUID, organisation_id: uuid.UUID) -> ColumnElement[bool]:
    """`reachable` as SQL, correlated to Referral: true where the referral reaches this partner.

    Written apart from `reachable_areas` (not as its EXISTS) so that the partner's cover is read once per query,
    not once per referral, when a list filters every circulating referral by it."""
    covered = _covered(tenant_id, organisation_id)
    return _named("safe").where(ReferralArea.area_id.in_(covered)).exists() | (
        ~_named("safe").exists() & covered.where(OrganisationArea.area_id.not_in(_named("risk"))).exists()
    )


def taking_new(tenant_id: uuid.UUID, organisation_id: uuid.UUID) -> ColumnElement[bool]:
    """True while the partner takes new circulations today (not paused: referrals.pauses): with `reaches`, what
    its lists of referrals open for offers show."""
    return (
        select(Organisation.id)
        .where(
            Organisation.tenant_id == tenant_id,
            Organisation.id == organisation_id,
            taking_circulations(dates.today()),
        )
        .exists()
    )


def reachable_areas(tenant_id: uuid.UUID, organisation_id: uuid.UUID) -> Select[uuid.UUID]:
    """`reachable` as SQL, correlated to Referral: the areas, of those the partner covers, where it may house the
    applicant, for the referrals a query returns (their names in the same statement)."""
    safe = _named("safe")
    return (
        _covered(tenant_id, organisation_id)
        .where(
            case(
                (safe.exists(), OrganisationArea.area_id.in_(safe)),
                else_=OrganisationArea.area_id.not_in(_named("risk")),
            )
        )
        .correlate(Referral)
    )


async def areas_covered(db: AsyncSession, tenant_id: uuid.UUID, organisation_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """The areas where a partner has homes."""
    return frozenset(await db.scalars(_covered(tenant_id, organisation_id)))


async def places_of(
    db: AsyncSession, tenant_id: uuid.UUID, referral_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Places]:
    """Each referral's named areas, in one query; a referral naming none has empty Places."""
    ids = set(referral_ids)
    named: dict[uuid.UUID, tuple[set[uuid.UUID], set[uuid.UUID]]] = {i: (set(), set()) for i in ids}
    if ids:
        rows = await db.execute(
            select(ReferralArea.referral_id, ReferralArea.area_id, ReferralArea.kind).where(
                ReferralArea.tenant_id == tenant_id, ReferralArea.referral_id.in_(ids)
            )
        )
        for referral_id, area_id, kind in rows:
            named[referral_id][1 if kind == "safe" else 0].add(area_id)
    return {i: Places(frozenset(risk), frozenset(safe)) for i, (risk, safe) in named.items()}


async def places(db: AsyncSession, referral: Referral) -> Places:
    """One referral's named areas."""
    return (await places_of(db, referral.tenant_id, [referral.id]))[referral.id]


async def partners_reached(
    db: AsyncSession, referrals: Collection[Referral], *, skip_paused: bool = True
) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """The housing partners each referral reaches (`reachable`), its own landlord aside: in two queries.

    An empty set means that released, the referral would be circulated to nobody. A partner that has paused new
    circulations (referrals.pauses) is reached by none while paused, unless `skip_paused` is false (a statement
    counting the applicants who want its areas).
    """
    if not referrals:
        return {}
    tenant_id = next(iter(referrals)).tenant_id
    named = await places_of(db, tenant_id, [r.id for r in referrals])
    covered: dict[uuid.UUID, set[uuid.UUID]] = {}
    rows = await db.execute(
        select(OrganisationArea.organisation_id, OrganisationArea.area_id)
        .join(
            Organisation,
            (Organisation.tenant_id == OrganisationArea.tenant_id)
            & (Organisation.id == OrganisationArea.organisation_id),
        )
        .where(
            OrganisationArea.tenant_id == tenant_id,
            Organisation.kind.in_(HOUSING_PARTNERS),
            taking_circulations(dates.today()) if skip_paused else true(),
        )
    )
    for organisation, area in rows:
        covered.setdefault(organisation, set()).add(area)
    # `reachable` for many referrals at once: a referral naming safe areas reaches the partners covering any of
    # them (looked up per area); one naming none, those covering some area outside its risk areas.
    by_area: dict[uuid.UUID, set[uuid.UUID]] = {}
    for organisation, areas in covered.items():
        for area in areas:
            by_area.setdefault(area, set()).add(organisation)

    def reached(referral: Referral) -> frozenset[uuid.UUID]:
        where = named[referral.id]
        if where.safe:
            found = set().union(*(by_area.get(area, set()) for area in where.safe))
        else:
            found = {o for o, areas in covered.items() if areas - where.risk}
        found.discard(referral.current_landlord_id)
        return frozenset(found)

    return {r.id: reached(r) for r in referrals}
