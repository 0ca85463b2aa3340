"""Who is told what: each committed referral step becomes notices for the people who must act or know, and
the emails that tell them. Run by the worker (job `handoff`), in the step's scheme, after the step committed.

Made once however often the job runs: a notice is unique per (step, person), and a step's emails are made only
by the run that made its notices (so a daily summary never lists a step twice).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import structlog
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.cohorts.models import RECEIVED as COHORT_RECEIVED
from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.notifications.delivery import Outgoing, post_many, post_to_summary
from reciprocal.notifications.messages import DIGEST_KINDS, KINDS
from reciprocal.notifications.models import EmailChoice, Notice
from reciprocal.referrals.circulation import partners_reached
from reciprocal.referrals.handover import HANDED_OVER
from reciprocal.referrals.messages import SENT as MESSAGE_SENT
from reciprocal.referrals.models import Offer, OfferState, Referral

log = structlog.get_logger(__name__)

ONE_PARTY = {
    "referral.approve": "approved",
    "referral.decline": "declined",
    "referral.return_for_information": "returned",
    "referral.mark_ineligible": "ineligible",
}
"""Steps only the nominating officer is told of."""
EVERYONE = {
    "referral.accept": "accepted",
    "referral.record_move": "moved",
    "referral.withdraw": "withdrawn",
    "referral.withdraw_inactive": "withdrawn",
    "referral.refuse_and_withdraw": "withdrawn",
    "referral.record_other_pathway": "moved_elsewhere",
    "referral.refuse_and_recirculate": "refused",
    "referral.put_on_hold": "on_hold",
    "referral.release_hold": "released",
}
"""Steps everyone who had a part in the referral is told of."""
CIRCULATE = "referral.circulate"

NOTICES = cast(Table, Notice.__table__)
"""The tables themselves, for a batch's bulk inserts (the ORM's own bulk insert costs seconds for thousands)."""


@dataclass(frozen=True)
class Told:
    """One person told of one step, in one of their roles: where the referral is in that role's portal."""

    user_id: uuid.UUID
    kind: str
    role: Role
    path: str


def portal_path(role: Role, referral: Referral, *, landlord: bool = False) -> str:
    return {
        Role.nominating_officer: f"/referrals/{referral.id}",
        Role.coordinator: f"/coordinator/referrals/{referral.id}",
        Role.named_lead: f"/named-lead/{'approvals' if landlord else 'referrals'}/{referral.id}",
        Role.risk_assessor: f"/risk-assessor/assessments/{referral.id}",
    }[role]


class People:
    """The scheme's active people by role and organisation, read once per job: a batch of a thousand steps
    asks who the named leads of each partner are a thousand times."""

    def __init__(self, db: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.db, self.tenant_id = db, tenant_id
        self._by_role: dict[Role, dict[uuid.UUID, list[uuid.UUID]]] | None = None

    async def holding(self, role: Role, organisations: set[uuid.UUID] | None = None) -> list[uuid.UUID]:
        """The active people holding `role` (for one of `organisations`, if given), in id order."""
        if organisations is not None and not organisations:
            return []
        if self._by_role is None:
            rows = await self.db.execute(
                select(Membership.role, Membership.organisation_id, Membership.user_id)
                .join(User, (User.tenant_id == Membership.tenant_id) & (User.id == Membership.user_id))
                .where(Membership.tenant_id == self.tenant_id, User.status != UserStatus.suspended)
            )
            self._by_role = {}
            for role_held, organisation, user in rows:
                self._by_role.setdefault(role_held, {}).setdefault(organisation, []).append(user)
        by_organisation = self._by_role.get(role, {})
        found = {
            user
            for organisation, users in by_organisation.items()
            if organisations is None or organisation in organisations
            for user in users
        }
        return sorted(found)


async def _offering(db: AsyncSession, referral: Referral) -> set[uuid.UUID]:
    """The partners that offered the referral a property, at any time, but for offers released when the officer
    chose another: those partners were told then, and have no part in what follows."""
    found = await db.scalars(
        select(Offer.organisation_id).where(
            Offer.tenant_id == referral.tenant_id,
            Offer.referral_id == referral.id,
            Offer.state != OfferState.released,
        )
    )
    return set(found)


async def _offers_of(db: AsyncSession, referral: Referral, event: AuditEvent, detail: str) -> set[uuid.UUID]:
    """The partners whose offers the step's `detail` names (offer ids, comma-separated)."""
    ids = [uuid.UUID(i) for i in str(event.details.get(detail) or "").split(",") if i]
    if not ids:
        return set()
    found = await db.scalars(
        select(Offer.organisation_id).where(Offer.tenant_id == referral.tenant_id, Offer.id.in_(ids))
    )
    return set(found)


async def _chose_daily(db: AsyncSession, tenant_id: uuid.UUID, users: set[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
    """(person, kind) pairs `users` chose to have in a daily summary."""
    if not users:
        return set()
    rows = await db.execute(
        select(EmailChoice.user_id, EmailChoice.kind).where(
            EmailChoice.tenant_id == tenant_id, EmailChoice.user_id.in_(users), EmailChoice.daily
        )
    )
    return {(user_id, kind) for user_id, kind in rows}


async def who_is_told(
    db: AsyncSession,
    event: AuditEvent,
    referral: Referral,
    *,
    people: People | None = None,
    reached: Mapping[uuid.UUID, frozenset[uuid.UUID]] | None = None,
) -> list[Told]:
    """The people a step reaches, each with the kind of notice and their way to the referral. `people` and
    `reached` (the partners each circulated referral reaches) are what a job already read for its other steps."""
    people = people or People(db, referral.tenant_id)
    told: list[Told] = []

    def add(kind: str, role: Role, users: list[uuid.UUID], *, landlord: bool = False, page: str = "") -> None:
        told.extend(Told(user, kind, role, portal_path(role, referral, landlord=landlord) + page) for user in users)

    async def leads(organisations: set[uuid.UUID]) -> list[uuid.UUID]:
        return await people.holding(Role.named_lead, organisations)

    async def coordinators() -> list[uuid.UUID]:
        return await people.holding(Role.coordinator)

    async def circulated_to() -> set[uuid.UUID]:
        """The housing partners the circulated referral reaches (circulation.partners_reached)."""
        found = reached if reached is not None and referral.id in reached else await partners_reached(db, [referral])
        return set(found[referral.id])

    officer = [referral.officer_id]
    landlord = {referral.current_landlord_id} if referral.current_landlord_id else set()
    action = event.action
    if action == "referral.request_approval":
        add("approval_requested", Role.named_lead, await leads(landlord), landlord=True)
    elif action in ONE_PARTY:
        add(ONE_PARTY[action], Role.nominating_officer, officer)
    elif action == "referral.resubmit":
        add("resubmitted", Role.coordinator, await coordinators())
    elif action == "referral.circulate":
        add("circulated", Role.named_lead, await leads(await circulated_to()))
    elif action == "referral.make_offer":
        add("offer_made", Role.coordinator, await coordinators())
        add("offer_made", Role.nominating_officer, officer)
        if referral.risk_assessor_id is not None:
            add("assessment_needed", Role.risk_assessor, [referral.risk_assessor_id])
    elif action == "referral.add_offer":
        add("offer_added", Role.coordinator, await coordinators())
        add("offer_to_review", Role.nominating_officer, officer)
    elif action == "referral.choose_offer":
        add("offer_chosen", Role.coordinator, await coordinators())
        add("offer_released", Role.named_lead, await leads(await _offers_of(db, referral, event, "released")))
        if referral.risk_assessor_id is not None:
            add("assessment_needed", Role.risk_assessor, [referral.risk_assessor_id])
    elif action == "referral.record_decision":
        add("decision_recorded", Role.coordinator, await coordinators())
    elif action == "referral.query_decision":
        add("decision_queried", Role.nominating_officer, officer)
    elif action == "referral.risk_assessed":
        add("assessment_recorded", Role.coordinator, await coordinators())
    elif action == "referral.arrange_viewing":
        add("viewing_arranged", Role.nominating_officer, officer)
        pursued = await _offers_of(db, referral, event, "offer") if event.details.get("offer") else None
        add("viewing_arranged", Role.named_lead, await leads(pursued or await _offering(db, referral)))
    elif action == HANDED_OVER:
        # The officer it was given to at that step (it may have been handed on again since).
        add("handed_over", Role.nominating_officer, [uuid.UUID(str(event.details["to_officer"]))])
    elif action == COHORT_RECEIVED:
        # Handed on with its cohort from another scheme (cohorts.moving): its officer and its landlord's leads.
        add("received", Role.nominating_officer, officer)
        add("received", Role.named_lead, await leads(landlord), landlord=True)
    elif action == MESSAGE_SENT:
        # The thread's other parties (the sender knows): the officer and the coordinators, and in a partner's
        # thread that partner's named leads. Never anyone outside the thread.
        add("message", Role.nominating_officer, officer, page="/messages")
        add("message", Role.coordinator, await coordinators(), page="/messages")
        partner = str(event.details.get("partner") or "")
        if partner:
            add("message", Role.named_lead, await leads({uuid.UUID(partner)}), page="/messages")
    elif action in EVERYONE:
        kind = EVERYONE[action]
        add(kind, Role.nominating_officer, officer)
        add(kind, Role.coordinator, await coordinators())
        add(kind, Role.named_lead, await leads(landlord), landlord=True)
        add(kind, Role.named_lead, await leads(await _offering(db, referral) - landlord))
    # The person who took the step knows; each other person is told once, in the first of their roles.
    seen: set[uuid.UUID] = set() if event.actor_user_id is None else {event.actor_user_id}
    once = []
    for item in told:
        if item.user_id not in seen:
            seen.add(item.user_id)
            once.append(item)
    return once


async def tell(db: AsyncSession, tenant_id: uuid.UUID, event_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Notices and emails for the steps `event_ids` (committed together): the new messages' ids, to deliver."""
    events = list(
        await db.scalars(
            select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.id.in_(event_ids))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )
    referrals = {
        r.id: r
        for r in await db.scalars(
            select(Referral).where(Referral.tenant_id == tenant_id, Referral.id.in_({e.subject_id for e in events}))
        )
    }
    people = People(db, tenant_id)
    circulated = [referrals[e.subject_id] for e in events if e.action == CIRCULATE and e.subject_id in referrals]
    reached = await partners_reached(db, circulated)
    # Each person's emails: one per step, or one per kind for all of a digest kind's steps in this job.
    emails: dict[str, tuple[uuid.UUID, str, list[dict[str, str | None]]]] = {}
    notices: list[dict[str, object]] = []
    steps: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {}
    """Each email's (step, person) pairs: an email is made only if one of its notices is new."""
    first = min(event_ids)
    """A digest's key names the job's least step id: the same job run again makes the same keys."""
    for event in events:
        referral = referrals.get(event.subject_id) if event.subject_id else None
        if referral is None:  # removed since (a draft deleted, or past retention): nothing to tell
            continue
        for told in await who_is_told(db, event, referral, people=people, reached=reached):
            notices.append(
                {
                    "tenant_id": tenant_id,
                    "id": uuid.uuid4(),
                    "user_id": told.user_id,
                    "kind": told.kind,
                    "role": told.role,
                    "event_id": event.id,
                    "occurred_at": event.occurred_at,
                    "referral_id": referral.id,
                    "reference": referral.reference,
                    "path": told.path,
                }
            )
            key = f"{told.kind}:{first}:{told.user_id}" if told.kind in DIGEST_KINDS else f"{event.id}:{told.user_id}"
            item = {"reference": referral.reference, "path": told.path}
            emails.setdefault(key, (told.user_id, told.kind, []))[2].append(item)
            steps.setdefault(key, []).append((event.id, told.user_id))
    # A step's emails are made by the run that made its notices, and by no other: a job run again finds its
    # steps told, and so a daily summary never lists a step twice.
    new: set[tuple[uuid.UUID, uuid.UUID]] = set()
    if notices:
        made_notices = await db.execute(
            insert(NOTICES)
            .on_conflict_do_nothing(index_elements=["tenant_id", "event_id", "user_id"])
            .returning(NOTICES.c.event_id, NOTICES.c.user_id),
            notices,
        )
        new = {(event_id, user_id) for event_id, user_id in made_notices}
    emails = {key: email for key, email in emails.items() if any(pair in new for pair in steps[key])}
    daily = await _chose_daily(db, tenant_id, {user_id for user_id, _, _ in emails.values()})
    summaries: dict[uuid.UUID, list[dict[str, str | None]]] = {}
    outgoing = []
    for key, (user_id, kind, items) in emails.items():
        if (user_id, kind) in daily and not KINDS[kind].asks:
            summaries.setdefault(user_id, []).extend({**item, "kind": kind} for item in items)
        else:
            outgoing.append(Outgoing(key, user_id, kind, {"items": items}))
    made = await post_many(db, tenant_id, outgoing)
    for user_id, items in summaries.items():
        await post_to_summary(db, tenant_id, user_id, items)
    log.info("notifications.told", steps=len(events), messages=len(made))
    return made
