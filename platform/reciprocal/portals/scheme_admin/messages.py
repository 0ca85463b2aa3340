"""The scheme admin's emails: each kind in the scheme's own words, previewed with sample data, saved as a version."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.notifications import templates
from reciprocal.notifications.messages import DIGEST_KINDS
from reciprocal.notifications.models import MessageTemplate
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import see_other

ADMIN = allow(Role.scheme_admin)


@get("/admin/messages", opt=ADMIN)
async def messages_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    versions = dict(
        (
            await db.execute(
                select(MessageTemplate.kind, func.max(MessageTemplate.version))
                .where(MessageTemplate.tenant_id == scheme.id)
                .group_by(MessageTemplate.kind)
            )
        ).all()
    )
    sample = templates.SAMPLE[:1]
    rows = [
        (kind, templates.render(templates.default(kind), scheme.name, sample).subject, versions.get(kind))
        for kind in templates.EDITABLE
    ]
    return Template("scheme_admin/messages.html.j2", context={"scheme": scheme, "actor": actor, "rows": rows})


class TemplateForm(msgspec.Struct):
    subject: str = ""
    body: str = ""
    action: str = "preview"
    """`preview` or `save`."""


def _kind(kind: str) -> str:
    if kind not in templates.EDITABLE:
        raise NotFoundException()
    return kind


async def _edit(
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    kind: str,
    source: templates.Source,
    *,
    errors: dict[str, str] | None = None,
    preview: bool = False,
    saved: bool = False,
) -> Template:
    latest = await templates.current(db, scheme.id, kind)
    shown = None
    if preview and not errors:
        shown = templates.render(
            source, scheme.name, templates.SAMPLE if kind in DIGEST_KINDS else templates.SAMPLE[:1]
        )
    return Template(
        "scheme_admin/message_edit.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "kind": kind,
            "title": templates.render(templates.default(kind), scheme.name, templates.SAMPLE[:1]).subject,
            "source": source,
            "errors": errors or {},
            "preview": shown,
            "saved": saved,
            "version": latest.version if latest else None,
            "variables": templates.VARIABLES,
        },
        status_code=400 if errors else 200,
    )


@get("/admin/messages/{kind:str}", opt=ADMIN)
async def message_page(
    kind: FromPath[str],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    saved: FromQuery[bool] = False,
) -> Template:
    source = await templates.source_for(db, scheme.id, _kind(kind))
    return await _edit(db, scheme, actor, kind, source, saved=saved)


@post("/admin/messages/{kind:str}", opt=ADMIN, status_code=200)
async def save_message(
    request: Request[Any, Any, Any],
    kind: FromPath[str],
    data: URLEncodedBody[TemplateForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """Preview the wording with sample data, or save it as the scheme's next version; a template that would not
    render is refused with its line and problem, and nothing is saved."""
    source = templates.Source(subject=data.subject, body=data.body.replace("\r\n", "\n"))
    if data.action != "save":
        problems = templates.check(_kind(kind), source, scheme.name)
        return await _edit(db, scheme, actor, kind, source, errors=dict(problems), preview=True)
    done = await attempt(db, lambda: templates.save(db, scheme.id, _kind(kind), source, scheme.name, actor.user_id))
    if isinstance(done, Refused):
        return await _edit(db, scheme, actor, kind, source, errors=dict(done.problems))
    return see_other(request, message_page, {"saved": "true"}, kind=kind)


HANDLERS = [messages_page, message_page, save_message]
