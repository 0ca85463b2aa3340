"""The named lead's pages: their home, approvals, circulated referrals, offers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import version_field, whole_number
from reciprocal.kernel.names import NameWarnings
from reciprocal.kernel.text import text_problem
from reciprocal.notifications.whats_new import whats_new
from reciprocal.portals.named_lead import approvals, history, queries
from reciprocal.portals.named_lead.views import Outcome
from reciprocal.referrals.fit import Property
from reciprocal.referrals.offers import ALREADY_OFFERED, make_offer
from reciprocal.referrals.services import (
    InvalidReferral,
    StaleReferral,
    act,
    record_home_visit,
    record_view,
)
from reciprocal.referrals.workflow import Action
from reciprocal.tenancy.models import Scheme
from reciprocal.web.downloads import DOWNLOAD, download, wanted
from reciprocal.web.forms import attempt, names_to_confirm
from reciprocal.web.htmx import is_htmx
from reciprocal.web.urls import see_other

Errors = dict[str, str]
"""Field name -> the message shown next to it (and linked from the error summary)."""

VARY = {"Vary": "HX-Request"}
"""Pages with a fragment: a cache must not answer a full-page request with the fragment, or the reverse."""

DECLINE_REASONS = {
    "not_our_tenant": "The applicant is not our tenant",
    "tenancy_not_eligible": "The applicant's tenancy is not one the scheme accepts",
    "rehousing_another_way": "We will rehouse the applicant another way, such as a management transfer",
    "other": "Another reason",
}
"""Why a landlord declines its tenant's referral: the officer reads the reason with the details given."""


def _home(scheme: Scheme, role: str) -> str:
    return f"/s/{scheme.slug}/{role}/"


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


# --- the named lead's home --------------------------------------------------------------------------------


@get("/named-lead/", opt=allow(Role.named_lead))
async def named_lead_home(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    home = await queries.named_lead_home(db, actor)
    record_home_visit(db, actor)
    return Template(
        "named_lead/home.html.j2",
        context={"scheme": scheme, "actor": actor, "home": home, "whats_new": await whats_new(db, actor)},
    )


@get("/named-lead/history", opt=allow(Role.named_lead))
async def history_page(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template | Stream:
    """The organisation's approvals and offers, and what became of each, newest first, by cursor; `?format=`
    downloads all of them."""
    query = request.query_params
    download_as = wanted(query.get(DOWNLOAD))
    if download_as:
        everything = await history.history(db, actor, after=None, before=None, every=True)
        return download(db, actor, scheme, everything.table, download_as)
    found = await history.history(db, actor, after=query.get("after"), before=query.get("before"))
    base = f"/s/{scheme.slug}/named-lead/history"
    after, before = found.page.next, found.page.previous
    context = {
        "scheme": scheme,
        "actor": actor,
        "history": found,
        "lines": list(zip(found.page.rows, found.table.rows, strict=True)),
        "next": f"{base}?after={after}" if after else None,
        "previous": f"{base}?before={before}" if before else None,
    }
    return Template("named_lead/history.html.j2", context=context)


@get("/named-lead/referrals/", opt=allow(Role.named_lead))
async def circulating_referrals(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    referrals = await queries.open_for_offers(db, actor)
    return Template("named_lead/referrals.html.j2", context={"scheme": scheme, "actor": actor, "referrals": referrals})


# --- approving a referral of the landlord's own tenant ----------------------------------------------------


class DecisionForm(msgspec.Struct):
    version: str = ""
    decision: str = ""
    """`approve` or `decline`."""
    reason: str = ""
    """A key of DECLINE_REASONS."""
    details: str = ""
    names_confirmed: str = ""
    """Words the named lead was warned may be names and kept: see web.forms.names_to_confirm."""


def _approval_page(
    scheme: Scheme,
    actor: Actor,
    referral: approvals.ApprovalReferral,
    *,
    form: DecisionForm | None = None,
    errors: Errors | None = None,
    names: NameWarnings | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "named_lead/approval.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "referral": referral,
            "form": form or DecisionForm(),
            "errors": errors or {},
            "names": names,
            "reasons": DECLINE_REASONS,
        },
        status_code=status_code,
    )


@get("/named-lead/approvals/{referral_id:uuid}", opt=allow(Role.named_lead))
async def approval_page(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    referral = await approvals.approval_referral(db, actor, referral_id, scheme.area_term)
    if isinstance(referral, Outcome):
        return _outcome_page(scheme, actor, referral)
    record_view(db, actor, referral.id)
    return _approval_page(scheme, actor, referral)


def _decision_errors(data: DecisionForm) -> Errors:
    errors: Errors = {}
    if data.decision not in ("approve", "decline"):
        errors["decision"] = "Select whether you approve or decline the referral"
    elif data.decision == "decline":
        if data.reason not in DECLINE_REASONS:
            errors["reason"] = "Select why you are declining the referral"
        elif data.reason == "other" and not data.details.strip():
            errors["details"] = "Say why you are declining the referral"
        problem = text_problem(
            data.details,
            limit=1000,
            too_long="Keep the details to 1000 characters or fewer",
            identifying="the details must not identify anyone",
        )
        if problem:
            errors["details"] = problem
    return errors


@post("/named-lead/approvals/{referral_id:uuid}", opt=allow(Role.named_lead), status_code=200)
async def decide(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[DecisionForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    referral = await approvals.approval_referral(db, actor, referral_id, scheme.area_term)
    if isinstance(referral, Outcome):  # decided already, by someone else of theirs
        return _outcome_page(scheme, actor, referral, status_code=409)
    errors = _decision_errors(data)
    if not errors and data.decision == "decline":
        names = await names_to_confirm(db, actor.tenant_id, {"details": ("", data.details)}, data.names_confirmed)
        if names.by_field:  # decided once the named lead sends the form again, having looked
            return _approval_page(scheme, actor, referral, form=data, names=names)
    if not errors:
        note = ""
        if data.decision == "decline":
            note = " ".join(filter(None, [f"{DECLINE_REASONS[data.reason]}.", data.details.strip()]))
        action = Action.approve if data.decision == "approve" else Action.decline
        decided = await attempt(
            db, lambda: act(db, actor, referral_id, action, version=version_field(data.version), note=note)
        )
        if not isinstance(decided, Refused):
            return see_other(request, approval_page, referral_id=referral.id)
        if isinstance(decided, InvalidReferral):
            errors.update({"details" if field == "note" else field: message for field, message in decided.problems})
        else:
            errors["decision"] = decided.message
        now = await approvals.approval_referral(db, actor, referral.id, scheme.area_term)
        if isinstance(now, Outcome):  # decided meanwhile: say so, beside what became of it
            return _outcome_page(scheme, actor, now, status_code=400, problem=errors.get("decision", ""))
        referral = now
        if isinstance(decided, StaleReferral):
            # They have been told it changed: the form they resubmit is for the referral as it is now.
            data = msgspec.structs.replace(data, version=str(referral.version))
    return _approval_page(scheme, actor, referral, form=data, errors=errors, status_code=400)


# --- a circulated referral, and offering a property for it ------------------------------------------------


@get("/named-lead/referrals/{referral_id:uuid}", opt=allow(Role.named_lead))
async def circulated_page(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    done: FromQuery[str | None] = None,
) -> Template:
    referral = await queries.circulated_referral(db, actor, referral_id)
    if isinstance(referral, Outcome):
        return _outcome_page(scheme, actor, referral)
    record_view(db, actor, referral.id)
    # The success banner only on the page the offer form leads to, not on every later visit.
    context = {"scheme": scheme, "actor": actor, "referral": referral, "just_offered": done == "offered"}
    return Template("named_lead/referral.html.j2", context=context)


class OfferForm(msgspec.Struct):
    version: str = ""
    area_id: str = ""
    bedrooms: str = ""
    floor: str = ""
    """A number, 0 for the ground floor; blank for a house."""
    accessibility: str = ""
    available_from_day: str = msgspec.field(default="", name="available_from-day")
    available_from_month: str = msgspec.field(default="", name="available_from-month")
    available_from_year: str = msgspec.field(default="", name="available_from-year")
    address: str = ""


def _offer_page(
    request: Request[Any, Any, Any],
    scheme: Scheme,
    actor: Actor,
    referral: queries.CirculatedReferral,
    *,
    form: OfferForm | None = None,
    errors: Errors | None = None,
    refused: str = "",
    status_code: int = 200,
) -> Template:
    """The offer form: a page of its own, or (for htmx) just the form, swapped into the referral's page."""
    fragment = is_htmx(request)
    context = {
        "scheme": scheme,
        "actor": actor,
        "referral": referral,
        "form": form or OfferForm(bedrooms=_text(referral.household.bedrooms_needed)),
        "errors": errors or {},
        "refused": refused,
        "fragment": fragment,
    }
    if fragment:
        return HTMXBlockTemplate(
            template_name="named_lead/offer.html.j2",
            block_name="offer_form",
            context=context,
            status_code=status_code,
            headers=VARY,
        )
    return Template("named_lead/offer.html.j2", context=context, status_code=status_code, headers=VARY)


NOT_OFFERED = "The property was not offered"
"""The offer form's refusal title, on its own page and on the outcome page alike."""


def _outcome_page(
    scheme: Scheme,
    actor: Actor,
    outcome: Outcome,
    *,
    status_code: int = 200,
    problem: str = "",
    problem_title: str = "There is a problem",
) -> Template:
    """A referral whose part for this partner is over: what became of it, and why a form was refused."""
    return Template(
        "named_lead/outcome.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "outcome": outcome,
            "problem": problem,
            "problem_title": problem_title,
        },
        status_code=status_code,
    )


@get("/named-lead/referrals/{referral_id:uuid}/offer", opt=allow(Role.named_lead))
async def offer_form(
    referral_id: FromPath[uuid.UUID],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    referral = await queries.circulated_referral(db, actor, referral_id)
    if isinstance(referral, Outcome):
        return _outcome_page(scheme, actor, referral)
    # Prefilled with the property the matching page was given (portals/named_lead/matching.py), if any.
    query = request.query_params
    page = _offer_page(request, scheme, actor, referral, form=offer_form_of(query) if query else None)
    if not isinstance(page, HTMXBlockTemplate):
        # The fragment is drawn into the referral's page, whose reading is recorded already.
        record_view(db, actor, referral.id)
    return page


def offer_form_of(query: Mapping[str, str]) -> OfferForm:
    """The property's fields as a GET sends them (the matching page's form, and its links to offer)."""
    return msgspec.convert({k: v for k, v in query.items() if k != "version"}, OfferForm)


def _parse_offer(data: OfferForm) -> tuple[Property | None, Errors]:
    errors: Errors = {}
    try:
        area_id: uuid.UUID | None = uuid.UUID(data.area_id)
    except ValueError:
        area_id = None
        errors["area_id"] = "Select the area the property is in"
    bedrooms = whole_number(data.bedrooms)
    if not data.bedrooms.strip():
        errors["bedrooms"] = "Enter the number of bedrooms"
    elif bedrooms is None or not 0 <= bedrooms <= 10:
        errors["bedrooms"] = "Enter the number of bedrooms as a whole number from 0 (a studio) to 10"
    floor = whole_number(data.floor) if data.floor.strip() else None
    if data.floor.strip() and (floor is None or not 0 <= floor <= 99):
        errors["floor"] = "Enter the floor as a whole number, 0 for the ground floor, or leave it blank for a house"
    if len(data.accessibility) > 1000:
        errors["accessibility"] = "Keep the accessibility features to 1000 characters or fewer"
    if len(data.address) > 500:
        errors["address"] = "Keep the address to 500 characters or fewer"
    parts = (data.available_from_day, data.available_from_month, data.available_from_year)
    available_from = None
    if not any(p.strip() for p in parts):
        errors["available_from"] = "Enter the date the property is available from"
    else:
        day, month, year = (whole_number(p) for p in parts)
        try:
            if day is None or month is None or year is None or not 2000 <= year <= 2100:
                raise ValueError
            available_from = date(year, month, day)
        except ValueError:
            errors["available_from"] = "The date the property is available from must be a real date, like 1 12 2026"
    if errors or area_id is None or bedrooms is None or available_from is None:
        return None, errors
    return Property(area_id, bedrooms, floor, data.accessibility, available_from, data.address), errors


@post("/named-lead/referrals/{referral_id:uuid}/offer", opt=allow(Role.named_lead), status_code=200)
async def offer(
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[OfferForm],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    keys: NamedDependency[Keys],
) -> Response[Any]:
    referral = await queries.circulated_referral(db, actor, referral_id)
    if isinstance(referral, Outcome):  # another partner's offer got there first, or it is over
        return _outcome_page(
            scheme, actor, referral, status_code=409, problem=ALREADY_OFFERED, problem_title=NOT_OFFERED
        )
    offered, errors = _parse_offer(data)
    refused = ""
    if offered is not None:
        made = await attempt(
            db, lambda: make_offer(db, actor, keys, referral_id, offered, version=version_field(data.version))
        )
        if not isinstance(made, Refused):
            return see_other(request, circulated_page, {"done": "offered"}, referral_id=referral.id)
        if isinstance(made, InvalidReferral):
            errors = dict(made.problems)
        else:
            refused = made.message
        if isinstance(made, StaleReferral):
            # Drawn again as it is now, so the form they resubmit is for that (gone, if it is no longer theirs).
            now = await queries.circulated_referral(db, actor, referral.id)
            if isinstance(now, Outcome):
                return _outcome_page(scheme, actor, now, status_code=409)
            referral = now
            data = msgspec.structs.replace(data, version=str(referral.version))
    status_code = 409 if refused else 400
    return _offer_page(
        request, scheme, actor, referral, form=data, errors=errors, refused=refused, status_code=status_code
    )


HANDLERS = [
    named_lead_home,
    history_page,
    circulating_referrals,
    approval_page,
    decide,
    circulated_page,
    offer_form,
    offer,
]
