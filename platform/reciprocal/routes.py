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
from reciprocal.offers import controllers as offers
from reciprocal.operations import controllers as operations
from reciprocal.portals import controllers as portals
from reciprocal.referrals import controllers as referrals
from reciprocal.referrals import coordinator_controllers as coordinator
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
        *portals.HANDLERS,
        *admin.HANDLERS,
        *referrals.HANDLERS,
        *coordinator.HANDLERS,
        *offers.HANDLERS,
        *ledger.HANDLERS,
    ],
)

ROUTES: list[ControllerRouterHandler] = [index, healthz, readyz, scheme_router, operations.router]
