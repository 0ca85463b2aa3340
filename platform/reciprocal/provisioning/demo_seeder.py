"""Demo only: the demo people as actors, and the Seeder that makes a referral's history through the real services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import Role, User
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor, memberships_of, normalise_email
from reciprocal.kernel import clock
from reciprocal.partners.models import Organisation, OrganisationKind
from reciprocal.referrals import decisions, fit, offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action, State
from reciprocal.tenancy.models import Area, Scheme


async def demo_actor(session: AsyncSession, tenant_id: uuid.UUID, email: str, organisation: str, role: Role) -> Actor:
    """The person with this email acting for `organisation` (its code) as `role`, which they must hold."""
    user = await session.scalar(select(User).where(User.tenant_id == tenant_id, User.email == normalise_email(email)))
    org = await session.scalar(
        select(Organisation).where(Organisation.tenant_id == tenant_id, Organisation.code == organisation)
    )
    if user is None or org is None:
        raise LookupError("no such demo person or organisation: load the demo people first")
    held = tuple(await memberships_of(session, tenant_id, user.id))
    if not any(a.organisation_id == org.id and a.role == role for a in held):
        raise LookupError("the demo person does not hold that role")
    return Actor(
        tenant_id=tenant_id,
        user_id=user.id,
        session_id=uuid.uuid4(),
        email=user.email,
        display_name=user.display_name,
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=OrganisationKind(org.kind),
        role=role,
        memberships=held,
    )


PARTNER_LEADS = {
    "islington": ("tomasz.nowak@islington.example", "islington-council"),
    "hackney": ("grace.mensah@hackney.example", "hackney-council"),
    "southwark": ("owen.price@southwark.example", "southwark-council"),
}
"""Named leads of the other councils in the demo's history: demo people (demo.toml) like Priya."""


@dataclass
class Seeder:
    """The demo people as actors, the scheme's areas and landlords by code, and one step per service call."""

    session: AsyncSession
    scheme: Scheme
    keys: Keys
    made: list[uuid.UUID] = field(default_factory=list)
    leads: dict[str, Actor] = field(default_factory=dict)

    async def prepare(self) -> None:
        db, tid = self.session, self.scheme.id
        self.areas: dict[str, uuid.UUID] = dict(
            (await db.execute(select(Area.code, Area.id).where(Area.tenant_id == tid))).all()
        )
        self.landlords: dict[str, uuid.UUID] = dict(
            (await db.execute(select(Organisation.code, Organisation.id).where(Organisation.tenant_id == tid))).all()
        )
        self.officer = await demo_actor(
            db, tid, "ana.ferreira@safesteps.example", "safe-steps-london", Role.nominating_officer
        )
        self.coordinator = await demo_actor(db, tid, "sam.okafor@coordination.example", "coordinator", Role.coordinator)
        self.assessor = await demo_actor(
            db, tid, "dev.mistry@youthfutures.example", "youth-futures", Role.risk_assessor
        )
        self.leads["camden"] = await demo_actor(db, tid, "priya.shah@camden.example", "camden-council", Role.named_lead)
        for key, (email, organisation) in PARTNER_LEADS.items():
            self.leads[key] = await demo_actor(db, tid, email, organisation, Role.named_lead)

    # Answers

    def answers(
        self,
        *,
        landlord: str,
        lives_in: str,
        risk_type: str,
        risk: tuple[str, ...],
        safe: tuple[str, ...] = (),
        adults: int = 1,
        children: tuple[int, ...] = (),
        bedrooms: int,
        duty_to_house: bool = False,
        assessed: bool = False,
        pets: str = "",
        access_needs: str = "",
        floor_level_need: bool = False,
        safeguarding: str = "",
        resettlement: str = "",
    ) -> ReferralAnswers:
        """A council tenant's (or, with `duty_to_house`, a care leaver's) answers; areas by code."""
        return ReferralAnswers(
            consent=True,
            tenancy_type=None if duty_to_house else "secure",
            duty_to_house=duty_to_house,
            current_landlord_id=self.landlords[landlord],
            current_area_id=self.areas[lives_in],
            adults=adults,
            children_ages=children,
            bedrooms_needed=bedrooms,
            pets=pets,
            access_needs=access_needs,
            floor_level_need=floor_level_need,
            medical_evidence=floor_level_need,
            risk_type=risk_type,
            risk_area_ids=frozenset(self.areas[a] for a in risk),
            safe_area_ids=frozenset(self.areas[a] for a in safe),
            risk_assessor_id=self.assessor.user_id if assessed else None,
            safeguarding_measures=safeguarding,
            resettlement_support=resettlement,
        )

    # Steps: each one service call, as the person who would make it

    async def drafted(
        self, answers: ReferralAnswers, case_reference: str, monitoring: dict[str, str] | None = None
    ) -> Referral:
        referral = await referrals.start_referral(self.session, self.officer)
        self.made.append(referral.id)
        return await referrals.save_draft(
            self.session,
            self.officer,
            referral.id,
            answers,
            version=referral.version,
            case_reference=case_reference,
            monitoring=monitoring,
        )

    async def submitted(
        self, answers: ReferralAnswers, case_reference: str, monitoring: dict[str, str] | None = None
    ) -> Referral:
        referral = await self.drafted(answers, case_reference, monitoring)
        return await referrals.submit(self.session, self.officer, self.scheme, referral.id, version=referral.version)

    async def act(self, actor: Actor, referral: Referral, action: Action, note: str = "") -> Referral:
        return await referrals.act(self.session, actor, referral.id, action, version=referral.version, note=note)

    async def approved(self, referral: Referral, lead: str) -> Referral:
        referral = await self.act(self.coordinator, referral, Action.request_approval)
        return await self.act(self.leads[lead], referral, Action.approve)

    async def offered(
        self, referral: Referral, lead: str, area: str, *, floor: int | None, accessibility: str, address: str
    ) -> Referral:
        assert referral.bedrooms_needed is not None
        home = fit.Property(
            area_id=self.areas[area],
            bedrooms=referral.bedrooms_needed,
            floor=floor,
            accessibility=accessibility,
            available_from=clock.now().date() + timedelta(days=21),
            address=address,
        )
        made = await offers.make_offer(
            self.session, self.leads[lead], self.keys, referral.id, home, version=referral.version
        )
        if referral.state == State.circulating:  # offers stand side by side (no cap): the officer chooses it
            await decisions.choose_offer(self.session, self.officer, referral.id, made.id, version=referral.version)
        return referral

    async def viewing(self, referral: Referral) -> Referral:
        await offers.arrange_viewing(self.session, self.coordinator, referral.id, version=referral.version)
        return referral

    async def assessed(self, referral: Referral, notes: str) -> Referral:
        await offers.record_risk_assessment(
            self.session, self.assessor, referral.id, risk_identified=False, notes=notes
        )
        return referral

    async def accepted(self, referral: Referral) -> Referral:
        await offers.accept(self.session, self.coordinator, referral.id, version=referral.version)
        return referral

    async def moved(self, referral: Referral) -> Referral:
        assert referral.bedrooms_needed is not None
        await offers.record_move(
            self.session,
            self.coordinator,
            referral.id,
            moved_on=clock.now().date(),
            bedrooms=referral.bedrooms_needed,
            version=referral.version,
        )
        return referral

    async def refused(self, referral: Referral, reason: str) -> Referral:
        return await offers.refuse(self.session, self.coordinator, referral.id, reason=reason, version=referral.version)
