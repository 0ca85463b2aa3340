"""Demo only (`reciprocal demo`): referrals in every state, so each demo portal shows real work at first sign-in.

Every referral is made through the real services, acting as the scheme's demo people, so the audit trail,
the offers and the ledger are exactly what real use would leave. It runs once per scheme: a scheme that
already holds any referral is left as it is, so restarting the demo changes nothing. It is all one
transaction: if any step fails, nothing is kept, a warning is logged (ids only) and the demo starts anyway.

Only named leads of an applicant's current landlord can approve a referral, and only a landlord's own
named lead can offer its homes, so a ledger with balances needs named leads of councils other than Camden.
demo.toml lists only the people to sign in as; the few partner staff below hold their role while the demo
history is written and not afterwards, so the people who can sign in remain exactly those demo.toml lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import structlog
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, User
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor, memberships_of, normalise_email
from reciprocal.partners.models import Organisation, OrganisationKind
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action
from reciprocal.tenancy.models import Area, Scheme

log = structlog.get_logger(__name__)


def _today() -> date:
    return datetime.now(UTC).date()


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


async def load_demo_referrals(db: Database, tenant_id: uuid.UUID, slug: str, keys: Keys) -> int:
    """Make the scheme's demo referrals if it has none yet; how many were made (0 if none, or on failure)."""
    plan = PLANS.get(slug)
    if plan is None:
        return 0
    try:
        async with db.tenant_session(tenant_id) as session, session.begin():
            # Two demos starting at once on one database would otherwise both find no referrals.
            await session.execute(text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": f"demo:{tenant_id}"})
            if await session.scalar(select(func.count()).select_from(Referral).where(Referral.tenant_id == tenant_id)):
                return 0
            scheme = await session.get(Scheme, tenant_id)
            assert scheme is not None
            seeder = _Seeder(session, scheme, keys)
            await seeder.prepare()
            await plan(seeder)
            return len(seeder.made)
    except Exception as error:  # the demo starts whatever went wrong here
        # Ids and the error's kind only: an exception's message may quote case content.
        log.warning("demo.referrals_not_loaded", scheme=str(tenant_id), error=type(error).__name__)
        return 0


PARTNER_LEADS = {
    "islington": ("tomasz.nowak@islington.example", "islington-council"),
    "hackney": ("grace.mensah@hackney.example", "hackney-council"),
    "southwark": ("owen.price@southwark.example", "southwark-council"),
}
"""Named leads of the other councils in the demo's history: demo people (demo.toml) like Priya."""


@dataclass
class _Seeder:
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
        home = offers.Property(
            area_id=self.areas[area],
            bedrooms=referral.bedrooms_needed,
            floor=floor,
            accessibility=accessibility,
            available_from=_today() + timedelta(days=21),
            address=address,
        )
        await offers.make_offer(self.session, self.leads[lead], self.keys, referral.id, home, version=referral.version)
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
            moved_on=_today(),
            bedrooms=referral.bedrooms_needed,
            version=referral.version,
        )
        return referral

    async def refused(self, referral: Referral, reason: str) -> Referral:
        return await offers.refuse(self.session, self.coordinator, referral.id, reason=reason, version=referral.version)


# What the officer writes: support, never who or where. Monitoring answers are the form's own values.
IDVA = "IDVA support in place until the move and for three months after; refuge keyworker agreed the plan."
ISVA = "ISVA support continues after the move; the local sexual violence service has agreed to take over."
TENANCY_SUPPORT = "Tenancy sustainment officer to help with utilities, school places and registering with a GP."
YOUTH = "Youth Futures caseworker keeps weekly contact; the violence reduction unit is aware of the move request."


async def _pan_london(s: _Seeder) -> None:
    """Pan London: Safe Steps London refers; Camden, Islington, Hackney and Southwark approve and offer."""
    co = s.coordinator

    # Before circulation: a draft, then the coordinator's and the landlord's checks.
    await s.drafted(
        s.answers(
            landlord="camden-council",
            lives_in="camden",
            risk_type="domestic_abuse",
            risk=("camden",),
            safe=("lewisham", "greenwich"),
            children=(4, 9),
            bedrooms=2,
        ),
        "SS-4519",
        {"gender": "woman", "lone_parent": "yes"},
    )
    await s.submitted(
        s.answers(
            landlord="islington-council",
            lives_in="islington",
            risk_type="sexual_violence",
            risk=("islington", "hackney"),
            safe=("brent", "ealing", "harrow", "barnet", "enfield"),
            bedrooms=1,
            safeguarding=ISVA,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4507",
        {"gender": "woman", "ethnicity": "not_said", "disability": "no", "lone_parent": "no"},
    )
    returned = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="honour_based_violence",
            risk=("hackney", "newham", "tower-hamlets"),
            safe=("sutton", "merton", "kingston-upon-thames", "richmond-upon-thames", "wandsworth"),
            adults=2,
            bedrooms=2,
            safeguarding="Specialist honour-based violence caseworker supporting the applicant in refuge.",
        ),
        "SS-4496",
    )
    await s.act(
        co,
        returned,
        Action.return_for_information,
        "Please say what support will be in place after the move: the safeguarding measures cover the refuge "
        "stay only.",
    )
    ineligible = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="hate_crime",
            risk=("southwark",),
            safe=("bromley", "bexley", "greenwich", "lewisham", "croydon"),
            adults=2,
            bedrooms=1,
            safeguarding="Hate crime caseworker involved; police incident log shared with the landlord.",
        ),
        "SS-4379",
    )
    await s.act(
        co,
        ineligible,
        Action.mark_ineligible,
        "The incidents are confined to one block and the landlord has agreed a management transfer within the "
        "borough, which meets the household's need without the reciprocal.",
    )
    declined = await s.submitted(
        s.answers(
            landlord="camden-council",
            lives_in="camden",
            risk_type="stalking",
            risk=("camden", "islington"),
            safe=("wandsworth", "lambeth", "merton", "sutton", "croydon"),
            bedrooms=1,
            safeguarding="Stalking advocate supporting; a stalking protection order is being sought.",
        ),
        "SS-4365",
    )
    declined = await s.act(co, declined, Action.request_approval)
    await s.act(
        s.leads["camden"],
        declined,
        Action.decline,
        "Camden has already made an emergency management transfer to another borough, which the applicant has "
        "accepted.",
    )
    awaiting = await s.submitted(
        s.answers(
            landlord="camden-council",
            lives_in="camden",
            risk_type="domestic_abuse",
            risk=("camden", "islington", "haringey"),
            safe=("lewisham", "greenwich", "bexley", "bromley", "croydon"),
            children=(2,),
            bedrooms=2,
            pets="One cat, which can be rehomed if needed",
            safeguarding=IDVA,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4488",
        {"gender": "woman", "ethnicity": "black", "lone_parent": "yes"},
    )
    await s.act(co, awaiting, Action.request_approval)

    # Approved by their landlords and circulated in one batch.
    reaches_camden = await s.submitted(
        s.answers(
            landlord="islington-council",
            lives_in="islington",
            risk_type="domestic_abuse",
            risk=("islington", "hackney"),
            safe=("camden", "brent", "barnet", "harrow", "ealing"),
            children=(4, 9),
            bedrooms=2,
            safeguarding=IDVA,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4471",
        {"gender": "woman", "ethnicity": "white", "disability": "no", "lone_parent": "yes"},
    )
    elsewhere = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="trafficking",
            risk=("hackney", "tower-hamlets", "newham"),
            safe=("lewisham", "greenwich", "bexley", "bromley", "croydon"),
            bedrooms=1,
            safeguarding="Modern slavery support service caseworker in place; referral to the national mechanism made.",
        ),
        "SS-4466",
    )
    violence = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="serious_violence",
            risk=("southwark", "lambeth", "lewisham", "croydon"),
            duty_to_house=True,
            assessed=True,
            bedrooms=1,
            safeguarding=YOUTH,
            resettlement="Leaving care personal adviser will support the move and furnishing the new home.",
        ),
        "SS-4459",
    )
    under_offer = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="serious_violence",
            risk=("hackney", "islington", "haringey", "waltham-forest"),
            assessed=True,
            bedrooms=1,
            safeguarding=YOUTH,
        ),
        "SS-4452",
    )
    at_viewing = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="domestic_abuse",
            risk=("southwark", "lambeth"),
            safe=("camden", "barnet", "enfield", "harrow", "brent"),
            children=(1,),
            bedrooms=2,
            access_needs="Uses a walking frame after surgery: ground floor or a lift needed.",
            floor_level_need=True,
            safeguarding=IDVA,
        ),
        "SS-4440",
        {"gender": "woman", "disability": "yes", "lone_parent": "yes"},
    )
    to_accept = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="hate_crime",
            risk=("southwark", "lewisham"),
            safe=("camden", "brent", "ealing", "barnet", "harrow"),
            adults=2,
            bedrooms=1,
            safeguarding="Hate crime caseworker will stay in touch for six months after the move.",
        ),
        "SS-4431",
    )
    to_refuse = await s.submitted(
        s.answers(
            landlord="islington-council",
            lives_in="islington",
            risk_type="domestic_abuse",
            risk=("islington",),
            safe=("camden", "brent", "barnet", "enfield", "harrow"),
            children=(6,),
            bedrooms=2,
            pets="One small dog",
            safeguarding=IDVA,
        ),
        "SS-4388",
    )
    move_from_camden = await s.submitted(
        s.answers(
            landlord="camden-council",
            lives_in="camden",
            risk_type="domestic_abuse",
            risk=("camden", "barnet", "brent"),
            safe=("islington", "hackney", "southwark", "lewisham", "greenwich"),
            children=(4, 9),
            bedrooms=2,
            safeguarding=IDVA,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4410",
        {"gender": "woman", "ethnicity": "asian", "lone_parent": "yes"},
    )
    move_from_hackney = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="stalking",
            risk=("hackney", "islington"),
            safe=("southwark", "lambeth", "wandsworth", "lewisham", "greenwich"),
            bedrooms=1,
            safeguarding="Stalking advocate supporting; police aware and a marker placed on the new home.",
        ),
        "SS-4402",
    )
    move_from_southwark = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="serious_violence",
            risk=("southwark", "lambeth", "lewisham"),
            assessed=True,
            bedrooms=1,
            safeguarding=YOUTH,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4395",
    )
    approvals = [
        (reaches_camden, "islington"),
        (elsewhere, "hackney"),
        (violence, "southwark"),
        (under_offer, "hackney"),
        (at_viewing, "southwark"),
        (to_accept, "southwark"),
        (to_refuse, "islington"),
        (move_from_camden, "camden"),
        (move_from_hackney, "hackney"),
        (move_from_southwark, "southwark"),
    ]
    for referral, lead in approvals:
        await s.approved(referral, lead)
    await referrals.circulate_batch(s.session, co)

    # Offers, viewings and moves.
    lift = "Third floor flat with a lift; no outside space."
    await s.offered(under_offer, "camden", "camden", floor=3, accessibility=lift, address="Demo flat 31, Example House")
    await s.viewing(
        await s.offered(
            at_viewing,
            "camden",
            "camden",
            floor=0,
            accessibility="Ground floor, step-free entrance, level-access shower.",
            address="Demo flat 2, Example Court",
        )
    )
    await s.accepted(
        await s.viewing(
            await s.offered(
                to_accept, "camden", "camden", floor=1, accessibility=lift, address="Demo flat 12, Example Row"
            )
        )
    )
    await s.refused(
        await s.viewing(
            await s.offered(
                to_refuse, "camden", "camden", floor=4, accessibility=lift, address="Demo flat 44, Example Tower"
            )
        ),
        "other",
    )
    await s.moved(
        await s.accepted(
            await s.viewing(
                await s.offered(
                    move_from_camden,
                    "islington",
                    "islington",
                    floor=1,
                    accessibility="First floor, shared garden.",
                    address="Demo flat 7, Example Mansions",
                )
            )
        )
    )
    await s.moved(
        await s.accepted(
            await s.viewing(
                await s.offered(
                    move_from_hackney,
                    "southwark",
                    "southwark",
                    floor=2,
                    accessibility="Second floor, secure door entry.",
                    address="Demo flat 20, Example Gardens",
                )
            )
        )
    )
    offered = await s.offered(
        move_from_southwark,
        "hackney",
        "hackney",
        floor=0,
        accessibility="Ground floor one bedroom flat, secure door entry.",
        address="Demo flat 1, Example Yard",
    )
    await s.moved(
        await s.accepted(
            await s.viewing(await s.assessed(offered, "No specific risk identified in the offered borough."))
        )
    )

    # Approved after the batch: ready for the next one.
    ready = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="stalking",
            risk=("hackney", "tower-hamlets", "newham"),
            safe=("wandsworth", "merton", "sutton", "kingston-upon-thames", "richmond-upon-thames"),
            bedrooms=1,
            safeguarding="Stalking advocate supporting; home security assessment booked for the new home.",
        ),
        "SS-4480",
        {"gender": "man", "disability": "not_said"},
    )
    await s.approved(ready, "hackney")


PLANS: dict[str, Callable[[_Seeder], Awaitable[None]]] = {"pan-london": _pan_london}
"""The schemes with demo referrals, by slug."""
