"""Moved through another pathway: the applicant was housed by a scheme the criteria name (e.g. Housing Moves).

The referral ends like a withdrawal, with no move recorded and nothing in the ledger: no partner of this scheme
housed them, so no partner is owed or owes a property for it. The reports count these apart.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.services import Actor
from reciprocal.referrals.models import Referral
from reciprocal.referrals.services import (
    InvalidReferral,
    apply_step,
    criteria_of,
    end_live_offer,
    load_for_change,
)
from reciprocal.referrals.workflow import ACTIVE, Action, TransitionRefused, transition

log = structlog.get_logger(__name__)


async def pathways_for(db: AsyncSession, referral: Referral) -> Criteria | None:
    """The criteria whose other pathways the referral may close through: its own version's, else the current."""
    own = await criteria_of(db, referral)
    if own is not None:
        return own
    published = await current_criteria(db, referral.tenant_id)
    return None if published is None else published.criteria


async def record_other_pathway(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, pathway: str, note: str = "", version: int
) -> Referral:
    """Close the referral as moved through `pathway` (a key of its criteria's other pathways): any live offer
    ends and its address is forgotten, no Move row and no ledger entry; audited with the pathway's key."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    step = transition(referral.state, Action.record_other_pathway, actor.role)
    criteria = await pathways_for(db, referral)
    if criteria is None or criteria.pathway(pathway) is None:
        raise InvalidReferral([("pathway", "Select the pathway the applicant moved through")])
    if note.strip():
        referral.note = note.strip()
    if pathway not in referral.other_pathways:
        referral.other_pathways = [*referral.other_pathways, pathway]
    await end_live_offer(db, referral, step.target)
    apply_step(db, actor, referral, step.target, step.event, pathway=pathway)
    await db.flush()
    log.info("referral.moved_elsewhere", referral=str(referral.id), pathway=pathway)
    return referral


REGISTERED = "referral.pathways_registered"


async def register(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, pathways: list[str], version: int
) -> Referral:
    """Record which of the criteria's other pathways the applicant is registered with, at any time while the
    referral is live (registration with Housing Moves often comes after the referral); audited with the keys."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    if referral.state not in ACTIVE:
        raise TransitionRefused("This referral has ended: what it was registered with can no longer change.")
    criteria = await pathways_for(db, referral)
    if criteria is None or any(criteria.pathway(key) is None for key in pathways):
        raise InvalidReferral([("pathways", "Select only the pathways listed")])
    chosen = [p.key for p in criteria.other_pathways if p.key in pathways]
    if chosen != referral.other_pathways:
        referral.other_pathways = chosen
        record(
            db,
            referral.tenant_id,
            REGISTERED,
            actor=actor,
            subject_type="referral",
            subject_id=referral.id,
            details={"pathways": chosen},
        )
        await db.flush()
    return referral
