"""Matching: for a property, the circulating referrals it fits; for a referral, the partners who could house it
and why the others could not; and direct arrangements, where landlords could each house another's applicant.

All of it is the circulation rule (referrals.circulation) and the offer's fit (fit.misfits), never a second
copy of either. Each is read from circulating referrals only, in a few queries, then worked out in Python.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import criteria_at
from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.kernel import dates
from reciprocal.partners.models import Organisation, OrganisationArea
from reciprocal.referrals.circulation import (
    HOUSING_PARTNERS,
    Places,
    partners_reached,
    places_of,
    reachable,
    reachable_areas,
)
from reciprocal.referrals.fit import Property, misfits
from reciprocal.referrals.models import Referral
from reciprocal.referrals.pauses import pause_of
from reciprocal.referrals.workflow import State

SHOWN = 50
"""At most this many matches a page lists; it says how many more there are."""


async def _criteria_of(db: AsyncSession, tenant_id: uuid.UUID, versions: Iterable[int | None]) -> dict[int, Criteria]:
    """The criteria of each version named (a handful in a scheme's life): one query each."""
    return {v: await criteria_at(db, tenant_id, v) for v in {v for v in versions if v is not None}}


# --- from a property to the referrals it fits ---------------------------------------------------------------


@dataclass(frozen=True)
class Fits:
    referral_ids: list[uuid.UUID]
    """The fitting referrals shown, longest circulating first: at most SHOWN."""
    total: int
    """How many fit in all."""


async def referrals_fitting(
    db: AsyncSession, tenant_id: uuid.UUID, organisation_id: uuid.UUID, offer: Property
) -> Fits:
    """The circulating referrals a property of this partner's fits: the referral reaches the partner in the
    property's area (circulation.reachable_areas) and the offer form would take it (fit.misfits: the area,
    bedrooms like for like where the referral's criteria say so, an evidenced floor level need met)."""
    in_area = reachable_areas(tenant_id, organisation_id).where(OrganisationArea.area_id == offer.area_id)
    rows = list(
        await db.execute(
            select(
                Referral.id,
                Referral.criteria_version,
                Referral.bedrooms_needed,
                Referral.floor_level_need,
                Referral.medical_evidence,
            )
            .where(
                Referral.tenant_id == tenant_id,
                Referral.state == State.circulating,
                Referral.reference.is_not(None),
                Referral.current_landlord_id.is_distinct_from(organisation_id),
                in_area.exists(),
            )
            .order_by(Referral.circulated_at, Referral.reference)
        )
    )
    named = await places_of(db, tenant_id, [row.id for row in rows])
    covered = frozenset(
        await db.scalars(
            select(OrganisationArea.area_id).where(
                OrganisationArea.tenant_id == tenant_id, OrganisationArea.organisation_id == organisation_id
            )
        )
    )
    criteria = await _criteria_of(db, tenant_id, (row.criteria_version for row in rows))
    fitting = [
        row.id
        for row in rows
        if row.criteria_version is not None
        and not misfits(
            offer,
            row.bedrooms_needed,
            named[row.id],
            covered,
            criteria[row.criteria_version],
            floor_level_need=row.floor_level_need and row.medical_evidence,
        )
    ]
    return Fits(fitting[:SHOWN], len(fitting))


# --- from a referral to the partners who could house it -----------------------------------------------------


@dataclass(frozen=True)
class PartnerReach:
    """One housing partner, and whether the referral's circulation reaches it: where, or why not."""

    partner_id: uuid.UUID
    name: str
    area_ids: frozenset[uuid.UUID]
    """Where it may house the applicant (circulation.reachable): empty if it covers none."""
    why_not: tuple[str, ...]
    """Empty: reached. Otherwise each reason, in words."""

    @property
    def reached(self) -> bool:
        return not self.why_not


async def _partners(
    db: AsyncSession, tenant_id: uuid.UUID
) -> tuple[list[Organisation], dict[uuid.UUID, set[uuid.UUID]]]:
    """The scheme's housing partners by name, and the areas each covers."""
    partners = list(
        await db.scalars(
            select(Organisation)
            .where(Organisation.tenant_id == tenant_id, Organisation.kind.in_(HOUSING_PARTNERS))
            .order_by(Organisation.name)
        )
    )
    covers: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for partner_id, area_id in await db.execute(
        select(OrganisationArea.organisation_id, OrganisationArea.area_id).where(
            OrganisationArea.tenant_id == tenant_id
        )
    ):
        covers[partner_id].add(area_id)
    return partners, covers


async def with_named_leads(db: AsyncSession, tenant_id: uuid.UUID) -> set[uuid.UUID]:
    """The organisations with an active named lead, who would be told of a referral circulated to them."""
    rows = await db.scalars(
        select(Membership.organisation_id)
        .join(User, (User.tenant_id == Membership.tenant_id) & (User.id == Membership.user_id))
        .where(
            Membership.tenant_id == tenant_id,
            Membership.role == Role.named_lead,
            User.status != UserStatus.suspended,
        )
        .distinct()
    )
    return set(rows)


async def who_could_house(db: AsyncSession, referral: Referral) -> list[PartnerReach]:
    """Every housing partner, and whether circulating the referral reaches it (circulation.partners_reached, the
    rule the batch release follows, with someone there to be told): where, or why not, in words."""
    tenant_id = referral.tenant_id
    partners, covers = await _partners(db, tenant_id)
    where = (await places_of(db, tenant_id, [referral.id]))[referral.id]
    reached = (await partners_reached(db, [referral]))[referral.id]
    leads = await with_named_leads(db, tenant_id)
    today = dates.today()
    found = []
    for partner in partners:
        areas = reachable(covers[partner.id], where)
        why: list[str] = []
        if partner.id not in reached:  # the rule's own answer; these say why, in words
            if partner.id == referral.current_landlord_id:
                why.append("is the current landlord")
            if not areas:
                why.append("covers none of the safe areas" if where.safe else "covers only the risk areas")
            pause = pause_of(partner, today)
            if pause is not None:
                why.append(f"has paused new circulations until {dates.govuk_date(pause.until)}")
        if partner.id not in leads:
            why.append("has no named lead")
        found.append(PartnerReach(partner.id, partner.name, areas, tuple(why)))
    return found


# --- direct arrangements ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    """One move of an arrangement: the referral's applicant housed by another referral's landlord."""

    referral_id: uuid.UUID
    reference: str
    landlord_id: uuid.UUID
    """The applicant's current landlord."""
    housed_by_id: uuid.UUID
    """The landlord who would house them: the next referral's landlord."""
    bedrooms: int | None
    area_ids: frozenset[uuid.UUID]
    """Where the housing landlord may house them (circulation.reachable)."""


@dataclass(frozen=True)
class Arrangements:
    pairs: list[tuple[Leg, ...]]
    rings: list[tuple[Leg, ...]]
    """Rings of three. Both lists oldest first (by their first referral's circulation), at most SHOWN each."""
    more_pairs: bool
    more_rings: bool


@dataclass(frozen=True)
class _Live:
    id: uuid.UUID
    reference: str
    landlord: uuid.UUID
    bedrooms: int | None
    like_for_like: bool
    circulated_at: datetime | None


def _legs(
    cycle: Collection[_Live], where: dict[uuid.UUID, Places], covers: dict[uuid.UUID, set[uuid.UUID]]
) -> tuple[Leg, ...]:
    """The legs of a cycle X→Y→…→X, where X's landlord houses Y: each referral is housed by the landlord of the
    one before it."""
    order = list(cycle)
    return tuple(
        Leg(
            r.id,
            r.reference,
            r.landlord,
            order[i - 1].landlord,
            r.bedrooms,
            reachable(covers[order[i - 1].landlord], where[r.id]),
        )
        for i, r in enumerate(order)
    )


async def direct_arrangements(db: AsyncSession, tenant_id: uuid.UUID) -> Arrangements:
    """Pairs and rings of three among circulating referrals whose landlords could each house another's applicant
    (new properties, never a swap of homes): X→Y where X's landlord is a partner Y's circulation reaches (by
    circulation.partners_reached, paused partners skipped), with the same bedrooms where either's criteria count
    like for like. Each listed once, from its longest circulating referral; each move posts to the pot as usual."""
    rows = list(
        await db.scalars(
            select(Referral)
            .where(
                Referral.tenant_id == tenant_id,
                Referral.state == State.circulating,
                Referral.reference.is_not(None),
                Referral.current_landlord_id.is_not(None),
            )
            .order_by(Referral.circulated_at, Referral.reference)
        )
    )
    criteria = await _criteria_of(db, tenant_id, (r.criteria_version for r in rows))
    live = [
        _Live(
            r.id,
            r.reference or "",
            r.current_landlord_id,
            r.bedrooms_needed,
            r.criteria_version is not None and criteria[r.criteria_version].like_for_like_bedrooms,
            r.circulated_at,
        )
        for r in rows
        if r.current_landlord_id is not None
    ]
    rank = {r.id: n for n, r in enumerate(live)}
    reached = await partners_reached(db, rows)
    by_landlord: dict[uuid.UUID, list[_Live]] = defaultdict(list)
    for r in live:
        by_landlord[r.landlord].append(r)
    # out[X]: the referrals X's landlord could house.
    out: dict[uuid.UUID, list[_Live]] = defaultdict(list)
    for y in live:
        for partner in sorted(reached[y.id]):
            for x in by_landlord.get(partner, []):
                if x.bedrooms == y.bedrooms or not (x.like_for_like or y.like_for_like):
                    out[x.id].append(y)
    for targets in out.values():
        targets.sort(key=lambda r: rank[r.id])
    houses = {x: {y.id for y in ys} for x, ys in out.items()}
    pairs: list[tuple[_Live, ...]] = []
    rings: list[tuple[_Live, ...]] = []
    for x in live:  # each cycle from its first (longest circulating) referral: once, not once per rotation
        for y in out[x.id]:
            if rank[y.id] <= rank[x.id]:
                continue
            if x.id in houses.get(y.id, set()) and len(pairs) <= SHOWN:
                pairs.append((x, y))
            for z in out[y.id]:
                closes = rank[z.id] > rank[x.id] and x.id in houses.get(z.id, set())
                if closes and len(rings) <= SHOWN:
                    rings.append((x, y, z))
        if len(pairs) > SHOWN and len(rings) > SHOWN:
            break
    where = await places_of(db, tenant_id, [r.id for r in live])
    _, covers = await _partners(db, tenant_id)
    return Arrangements(
        [_legs(p, where, covers) for p in pairs[:SHOWN]],
        [_legs(r, where, covers) for r in rings[:SHOWN]],
        len(pairs) > SHOWN,
        len(rings) > SHOWN,
    )
