"""The coordinator's timeline in words for the people-change events: each message with what it said and whom the
conversation is with (the coordinator is party to every thread, referrals.messages), each handover with the
officers' names. The audit trail itself keeps only ids."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import User
from reciprocal.partners.models import Organisation
from reciprocal.referrals import handover, messages
from reciprocal.referrals.models import Referral


class Event(Protocol):
    @property
    def action(self) -> str: ...
    @property
    def details(self) -> dict[str, Any]: ...


async def _names(
    db: AsyncSession, tenant_id: uuid.UUID, model: Any, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Names by id, of users or organisations (`model`), in one read."""
    if not ids:
        return {}
    column = User.display_name if model is User else Organisation.name
    rows = await db.execute(select(model.id, column).where(model.tenant_id == tenant_id, model.id.in_(ids)))
    return {found: name for found, name in rows}


async def described[E: Event](db: AsyncSession, referral: Referral, events: list[E]) -> list[E]:
    """`events` (a referral's timeline, dataclasses) with the messages' and handovers' details in words."""
    said = [event for event in events if event.action == messages.SENT]
    handed = [event for event in events if event.action == handover.HANDED_OVER]
    if not said and not handed:
        return events
    bodies = await messages.message_bodies(db, referral, [uuid.UUID(str(e.details["message"])) for e in said])
    partners = {uuid.UUID(str(e.details["partner"])) for e in said if e.details.get("partner")}
    partner_names = await _names(db, referral.tenant_id, Organisation, partners)
    officers = {uuid.UUID(str(e.details[side])) for e in handed for side in ("from_officer", "to_officer")}
    officer_names = await _names(db, referral.tenant_id, User, officers)

    def in_words(event: E) -> E:
        if event.action == handover.HANDED_OVER:
            before, after = (
                officer_names.get(uuid.UUID(str(event.details[side])), "") for side in ("from_officer", "to_officer")
            )
            return dataclasses.replace(event, details={"officers": f"From {before} to {after}"})  # type: ignore[type-var]
        if event.action != messages.SENT:
            return event
        partner = str(event.details.get("partner") or "")
        thread = f"{partner_names.get(uuid.UUID(partner), 'a partner')} and the nominating officer" if partner else ""
        body = bodies.get(uuid.UUID(str(event.details["message"])), "")
        words = {"conversation": thread or "the nominating officer", "said": body}
        return dataclasses.replace(event, details=words)  # type: ignore[type-var]

    return [in_words(event) for event in events]
