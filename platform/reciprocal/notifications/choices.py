"""Which emails a person has once a day, in a summary, instead of at once: only those that inform.

An email that asks the person to act (or gives them access) is always sent at once: it cannot be chosen here.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.notifications.messages import CHOOSABLE
from reciprocal.notifications.models import EmailChoice

LABELS = {
    "approved": "A referral you made was approved by the landlord",
    "declined": "A referral you made was declined by the landlord",
    "ineligible": "A referral you made does not meet the criteria",
    "offer_added": "A property was offered beside others",
    "offer_released": "Your organisation's offer was not chosen",
    "assessment_recorded": "A risk assessment was recorded",
    "refused": "An offer was refused",
    "accepted": "An offer was accepted",
    "moved": "A household moved",
    "withdrawn": "A referral was withdrawn",
    "moved_elsewhere": "A household moved through another pathway",
    "on_hold": "A referral was put on hold",
    "released": "A referral is no longer on hold",
    "message": "A message on a referral you work on",
    "received": "A referral came to this scheme with its cohort",
}
"""What each choosable kind is about, on the email settings page."""
assert set(LABELS) == set(CHOOSABLE), "every email that only informs can be had once a day"


async def chosen_daily(db: AsyncSession, actor: Actor) -> set[str]:
    rows = await db.scalars(
        select(EmailChoice.kind).where(
            EmailChoice.tenant_id == actor.tenant_id, EmailChoice.user_id == actor.user_id, EmailChoice.daily
        )
    )
    return set(rows)


async def choose_daily(db: AsyncSession, actor: Actor, kinds: list[str]) -> None:
    """Have exactly `kinds` once a day; every other email at once."""
    unknown = sorted(set(kinds) - set(CHOOSABLE))
    if unknown:
        raise Refused(problems=[("daily", "Choose from the emails listed: the others are always sent at once")])
    await db.execute(
        delete(EmailChoice).where(EmailChoice.tenant_id == actor.tenant_id, EmailChoice.user_id == actor.user_id)
    )
    if kinds:
        await db.execute(
            insert(EmailChoice).values(
                [{"tenant_id": actor.tenant_id, "user_id": actor.user_id, "kind": k, "daily": True} for k in set(kinds)]
            )
        )
