"""The coordinator's direct arrangements: pairs and rings of three among circulating referrals whose landlords
could each house another's applicant (referrals.matching.direct_arrangements), as suggestions to act on."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.partners.models import Organisation
from reciprocal.referrals.matching import SHOWN, direct_arrangements
from reciprocal.tenancy.models import Area, Scheme


@get("/coordinator/arrangements", opt=allow(Role.coordinator))
async def arrangements_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    found = await direct_arrangements(db, scheme.id)
    areas = dict((await db.execute(select(Area.id, Area.name).where(Area.tenant_id == scheme.id))).all())
    organisations = dict(
        (await db.execute(select(Organisation.id, Organisation.name).where(Organisation.tenant_id == scheme.id))).all()
    )
    context = {
        "scheme": scheme,
        "actor": actor,
        "found": found,
        "areas": areas,
        "organisations": organisations,
        "shown": SHOWN,
    }
    return Template("coordinator/arrangements.html.j2", context=context)


HANDLERS = [arrangements_page]
