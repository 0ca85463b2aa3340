"""A referral's messages, one page per role: the threads the person is party to, the latest of each, and a form to
write in each. Whatever is wrong with a message is said by its field, and nothing is sent (referrals.messages)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.names import NameWarnings
from reciprocal.referrals import messages
from reciprocal.referrals.services import InvalidReferral, record_view
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt, names_to_confirm
from reciprocal.web.urls import referral_page, see_other

WITH = {
    Role.nominating_officer: ("With the coordinator", "With {partner} and the coordinator"),
    Role.coordinator: ("With the nominating officer", "With {partner} and the nominating officer"),
    Role.named_lead: ("", "With the coordinator and the nominating officer"),
}
"""Each thread's heading, as the person reading it is party to it."""
ROLE_WORDS = {
    Role.nominating_officer: "nominating officer",
    Role.coordinator: "coordinator",
    Role.named_lead: "named lead",
}


class MessageForm(msgspec.Struct):
    thread: str = ""
    """"officer" for the officer's thread with the coordinator, or the partner's id of a partner's thread."""
    message: str = ""
    names_confirmed: str = ""
    """Words the writer was warned may be names and kept: see web.forms.names_to_confirm."""


async def _page(
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    referral_id: uuid.UUID,
    *,
    sent: bool = False,
    form: MessageForm | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    names: NameWarnings | None = None,
    status_code: int = 200,
) -> Template:
    record_view(db, actor, referral_id)
    referral, threads = await messages.threads(db, actor, referral_id)
    none, partner = WITH[actor.role]
    back = referral_page(scheme, actor.role, referral.id)
    return Template(
        "messages/threads.html.j2",
        context={
            "scheme": scheme,
            "referral": referral,
            "threads": [
                (thread, none if thread.partner_id is None else partner.format(partner=thread.partner))
                for thread in threads
            ],
            "back": back,
            "action": f"{back}/messages",
            "role_words": ROLE_WORDS,
            "shown": messages.SHOWN,
            "limit": messages.MESSAGE_LIMIT,
            "sent": sent,
            "form": form or MessageForm(),
            "errors": errors or {},
            "problem": problem,
            "names": names,
        },
        status_code=status_code,
    )


async def _send(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    referral_id: uuid.UUID,
    data: MessageForm,
) -> Response[Any]:
    thread = messages.thread_field(data.thread)
    text = data.message.strip()
    if messages.message_problem(text) is None:
        # Words that may be someone's name: warned of, nothing sent, and kept if sent again (as other free text).
        field_id = f"message-{data.thread}"
        names = await names_to_confirm(db, actor.tenant_id, {field_id: ("", text)}, data.names_confirmed)
        if names.by_field:
            return await _page(db, scheme, actor, referral_id, form=data, names=names)
    refused = await attempt(db, lambda: messages.send(db, actor, referral_id, thread, data.message))
    if isinstance(refused, InvalidReferral):
        errors = {f"message-{data.thread}": words for _, words in refused.problems}
        return await _page(db, scheme, actor, referral_id, form=data, errors=errors, status_code=400)
    if isinstance(refused, Refused):
        return await _page(db, scheme, actor, referral_id, problem=refused.message, status_code=409)
    return see_other(request, PAGES[actor.role], {"sent": "1"}, referral_id=referral_id)


@get("/referrals/{referral_id:uuid}/messages", opt=allow(Role.nominating_officer))
async def officer_messages(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    sent: FromQuery[str | None] = None,
) -> Template:
    return await _page(db, scheme, actor, referral_id, sent=bool(sent))


@post("/referrals/{referral_id:uuid}/messages", opt=allow(Role.nominating_officer), status_code=200)
async def officer_send(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[MessageForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    return await _send(request, db, scheme, actor, referral_id, data)


@get("/coordinator/referrals/{referral_id:uuid}/messages", opt=allow(Role.coordinator))
async def coordinator_messages(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    sent: FromQuery[str | None] = None,
) -> Template:
    return await _page(db, scheme, actor, referral_id, sent=bool(sent))


@post("/coordinator/referrals/{referral_id:uuid}/messages", opt=allow(Role.coordinator), status_code=200)
async def coordinator_send(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[MessageForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    return await _send(request, db, scheme, actor, referral_id, data)


@get("/named-lead/referrals/{referral_id:uuid}/messages", opt=allow(Role.named_lead))
async def named_lead_messages(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    sent: FromQuery[str | None] = None,
) -> Template:
    return await _page(db, scheme, actor, referral_id, sent=bool(sent))


@post("/named-lead/referrals/{referral_id:uuid}/messages", opt=allow(Role.named_lead), status_code=200)
async def named_lead_send(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[MessageForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    return await _send(request, db, scheme, actor, referral_id, data)


PAGES = {
    Role.nominating_officer: officer_messages,
    Role.coordinator: coordinator_messages,
    Role.named_lead: named_lead_messages,
}

HANDLERS = [
    officer_messages,
    officer_send,
    coordinator_messages,
    coordinator_send,
    named_lead_messages,
    named_lead_send,
]
