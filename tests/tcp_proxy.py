"""A TCP proxy in front of PostgreSQL that a test can cut and restore: the database going away."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.engine import URL


class TcpProxy:
    """Listens on a loopback port and forwards to the server of `target` (TCP or Unix socket).

    It runs its own event loop in a thread: the test client may block the test's loop while the
    application waits on the database, and the proxy must keep serving then.
    """

    def __init__(self, target: URL) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._starting = False
        self._quiet = False
        self._streams: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def start(self) -> None:
        self._run(self._listen())

    def cut(self) -> None:
        """Refuse new connections and drop every open one, as a crashed server would."""
        self._run(self._cut())

    def restore(self) -> None:
        self._run(self._listen())

    def freeze(self) -> None:
        """Go quiet, as a frozen server or a dead network does: connections are accepted and nothing passes
        either way, on them or on those already open; nothing is closed either."""
        self._quiet = True

    def starting(self, starting: bool = True) -> None:
        """Answer new connections as PostgreSQL does while it starts up: a FATAL 57P03, then close."""
        self._starting = starting

    def stop(self) -> None:
        self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _shutdown(self) -> None:
        await self._cut()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def url(self) -> URL:
        query = {k: v for k, v in self.target.query.items() if k != "host"}
        return self.target.set(host="127.0.0.1", port=self.port, query=query)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        socket_dir = self.target.query.get("host")
        if isinstance(socket_dir, str) and socket_dir.startswith("/"):
            path = os.path.join(socket_dir, f".s.PGSQL.{self.target.port or 5432}")
            return await asyncio.open_unix_connection(path)
        return await asyncio.open_connection(self.target.host or "127.0.0.1", self.target.port or 5432)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._starting:
            await _refuse_as_starting(reader, writer)
            return
        if self._quiet:
            self._streams.add(writer)
            await asyncio.Event().wait()  # until the proxy stops and cancels it
        up_reader, up_writer = await self._open_upstream()
        self._streams.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                while data := await src.read(65536):
                    if self._quiet:
                        await asyncio.Event().wait()
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._streams.difference_update({writer, up_writer})

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for stream in list(self._streams):
            stream.transport.abort()
        self._streams.clear()
        await asyncio.sleep(0)  # let the aborted transports close their sockets


SSL_REQUEST = 80877103
"""The code of a client's request for TLS, sent before its startup message."""


async def _refuse_as_starting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """PostgreSQL's own answer while it starts: decline TLS, read the startup message, send the error."""
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        length = int.from_bytes(await reader.readexactly(4), "big")
        body = await reader.readexactly(length - 4)
        if int.from_bytes(body[:4], "big") == SSL_REQUEST:
            writer.write(b"N")
            await writer.drain()
            length = int.from_bytes(await reader.readexactly(4), "big")
            await reader.readexactly(length - 4)
        fields = (
            b"".join(
                kind + value + b"\0"
                for kind, value in (
                    (b"S", b"FATAL"),
                    (b"V", b"FATAL"),
                    (b"C", b"57P03"),
                    (b"M", b"the database system is starting up"),
                )
            )
            + b"\0"
        )
        writer.write(b"E" + (len(fields) + 4).to_bytes(4, "big") + fields)
        await writer.drain()
    writer.close()
