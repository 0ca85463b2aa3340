"""Sending one outbox message: rendered from its kind and ids, sent once, retried with backoff, never lost.

The message's row is locked while it is sent, so two workers given the same job send it once; a message that
is not queued (sent already, or failed for good) is left alone. A send that fails is tried again later, each
wait longer than the last; after the last attempt the message is `failed`, and the scheme admin sees it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import User, UserStatus
from reciprocal.jobs import services as jobs
from reciprocal.kernel import clock
from reciprocal.mail.services import Mailer, Message
from reciprocal.notifications.messages import STATEMENT, email, statement_email
from reciprocal.notifications.models import MessageState, OutboxMessage
from reciprocal.tenancy.models import Scheme

log = structlog.get_logger(__name__)

ATTEMPTS = 6
"""Tries before a message is given up as failed: over about 2 hours, with BACKOFF."""
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1))
"""The wait after the first, second, ... failed attempt."""


def rendered(message: OutboxMessage, scheme: Scheme, base_url: str) -> tuple[str, str]:
    """(subject, body) of a message, its links under the service's public address."""
    if message.kind == STATEMENT:
        mail = statement_email(scheme.name, message.params, f"{base_url}/s/{scheme.slug}{message.params['path']}")
        return mail.subject, mail.body
    items = [(item["reference"], f"{base_url}/s/{scheme.slug}{item['path']}") for item in message.params["items"]]
    mail = email(message.kind, scheme.name, items)
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
    subject, body = rendered(message, scheme, base_url)
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
