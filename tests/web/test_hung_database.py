"""A database server that goes quiet (frozen, or its network gone) rather than down: it ends nothing by itself,
so the service must. A page stuck on it becomes the fast 503 page, and with a second server named in the
address (a standby promoted) new connections go there within the connect timeout, without waiting on the
quiet one for ever. The app runs in a server of its own, so a page that hangs fails the test, not the run."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.engine import URL

from reciprocal.app import create_app
from reciprocal.settings import Settings
from support import DatabaseUnderTest, make_settings, visible_text
from tcp_proxy import TcpProxy

PAGE = "/s/pan-london/"
HTML = {"accept": "text/html"}


@pytest.fixture
def servers(database: DatabaseUnderTest) -> Iterator[tuple[TcpProxy, TcpProxy]]:
    """Two ways to the test's database, standing for a primary and its standby."""
    first, second = TcpProxy(database.app), TcpProxy(database.app)
    first.start()
    second.start()
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture
def settings(live_url: str) -> Settings:
    return make_settings(connect_timeout_s=1, statement_timeout_ms=1000, base_url=live_url)


@pytest.fixture
def app(servers: tuple[TcpProxy, TcpProxy], settings: Settings) -> Litestar:
    """The app given both servers in order, as for a primary and its standby (overrides the suite's `app`)."""
    first, second = servers
    hosts = (f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}")
    url: URL = first.url.set(host=None, port=None, query={"host": hosts, "target_session_attrs": "read-write"})
    return create_app(settings, database_url=url)


def timed_get(live_server: str, path: str, **headers: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(f"{live_server}{path}", headers=headers, timeout=20)
    return response, time.monotonic() - started


def test_a_page_stuck_on_a_quiet_server_is_the_503_page_and_the_next_goes_to_the_other(
    live_server: str, servers: tuple[TcpProxy, TcpProxy]
) -> None:
    first, _ = servers
    assert timed_get(live_server, PAGE)[0].status_code == 200  # on the first server

    first.freeze()
    stuck, waited = timed_get(live_server, PAGE, **HTML)
    assert stuck.status_code == 503
    assert "Sorry, the service is unavailable" in visible_text(stuck.text)
    # The statement's own timeout (1 s) and the connect timeout (1 s), then giving the connection up.
    assert waited < 8, f"the page waited {waited:.1f} s on a server that never answers"

    back, waited = timed_get(live_server, PAGE)
    assert back.status_code == 200
    assert waited < 5, "a new connection waited past the quiet server's timeout"


@pytest.fixture
def quiet_first(servers: tuple[TcpProxy, TcpProxy]) -> None:
    servers[0].freeze()


def test_new_connections_pass_a_quiet_first_server_within_its_connect_timeout(
    quiet_first: None, live_server: str
) -> None:
    page, waited = timed_get(live_server, PAGE)
    assert page.status_code == 200
    assert waited < 4, f"the first page waited {waited:.1f} s"
    assert timed_get(live_server, "/readyz")[0].status_code == 200
