"""The nominating officer's pages: their referrals, and the referral journey."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import Role
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import version_field
from reciprocal.notifications.whats_new import whats_new
from reciprocal.portals.officer import lists, questions
from reciprocal.portals.officer import offers as offer_pages
from reciprocal.portals.officer import presenters as show
from reciprocal.portals.officer.forms import PathwayForm, RegisteredForm, VersionForm
from reciprocal.portals.officer.presenters import EDITABLE
from reciprocal.portals.officer.queries import HOME_SHOWN, agency_referrals, referrals_in_hand
from reciprocal.portals.officer.referral import OFFICER, Draft, draft_context, load_draft, referral_path
from reciprocal.referrals.drafts import deleted_draft, deletion_refused
from reciprocal.referrals.inactivity import confirm_still_needed
from reciprocal.referrals.offers import offers_for_officer
from reciprocal.referrals.pathways import record_other_pathway, register
from reciprocal.referrals.rules import Problem
from reciprocal.referrals.services import (
    STALE,
    InvalidReferral,
    StaleReferral,
    get_referral,
    start_referral,
    submit,
)
from reciprocal.referrals.workflow import ACTIVE, Action, State, allowed_actions
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import page_links


@get("/officer/", opt=OFFICER)
async def officer_home(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    deleted: FromQuery[uuid.UUID | None] = None,
) -> Template:
    """What needs the officer: the referrals they hold in hand, by what happens next (the rest, and ended ones,
    on the page of them all)."""
    in_hand = await referrals_in_hand(db, actor)
    today = dates.today()
    groups = lists.home_groups(in_hand.referrals, f"/s/{scheme.slug}/referrals", today, in_hand.standing)
    done = lists.deleted_banner(await deleted_draft(db, actor, deleted)) if deleted else None
    return Template(
        "officer/home.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "groups": groups,
            "more": in_hand.more,
            "shown": HOME_SHOWN,
            "done": done,
            "whats_new": await whats_new(db, actor),
        },
    )


@get("/officer/referrals", opt=OFFICER)
async def all_referrals(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    """Every referral the officer holds, in any state (`?state=` one), newest first, a page at a time by
    cursor (`?after=` / `?before=`). A state that is not one shows them all."""
    # NOTE: read from the query itself: `state` is a name Litestar keeps for its own handler parameter.
    query = request.query_params
    asked = query.get("state") or ""
    chosen = State(asked) if asked in {s.value for s in State} else None
    page = await agency_referrals(db, actor, state=chosen, after=query.get("after"), before=query.get("before"))
    base = f"/s/{scheme.slug}/officer/referrals"
    kept = [("state", chosen.value)] if chosen else []
    return Template(
        "officer/referrals.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "rows": [lists.agency_row(r, f"/s/{scheme.slug}/referrals") for r in page.rows],
            "state": chosen.value if chosen else "",
            "state_items": lists.state_items(chosen),
            **page_links(base, kept, page),
            "base": base,
        },
    )


@post("/referrals/new", opt=OFFICER, status_code=200)
async def new_referral(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Redirect:
    referral = await start_referral(db, actor)
    return Redirect(referral_path(scheme, referral.id), status_code=303)


@get("/referrals/{referral_id:uuid}", opt=OFFICER)
async def referral_page(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    keys: NamedDependency[Keys],
    confirmed: FromQuery[bool] = False,
    done: FromQuery[str | None] = None,
) -> Template:
    """The task list while the officer can change the referral; its answers, state and offer once submitted."""
    draft = await load_draft(db, scheme, actor, referral_id)
    base = referral_path(scheme, referral_id)
    if not draft.editable:
        return await view_page(db, scheme, actor, keys, draft, confirmed=confirmed, done=done)
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
        context=draft_context(scheme, draft, groups=groups, progress=progress, ready=not problems, deletable=deletable),
    )


async def view_page(
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    keys: Keys,
    draft: Draft,
    *,
    status_code: int = 200,
    confirmed: bool = False,
    elsewhere_errors: dict[str, str] | None = None,
    **offer_forms: Any,
) -> Template:
    """A submitted referral's page: its state, its offers (several to choose from, where they stand side by side)
    and the forms the officer may send about them, its answers. `offer_forms`: what a refused offer form says
    again (offer_pages.offer_context)."""
    offers = await offers_for_officer(db, actor, keys, draft.referral)
    more = await offer_pages.offer_context(db, draft.referral, offers, **offer_forms)
    return _answers_page(
        "officer/view.html.j2",
        scheme,
        draft,
        editable=False,
        status_code=status_code,
        confirmed=confirmed,
        elsewhere_errors=elsewhere_errors,
        offers=offers,
        **more,
    )


# Check your answers, submit, and the confirmation.


def _answers_page(
    template: str,
    scheme: Scheme,
    draft: Draft,
    *,
    editable: bool,
    problems: list[Problem] | None = None,
    stale: bool = False,
    status_code: int = 200,
    confirmed: bool = False,
    elsewhere_errors: dict[str, str] | None = None,
    **extra: Any,
) -> Template:
    base = referral_path(scheme, draft.referral.id)
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
        context=draft_context(
            scheme,
            draft,
            blocks=blocks,
            errors=errors,
            base=base,
            editable=editable,
            error_list=show.summary_to_pages(problems or [], base),
            stale=STALE if stale else "",
            version=draft.referral.version,
            state_words=lists.NEXT.get(draft.referral.state, ""),
            still_needed=draft.referral.state == State.circulating,
            confirmed=confirmed,
            can_register=bool(draft.criteria.other_pathways) and draft.referral.state in ACTIVE,
            can_close_elsewhere=bool(draft.criteria.other_pathways)
            and Action.record_other_pathway in allowed_actions(draft.referral.state, Role.nominating_officer),
            elsewhere_errors=elsewhere_errors or {},
            criteria=draft.criteria,
            **extra,
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
    draft = await load_draft(db, scheme, actor, referral_id)
    if not draft.editable:
        return Redirect(referral_path(scheme, referral_id), status_code=303)
    return _answers_page("officer/check.html.j2", scheme, draft, editable=True)


@post("/referrals/{referral_id:uuid}/check", opt=OFFICER, status_code=200)
async def submit_referral(
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[VersionForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    draft = await load_draft(db, scheme, actor, referral_id, for_update=True)
    base = referral_path(scheme, referral_id)
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
        return Redirect(referral_path(scheme, referral_id), status_code=303)
    return Template(
        "officer/submitted.html.j2",
        context={
            "scheme": scheme,
            "referral": referral,
            "on_hold": referral.state == State.on_hold,
            "base": referral_path(scheme, referral_id),
        },
    )


@post("/referrals/{referral_id:uuid}/still-needed", opt=OFFICER, status_code=200)
async def still_needed(
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[VersionForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Redirect:
    """One click: the applicant still needs to move. An update, from which reminders count inactivity again."""
    done = await attempt(db, lambda: confirm_still_needed(db, actor, referral_id, version=version_field(data.version)))
    base = referral_path(scheme, referral_id)
    return Redirect(base if isinstance(done, Refused) else f"{base}?confirmed=true", status_code=303)


@post("/referrals/{referral_id:uuid}/moved-elsewhere", opt=OFFICER, status_code=200)
async def moved_elsewhere(
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[PathwayForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    keys: NamedDependency[Keys],
) -> Response[Any]:
    """The applicant was housed through another pathway the criteria name: the referral ends, nothing in the
    ledger. A missing choice, a stale form or a state that no longer allows it is said on the page again."""
    version = version_field(data.version)
    done = await attempt(
        db, lambda: record_other_pathway(db, actor, referral_id, pathway=data.pathway, version=version)
    )
    base = referral_path(scheme, referral_id)
    if isinstance(done, InvalidReferral):
        draft = await load_draft(db, scheme, actor, referral_id)
        errors = {"moved-elsewhere-pathway": "Select the pathway the applicant moved through"}
        return await view_page(db, scheme, actor, keys, draft, elsewhere_errors=errors, status_code=400)
    return Redirect(base, status_code=303)


@post("/referrals/{referral_id:uuid}/registered", opt=OFFICER, status_code=200)
async def registered(
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[RegisteredForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Redirect:
    """What other pathways the applicant is registered with, changed at any time while the referral is live. A
    stale form or an ended referral changes nothing (the page then shows what is recorded)."""
    version = version_field(data.version)
    await attempt(db, lambda: register(db, actor, referral_id, pathways=data.values(), version=version))
    return Redirect(referral_path(scheme, referral_id), status_code=303)


HANDLERS = [
    officer_home,
    all_referrals,
    new_referral,
    referral_page,
    *questions.HANDLERS,
    check_page,
    submit_referral,
    submitted_page,
    still_needed,
    moved_elsewhere,
    registered,
]
