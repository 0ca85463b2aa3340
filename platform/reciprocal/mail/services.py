"""Sending email: SMTP when configured, the console in demo mode; sent once the transaction commits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Protocol, runtime_checkable

import aiosmtplib
import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from reciprocal.settings import Settings, SettingsError

log = structlog.get_logger(__name__)

SMTP_TIMEOUT_S = 10
_OUTBOX = "reciprocal.outbox"
"""Key in a session's `info`: the messages waiting for its transaction to commit."""
_sending: set[asyncio.Task[None]] = set()
"""Sends in flight; held here so they are not garbage-collected half way, and so they can be awaited."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


# NOTE: runtime-checkable because Litestar checks a handler's dependencies against their annotations.
@runtime_checkable
class Mailer(Protocol):
    async def send(self, message: Message) -> None: ...


class SmtpMailer:
    """Sends through the configured SMTP server."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self.settings = settings
        domain = parseaddr(settings.mail_from)[1].rpartition("@")[2]
        self.msgid_domain = domain or "reciprocal.invalid"

    async def send(self, message: Message) -> None:
        email = EmailMessage()
        email["From"] = self.settings.mail_from
        email["To"] = message.to
        email["Subject"] = message.subject
        # Mail without these is more likely to be marked as spam, and aiosmtplib adds neither.
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = make_msgid(domain=self.msgid_domain)
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.body)
        await aiosmtplib.send(
            email,
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            start_tls=self.settings.smtp_starttls,
            timeout=SMTP_TIMEOUT_S,
        )
        log.info("mail.sent", subject=message.subject)


class ConsoleMailer:
    """Demo only: prints each message to the console so a newcomer can follow a sign-in link."""

    async def send(self, message: Message) -> None:
        print(f"\n--- email to {message.to}: {message.subject}\n{message.body}\n---\n", flush=True)


def mail_is_printed(settings: Settings) -> bool:
    """The demo without a mail server: messages are printed in its terminal (ConsoleMailer), never sent."""
    return settings.demo and not settings.smtp_host


def mailer_from_settings(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    if mail_is_printed(settings):
        return ConsoleMailer()
    raise SettingsError("SMTP_HOST must be set: sign-in links are sent by email")


def send_on_commit(db: AsyncSession, mailer: Mailer, message: Message) -> None:
    """Send `message` once `db`'s transaction commits, in the background; never if it rolls back.

    In the background so the request neither waits for the mail server (a slow one would hold a
    pooled connection and tell, by the time taken, which addresses get mail) nor fails with it.
    After the commit so that what the message refers to (a sign-in link) exists when it arrives.
    """
    session = db.sync_session
    if _OUTBOX not in session.info:
        session.info[_OUTBOX] = []
        event.listen(session, "after_commit", _release)
        event.listen(session, "after_rollback", _discard)
    session.info[_OUTBOX].append((mailer, message))


async def wait_for_sending() -> None:
    """Until every message handed over so far has been sent or has failed (tests, shutdown).

    Polls rather than awaiting the tasks: they may run on another thread's event loop (a test
    client runs the app in its own).
    """
    while _sending:  # noqa: ASYNC110 (an asyncio.Event belongs to one loop)
        await asyncio.sleep(0.005)


def _release(session: Session) -> None:
    outbox: list[tuple[Mailer, Message]] = session.info[_OUTBOX]
    session.info[_OUTBOX] = []
    for mailer, message in outbox:
        task = asyncio.get_running_loop().create_task(_send(mailer, message))
        _sending.add(task)
        task.add_done_callback(_sending.discard)


def _discard(session: Session, *_: Any) -> None:
    session.info[_OUTBOX] = []


async def _send(mailer: Mailer, message: Message) -> None:
    try:
        await mailer.send(message)
    except Exception as error:
        # NOTE: the type only: SMTP errors quote the server's reply, which may echo the recipient.
        log.error("mail.failed", subject=message.subject, error=type(error).__name__)
