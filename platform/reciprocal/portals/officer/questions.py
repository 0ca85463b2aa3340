"""The nominating officer's question pages: each shows its answers, and saves them to the draft whatever the
criteria say (their problems are for submission)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.services import Actor
from reciprocal.kernel.fields import version_field
from reciprocal.kernel.names import NameWarnings
from reciprocal.portals.officer import presenters as show
from reciprocal.portals.officer.forms import (
    MONITORING,
    AreasForm,
    CaseReferenceForm,
    ConsentForm,
    EligibilityForm,
    HouseholdForm,
    MonitoringForm,
    NeedsForm,
    Options,
    RiskAssessorForm,
    RiskTypeForm,
    SupportForm,
    free_texts,
)
from reciprocal.portals.officer.housed import Housed, housed_here
from reciprocal.portals.officer.presenters import (
    AREAS,
    CASE_REFERENCE,
    CONSENT,
    ELIGIBILITY,
    HOUSEHOLD,
    MONITORING_SECTION,
    NEEDS,
    RISK_ASSESSOR,
    RISK_TYPE,
    SUPPORT,
    Section,
)
from reciprocal.portals.officer.referral import OFFICER, Draft, draft_context, load_draft, referral_path
from reciprocal.referrals.services import STALE, StaleReferral, save_draft
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt, names_to_confirm


def _initial(section: Section, draft: Draft) -> Any:
    """The page's form filled with what the draft holds."""
    if section is MONITORING_SECTION:
        return MonitoringForm.of(draft.monitoring)
    if section is CASE_REFERENCE:
        return CaseReferenceForm(case_reference=draft.referral.officer_case_reference)
    form: Any = dict(QUESTIONS)[section]
    return form.of(draft.answers)


def _question_page(
    scheme: Scheme,
    draft: Draft,
    section: Section,
    form: Any,
    *,
    messages: dict[str, list[str]] | None = None,
    warnings: NameWarnings | None = None,
    stale: bool = False,
    status_code: int = 200,
    housed: Housed | None = None,
) -> Template:
    messages = messages or {}
    risk = show.risk_of(draft.criteria, draft.answers)
    current_area = next((c.label for c in draft.choices.areas if c.id == draft.answers.current_area_id), None)
    return Template(
        f"officer/{section.slug}.html.j2",
        context=draft_context(
            scheme,
            draft,
            section=section,
            title=section.title_for(scheme.area_term),
            form=form,
            version=draft.referral.version,
            errors=messages,
            error_list=show.summary_on_page(messages),
            names=warnings,
            stale=STALE if stale else "",
            criteria=draft.criteria,
            choices=draft.choices,
            risk=risk,
            risk_rules={r.key: show.risk_rules(r, scheme.area_term) for r in draft.criteria.risk_types},
            current_area=current_area,
            monitoring_questions=MONITORING,
            housed=housed,
        ),
        status_code=status_code,
    )


async def _housed(db: AsyncSession, scheme: Scheme, draft: Draft, section: Section) -> Housed | None:
    """Only the areas page shows where households like this one were housed."""
    return await housed_here(db, scheme, draft.answers) if section is AREAS else None


def _asked(section: Section, draft: Draft) -> bool:
    """Whether the page is a question for this referral: the risk assessor only when its risk needs one."""
    return draft.editable and (section is not RISK_ASSESSOR or show.needs_assessor(draft.criteria, draft.answers))


async def _show_question(
    db: AsyncSession, scheme: Scheme, actor: Actor, referral_id: uuid.UUID, section: Section, *, check_now: bool
) -> Response[Any]:
    draft = await load_draft(db, scheme, actor, referral_id)
    if not _asked(section, draft):
        return Redirect(referral_path(scheme, referral_id), status_code=303)
    messages: dict[str, list[str]] = {}
    if check_now:
        # Arrived from a refused submission: the page says again what is wrong with its answers.
        problems = [(name, m) for name, m in draft.problems(scheme.area_term) if name in section.fields]
        messages = show.messages_by_field(problems)
    housed = await _housed(db, scheme, draft, section)
    return _question_page(scheme, draft, section, _initial(section, draft), messages=messages, housed=housed)


async def _save_question(
    db: AsyncSession, scheme: Scheme, actor: Actor, referral_id: uuid.UUID, section: Section, form: Any
) -> Response[Any]:
    draft = await load_draft(db, scheme, actor, referral_id, for_update=True)
    base = referral_path(scheme, referral_id)
    if not _asked(section, draft):
        return Redirect(base, status_code=303)
    options = Options(draft.criteria, draft.choices)
    parsed = form.parse(options)
    if parsed.errors:
        messages = {name: [message] for name, message in parsed.errors.items()}
        return _question_page(
            scheme,
            draft,
            section,
            form,
            messages=messages,
            status_code=400,
            housed=await _housed(db, scheme, draft, section),
        )
    warnings = await names_to_confirm(db, scheme.id, free_texts(form), getattr(form, "names_confirmed", ""))
    if warnings.by_field:  # saved once the officer sends the page again, having looked
        return _question_page(
            scheme, draft, section, form, warnings=warnings, housed=await _housed(db, scheme, draft, section)
        )
    saved = await attempt(
        db,
        lambda: save_draft(
            db,
            actor,
            referral_id,
            replace(draft.answers, **parsed.changes),
            version=version_field(form.version),
            case_reference=parsed.case_reference,
            monitoring=parsed.monitoring,
        ),
    )
    if isinstance(saved, StaleReferral):
        housed = await _housed(db, scheme, draft, section)
        return _question_page(
            scheme, draft, section, _initial(section, draft), stale=True, status_code=409, housed=housed
        )
    # Saved, or no longer the officer's to change (submitted from another tab): the referral's page says which.
    return Redirect(base, status_code=303)


CheckNow = FromQuery[bool]
"""`?check=true`: the page was reached from the error summary of a refused submission."""


QUESTIONS: tuple[tuple[Section, type[msgspec.Struct]], ...] = (
    (CONSENT, ConsentForm),
    (ELIGIBILITY, EligibilityForm),
    (HOUSEHOLD, HouseholdForm),
    (NEEDS, NeedsForm),
    (RISK_TYPE, RiskTypeForm),
    (AREAS, AreasForm),
    (RISK_ASSESSOR, RiskAssessorForm),
    (SUPPORT, SupportForm),
    (MONITORING_SECTION, MonitoringForm),
    (CASE_REFERENCE, CaseReferenceForm),
)
"""Each question page and the form it posts: one GET and one POST handler each, made below."""


def _question_handlers(section: Section, form: type[msgspec.Struct]) -> list[Any]:
    """The page that asks one topic's questions, and the handler that saves its answers."""
    path = f"/referrals/{{referral_id:uuid}}/{section.slug}"

    async def show_question(
        referral_id: FromPath[uuid.UUID],
        db: NamedDependency[AsyncSession],
        scheme: NamedDependency[Scheme],
        actor: NamedDependency[Actor],
        check: CheckNow = False,
    ) -> Response[Any]:
        return await _show_question(db, scheme, actor, referral_id, section, check_now=check)

    async def save_answers(
        referral_id: FromPath[uuid.UUID],
        data: Any,
        db: NamedDependency[AsyncSession],
        scheme: NamedDependency[Scheme],
        actor: NamedDependency[Actor],
    ) -> Response[Any]:
        return await _save_question(db, scheme, actor, referral_id, section, data)

    # NOTE: the body's type differs per page; Litestar reads it from the annotation, so set it here.
    save_answers.__annotations__["data"] = URLEncodedBody[form]  # type: ignore[misc,valid-type]
    return [
        get(path, opt=OFFICER, name=f"referral-{section.slug}")(show_question),
        post(path, opt=OFFICER, status_code=200, name=f"referral-{section.slug}-save")(save_answers),
    ]


HANDLERS = [handler for section, form in QUESTIONS for handler in _question_handlers(section, form)]
