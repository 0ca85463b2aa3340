"""The named lead's and risk assessor's pages: approvals, circulated referrals, offers, assessments."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.tenancy.models import Scheme


@get("/named-lead/", opt=allow(Role.named_lead))
async def named_lead_home(scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]) -> Template:
    return Template("portals/named-lead.html.j2", context={"scheme": scheme, "actor": actor})


@get("/risk-assessor/", opt=allow(Role.risk_assessor))
async def risk_assessor_home(scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]) -> Template:
    return Template("portals/risk-assessor.html.j2", context={"scheme": scheme, "actor": actor})


HANDLERS = [named_lead_home, risk_assessor_home]
