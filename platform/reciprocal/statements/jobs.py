"""The monthly statement email: on the first working day of a month, each partner's named leads are sent the
figures of the month just ended, through the outbox. Made once per partner, person and month, however often run.
"""

from __future__ import annotations

import uuid
from datetime import date

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.kernel.working_days import first_working_day
from reciprocal.notifications.delivery import Outgoing, post_many
from reciprocal.notifications.messages import STATEMENT
from reciprocal.partners.models import Organisation
from reciprocal.referrals.circulation import HOUSING_PARTNERS
from reciprocal.statements.services import Month, figures_by_partner

log = structlog.get_logger(__name__)


def statement_path(partner_id: uuid.UUID, month: Month) -> str:
    """The partner's statement page for `month`, under /s/<scheme>."""
    return f"/ledger/partners/{partner_id}?month={month.key}"


async def _leads(db: AsyncSession, tenant_id: uuid.UUID) -> dict[tuple[uuid.UUID, str], list[uuid.UUID]]:
    """Each housing partner's (id, name): its active named leads."""
    rows = await db.execute(
        select(Membership.organisation_id, Organisation.name, Membership.user_id)
        .join(User, (User.tenant_id == Membership.tenant_id) & (User.id == Membership.user_id))
        .join(
            Organisation,
            (Organisation.tenant_id == Membership.tenant_id) & (Organisation.id == Membership.organisation_id),
        )
        .where(
            Membership.tenant_id == tenant_id,
            Membership.role == Role.named_lead,
            User.status != UserStatus.suspended,
            Organisation.kind.in_(HOUSING_PARTNERS),
        )
        .order_by(Membership.organisation_id, Membership.user_id)
    )
    leads: dict[tuple[uuid.UUID, str], list[uuid.UUID]] = {}
    for organisation, name, user in rows:
        leads.setdefault((organisation, name), []).append(user)
    return leads


async def send_statements(db: AsyncSession, tenant_id: uuid.UUID, today: date) -> list[uuid.UUID]:
    """On the month's first working day, the statements of the month before (the new messages' ids; else none)."""
    if today != first_working_day(today.year, today.month):
        return []
    month = Month.of(today).previous
    leads = await _leads(db, tenant_id)
    found = await figures_by_partner(db, tenant_id, [partner_id for partner_id, _ in leads], month)
    made = await post_many(
        db,
        tenant_id,
        [
            Outgoing(
                f"{STATEMENT}:{month.key}:{partner_id}:{user_id}",
                user_id,
                STATEMENT,
                {**found[partner_id].params(), "partner": name, "path": statement_path(partner_id, month)},
            )
            for (partner_id, name), users in leads.items()
            for user_id in users
        ],
    )
    log.info("statements.made", month=month.key, messages=len(made))
    return made
