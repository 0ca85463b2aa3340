"""Writing to the audit trail."""

from __future__ import annotations

import enum
import uuid
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent


class ActingPerson(Protocol):
    """Who did it: a signed-in person acting for an organisation in a role (identity.services.Actor)."""

    @property
    def user_id(self) -> uuid.UUID: ...
    @property
    def organisation_id(self) -> uuid.UUID: ...
    @property
    def role(self) -> enum.StrEnum: ...


def record(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action: str,
    *,
    actor: ActingPerson | None = None,
    subject_type: str | None = None,
    subject_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction: it exists exactly when the change it records does."""
    event = AuditEvent(
        tenant_id=tenant_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details or {},
    )
    if actor is not None:
        event.actor_user_id = actor.user_id
        event.actor_organisation_id = actor.organisation_id
        event.actor_role = actor.role.value
    session.add(event)
    return event
