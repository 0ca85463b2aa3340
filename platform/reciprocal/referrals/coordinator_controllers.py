"""The coordinator's pages: the work queue, a referral's check and timeline, batches."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.tenancy.models import Scheme


@get("/coordinator/", opt=allow(Role.coordinator))
async def coordinator_home(scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]) -> Template:
    return Template("portals/coordinator.html.j2", context={"scheme": scheme, "actor": actor})


HANDLERS = [coordinator_home]
