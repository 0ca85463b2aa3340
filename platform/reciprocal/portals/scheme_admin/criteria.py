"""The scheme admin's pages to review, edit, preview and publish the scheme's criteria."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.presenters import rules_table
from reciprocal.criteria.schemas import REFUSAL_REASON_WORDS, diff
from reciprocal.criteria.services import (
    PublishedCriteria,
    StaleVersion,
    area_count,
    current_criteria,
    publish_edit,
    versions,
)
from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.portals.scheme_admin.criteria_form import CriteriaForm, FormData, Invalid, read_criteria
from reciprocal.tenancy.models import Scheme
from reciprocal.web.urls import see_other

ADMIN = allow(Role.scheme_admin)

DONE = {"published", "unchanged"}
"""Outcomes the versions page may announce after a redirect: the query names one, never free text."""


async def _current(db: AsyncSession, scheme: Scheme) -> PublishedCriteria:
    published = await current_criteria(db, scheme.id)
    if published is None:
        raise NotFoundException
    return published


@get("/admin/criteria", opt=ADMIN)
async def versions_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], done: FromQuery[str | None] = None
) -> Template:
    published = await _current(db, scheme)
    return Template(
        "scheme_admin/criteria.html.j2",
        context={
            "scheme": scheme,
            "published": published,
            "table": rules_table(published.criteria, scheme.area_term),
            "versions": await versions(db, scheme.id, scheme.area_term),
            "done": done if done in DONE else None,
        },
    )


@get("/admin/criteria/edit", opt=ADMIN)
async def edit_page(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    published = await _current(db, scheme)
    form = CriteriaForm.of(published.criteria, published.version)
    return _edit_form(scheme, published, form, areas=await area_count(db, scheme.id))


@post("/admin/criteria/edit", opt=ADMIN, status_code=200)
async def preview_changes(
    data: URLEncodedBody[FormData], db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]
) -> Template:
    """The form again, with what would change from the current version and a button to publish it."""
    published = await _current(db, scheme)
    form = CriteriaForm.posted(data)
    areas = await area_count(db, scheme.id)
    if form.base_version != published.version:
        return await _stale(db, scheme, form, areas)
    try:
        edited = read_criteria(form, published.criteria, areas=areas, area_term=scheme.area_term)
    except Invalid as invalid:
        return _edit_form(scheme, published, form, areas=areas, errors=invalid.errors, status_code=400)
    changes = diff(published.criteria, edited, scheme.area_term)
    return _edit_form(scheme, published, form, areas=areas, changes=changes)


@post("/admin/criteria/publish", opt=ADMIN, status_code=200)
async def publish(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[FormData],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """Publish the previewed values as the next version: nothing when they change nothing, or are stale."""
    published = await _current(db, scheme)
    form = CriteriaForm.posted(data)
    areas = await area_count(db, scheme.id)
    if form.base_version != published.version:
        return await _stale(db, scheme, form, areas)
    try:
        edited = read_criteria(form, published.criteria, areas=areas, area_term=scheme.area_term)
        version = await publish_edit(db, actor, edited, base_version=published.version)
    except Invalid as invalid:
        return _edit_form(scheme, published, form, areas=areas, errors=invalid.errors, status_code=400)
    except StaleVersion:
        return await _stale(db, scheme, form, areas)
    done = "unchanged" if version is None else "published"
    return see_other(request, versions_page, {"done": done})


async def _stale(db: AsyncSession, scheme: Scheme, form: CriteriaForm, areas: int) -> Template:
    """Someone published since this edit began: show the edit against their version, and publish nothing."""
    published = await _current(db, scheme)
    # A type of risk the edit did not know about keeps its current values.
    fields = {**CriteriaForm.of(published.criteria, published.version).fields, **form.fields}
    form = CriteriaForm(fields, form.allowed_reasons, published.version)
    errors = {
        "base_version": (
            f"Version {published.version} was published while you were editing, so nothing was published. "
            f"Check what your changes would change from version {published.version} before you publish."
        )
    }
    try:
        edited = read_criteria(form, published.criteria, areas=areas, area_term=scheme.area_term)
    except Invalid as invalid:
        errors.update(invalid.errors)
        return _edit_form(scheme, published, form, areas=areas, errors=errors, status_code=409)
    changes = diff(published.criteria, edited, scheme.area_term)
    return _edit_form(scheme, published, form, areas=areas, errors=errors, changes=changes, status_code=409)


def _edit_form(
    scheme: Scheme,
    published: PublishedCriteria,
    form: CriteriaForm,
    *,
    areas: int,
    errors: dict[str, str] | None = None,
    changes: list[str] | None = None,
    status_code: int = 200,
) -> Template:
    """The edit page; with `changes` (a preview) it also lists them above a button to publish them."""
    return Template(
        "scheme_admin/criteria_edit.html.j2",
        context={
            "scheme": scheme,
            "published": published,
            "risk_types": published.criteria.risk_types,
            "form": form,
            "errors": errors or {},
            "changes": changes,
            "areas": areas,
            "reason_words": REFUSAL_REASON_WORDS,
        },
        status_code=status_code,
    )


HANDLERS = [versions_page, edit_page, preview_changes, publish]
