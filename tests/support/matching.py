"""A hand-built cast for matching's tests, in each scheme: three housing partners (A, B, C, each covering one
area the others do not), and circulating referrals written straight into the tables, so every shape (areas,
bedrooms, floor, state, age) is exactly what a test says."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from people import actor, area_ids, organisation_id, scheme
from reciprocal.criteria.services import current_criteria
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.referrals.models import Referral, ReferralArea
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Scheme

CASTS = {
    "pan-london": {
        "agency": "safe-steps-london",
        "a": ("camden-council", "camden"),
        "b": ("islington-council", "islington"),
        "c": ("hackney-council", "hackney"),
        "elsewhere": "croydon",
    },
    "cambridgeshire": {
        "agency": "county-refuge-support",
        "a": ("cambridge-city-council", "cambridge"),
        "b": ("fen-and-river-homes", "east-cambridgeshire"),
        "c": ("fenland-council", "fenland"),
        "elsewhere": "peterborough",
    },
}
"""Per scheme: partner A, B and C (organisation code, the one area of theirs the tests use). `elsewhere` is an
area B covers or nobody does, never A's or C's."""

BEGAN = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@dataclass
class Cast:
    db: Database
    slug: str
    scheme: Scheme
    officer: Actor
    a: uuid.UUID
    b: uuid.UUID
    c: uuid.UUID
    """The partners' organisation ids."""
    area_a: uuid.UUID
    area_b: uuid.UUID
    area_c: uuid.UUID
    elsewhere: uuid.UUID
    codes: dict[str, str]
    made: int = 0

    async def lead(self, partner: str) -> Actor:
        """A new named lead of partner "a", "b" or "c"."""
        return await actor(self.db, self.slug, self.codes[partner], Role.named_lead)

    async def referral(
        self,
        landlord: uuid.UUID,
        *,
        safe: tuple[uuid.UUID, ...] = (),
        risk: tuple[uuid.UUID, ...] = (),
        bedrooms: int = 2,
        floor_need: bool = False,
        state: State = State.circulating,
    ) -> uuid.UUID:
        """A referral of `landlord`'s tenant, circulated a day after the one made before it."""
        self.made += 1
        tid = self.scheme.id
        async with self.db.tenant_session(tid) as session, session.begin():
            published = await current_criteria(session, tid)
            assert published is not None
            referral = Referral(
                tenant_id=tid,
                version=1,
                state=state,
                reference=f"{self.scheme.reference_prefix}-2026-{9000 + self.made}",
                criteria_version=published.version,
                officer_id=self.officer.user_id,
                agency_id=self.officer.organisation_id,
                consent=True,
                current_landlord_id=landlord,
                risk_type="domestic_abuse",
                bedrooms_needed=bedrooms,
                floor_level_need=floor_need,
                medical_evidence=floor_need,
                submitted_at=BEGAN,
                circulated_at=BEGAN + timedelta(days=self.made),
            )
            session.add(referral)
            await session.flush()
            session.add_all(
                ReferralArea(tenant_id=tid, referral_id=referral.id, area_id=area, kind=kind)
                for kind, areas in (("safe", safe), ("risk", risk))
                for area in areas
            )
            return referral.id


async def cast(db: Database, slug: str) -> Cast:
    found = CASTS[slug]
    tid = (await scheme(db, slug)).id
    codes = {p: found[p][0] for p in "abc"}
    a, b, c = [await organisation_id(db, tid, codes[p]) for p in "abc"]
    area_a, area_b, area_c, elsewhere = await area_ids(
        db, tid, found["a"][1], found["b"][1], found["c"][1], found["elsewhere"]
    )
    return Cast(
        db,
        slug,
        await scheme(db, slug),
        await actor(db, slug, found["agency"], Role.nominating_officer),
        a,
        b,
        c,
        area_a,
        area_b,
        area_c,
        elsewhere,
        codes,
    )
