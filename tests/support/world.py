"""The world the referral journeys happen in: a scheme's people and places, and a referral's steps.

World is Pan London's; County is Cambridgeshire's, for the tests every tenant-scoped feature has in two schemes.
Both name the same parts: an officer, a coordinator, a risk assessor, the applicant's landlord's named lead
(`landlord`), a partner's covering the safe areas (`partner`), a referral (`domestic_abuse()`) and the home the
partner offers (`home()`).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from httpx import Response
from sqlalchemy import update

from people import actor, area_ids, organisation_id, scheme
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, User
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.referrals import decisions, offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.fit import Property
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action, State
from reciprocal.tenancy.models import Scheme

KEYS = Keys("test-secret-key-that-is-long-enough-for-hkdf")


class World:
    """Pan London with an agency officer, a coordinator, named leads at Camden, Islington and Brent."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def build(self) -> World:
        db = self.db
        self.scheme: Scheme = await scheme(db, "pan-london")
        self.officer = await actor(db, "pan-london", "safe-steps-london", Role.nominating_officer)
        self.coordinator = await actor(db, "pan-london", "coordinator", Role.coordinator)
        self.camden = await actor(db, "pan-london", "camden-council", Role.named_lead)
        self.islington = await actor(db, "pan-london", "islington-council", Role.named_lead)
        self.brent = await actor(db, "pan-london", "brent-council", Role.named_lead)
        self.assessor = await actor(db, "pan-london", "youth-futures", Role.risk_assessor)
        tid = self.scheme.id
        (
            self.camden_area,
            self.islington_area,
            self.brent_area,
            self.hackney,
            self.lewisham,
            self.southwark,
            self.barnet,
        ) = await area_ids(db, tid, "camden", "islington", "brent", "hackney", "lewisham", "southwark", "barnet")
        self.camden_council = await organisation_id(db, tid, "camden-council")
        self.landlord, self.partner = self.camden, self.islington
        return self

    def domestic_abuse(self) -> ReferralAnswers:
        """A Camden council tenant fleeing domestic abuse, naming five safe boroughs."""
        return ReferralAnswers(
            consent=True,
            tenancy_type="secure",
            current_landlord_id=self.camden_council,
            current_area_id=self.camden_area,
            adults=1,
            children_ages=(3, 7),
            bedrooms_needed=2,
            risk_type="domestic_abuse",
            risk_area_ids=frozenset({self.camden_area, self.barnet}),
            safe_area_ids=frozenset(
                {self.islington_area, self.brent_area, self.hackney, self.lewisham, self.southwark}
            ),
            safeguarding_measures="IDVA support in place; resettlement officer agreed",
        )

    async def run(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        """One request's worth of work: its own transaction in the scheme, committed on success."""
        async with self.db.tenant_session(self.scheme.id) as session, session.begin():
            return await fn(session, *args, **kwargs)

    async def referral(self, referral_id: uuid.UUID) -> Referral:
        async with self.db.tenant_session(self.scheme.id) as session:
            found = await session.get(Referral, (self.scheme.id, referral_id))
        assert found is not None
        return found

    async def submitted(self, answers: ReferralAnswers) -> Referral:
        draft = await self.run(referrals.start_referral, self.officer)
        draft = await self.run(referrals.save_draft, self.officer, draft.id, answers, version=draft.version)
        return await self.run(referrals.submit, self.officer, self.scheme, draft.id, version=draft.version)

    async def circulating(self, answers: ReferralAnswers, *, approver: Actor | None = None) -> Referral:
        """Submitted, approved by the landlord's named lead (`landlord` unless said) and circulated."""
        referral = await self.submitted(answers)
        referral = await self.run(
            referrals.act, self.coordinator, referral.id, Action.request_approval, version=referral.version
        )
        referral = await self.run(
            referrals.act, approver or self.landlord, referral.id, Action.approve, version=referral.version
        )
        await self.run(referrals.circulate_batch, self.coordinator)
        return await self.referral(referral.id)

    async def offered(self, answers: ReferralAnswers) -> Referral:
        """Circulated, then offered the partner's home (Islington's 2-bedroom flat) by its named lead: under
        offer (where offers stand side by side, the officer has chosen it)."""
        referral = await self.circulating(answers)
        await self.run(offers.make_offer, self.partner, KEYS, referral.id, self.home(), version=referral.version)
        return await self.chosen(referral.id)

    async def chosen(self, referral_id: uuid.UUID) -> Referral:
        """The referral under offer: where its offers stand side by side (the risk type does not cap them at one),
        the officer chooses the latest, as decisions.choose_offer does it."""
        referral = await self.referral(referral_id)
        if referral.state != State.circulating:
            return referral
        async with self.db.tenant_session(self.scheme.id) as session:
            standing = await offers.live_offers(session, referral)
        await self.run(decisions.choose_offer, self.officer, referral.id, standing[-1].id, version=referral.version)
        return await self.referral(referral.id)

    async def moved(
        self,
        answers: ReferralAnswers,
        lead: Actor,
        prop: Property,
        *,
        approver: Actor | None = None,
        moved_on: date = date(2026, 12, 1),
    ) -> Referral:
        """A referral taken all the way: circulated, offered `prop` by `lead`, viewed, accepted and moved."""
        referral = await self.circulating(answers, approver=approver)
        await self.run(offers.make_offer, lead, KEYS, referral.id, prop, version=referral.version)
        await self.chosen(referral.id)
        for step in (offers.arrange_viewing, offers.accept):
            referral = await self.referral(referral.id)
            await self.run(step, self.coordinator, referral.id, version=referral.version)
        referral = await self.referral(referral.id)
        await self.run(
            offers.record_move,
            self.coordinator,
            referral.id,
            moved_on=moved_on,
            bedrooms=prop.bedrooms,
            version=referral.version,
        )
        return await self.referral(referral.id)

    def home(self) -> Property:
        """What the partner offers, in one of the referral's safe areas."""
        return self.islington_flat()

    def islington_flat(self, bedrooms: int = 2) -> Property:
        return Property(
            area_id=self.islington_area,
            bedrooms=bedrooms,
            floor=2,
            accessibility="Lift to all floors",
            available_from=date(2026, 12, 1),
            address="Flat 4, 1 Example Street",
        )


class County(World):
    """Cambridgeshire and Peterborough: a Cambridge City Council tenant, safe in four districts that Fen and
    River Homes covers. Only the parts named in the module's docstring are the county's."""

    async def build(self) -> County:
        db, slug = self.db, "cambridgeshire"
        self.scheme = await scheme(db, slug)
        self.officer = await actor(db, slug, "county-refuge-support", Role.nominating_officer)
        self.coordinator = await actor(db, slug, "coordinator", Role.coordinator)
        self.assessor = await actor(db, slug, "county-refuge-support", Role.risk_assessor)
        self.landlord = await actor(db, slug, "cambridge-city-council", Role.named_lead)
        self.partner = await actor(db, slug, "fen-and-river-homes", Role.named_lead)
        tid = self.scheme.id
        self.cambridge, self.east, self.south, self.hunts, self.peterborough = await area_ids(
            db, tid, "cambridge", "east-cambridgeshire", "south-cambridgeshire", "huntingdonshire", "peterborough"
        )
        self.city_council = await organisation_id(db, tid, "cambridge-city-council")
        return self

    def domestic_abuse(self) -> ReferralAnswers:
        """A Cambridge City Council tenant fleeing domestic abuse, with four children, safe in four districts."""
        return ReferralAnswers(
            consent=True,
            tenancy_type="secure",
            current_landlord_id=self.city_council,
            current_area_id=self.cambridge,
            adults=2,
            children_ages=(1, 4, 9, 15),
            bedrooms_needed=3,
            risk_type="domestic_abuse",
            risk_area_ids=frozenset({self.cambridge}),
            safe_area_ids=frozenset({self.east, self.south, self.hunts, self.peterborough}),
            safeguarding_measures="IDVA support in place; resettlement officer agreed",
        )

    def home(self) -> Property:
        return Property(
            area_id=self.south,
            bedrooms=3,
            floor=0,
            accessibility="Level access throughout",
            available_from=date(2026, 12, 1),
            address="12 Example Close, Cambourne",
        )


CASE_REFERENCE = "CASE-SECRET-7781"
MONITORING = "MONITOR-SECRET-42"
OFFICER_NAME = "Olwen Officer-Secret"


class Desk(World):
    """The journeys' world, with an officer who records their own case reference and monitoring answers."""

    async def build(self) -> Desk:
        await super().build()
        codes = ("ealing", "hounslow", "hillingdon", "brent", "hackney", "lewisham", "southwark", "islington")
        self.areas = dict(zip(codes, await area_ids(self.db, self.scheme.id, *codes), strict=True))
        async with self.db.tenant_session(self.scheme.id) as session, session.begin():
            await session.execute(update(User).where(User.id == self.officer.user_id).values(display_name=OFFICER_NAME))
        return self

    async def submitted(self, answers: ReferralAnswers) -> Referral:
        draft = await self.run(referrals.start_referral, self.officer)
        draft = await self.run(
            referrals.save_draft,
            self.officer,
            draft.id,
            answers,
            version=draft.version,
            case_reference=CASE_REFERENCE,
            monitoring={"ethnicity": MONITORING},
        )
        return await self.run(referrals.submit, self.officer, self.scheme, draft.id, version=draft.version)

    async def awaiting_approval(self, answers: ReferralAnswers) -> Referral:
        referral = await self.submitted(answers)
        return await self.run(
            referrals.act, self.coordinator, referral.id, Action.request_approval, version=referral.version
        )

    def elsewhere(self, *codes: str) -> ReferralAnswers:
        """A Camden tenant whose safe areas are `codes` (Islington covers none of them unless named)."""
        return replace(self.domestic_abuse(), safe_area_ids=frozenset(self.areas[c] for c in codes))


def assert_anonymised(response: Response, *also: str) -> None:
    """Nothing that identifies the applicant or the officer, nor the monitoring answers."""
    for secret in (CASE_REFERENCE, MONITORING, OFFICER_NAME, *also):
        assert secret not in response.text, (secret, response.request.url)
