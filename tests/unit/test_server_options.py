"""X-Forwarded-For is believed from the configured proxies alone: by default, from no one."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from litestar.types import Receive, Scope, Send

from reciprocal.cli import server_options
from reciprocal.settings import Settings, SettingsError
from support import make_settings


async def where_from(scope: Scope, receive: Receive, send: Send) -> None:
    """The address the server says a request came from: what sign-in throttling counts failures against."""
    if scope["type"] != "http":
        return
    body = json.dumps({"client": scope["client"][0] if scope["client"] else None}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def serve(settings: Settings) -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    options = {k: v for k, v in server_options(settings).items() if k not in ("host", "port")}
    server = uvicorn.Server(uvicorn.Config(where_from, lifespan="off", **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        threading.Event().wait(0.02)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def untrusting() -> Iterator[str]:
    yield from serve(make_settings())


@pytest.fixture
def behind_loopback_proxy() -> Iterator[str]:
    yield from serve(make_settings(trusted_proxies=("127.0.0.1",)))


def test_with_no_trusted_proxy_a_forwarded_address_is_ignored(untrusting: str) -> None:
    # Loopback is the peer here: uvicorn's own default would believe it.
    answer = httpx.get(untrusting, headers={"x-forwarded-for": "203.0.113.9"}).json()
    assert answer["client"] == "127.0.0.1"


def test_a_configured_proxy_is_believed(behind_loopback_proxy: str) -> None:
    answer = httpx.get(behind_loopback_proxy, headers={"x-forwarded-for": "203.0.113.9"}).json()
    assert answer["client"] == "203.0.113.9"


@pytest.mark.parametrize("value", ["proxy.example", "10.0.0.300", "10.0.0.0/40"])
def test_a_trusted_proxy_must_be_an_address_or_network(value: str) -> None:
    with pytest.raises(SettingsError, match="RECIPROCAL_TRUSTED_PROXIES"):
        make_settings(trusted_proxies=(value,))


def test_trusted_proxies_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPROCAL_TRUSTED_PROXIES", " 10.0.0.5, 10.1.0.0/16 ,")
    assert Settings.from_env(demo=True).trusted_proxies == ("10.0.0.5", "10.1.0.0/16")
