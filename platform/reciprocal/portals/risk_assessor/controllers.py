"""The risk assessor's pages: their home, and the assessment of an offered area."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.names import NameWarnings
from reciprocal.kernel.text import NOTE_LIMIT, text_problem
from reciprocal.notifications.whats_new import whats_new
from reciprocal.portals.risk_assessor import queries
from reciprocal.referrals.offers import record_risk_assessment
from reciprocal.referrals.services import record_view
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt, names_to_confirm
from reciprocal.web.urls import see_other


@get("/risk-assessor/", opt=allow(Role.risk_assessor))
async def risk_assessor_home(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    requests = await queries.assessments_requested(db, actor)
    return Template(
        "risk_assessor/home.html.j2",
        context={"scheme": scheme, "actor": actor, "requests": requests, "whats_new": await whats_new(db, actor)},
    )


class AssessmentForm(msgspec.Struct):
    outcome: str = ""
    """`no_risk` or `risk`."""
    notes: str = ""
    names_confirmed: str = ""
    """Words the assessor was warned may be names and kept: see web.forms.names_to_confirm."""


def _assessment_page(
    scheme: Scheme,
    actor: Actor,
    request: queries.AssessmentRequest,
    *,
    form: AssessmentForm | None = None,
    errors: dict[str, str] | None = None,
    names: NameWarnings | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "risk_assessor/assessment.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "assessment": request,
            "form": form or AssessmentForm(),
            "errors": errors or {},
            "names": names,
        },
        status_code=status_code,
    )


@get("/risk-assessor/assessments/{referral_id:uuid}", opt=allow(Role.risk_assessor))
async def assessment_page(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    request = await queries.assessment_request(db, actor, referral_id)
    record_view(db, actor, request.referral_id)
    return _assessment_page(scheme, actor, request)


def _assessment_errors(data: AssessmentForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.outcome not in ("no_risk", "risk"):
        errors["outcome"] = "Select whether you identified a risk in the offered area"
    elif data.outcome == "risk" and not data.notes.strip():
        errors["notes"] = "Describe the risk you identified"
    problem = text_problem(
        data.notes,
        limit=NOTE_LIMIT,
        too_long=f"Keep the notes to {NOTE_LIMIT} characters or fewer",
        identifying="the notes must not identify anyone",
    )
    if problem:
        errors["notes"] = problem
    return errors


@post("/risk-assessor/assessments/{referral_id:uuid}", opt=allow(Role.risk_assessor), status_code=200)
async def assess(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[AssessmentForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    asked = await queries.assessment_request(db, actor, referral_id)
    errors = _assessment_errors(data)
    if not errors:
        names = await names_to_confirm(db, actor.tenant_id, {"notes": ("", data.notes)}, data.names_confirmed)
        if names.by_field:  # recorded once the assessor sends the form again, having looked
            return _assessment_page(scheme, actor, asked, form=data, names=names)
        assessed = await attempt(
            db,
            lambda: record_risk_assessment(
                db, actor, asked.referral_id, risk_identified=data.outcome == "risk", notes=data.notes
            ),
        )
        if isinstance(assessed, Refused):
            errors["outcome"] = assessed.message
        else:
            return see_other(request, assessment_page, referral_id=asked.referral_id)
    return _assessment_page(scheme, actor, asked, form=data, errors=errors, status_code=400)


HANDLERS = [risk_assessor_home, assessment_page, assess]
