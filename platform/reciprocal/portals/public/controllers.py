"""The pages anyone may read: the service's front page listing the schemes, each scheme's home and criteria."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.presenters import rules_table
from reciprocal.criteria.services import PublishedCriteria, current_criteria
from reciprocal.enquiries import rules as checker
from reciprocal.enquiries.services import record_checker_enquiry
from reciprocal.identity.access import PUBLIC
from reciprocal.identity.models import SignInAttempt
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import recent_attempts
from reciprocal.retention import rules
from reciprocal.tenancy.models import Scheme
from reciprocal.tenancy.services import list_schemes, scheme_counts
from reciprocal.web.guard import provide_directory
from reciprocal.web.urls import see_other


@get("/", dependencies={"directory": Provide(provide_directory)})
async def index(directory: NamedDependency[AsyncSession]) -> Template:
    return Template("public/index.html.j2", context={"schemes": await list_schemes(directory)})


@get("/", opt=PUBLIC)
async def scheme_home(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    counts = await scheme_counts(db, scheme.id)
    return Template("public/home.html.j2", context={"scheme": scheme, "counts": counts})


@get("/criteria", opt=PUBLIC)
async def criteria_page(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    published = await current_criteria(db, scheme.id)
    if published is None:
        raise NotFoundException
    table = rules_table(published.criteria, scheme.area_term)
    kept = [
        (rules.KINDS[what], rules.described(days), rules.described(rules.DEFAULTS[what]))
        for what, days in rules.days_of(scheme).items()
    ]
    return Template(
        "public/criteria.html.j2",
        context={"scheme": scheme, "published": published, "table": table, "kept": kept},
    )


# "Could this scheme help my client?": anonymous, from the current criteria; each completed check is one enquiry.

CHECK = "check"
CHECK_WINDOW = timedelta(hours=1)
CHECKS_COUNTED = 20
"""Checks from one network address counted as enquiries in CHECK_WINDOW: an office of officers, not a script."""


class CheckForm(msgspec.Struct):
    """The checker's questions: choices only, so nothing typed can be sent, asked or kept."""

    risk_type: str = ""
    tenancy: str = ""
    safe_areas: str = ""
    assessor: str = ""


async def _published(db: AsyncSession, scheme: Scheme) -> PublishedCriteria:
    published = await current_criteria(db, scheme.id)
    if published is None:
        raise NotFoundException
    return published


def _check_page(
    scheme: Scheme, published: PublishedCriteria, form: CheckForm, errors: dict[str, str], status_code: int = 200
) -> Template:
    criteria = published.criteria
    return Template(
        "public/check.html.j2",
        context={
            "scheme": scheme,
            "criteria": criteria,
            "form": form,
            "errors": errors,
            "tenancies": checker.tenancy_choices(criteria),
            "other_risk": checker.OTHER_RISK,
            "safe_rules": [(r.label, r.min_safe_areas) for r in criteria.risk_types if r.name_safe_areas],
            "assessor_rules": [r.label for r in criteria.risk_types if r.risk_assessor_required],
        },
        status_code=status_code,
    )


@get("/check", opt=PUBLIC)
async def check_page(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    return _check_page(scheme, await _published(db, scheme), CheckForm(), {})


def _answers(form: CheckForm) -> checker.CheckAnswers:
    return checker.CheckAnswers(form.risk_type, form.tenancy, form.safe_areas, form.assessor)


@post("/check", opt=PUBLIC, status_code=200)
async def send_check(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[CheckForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    keys: NamedDependency[Keys],
) -> Response[Any]:
    """Answer a check: the enquiry is counted here, once; the answer page is a GET that counts nothing."""
    published = await _published(db, scheme)
    answers = _answers(data)
    problems = checker.problems(published.criteria, answers)
    if problems:
        return _check_page(scheme, published, data, dict(problems), status_code=400)
    result = checker.check(published.criteria, answers, scheme.area_term)
    # Everyone gets the answer; only the first few checks an hour from one network address count as enquiries,
    # so that a script cannot inflate the scheme's figures. The address is kept only as a keyed hash, briefly.
    ip_hash = keys.fingerprint(request.client.host if request.client else "unknown")
    if await recent_attempts(db, scheme.id, CHECK, ip_hash, CHECK_WINDOW) < CHECKS_COUNTED:
        db.add(SignInAttempt(tenant_id=scheme.id, kind=CHECK, ip_hash=ip_hash))
        record_checker_enquiry(db, scheme.id, published.criteria, risk_type=answers.risk_type, outcome=result.outcome)
    query = {k: v for k, v in msgspec.structs.asdict(data).items() if v}
    return see_other(request, check_answer, query)


@get("/check/answer", opt=PUBLIC)
async def check_answer(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    risk_type: FromQuery[str] = "",
    tenancy: FromQuery[str] = "",
    safe_areas: FromQuery[str] = "",
    assessor: FromQuery[str] = "",
) -> Template:
    published = await _published(db, scheme)
    form = CheckForm(risk_type, tenancy, safe_areas, assessor)
    answers = _answers(form)
    if checker.problems(published.criteria, answers):
        # A mangled or stale link (the criteria changed since): ask again.
        return _check_page(scheme, published, CheckForm(), {})
    result = checker.check(published.criteria, answers, scheme.area_term)
    return Template(
        "public/check_answer.html.j2",
        context={"scheme": scheme, "criteria": published.criteria, "published": published, "result": result},
    )


HANDLERS = [scheme_home, criteria_page, check_page, send_check, check_answer]
