"""The coordinator's pages: the work queue, a referral's check and timeline, batches."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import version_field, whole_number
from reciprocal.kernel.names import NameWarnings
from reciprocal.kernel.text import NOTE_LIMIT, text_problem
from reciprocal.notifications.whats_new import whats_new
from reciprocal.portals.coordinator import offers as offer_queries
from reciprocal.portals.coordinator import presenters as words
from reciprocal.portals.coordinator import queries as coordination
from reciprocal.referrals import batches, decisions, matching, offers, pathways, viewings
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import ACTIVE, Action, State, allowed_actions
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt, names_to_confirm
from reciprocal.web.urls import see_other

COORDINATOR = allow(Role.coordinator)


# The work queue.


@get("/coordinator/", opt=COORDINATOR)
async def coordinator_home(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    queue = await coordination.work_queue(db, scheme.id)
    outstanding = await offer_queries.assessments_outstanding(db, scheme.id)
    return Template(
        "coordinator/home.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "queue": queue,
            "outstanding": outstanding,
            "stage_by_state": words.STAGE_BY_STATE,
            "task_words": words.TASK_WORDS,
            "today": dates.today(),
            "whats_new": await whats_new(db, actor),
        },
    )


# One referral: what it is, how it meets the criteria, what happened, and what the coordinator can do next.


class StepForm(msgspec.Struct):
    """Every field any of the referral page's forms sends; each step reads its own."""

    version: str = ""
    """The referral's version the page was rendered from."""
    note: str = ""
    reason: str = ""
    moved_day: str = ""
    moved_month: str = ""
    moved_year: str = ""
    bedrooms: str = ""
    pathway: str = ""
    """The other pathway the applicant moved through: a key of the referral's criteria's other pathways."""
    outcome: str = ""
    """A viewing's outcome: a value of referrals.models.ViewingOutcome."""
    viewing_day: str = ""
    viewing_month: str = ""
    viewing_year: str = ""
    names_confirmed: str = ""
    """Words the coordinator was warned may be names and kept: see web.forms.names_to_confirm."""


class FormErrors(Refused):
    """What is wrong with what the coordinator typed: form field id -> what to do about it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(problems=list(errors.items()))


class NamesToConfirm(Refused):
    """A message holding words that may be names, not yet looked at: the page warns, and nothing is done."""

    def __init__(self, names: NameWarnings) -> None:
        super().__init__("Check the message does not name anyone")
        self.names = names


async def _message(db: AsyncSession, actor: Actor, form: StepForm, field_id: str, missing: str | None) -> str:
    """A message to the nominating officer (required unless `missing` is None), which must not identify the
    applicant: sent once the coordinator has looked at any word in it that may be a name."""
    text = form.note.strip()
    if not text:
        if missing is None:
            return ""
        raise FormErrors({field_id: missing})
    problem = text_problem(
        text,
        limit=NOTE_LIMIT,
        too_long=f"Keep the message to {NOTE_LIMIT} characters or fewer",
        identifying="messages must not identify the applicant",
    )
    if problem:
        raise FormErrors({field_id: problem})
    names = await names_to_confirm(db, actor.tenant_id, {field_id: ("", text)}, form.names_confirmed)
    if names.by_field:
        raise NamesToConfirm(names)
    return text


async def _return(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    note = await _message(db, actor, form, "return-note", "Enter what the nominating officer needs to add")
    await referrals.act(db, actor, referral_id, Action.return_for_information, version=version, note=note)


async def _ineligible(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    note = await _message(db, actor, form, "ineligible-note", "Enter why the referral is ineligible")
    await referrals.act(db, actor, referral_id, Action.mark_ineligible, version=version, note=note)


async def _request_approval(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm
) -> None:
    await referrals.act(db, actor, referral_id, Action.request_approval, version=version)


async def _withdraw(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    note = await _message(db, actor, form, "withdraw-note", "Enter why the referral is withdrawn")
    await referrals.act(db, actor, referral_id, Action.withdraw, version=version, note=note)


async def _moved_elsewhere(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm
) -> None:
    if not form.pathway:
        raise FormErrors({"moved-elsewhere-pathway": "Select the pathway the applicant moved through"})
    note = await _message(db, actor, form, "moved-elsewhere-note", None)
    await pathways.record_other_pathway(db, actor, referral_id, pathway=form.pathway, note=note, version=version)


async def _viewing(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    await offers.arrange_viewing(db, actor, referral_id, version=version)


async def _accept(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    await offers.accept(db, actor, referral_id, version=version)


async def _refuse(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    if form.reason not in offers.REFUSAL_REASONS:
        raise FormErrors({"refuse-reason": "Select why the applicant refused the offer"})
    await offers.refuse(db, actor, referral_id, reason=form.reason, version=version)


async def _confirm_decision(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm
) -> None:
    await decisions.confirm_decision(db, actor, referral_id, version=version)


async def _query_decision(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    note = await _message(db, actor, form, "query-decision-note", "Enter what the nominating officer should check")
    await decisions.query_decision(db, actor, referral_id, note=note, version=version)


async def _viewing_date(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    on = viewings.viewing_date(form.viewing_day, form.viewing_month, form.viewing_year)
    await viewings.record_viewing_date(db, actor, referral_id, on=on, version=version)


async def _viewing_outcome(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm
) -> None:
    today = dates.today()
    await viewings.record_viewing_outcome(db, actor, referral_id, outcome=form.outcome, today=today, version=version)


def _move_answers(form: StepForm) -> tuple[date, int]:
    errors: dict[str, str] = {}
    moved_on = None
    parts = (form.moved_day.strip(), form.moved_month.strip(), form.moved_year.strip())
    if not all(parts):
        errors["move-date"] = "Enter the date of the move, with a day, month and year"
    else:
        day, month, year = (whole_number(part) for part in parts)
        try:
            if day is None or month is None or year is None:
                raise ValueError
            moved_on = date(year, month, day)
        except ValueError:
            errors["move-date"] = "The date of the move must be a real date"
        else:
            if moved_on > dates.today():
                errors["move-date"] = "The date of the move must be today or in the past"
    bedrooms = whole_number(form.bedrooms)
    if bedrooms is None or bedrooms > 7:
        errors["move-bedrooms"] = "Enter the number of bedrooms in the new home, from 0 (studio) to 7"
    if errors or moved_on is None or bedrooms is None:
        raise FormErrors(errors)
    return moved_on, bedrooms


async def _move(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: StepForm) -> None:
    moved_on, bedrooms = _move_answers(form)
    await offers.record_move(db, actor, referral_id, moved_on=moved_on, bedrooms=bedrooms, version=version)


Step = Callable[[AsyncSession, Actor, uuid.UUID, int, StepForm], Awaitable[None]]

STEPS: dict[str, tuple[frozenset[Action], Step]] = {
    "return": (frozenset({Action.return_for_information}), _return),
    "ineligible": (frozenset({Action.mark_ineligible}), _ineligible),
    "request-approval": (frozenset({Action.request_approval}), _request_approval),
    "viewing": (frozenset({Action.arrange_viewing}), _viewing),
    "accept": (frozenset({Action.accept}), _accept),
    "refuse": (frozenset({Action.refuse_and_recirculate, Action.refuse_and_withdraw}), _refuse),
    "confirm-decision": (frozenset({Action.query_decision}), _confirm_decision),
    "query-decision": (frozenset({Action.query_decision}), _query_decision),
    "viewing-date": (frozenset({Action.record_viewing}), _viewing_date),
    "viewing-outcome": (frozenset({Action.record_viewing}), _viewing_outcome),
    "move": (frozenset({Action.record_move}), _move),
    "withdraw": (frozenset({Action.withdraw}), _withdraw),
    "moved-elsewhere": (frozenset({Action.record_other_pathway}), _moved_elsewhere),
}
"""Each form on the referral page: the workflow actions it may take, and how. The page shows a form only
when the workflow allows the coordinator one of its actions in the referral's state."""


def steps_for(state: State) -> list[str]:
    allowed = set(allowed_actions(state, Role.coordinator))
    return [step for step, (actions, _) in STEPS.items() if actions & allowed]


@get("/coordinator/referrals/{referral_id:uuid}", opt=COORDINATOR)
async def referral_page(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    done: FromQuery[str | None] = None,
) -> Template:
    return await _referral_page(db, scheme, actor, referral_id, done=done)


@post("/coordinator/referrals/{referral_id:uuid}/{step:str}", opt=COORDINATOR, status_code=200)
async def referral_step(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    step: FromPath[str],
    data: URLEncodedBody[StepForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """One of the referral page's forms. Whatever goes wrong is said on the page again, never as a 500."""
    if step not in STEPS:
        raise NotFoundException
    _, take = STEPS[step]
    version = version_field(data.version)

    def again(status_code: int, **problems: Any) -> Awaitable[Template]:
        return _referral_page(db, scheme, actor, referral_id, step=step, form=data, status_code=status_code, **problems)

    refused = await attempt(db, lambda: take(db, actor, referral_id, version, data))
    if isinstance(refused, NamesToConfirm):
        return await again(200, names=refused.names)
    if isinstance(refused, FormErrors):
        return await again(400, errors=dict(refused.problems))
    if isinstance(refused, referrals.InvalidReferral):
        return await again(400, errors={f"{step}-{field}": message for field, message in refused.problems})
    if isinstance(refused, Refused):
        # A stale form, or a step the referral's state no longer allows.
        return await again(409, problem=refused.message)
    return see_other(request, referral_page, {"done": step}, referral_id=referral_id)


async def _referral_page(
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    referral_id: uuid.UUID,
    *,
    done: str | None = None,
    step: str | None = None,
    form: StepForm | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    names: NameWarnings | None = None,
    status_code: int = 200,
) -> Template:
    # Every time the page shows the referral, the reading is audited, this one included in the count of
    # reads; a referral that is not found rolls the record back with the 404.
    referrals.record_view(db, actor, referral_id)
    view = await coordination.referral_for_coordinator(db, actor, referral_id)
    offers_view = await offer_queries.offers_view(db, view.referral, view.offer)
    return Template(
        "coordinator/referral.html.j2",
        context={
            "scheme": scheme,
            "view": view,
            "referral": view.referral,
            "checks": words.criteria_check(view.answers, view.criteria, scheme.area_term),
            "risk": view.criteria.risk_type(view.referral.risk_type),
            "steps": steps_for(view.referral.state),
            "refusal_reasons": offers.REFUSAL_REASONS,
            "offers_view": offers_view,
            "viewing_outcomes": viewings.OUTCOMES,
            "done": words.DONE.get(done or ""),
            "step": step,
            "form": form or StepForm(),
            "errors": errors or {},
            "problem": problem,
            "names": names,
            "stages": words.STAGES,
            "stage_by_state": words.STAGE_BY_STATE,
            "today": dates.today(),
            "partners": await matching.who_could_house(db, view.referral) if view.referral.state in ACTIVE else [],
        },
        status_code=status_code,
    )


# The next batch.


@get("/coordinator/batch", opt=COORDINATOR)
async def batch_page(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    released: FromQuery[int | None] = None,
    done: FromQuery[str | None] = None,
) -> Template:
    return await _batch_page(db, scheme, released=released, done=BATCH_DONE.get(done or ""))


@post("/coordinator/batch", opt=COORDINATOR, status_code=200)
async def release_batch(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """Circulate every approved referral to the partners covering its safe areas."""
    released = await referrals.circulate_batch(db, actor)
    if not released:
        return await _batch_page(db, scheme, problem="There are no approved referrals to release", status_code=400)
    return see_other(request, batch_page, {"released": len(released)})


BATCH_DONE = {
    "hold-back": "Held back: the referral stays out of every batch until you put it back",
    "put-back": "Put back: the referral goes in the next batch",
}


class HoldBackForm(msgspec.Struct):
    version: str = ""


@post("/coordinator/batch/{referral_id:uuid}/{step:str}", opt=COORDINATOR, status_code=200)
async def hold_back(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    step: FromPath[str],
    data: URLEncodedBody[HoldBackForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """Keep one approved referral out of batches (`hold-back`), or put it back in the next (`put-back`)."""
    if step not in BATCH_DONE:
        raise NotFoundException
    held, version = step == "hold-back", version_field(data.version)
    refused = await attempt(db, lambda: batches.hold_back(db, actor, referral_id, held=held, version=version))
    if isinstance(refused, Refused):
        return await _batch_page(db, scheme, problem=refused.message, status_code=409)
    return see_other(request, batch_page, {"done": step})


async def _batch_page(
    db: AsyncSession,
    scheme: Scheme,
    *,
    released: int | None = None,
    done: str | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "coordinator/batch.html.j2",
        context={
            "scheme": scheme,
            "batch": await coordination.next_batch(db, scheme.id),
            "risk_labels": await coordination.risk_labels(db, scheme.id),
            "released": released,
            "done": done,
            "problem": problem,
            "stages": words.STAGES,
            "stage_by_state": words.STAGE_BY_STATE,
        },
        status_code=status_code,
    )


HANDLERS = [coordinator_home, referral_page, referral_step, batch_page, release_batch, hold_back]
