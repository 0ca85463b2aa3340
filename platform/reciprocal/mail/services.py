"""Sending email: SMTP when configured, the console in demo mode."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
import structlog

from reciprocal.settings import Settings, SettingsError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    async def send(self, message: Message) -> None: ...


class SmtpMailer:
    """Sends through the configured SMTP server."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self.settings = settings

    async def send(self, message: Message) -> None:
        email = EmailMessage()
        email["From"] = self.settings.mail_from
        email["To"] = message.to
        email["Subject"] = message.subject
        email.set_content(message.body)
        await aiosmtplib.send(
            email,
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            start_tls=self.settings.smtp_starttls,
            timeout=10,
        )
        log.info("mail.sent", subject=message.subject)


class ConsoleMailer:
    """Demo only: prints each message to the console so a newcomer can follow a sign-in link."""

    async def send(self, message: Message) -> None:
        print(f"\n--- email to {message.to}: {message.subject}\n{message.body}\n---\n", flush=True)


def mailer_from_settings(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    if settings.demo:
        return ConsoleMailer()
    raise SettingsError("SMTP_HOST must be set: sign-in links are sent by email")
