"""Suspending and resuming a scheme: while suspended nobody signs in to it and its sessions are ended; its data
stays as it was, and its public pages say it is paused. Done by an operator (portal or command line), audited."""

from __future__ import annotations

import uuid

from sqlalchemy import delete

from reciprocal.audit.services import record
from reciprocal.db.engine import Database, scope_to_tenant
from reciprocal.identity.models import UserSession
from reciprocal.kernel import clock
from reciprocal.tenancy.services import find_scheme


class UnknownScheme(LookupError):
    """No scheme has this slug."""


async def set_suspended(db: Database, slug: str, *, suspended: bool, by: str) -> tuple[uuid.UUID, bool]:
    """Suspend (or resume) the scheme at `slug`; `by` says who, for the audit trail (an operator's id, or
    "command line"). Returns the scheme's id and whether anything changed: suspending a suspended scheme
    changes nothing and records nothing. Suspending ends every session of the scheme in the same transaction;
    other processes stop admitting its people within `Settings.scheme_cache_s` (web/guard.py checks the flag)."""
    async with db.session() as session, session.begin():
        scheme = await find_scheme(session, slug)
        if scheme is None:
            raise UnknownScheme(slug)
        tenant_id = scheme.id
        if (scheme.suspended_at is not None) == suspended:
            return tenant_id, False
        scheme.suspended_at = clock.stamp() if suspended else None
        await session.flush()
        await scope_to_tenant(session, tenant_id)
        ended = 0
        if suspended:
            result = await session.execute(delete(UserSession).where(UserSession.tenant_id == tenant_id))
            ended = result.rowcount or 0  # type: ignore[attr-defined]
        record(
            session,
            tenant_id,
            "scheme.suspended" if suspended else "scheme.resumed",
            subject_type="scheme",
            subject_id=tenant_id,
            details={"by": by, "sessions_ended": ended} if suspended else {"by": by},
        )
    return tenant_id, True
