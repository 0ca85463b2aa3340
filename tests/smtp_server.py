"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent, for tests that follow emails."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from reciprocal.mail.services import wait_for_sending


class Inbox:
    """Every message the server accepted, parsed, in order of arrival."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0
        self._arrived = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self._arrived.set()
        return "250 Message accepted for delivery"

    async def received(self) -> list[EmailMessage]:
        """The messages so far, once every email the app has handed over has been sent (or failed)."""
        await wait_for_sending()
        return self.messages

    async def only_message_to(self, address: str) -> EmailMessage:
        messages = await self.received()
        assert [m["To"] for m in messages] == [address]
        return messages[0]

    async def message_from_afar(self, address: str, within_s: float = 10.0) -> EmailMessage:
        """The one message to `address` that another process sends: it comes when that process gets to it."""
        deadline = time.monotonic() + within_s
        while not (found := [m for m in self.messages if m["To"] == address]) and time.monotonic() < deadline:
            # NOTE: a threading event: messages arrive on the SMTP server's own thread and loop.
            self._arrived.clear()
            if not any(m["To"] == address for m in self.messages):
                await asyncio.to_thread(self._arrived.wait, max(deadline - time.monotonic(), 0))
        assert len(found) == 1, f"{len(found)} messages to {address} within {within_s} s"
        return found[0]


class _AnyPortController(Controller):
    """aiosmtpd's Controller on a port the OS picks (it checks readiness on the port it was given)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """A listening server for the duration; `inbox.port` is where it listens on 127.0.0.1."""
    # aiosmtpd logs senders and recipients at INFO: not what a test of our own logs should see.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox = Inbox()
    controller = _AnyPortController(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()
