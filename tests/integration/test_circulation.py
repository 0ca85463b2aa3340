"""The circulation rule is written for pages (Python) and queries (SQL, whether reached and where): on the same
data they agree."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import func, select

from people import actor, scheme
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.partners.models import Organisation, OrganisationArea
from reciprocal.referrals.circulation import Places, areas_covered, places_of, reachable, reachable_areas, reaches
from reciprocal.referrals.models import Referral, ReferralArea
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Area

AGENCY = {"pan-london": "safe-steps-london", "cambridgeshire": "county-refuge-support"}


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_the_sql_rule_reaches_exactly_the_partners_the_python_rule_names(db: Database, slug: str) -> None:
    found = await scheme(db, slug)
    officer = await actor(db, slug, AGENCY[slug], Role.nominating_officer)
    chance = random.Random(f"circulation-{slug}")
    async with db.tenant_session(found.id) as session:
        areas = list(await session.scalars(select(Area.id).where(Area.tenant_id == found.id)))
        partners = list(
            await session.scalars(
                select(Organisation.id)
                .where(Organisation.tenant_id == found.id)
                .where(
                    select(OrganisationArea.area_id)
                    .where(
                        OrganisationArea.tenant_id == Organisation.tenant_id,
                        OrganisationArea.organisation_id == Organisation.id,
                    )
                    .exists()
                )
            )
        )
        named: dict[uuid.UUID, Places] = {}
        for n in range(40):
            # Every shape the criteria allow: safe areas or none (anywhere but the risk areas), overlapping
            # partners' cover or not, and one naming every area a risk.
            risk = frozenset(areas if n == 0 else chance.sample(areas, chance.randint(0, 3)))
            safe = frozenset() if n % 3 == 0 else frozenset(chance.sample([a for a in areas if a not in risk], 2))
            referral = Referral(
                tenant_id=found.id,
                version=1,
                state=State.circulating,
                officer_id=officer.user_id,
                agency_id=officer.organisation_id,
            )
            session.add(referral)
            await session.flush()
            session.add_all(
                ReferralArea(tenant_id=found.id, referral_id=referral.id, area_id=a, kind=kind)
                for kind, ids in (("risk", risk), ("safe", safe))
                for a in ids
            )
            named[referral.id] = Places(risk, safe)
        await session.flush()
        assert await places_of(session, found.id, named) == named
        reached_somewhere = 0
        for partner in partners:
            covered = await areas_covered(session, found.id, partner)
            by_sql = set(
                await session.scalars(
                    select(Referral.id).where(
                        Referral.tenant_id == found.id, Referral.id.in_(named), reaches(found.id, partner)
                    )
                )
            )
            by_python = {rid for rid, where in named.items() if reachable(covered, where)}
            assert by_sql == by_python, partner
            where_by_sql = await session.execute(
                select(Referral.id, func.array(reachable_areas(found.id, partner).scalar_subquery())).where(
                    Referral.tenant_id == found.id, Referral.id.in_(named)
                )
            )
            assert {rid: frozenset(areas) for rid, areas in where_by_sql} == {
                rid: reachable(covered, where) for rid, where in named.items()
            }, partner
            reached_somewhere += len(by_sql)
        # The data is not vacuous: some referrals reach some partners, and some partners miss some.
        assert 0 < reached_somewhere < len(partners) * len(named)
