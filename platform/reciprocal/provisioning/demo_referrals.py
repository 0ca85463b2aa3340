"""Demo only (`reciprocal demo`): referrals in every state, so each demo portal shows real work at first sign-in.

Every referral is made through the real services, acting as the scheme's demo people, so the audit trail,
the offers and the ledger are exactly what real use would leave. It runs once per scheme: a scheme that
already holds any referral is left as it is, so restarting the demo changes nothing. It is all one
transaction: if any step fails, nothing is kept, a warning is logged (ids only) and the demo starts anyway.

Only named leads of an applicant's current landlord can approve a referral, and only a landlord's own
named lead can offer its homes, so a ledger with balances needs named leads of councils other than Camden.
demo.toml lists only the people to sign in as; the few partner staff below hold their role while the demo
history is written and not afterwards, so the people who can sign in remain exactly those demo.toml lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import func, select, text

from reciprocal.db.engine import Database
from reciprocal.identity.secrets import Keys
from reciprocal.provisioning.demo_pan_london import pan_london
from reciprocal.provisioning.demo_seeder import Seeder
from reciprocal.referrals.models import Referral
from reciprocal.tenancy.models import Scheme

log = structlog.get_logger(__name__)


async def load_demo_referrals(db: Database, tenant_id: uuid.UUID, slug: str, keys: Keys) -> int:
    """Make the scheme's demo referrals if it has none yet; how many were made (0 if none, or on failure)."""
    plan = PLANS.get(slug)
    if plan is None:
        return 0
    try:
        async with db.tenant_session(tenant_id) as session, session.begin():
            # Two demos starting at once on one database would otherwise both find no referrals.
            await session.execute(text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": f"demo:{tenant_id}"})
            if await session.scalar(select(func.count()).select_from(Referral).where(Referral.tenant_id == tenant_id)):
                return 0
            scheme = await session.get(Scheme, tenant_id)
            assert scheme is not None
            seeder = Seeder(session, scheme, keys)
            await seeder.prepare()
            await plan(seeder)
            return len(seeder.made)
    except Exception as error:  # the demo starts whatever went wrong here
        # Ids and the error's kind only: an exception's message may quote case content.
        log.warning("demo.referrals_not_loaded", scheme=str(tenant_id), error=type(error).__name__)
        return 0


PLANS: dict[str, Callable[[Seeder], Awaitable[None]]] = {"pan-london": pan_london}
"""The schemes with demo referrals, by slug."""
