"""What an operator relies on: request logs, security headers, and a fast 503 when the database is away."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.engine import URL

from reciprocal.app import create_app
from reciprocal.db.bootstrap import bootstrap, connect_as, role_urls
from reciprocal.db.engine import Database
from support import DatabaseUnderTest, drop_database, make_settings, visible_text
from tcp_proxy import TcpProxy


async def test_each_request_logs_one_json_line_without_the_query(
    database: DatabaseUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(log_format="json"), database_url=database.app)
    async with AsyncTestClient(app, base_url="https://127.0.0.1") as client:
        capsys.readouterr()
        response = await client.get("/s/pan-london/criteria?case=PL-secret-42")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["scheme"] == "pan-london"
    assert line["method"] == "GET"
    assert line["route"] == "/s/{scheme_slug}/criteria"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert "PL-secret-42" not in json.dumps(lines)


async def test_request_ids_differ_and_unknown_paths_are_logged(
    database: DatabaseUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(log_format="json"), database_url=database.app)
    async with AsyncTestClient(app, base_url="https://127.0.0.1") as client:
        capsys.readouterr()
        first = await client.get("/nowhere/secret-path")
        second = await client.get("/healthz")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    routes = [(line["route"], line["status"]) for line in lines if line["event"] == "request"]
    assert routes == [("unmatched", 404), ("/healthz", 200)]
    assert "secret-path" not in json.dumps(lines)


@pytest.mark.parametrize(("demo", "hsts"), [(False, True), (True, False)])
async def test_security_headers_on_pages_errors_and_static_files(
    database: DatabaseUnderTest, *, demo: bool, hsts: bool
) -> None:
    app = create_app(make_settings(demo=demo), database_url=database.app)
    async with AsyncTestClient(app, base_url="https://127.0.0.1") as client:
        for path in ("/", "/s/pan-london/", "/s/nowhere/", "/static/app.js"):
            headers = (await client.get(path)).headers
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp
            assert "unsafe-inline" not in csp
            assert "frame-ancestors 'none'" in csp
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "same-origin"
            assert headers["x-content-type-options"] == "nosniff"
            assert ("strict-transport-security" in headers) is hsts, path


async def test_pages_turn_htmx_history_cache_off(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    page = (await client.get("/")).text
    assert '"historyCacheSize":0' in page
    assert "<script>" not in page  # every script has a src: nothing inline for CSP to allow


async def test_page_queries_run_under_a_statement_timeout(db: Database) -> None:
    async with db.session() as session:
        assert await session.scalar(text("show statement_timeout")) == "2s"


async def test_database_down_is_a_fast_503_and_the_app_recovers(database: DatabaseUnderTest) -> None:
    proxy = TcpProxy(database.app)
    proxy.start()
    app = create_app(make_settings(connect_timeout_s=2), database_url=proxy.url)
    try:
        async with AsyncTestClient(app, base_url="https://127.0.0.1", timeout=30) as client:
            assert (await client.get("/s/pan-london/")).status_code == 200

            proxy.cut()
            down = await asyncio.wait_for(client.get("/s/pan-london/", headers={"accept": "text/html"}), 10)
            assert down.status_code == 503
            assert "Sorry, the service is unavailable" in visible_text(down.text)
            assert "Traceback" not in down.text
            assert down.headers["retry-after"]
            ready = await asyncio.wait_for(client.get("/readyz"), 10)
            assert ready.status_code == 503
            assert (await client.get("/healthz")).status_code == 200

            proxy.restore()
            # The pool's stale connections are found by pre-ping and replaced: no restart needed.
            back = await client.get("/s/pan-london/")
            assert back.status_code == 200
            assert (await client.get("/readyz")).status_code == 200
    finally:
        proxy.stop()


async def test_readiness_waits_for_migrations(admin_url: URL) -> None:
    owner, app_url = role_urls(admin_url, f"rc_unmigrated_{uuid.uuid4().hex[:8]}")
    await bootstrap(admin_url, owner, app_url)
    try:
        app = create_app(make_settings(), database_url=app_url)
        async with AsyncTestClient(app, base_url="https://127.0.0.1") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["migrations"] == "pending"
            assert (await client.get("/healthz")).status_code == 200
    finally:
        await drop_database(admin_url, str(owner.database))


async def test_every_line_of_a_request_under_a_scheme_names_it_and_repeats_nothing_sent(
    database: DatabaseUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(log_format="json"), database_url=database.app)
    async with AsyncTestClient(app, base_url="https://127.0.0.1") as client:
        capsys.readouterr()
        form = {"content-type": "application/x-www-form-urlencoded"}
        refusals = [
            await client.post("/s/pan-london/sign-in", content=b"email=secret-csrf%40example.org", headers=form),
            await client.post("/s/pan-london/sign-in", content=b"email=" + b"x" * 9000, headers=form),
            await client.get("/s/pan-london/criteria?q=secret-nul%00"),
            await client.get("/s/no-such-scheme/sign-in"),
            await client.get("/s/pan-london/", headers={"host": "secret-host.example"}),
        ]
        assert [r.status_code for r in refusals] == [403, 413, 400, 404, 400]
        stranger = await client.get("/s/Secret Slug/sign-in")
        assert stranger.status_code == 404
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    events = {line["event"] for line in lines}
    assert {"request.csrf_refused", "request.body_refused", "request.nul_refused", "request.host_refused"} <= events
    for line in lines:
        if line["request_id"] == stranger.headers["x-request-id"]:
            assert "scheme" not in line
            assert line["scheme_found"] is False
        elif line["request_id"] == refusals[3].headers["x-request-id"]:
            assert (line["scheme"], line["scheme_found"]) == ("no-such-scheme", False), line
        else:
            assert line["scheme"] == "pan-london", line
            assert "scheme_found" not in line
    assert len({line["request_id"] for line in lines}) == len(refusals) + 1
    assert "secret" not in json.dumps(lines).lower()


async def test_a_schema_a_newer_release_migrated_keeps_the_older_pods_ready(database: DatabaseUnderTest) -> None:
    """A rollout migrates first: the pods of the release before must keep serving until they are replaced."""
    owner = await connect_as(database.owner)
    try:
        await owner.execute("update alembic_version set version_num = '9999_from_a_newer_release'")
        app = create_app(make_settings(), database_url=database.app)
        async with AsyncTestClient(app, base_url="https://127.0.0.1") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["migrations"] == "ahead"
        # A schema the code knows but is behind its head is not ready: a migration is still to run.
        await owner.execute("update alembic_version set version_num = '0021'")
        async with AsyncTestClient(app, base_url="https://127.0.0.1") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["migrations"] == "pending"
    finally:
        await owner.close()
