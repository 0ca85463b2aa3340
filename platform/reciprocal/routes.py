"""Every page of the service: outside any scheme, the one router under /s/{scheme}/, and the operators'."""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from reciprocal.criteria import controllers as criteria
from reciprocal.identity import controllers as identity
from reciprocal.identity.admin import controllers as admin
from reciprocal.ledger import controllers as ledger
from reciprocal.operations import controllers as operations
from reciprocal.portals.coordinator import controllers as coordinator
from reciprocal.portals.home import controllers as home
from reciprocal.portals.named_lead import controllers as named_lead
from reciprocal.portals.officer import controllers as officer
from reciprocal.portals.risk_assessor import controllers as risk_assessor
from reciprocal.tenancy.controllers import index, scheme_home
from reciprocal.tenancy.dependencies import (
    admit,
    provide_actor,
    provide_db,
    provide_scheme,
    provide_viewer,
)
from reciprocal.web.health import healthz, readyz

scheme_router = Router(
    path="/s/{scheme_slug:str}",
    guards=[admit],
    dependencies={
        "db": Provide(provide_db),
        "scheme": Provide(provide_scheme, sync_to_thread=False),
        "actor": Provide(provide_actor, sync_to_thread=False),
        "viewer": Provide(provide_viewer, sync_to_thread=False),
    },
    # Pages under a scheme may carry case data: never kept by a cache, shared or the browser's own.
    cache_control=CacheControlHeader(no_store=True),
    route_handlers=[
        scheme_home,
        *criteria.HANDLERS,
        *identity.HANDLERS,
        *home.HANDLERS,
        *admin.HANDLERS,
        *officer.HANDLERS,
        *coordinator.HANDLERS,
        *named_lead.HANDLERS,
        *risk_assessor.HANDLERS,
        *ledger.HANDLERS,
    ],
)

ROUTES: list[ControllerRouterHandler] = [index, healthz, readyz, scheme_router, operations.router]
