"""The nominating officer's pages: their referrals, and the referral journey."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.kernel.dates import UK_TIME
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import version_field
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
)
from reciprocal.portals.officer.presenters import (
    AREAS,
    CASE_REFERENCE,
    CONSENT,
    EDITABLE,
    ELIGIBILITY,
    HOUSEHOLD,
    MONITORING_SECTION,
    NEEDS,
    RISK_ASSESSOR,
    RISK_TYPE,
    SUPPORT,
    Section,
)
from reciprocal.portals.officer.queries import ReferralChoices, agency_referrals, monitoring_of, referral_choices
from reciprocal.referrals.drafts import deleted_draft, deletion_refused
from reciprocal.referrals.models import Referral
from reciprocal.referrals.offers import OfferForOfficer, offer_for_officer
from reciprocal.referrals.rules import Problem, ReferralAnswers, check
from reciprocal.referrals.services import (
    STALE,
    InvalidReferral,
    StaleReferral,
    answers_of,
    get_referral,
    record_view,
    save_draft,
    start_referral,
    submit,
)
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt

OFFICER = allow(Role.nominating_officer)


def _base(scheme: Scheme, referral_id: uuid.UUID) -> str:
    return f"/s/{scheme.slug}/referrals/{referral_id}"


@get("/officer/", opt=OFFICER)
async def officer_home(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    deleted: FromQuery[uuid.UUID | None] = None,
) -> Template:
    referrals = await agency_referrals(db, actor)
    today = datetime.now(UK_TIME).date()
    groups = show.home_groups(referrals, f"/s/{scheme.slug}/referrals", today)
    done = show.deleted_banner(await deleted_draft(db, actor, deleted)) if deleted else None
    return Template("officer/home.html.j2", context={"scheme": scheme, "actor": actor, "groups": groups, "done": done})


@post("/referrals/new", opt=OFFICER, status_code=200)
async def new_referral(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Redirect:
    referral = await start_referral(db, actor)
    return Redirect(_base(scheme, referral.id), status_code=303)


# One referral: everything its pages read, loaded once per request.


@dataclass(frozen=True)
class Draft:
    referral: Referral
    answers: ReferralAnswers
    criteria: Criteria
    choices: ReferralChoices
    monitoring: dict[str, str]

    @property
    def editable(self) -> bool:
        return self.referral.state in EDITABLE

    def problems(self, area_term: str) -> list[Problem]:
        return check(self.answers, self.criteria, area_term)


async def _draft(
    db: AsyncSession, scheme: Scheme, actor: Actor, referral_id: uuid.UUID, *, for_update: bool = False
) -> Draft:
    """The referral if it is the officer's agency's; another agency's, scheme's or nobody's is a 404."""
    referral = await get_referral(db, actor, referral_id, for_update=for_update)
    if not for_update:
        record_view(db, actor, referral.id)
    published = await current_criteria(db, scheme.id)
    assert published is not None, "a scheme always has criteria: loading it publishes them"
    return Draft(
        referral=referral,
        answers=await answers_of(db, referral),
        criteria=published.criteria,
        choices=await referral_choices(db, scheme.id),
        monitoring=await monitoring_of(db, referral),
    )


def _context(scheme: Scheme, draft: Draft, **extra: Any) -> dict[str, Any]:
    """What every page about one referral shows: where it is, and how the officer knows it."""
    referral = draft.referral
    caption = f"Referral {referral.reference}" if referral.reference else "Draft referral"
    if referral.officer_case_reference:
        caption += f", your reference {referral.officer_case_reference}"
    return {
        "scheme": scheme,
        "referral": referral,
        "caption": caption,
        "base": _base(scheme, draft.referral.id),
        "area_term": scheme.area_term,
        **extra,
    }


@get("/referrals/{referral_id:uuid}", opt=OFFICER)
async def referral_page(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    keys: NamedDependency[Keys],
) -> Template:
    """The task list while the officer can change the referral; its answers, state and offer once submitted."""
    draft = await _draft(db, scheme, actor, referral_id)
    base = _base(scheme, referral_id)
    if not draft.editable:
        offer = await offer_for_officer(db, actor, keys, draft.referral)
        return _answers_page("officer/view.html.j2", scheme, draft, editable=False, offer=offer)
    problems = draft.problems(scheme.area_term)
    progress = show.progress(
        draft.criteria,
        draft.answers,
        problems,
        monitoring=draft.monitoring,
        case_reference=draft.referral.officer_case_reference,
    )
    groups = [
        (heading, show.task_items(sections, progress.statuses, base, scheme.area_term))
        for heading, sections in show.shown_sections(draft.criteria, draft.answers)
    ]
    deletable = deletion_refused(actor, draft.referral) is None
    return Template(
        "officer/task_list.html.j2",
        context=_context(scheme, draft, groups=groups, progress=progress, ready=not problems, deletable=deletable),
    )


# The question pages: each shows its answers, and saves them to the draft whatever the criteria say.


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
    stale: bool = False,
    status_code: int = 200,
) -> Template:
    messages = messages or {}
    risk = show.risk_of(draft.criteria, draft.answers)
    current_area = next((c.label for c in draft.choices.areas if c.id == draft.answers.current_area_id), None)
    return Template(
        f"officer/{section.slug}.html.j2",
        context=_context(
            scheme,
            draft,
            section=section,
            title=section.title_for(scheme.area_term),
            form=form,
            version=draft.referral.version,
            errors=messages,
            error_list=show.summary_on_page(messages),
            stale=STALE if stale else "",
            criteria=draft.criteria,
            choices=draft.choices,
            risk=risk,
            risk_rules={r.key: show.risk_rules(r, scheme.area_term) for r in draft.criteria.risk_types},
            current_area=current_area,
            monitoring_questions=MONITORING,
        ),
        status_code=status_code,
    )


def _asked(section: Section, draft: Draft) -> bool:
    """Whether the page is a question for this referral: the risk assessor only when its risk needs one."""
    return draft.editable and (section is not RISK_ASSESSOR or show.needs_assessor(draft.criteria, draft.answers))


async def _show_question(
    db: AsyncSession, scheme: Scheme, actor: Actor, referral_id: uuid.UUID, section: Section, *, check_now: bool
) -> Response[Any]:
    draft = await _draft(db, scheme, actor, referral_id)
    if not _asked(section, draft):
        return Redirect(_base(scheme, referral_id), status_code=303)
    messages: dict[str, list[str]] = {}
    if check_now:
        # Arrived from a refused submission: the page says again what is wrong with its answers.
        problems = [(name, m) for name, m in draft.problems(scheme.area_term) if name in section.fields]
        messages = show.messages_by_field(problems)
    return _question_page(scheme, draft, section, _initial(section, draft), messages=messages)


async def _save_question(
    db: AsyncSession, scheme: Scheme, actor: Actor, referral_id: uuid.UUID, section: Section, form: Any
) -> Response[Any]:
    draft = await _draft(db, scheme, actor, referral_id, for_update=True)
    base = _base(scheme, referral_id)
    if not _asked(section, draft):
        return Redirect(base, status_code=303)
    parsed = form.parse(Options(draft.criteria, draft.choices))
    if parsed.errors:
        messages = {name: [message] for name, message in parsed.errors.items()}
        return _question_page(scheme, draft, section, form, messages=messages, status_code=400)
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
        return _question_page(scheme, draft, section, _initial(section, draft), stale=True, status_code=409)
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


# Check your answers, submit, and the confirmation.


class SubmitForm(msgspec.Struct):
    version: str = ""


def _answers_page(
    template: str,
    scheme: Scheme,
    draft: Draft,
    *,
    editable: bool,
    problems: list[Problem] | None = None,
    stale: bool = False,
    status_code: int = 200,
    offer: OfferForOfficer | None = None,
) -> Template:
    base = _base(scheme, draft.referral.id)
    errors = show.messages_by_field(problems or [])
    blocks = show.answer_blocks(
        draft.criteria,
        draft.answers,
        draft.choices,
        area_term=scheme.area_term,
        monitoring=draft.monitoring,
        case_reference=draft.referral.officer_case_reference,
    )
    return Template(
        template,
        context=_context(
            scheme,
            draft,
            blocks=blocks,
            errors=errors,
            base=base,
            editable=editable,
            error_list=show.summary_to_pages(problems or [], base),
            stale=STALE if stale else "",
            version=draft.referral.version,
            state_words=show.NEXT.get(draft.referral.state, ""),
            offer=offer,
        ),
        status_code=status_code,
    )


@get("/referrals/{referral_id:uuid}/check", opt=OFFICER)
async def check_page(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    draft = await _draft(db, scheme, actor, referral_id)
    if not draft.editable:
        return Redirect(_base(scheme, referral_id), status_code=303)
    return _answers_page("officer/check.html.j2", scheme, draft, editable=True)


@post("/referrals/{referral_id:uuid}/check", opt=OFFICER, status_code=200)
async def submit_referral(
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[SubmitForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    draft = await _draft(db, scheme, actor, referral_id, for_update=True)
    base = _base(scheme, referral_id)
    if not draft.editable:
        return Redirect(base, status_code=303)
    submitted = await attempt(db, lambda: submit(db, actor, scheme, referral_id, version=version_field(data.version)))
    if isinstance(submitted, InvalidReferral):
        return _answers_page(
            "officer/check.html.j2", scheme, draft, editable=True, problems=submitted.problems, status_code=400
        )
    if isinstance(submitted, StaleReferral):
        return _answers_page("officer/check.html.j2", scheme, draft, editable=True, stale=True, status_code=409)
    if isinstance(submitted, Refused):
        return Redirect(base, status_code=303)
    return Redirect(f"{base}/submitted", status_code=303)


@get("/referrals/{referral_id:uuid}/submitted", opt=OFFICER)
async def submitted_page(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    referral = await get_referral(db, actor, referral_id, for_update=False)
    if referral.reference is None or referral.state in EDITABLE:
        return Redirect(_base(scheme, referral_id), status_code=303)
    return Template(
        "officer/submitted.html.j2",
        context={
            "scheme": scheme,
            "referral": referral,
            "on_hold": referral.state == State.on_hold,
            "base": _base(scheme, referral_id),
        },
    )


HANDLERS = [
    officer_home,
    new_referral,
    referral_page,
    *(handler for section, form in QUESTIONS for handler in _question_handlers(section, form)),
    check_page,
    submit_referral,
    submitted_page,
]
