"""The nominating officer's pages: their referrals, and the referral journey."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.tenancy.models import Scheme


@get("/officer/", opt=allow(Role.nominating_officer))
async def officer_home(scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]) -> Template:
    return Template("portals/officer.html.j2", context={"scheme": scheme, "actor": actor})


HANDLERS = [officer_home]
