"""The request before a cohort is handed on: an operator names it and the two schemes, each scheme's admin
matches the partners that exist in both and agrees. Nothing moves until both have agreed (cohorts.moving)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.cohorts.models import CohortHandover, HandoverState
from reciprocal.db.engine import Database, scope_to_tenant
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.partners.models import Organisation
from reciprocal.tenancy.models import Scheme

REQUESTED = "cohort.handover_requested"
AGREED = "cohort.handover_agreed"
MATCHED = "cohort.partners_matched"
FIELD_TO = "to_scheme"
FIELD_RISK = "risk_type"


def _key(name: str) -> str:
    return " ".join(name.lower().split())


async def _organisations(session: AsyncSession, tenant_id: uuid.UUID) -> list[dict[str, str]]:
    await scope_to_tenant(session, tenant_id)
    rows = await session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.tenant_id == tenant_id)
        .order_by(Organisation.name, Organisation.id)
    )
    return [{"id": str(org_id), "name": name} for org_id, name in rows]


async def unscoped_request(  # unscoped: reads both schemes' organisation names, for the admins to match
    db: Database, operator_id: uuid.UUID, from_slug: str, to_slug: str, risk_type: str
) -> CohortHandover:
    """An operator's request: the cohort (`risk_type`'s live referrals) and the two schemes, with the partners
    whose names are the same in both proposed as matches. Audited in both schemes."""
    async with db.session() as session, session.begin():
        schemes = {
            s.slug: s for s in await session.scalars(select(Scheme).where(Scheme.slug.in_([from_slug, to_slug])))
        }
        giving, receiving = schemes.get(from_slug), schemes.get(to_slug)
        if giving is None:
            raise Refused(problems=[("from_scheme", "Select the scheme the cohort is handed from")])
        if receiving is None or receiving.id == giving.id:
            raise Refused(problems=[(FIELD_TO, "Select another scheme on the service to hand the cohort to")])
        if not risk_type.strip():
            raise Refused(problems=[(FIELD_RISK, "Enter the risk type whose live referrals are handed on")])
        from_orgs = await _organisations(session, giving.id)
        to_orgs = await _organisations(session, receiving.id)
        by_name = {_key(o["name"]): o["id"] for o in to_orgs}
        matches = {o["id"]: by_name[_key(o["name"])] for o in from_orgs if _key(o["name"]) in by_name}
        request = CohortHandover(
            from_scheme_id=giving.id,
            to_scheme_id=receiving.id,
            risk_type=risk_type.strip(),
            state=HandoverState.requested,
            requested_by=operator_id,
            from_organisations=from_orgs,
            to_organisations=to_orgs,
            matches=matches,
            report={},
        )
        session.add(request)
        await session.flush()
        for tenant_id in (giving.id, receiving.id):
            await scope_to_tenant(session, tenant_id)
            record(
                session,
                tenant_id,
                REQUESTED,
                subject_type="cohort_handover",
                subject_id=request.id,
                details={"operator": str(operator_id), "matches": len(matches)},
            )
            await session.flush()
    return request


def requests_for(tenant_id: uuid.UUID) -> Select[CohortHandover]:
    """The hand-over requests naming this scheme, on either side: what its admin's page lists."""
    return (
        select(CohortHandover)
        .where(or_(CohortHandover.from_scheme_id == tenant_id, CohortHandover.to_scheme_id == tenant_id))
        .order_by(CohortHandover.created_at.desc())
        .limit(20)
    )


async def request_for(
    db: AsyncSession, tenant_id: uuid.UUID, handover_id: uuid.UUID, *, lock: bool = False
) -> CohortHandover:
    """One request naming this scheme; another scheme's request is not found."""
    query = requests_for(tenant_id).where(CohortHandover.id == handover_id)
    found = await db.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound
    return found


def _side(request: CohortHandover, actor: Actor) -> str:
    if actor.role != Role.scheme_admin:
        raise Refused("Only the scheme's admin can agree to hand a cohort on.")
    return "from" if request.from_scheme_id == actor.tenant_id else "to"


def _open(request: CohortHandover) -> None:
    if request.state != HandoverState.requested:
        raise Refused("This hand-over has already been carried out: nothing can change now.")


async def match(
    db: AsyncSession, actor: Actor, handover_id: uuid.UUID, from_org: str, to_org: str | None
) -> CohortHandover:
    """Match (or, with None, unmatch) a giving scheme's partner to the receiving scheme's: both agreements
    are cleared, so each admin agrees to the matching that will be used."""
    request = await request_for(db, actor.tenant_id, handover_id, lock=True)
    _side(request, actor)
    _open(request)
    if from_org not in {o["id"] for o in request.from_organisations}:
        raise Refused(problems=[("from_org", "Select an organisation of the scheme handing the cohort on")])
    matches = dict(request.matches)
    if to_org:
        if to_org not in {o["id"] for o in request.to_organisations}:
            raise Refused(problems=[("to_org", "Select an organisation of the receiving scheme, or none")])
        matches[from_org] = to_org
    else:
        matches.pop(from_org, None)
    request.matches = matches
    request.from_agreed_by = request.from_agreed_at = request.to_agreed_by = request.to_agreed_at = None
    record(
        db,
        actor.tenant_id,
        MATCHED,
        actor=actor,
        subject_type="cohort_handover",
        subject_id=request.id,
        details={"matches": len(matches)},
    )
    await db.flush()
    return request


async def agree(db: AsyncSession, actor: Actor, handover_id: uuid.UUID) -> CohortHandover:
    """The admin's agreement, on their scheme's side, to the request and its matching as it stands."""
    request = await request_for(db, actor.tenant_id, handover_id, lock=True)
    side = _side(request, actor)
    _open(request)
    now = clock.now()
    if side == "from":
        request.from_agreed_by, request.from_agreed_at = actor.user_id, now
    else:
        request.to_agreed_by, request.to_agreed_at = actor.user_id, now
    record(
        db,
        actor.tenant_id,
        AGREED,
        actor=actor,
        subject_type="cohort_handover",
        subject_id=request.id,
        details={"side": side, "matches": len(request.matches)},
    )
    await db.flush()
    return request


def both_agreed(request: CohortHandover) -> bool:
    return request.from_agreed_at is not None and request.to_agreed_at is not None
