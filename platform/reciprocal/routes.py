"""Every page of the service: outside any scheme, the one router under /s/{scheme}/, and the operators'."""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from reciprocal.portals.coordinator import arrangements as coordinator_arrangements
from reciprocal.portals.coordinator import controllers as coordinator
from reciprocal.portals.coordinator import enquiries as coordinator_enquiries
from reciprocal.portals.coordinator import every_referral
from reciprocal.portals.handover import controllers as handover
from reciprocal.portals.home import controllers as home
from reciprocal.portals.ledger import controllers as ledger
from reciprocal.portals.messages import controllers as messages
from reciprocal.portals.named_lead import controllers as named_lead
from reciprocal.portals.named_lead import matching as named_lead_matching
from reciprocal.portals.officer import controllers as officer
from reciprocal.portals.officer import drafts as officer_drafts
from reciprocal.portals.officer import offer_steps as officer_offers
from reciprocal.portals.operator import controllers as operator
from reciprocal.portals.partners import controllers as partners
from reciprocal.portals.public import controllers as public
from reciprocal.portals.reports import controllers as reports
from reciprocal.portals.risk_assessor import controllers as risk_assessor
from reciprocal.portals.scheme_admin import controllers as scheme_admin
from reciprocal.portals.search import controllers as search
from reciprocal.portals.sign_in import controllers as sign_in
from reciprocal.web.guard import (
    RequestSession,
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
    middleware=[RequestSession],
    dependencies={
        "db": Provide(provide_db),
        "scheme": Provide(provide_scheme, sync_to_thread=False),
        "actor": Provide(provide_actor, sync_to_thread=False),
        "viewer": Provide(provide_viewer, sync_to_thread=False),
    },
    # Pages under a scheme may carry case data: never kept by a cache, shared or the browser's own.
    cache_control=CacheControlHeader(no_store=True),
    route_handlers=[
        *public.HANDLERS,
        *sign_in.HANDLERS,
        *home.HANDLERS,
        *scheme_admin.HANDLERS,
        *officer.HANDLERS,
        *officer_drafts.HANDLERS,
        *officer_offers.HANDLERS,
        *coordinator.HANDLERS,
        *every_referral.HANDLERS,
        *coordinator_enquiries.HANDLERS,
        *coordinator_arrangements.HANDLERS,
        *partners.HANDLERS,
        *named_lead.HANDLERS,
        *named_lead_matching.HANDLERS,
        *risk_assessor.HANDLERS,
        *ledger.HANDLERS,
        *search.HANDLERS,
        *handover.HANDLERS,
        *messages.HANDLERS,
        *reports.HANDLERS,
    ],
)

ROUTES: list[ControllerRouterHandler] = [public.index, healthz, readyz, scheme_router, operator.router]
