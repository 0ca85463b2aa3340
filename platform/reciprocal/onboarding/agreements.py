"""Reminding the scheme's admins before an organisation's Working Together Agreement lapses: once per review
date, from the worker's daily run (worker.py). Each reminder names the organisation only."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.notifications import delivery
from reciprocal.partners.models import Organisation

NOTICE = timedelta(days=30)
"""How long before the review date the scheme's admins are told."""


async def remind_reviews(db: AsyncSession, tenant_id: uuid.UUID, today: date) -> int:
    """Tell each scheme admin of every agreement reviewed within NOTICE from `today`: how many messages were
    made now. The message's key is the organisation and its review date, so a run repeated (or a day later)
    sends nothing twice; a new review date is reminded afresh."""
    due = list(
        await db.execute(
            select(Organisation.id, Organisation.name, Organisation.agreement_review_on).where(
                Organisation.tenant_id == tenant_id,
                Organisation.agreement_review_on >= today,
                Organisation.agreement_review_on <= today + NOTICE,
            )
        )
    )
    if not due:
        return 0
    admins = list(
        await db.scalars(
            select(Membership.user_id)
            .join(User, (User.tenant_id == Membership.tenant_id) & (User.id == Membership.user_id))
            .where(
                Membership.tenant_id == tenant_id,
                Membership.role == Role.scheme_admin,
                User.status != UserStatus.suspended,
            )
            .distinct()
        )
    )
    outgoing = [
        delivery.Outgoing(
            f"agreement_review:{organisation_id}:{review_on}:{admin}",
            admin,
            "agreement_review",
            {"items": [{"reference": name, "path": f"/admin/setup/organisations/{organisation_id}"}]},
        )
        for organisation_id, name, review_on in due
        for admin in admins
    ]
    return len(await delivery.post_many(db, tenant_id, outgoing))
