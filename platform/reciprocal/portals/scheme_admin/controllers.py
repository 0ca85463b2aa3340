"""The scheme admin's home, and its pages for people, sign-in and criteria, in the order the router takes them."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.portals.scheme_admin import criteria, providers, users
from reciprocal.tenancy.models import Scheme


@get("/admin/", opt=allow(Role.scheme_admin))
async def admin_home(scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]) -> Template:
    return Template("scheme_admin/home.html.j2", context={"scheme": scheme, "actor": actor})


HANDLERS = [admin_home, *users.HANDLERS, *providers.HANDLERS, *criteria.HANDLERS]
