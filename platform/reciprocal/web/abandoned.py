"""A request whose client has gone away stops: its handler is cancelled and its connection goes back to the pool.

NOTE: uvicorn never cancels a request's task when its client disconnects; it only tells the app, through the
next `receive()`, which a handler that has read its body never calls. So an abandoned page ran to the end,
holding a pooled connection while it waited on the database: at 80 concurrent requests, 32 got 503 from the
pool, most for clients long gone. Here the request's body is read as the app asks for it; once it is all read,
one listener waits for what can only come next, `http.disconnect`, and if that comes before the response is
complete, the app's task is cancelled. A query cancelled mid-flight is cancelled on the server too (asyncpg
sends PostgreSQL a cancel request), the transaction rolls back, and SQLAlchemy throws away a connection that
was cut off inside an operation rather than hand it to the next request: tests/web/test_abandoned_requests.py
abandons requests at random moments and checks that every answer after them is its own scheme's.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class CancelAbandoned:
    """Outermost wrapper: runs each HTTP request in a task of its own, cancelled if its client disconnects."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        read = asyncio.Event()  # the whole body has been received: only a disconnect can come next
        answered = False
        early: list[ReceiveMessage] = []

        if scope["method"] in _NO_BODY:
            # The app may never ask for an empty body; read it now (to its last message), so the listener
            # can start at once.
            while True:
                message = await receive()
                early.append(message)
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
            read.set()

        async def listen() -> ReceiveMessage:
            await read.wait()
            return await receive()

        listener = asyncio.ensure_future(listen())

        async def app_receive() -> ReceiveMessage:
            if early:
                return early.pop(0)
            if read.is_set():
                return await asyncio.shield(listener)
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                read.set()
            return message

        async def app_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True
            await send(message)

        handler = asyncio.ensure_future(self.app(scope, app_receive, app_send))
        try:
            await asyncio.wait({handler, listener}, return_when=asyncio.FIRST_COMPLETED)
            if not handler.done() and not answered and _hung_up(listener):  # its log line says 499
                handler.cancel()
            await asyncio.wait({handler})
        except asyncio.CancelledError:  # the server itself is stopping this request
            handler.cancel()
            await asyncio.wait({handler})
            raise
        finally:
            listener.cancel()
        if not handler.cancelled():
            handler.result()  # the app's own error, for the server to answer as it does


def _hung_up(listener: asyncio.Future[ReceiveMessage]) -> bool:
    """Whether what came after the body was the client going away."""
    return (
        listener.done()
        and not listener.cancelled()
        and listener.exception() is None
        and (listener.result()["type"] == "http.disconnect")
    )
