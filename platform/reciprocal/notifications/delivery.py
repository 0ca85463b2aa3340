"""Sending one outbox message: rendered from its kind and ids, sent once, retried with backoff, never lost.

The message's row is locked while it is sent, so two workers given the same job send it once; a message that
is not queued (sent already, or failed for good) is left alone. A send that fails is tried again later, each
wait longer than the last; after the last attempt the message is `failed`, and the scheme admin sees it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import User, UserStatus
from reciprocal.jobs import services as jobs
from reciprocal.kernel import clock
from reciprocal.kernel.dates import UK_TIME
from reciprocal.mail.services import Mailer, Message
from reciprocal.notifications import templates
from reciprocal.notifications.messages import DAILY, STATEMENT, Email, daily_summary, statement_email
from reciprocal.notifications.models import MessageState, OutboxMessage
from reciprocal.tenancy.models import Scheme

log = structlog.get_logger(__name__)

ATTEMPTS = 6
"""Tries before a message is given up as failed: over about 2 hours, with BACKOFF."""
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1))
"""The wait after the first, second, ... failed attempt."""


async def post(
    db: AsyncSession,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: str,
    items: list[dict[str, str | None]],
    *,
    key: str,
) -> uuid.UUID | None:
    """Put one message in the outbox, to be sent once this transaction commits: its id, or None if the message
    `key` names was made already (a job run twice)."""
    made = await post_many(db, tenant_id, [Outgoing(key, user_id, kind, {"items": items})])
    return made[0] if made else None


@dataclass(frozen=True)
class Outgoing:
    """One message to put in the outbox: `key` makes it once however often it is asked for."""

    key: str
    user_id: uuid.UUID
    kind: str
    params: dict[str, Any]


OUTBOX = cast(Table, OutboxMessage.__table__)


async def post_many(db: AsyncSession, tenant_id: uuid.UUID, messages: list[Outgoing]) -> list[uuid.UUID]:
    """Put messages in the outbox in one statement, each sent once this transaction commits: the ids of those
    made now (RETURNING names none that an earlier run made)."""
    if not messages:
        return []
    rows = [
        {"tenant_id": tenant_id, "id": uuid.uuid4(), "key": m.key, "user_id": m.user_id, "kind": m.kind}
        | {"params": m.params}
        for m in messages
    ]
    made = list(
        await db.scalars(
            insert(OUTBOX).on_conflict_do_nothing(index_elements=["tenant_id", "key"]).returning(OUTBOX.c.id), rows
        )
    )
    for message_id in made:
        jobs.enqueue(db, jobs.DELIVER, {"scheme": tenant_id, "message": message_id})
    return made


async def invitation(db: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, *, new: bool) -> None:
    """Tell a person they were given access (`new`: once ever) or another role (each time), and how to sign in."""
    kind, key = ("invited", f"invited:{user_id}") if new else ("role_added", f"role_added:{uuid.uuid4()}")
    await post(db, tenant_id, user_id, kind, [{"reference": None, "path": "/sign-in"}], key=key)


SUMMARY_AT = time(7, 0)
"""When, UK time, each day's summary is sent."""


def next_summary(now: datetime) -> datetime:
    """The first summary time after `now`."""
    local = now.astimezone(UK_TIME)
    at = datetime.combine(local.date(), SUMMARY_AT, tzinfo=UK_TIME)
    return at if at > local else datetime.combine(local.date() + timedelta(days=1), SUMMARY_AT, tzinfo=UK_TIME)


async def post_to_summary(
    db: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, items: list[dict[str, str | None]]
) -> None:
    """Add `items` (each naming its kind) to the person's next daily summary, made when first needed."""
    now = clock.now()
    at = next_summary(now)
    new = insert(OutboxMessage).values(
        tenant_id=tenant_id,
        id=uuid.uuid4(),
        key=f"daily:{at.date().isoformat()}:{user_id}",
        user_id=user_id,
        kind=DAILY,
        params={"items": items},
        next_attempt_at=at,
    )
    # NOTE: only to a summary still queued: one being sent holds its row locked, and is then `sent`; what
    # comes in that moment is still in What's new.
    message_id = await db.scalar(
        new.on_conflict_do_update(
            index_elements=["tenant_id", "key"],
            set_={
                "params": func.jsonb_build_object(
                    "items", OutboxMessage.params["items"].op("||")(new.excluded.params["items"])
                )
            },
            where=OutboxMessage.state == MessageState.queued,
        ).returning(OutboxMessage.id)
    )
    if message_id is not None:
        jobs.enqueue(db, jobs.DELIVER, {"scheme": tenant_id, "message": message_id}, after=at - now)


def _links(message: OutboxMessage, base: str) -> list[tuple[str, str | None, str]]:
    return [
        (item.get("kind", message.kind), item["reference"], f"{base}{item['path']}") for item in message.params["items"]
    ]


def _email(message: OutboxMessage, scheme_name: str, base: str, source: templates.Source | None) -> Email:
    if message.kind == STATEMENT:
        return statement_email(scheme_name, message.params, f"{base}{message.params['path']}")
    links = _links(message, base)
    if message.kind == DAILY:
        return daily_summary(scheme_name, links)
    listed = [(reference, link) for _, reference, link in links]
    return templates.render(source or templates.default(message.kind), scheme_name, listed)


def subject(message: OutboxMessage) -> str:
    """In the service's own words (the admin's list of failed emails)."""
    return _email(message, "", "", None).subject


async def rendered(db: AsyncSession, message: OutboxMessage, scheme: Scheme, base_url: str) -> tuple[str, str]:
    """(subject, body) of a message in the scheme's own words, its links under the service's public address."""
    source = None if message.kind in (DAILY, STATEMENT) else await templates.source_for(db, scheme.id, message.kind)
    mail = _email(message, scheme.name, f"{base_url}/s/{scheme.slug}", source)
    return mail.subject, mail.body


async def deliver(
    db: AsyncSession, tenant_id: uuid.UUID, message_id: uuid.UUID, mailer: Mailer, base_url: str
) -> MessageState | None:
    """Send the message if it is queued and due: its state afterwards (None: not there, or not due yet)."""
    message = await db.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.tenant_id == tenant_id, OutboxMessage.id == message_id)
        .with_for_update(skip_locked=True)
    )
    now = clock.now()
    if message is None or message.state != MessageState.queued:
        return message.state if message else None
    if message.next_attempt_at is not None and message.next_attempt_at > now:
        return None
    bound = log.bind(message=str(message.id), scheme=str(tenant_id), kind=message.kind)
    user = await db.get(User, (tenant_id, message.user_id))
    scheme = await db.get(Scheme, tenant_id)
    assert scheme is not None
    message.attempts += 1
    if user is None or user.status == UserStatus.suspended:
        message.state, message.last_error = MessageState.failed, "RecipientSuspended"
        bound.warning("mail.not_sent", reason="recipient suspended")
        return message.state
    subject, body = await rendered(db, message, scheme, base_url)
    try:
        await mailer.send(Message(to=user.email, subject=subject, body=body))
    except Exception as error:
        # NOTE: the type only: SMTP errors quote the server's reply, which may echo the recipient.
        message.last_error = type(error).__name__[:80]
        if message.attempts >= ATTEMPTS:
            message.state = MessageState.failed
            bound.error("mail.failed", attempts=message.attempts, error=message.last_error)
        else:
            wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
            message.next_attempt_at = now + wait
            jobs.enqueue(db, jobs.DELIVER, {"scheme": tenant_id, "message": message.id}, after=wait)
            bound.warning("mail.retrying", attempts=message.attempts, error=message.last_error, wait_s=wait.seconds)
        return message.state
    message.state, message.sent_at, message.last_error = MessageState.sent, now, None
    bound.info("mail.sent", attempts=message.attempts)
    return message.state


async def due(db: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """Queued messages whose time has come: the sweep sends them again, should their job have been lost."""
    return list(
        await db.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.tenant_id == tenant_id,
                OutboxMessage.state == MessageState.queued,
                (OutboxMessage.next_attempt_at.is_(None) & (OutboxMessage.created_at < now - timedelta(minutes=1)))
                | (OutboxMessage.next_attempt_at < now - timedelta(minutes=1)),
            )
        )
    )


@dataclass(frozen=True)
class Undelivered:
    """A message every attempt of which failed: for the scheme admin, who can correct the address and retry."""

    id: uuid.UUID
    to: str
    subject: str
    attempts: int
    error: str | None
    since: datetime


async def undelivered(db: AsyncSession, tenant_id: uuid.UUID, *, limit: int = 20) -> list[Undelivered]:
    """The newest failed messages (the admin's home lists these; retention clears old ones)."""
    rows = await db.execute(
        select(OutboxMessage, User.email)
        .join(User, (User.tenant_id == OutboxMessage.tenant_id) & (User.id == OutboxMessage.user_id))
        .where(OutboxMessage.tenant_id == tenant_id, OutboxMessage.state == MessageState.failed)
        .order_by(OutboxMessage.created_at.desc())
        .limit(limit)
    )
    return [
        Undelivered(message.id, to, subject(message), message.attempts, message.last_error, message.created_at)
        for message, to in rows
    ]


async def retry(db: AsyncSession, tenant_id: uuid.UUID, message_id: uuid.UUID) -> bool:
    """Queue a failed message again, as new: False if it is not a failed message of this scheme."""
    message = await db.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.tenant_id == tenant_id, OutboxMessage.id == message_id)
        .with_for_update()
    )
    if message is None or message.state != MessageState.failed:
        return False
    message.state, message.attempts, message.next_attempt_at = MessageState.queued, 0, None
    jobs.enqueue(db, jobs.DELIVER, {"scheme": tenant_id, "message": message.id})
    log.info("mail.retry_asked", message=str(message.id), scheme=str(tenant_id))
    return True
