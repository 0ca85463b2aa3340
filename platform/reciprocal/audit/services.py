"""Writing to the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent


def record(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action: str,
    *,
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
    session.add(event)
    return event
