"""`make bench`: page latency at a fixed arrival rate, on a throwaway embedded PostgreSQL with the demo data.

Open loop: requests are sent on a fixed schedule whatever the server does, and each latency is measured from
its scheduled send time, so queueing (in the app, its pool, the database or this load generator) is counted
rather than hidden. `/healthz` is measured in every block as the baseline: what this machine, uvicorn and the
load generator cost before any page does any work.

    .venv/bin/python bench/run.py [--rates 50,200] [--duration 4] [--runs 3]

A block is one run at one rate: a fresh copy of the prepared database, a fresh app process, every page in
turn. Fresh, because some pages write on every GET (the audit trail records each view), so the data a page
reads grows as it is measured. Everything runs on loopback and stops by itself; the database folder under
var/bench/ is removed at the end. Results: a table on stdout, JSON in var/bench/latest.json, the app's own
warnings in var/bench/app.log.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy.engine import URL

from reciprocal.settings import REPO_ROOT, Settings

SCHEME = "pan-london"
COORDINATOR = "sam.okafor@coordination.example"
NAMED_LEAD = "priya.shah@camden.example"
SECRET_KEY = "bench-secret-key-that-is-long-enough-for-hkdf"  # noqa: S105 - a throwaway database, loopback only
TEMPLATE = "reciprocal_bench"
OUT_DIR = REPO_ROOT / "var" / "bench"
REQUEST_TIMEOUT_S = 5.0
"""A request unanswered this long after its scheduled send time is an error; also bounds every drain."""
WARM_UP = 20
"""Requests to each page, one at a time, before it is timed: also its latency alone (median of the last half)."""
SETTLED_MS = 25.0
"""After a page's load, the next page waits until /readyz (a pooled connection, one query) answers this fast
five times in a row: the app keeps working on requests its client gave up on, and that must not be counted
against the next page."""
SETTLE_LIMIT_S = 20.0


def app_settings(port: int = 8000) -> Settings:
    """Demo settings; `port` is where the app listens, so its own address is an allowed host."""
    return Settings(demo=True, port=port, secret_key=SECRET_KEY, log_level="WARNING")


# --- the app: a child process, so the app and the load generator do not share one interpreter ------------


def serve(fd: int, database_url: str) -> None:
    """Serve the app on the listening socket `fd` until stdin closes (the parent ended, however it ended)."""
    import uvicorn

    from reciprocal.app import create_app

    listener = socket.socket(fileno=fd)
    app = create_app(app_settings(listener.getsockname()[1]), database_url=database_url)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", server_header=False))

    def watch_parent() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=watch_parent, daemon=True).start()
    server.run(sockets=[listener])


class AppProcess:
    """The app in one uvicorn process on a free loopback port."""

    def __init__(self, database_url: str, log: IO[bytes]) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        fd = self.listener.fileno()
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, this file, arguments made here
            [sys.executable, __file__, "--serve-fd", str(fd), "--database-url", database_url],
            pass_fds=(fd,),
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
        )

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited with {self.process.returncode}: see var/bench/app.log")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the app was not ready within {timeout_s:.0f} s: see var/bench/app.log")

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.listener.close()


# --- the database: embedded, migrated, both schemes, the demo people and referrals, two sessions -----------


@dataclass(frozen=True)
class Prepared:
    admin_url: URL
    coordinator_token: str
    named_lead_token: str
    referral_id: uuid.UUID
    referral_events: int
    """Audit events about the referral measured (its timeline) when the database was prepared."""


async def prepare(folder: Path) -> Prepared:
    """The template every block copies: migrated and loaded as `reciprocal demo` would, and two people signed in."""
    from sqlalchemy import func, select

    from reciprocal.audit.models import AuditEvent
    from reciprocal.db.bootstrap import bootstrap, role_urls
    from reciprocal.db.embedded import start_embedded
    from reciprocal.db.engine import Database
    from reciprocal.db.migrate import migrate
    from reciprocal.identity.models import User
    from reciprocal.identity.secrets import Keys
    from reciprocal.identity.services import start_session
    from reciprocal.provisioning.demo import load_demo, provider_issuer, read_demo_file
    from reciprocal.provisioning.folders import read_scheme_folder
    from reciprocal.provisioning.load import load_scheme
    from reciprocal.referrals.models import Referral
    from reciprocal.referrals.workflow import State
    from reciprocal.tenancy.models import Scheme

    admin = start_embedded(folder / "postgres")
    owner, app = role_urls(admin, TEMPLATE)
    await bootstrap(admin, owner, app)
    await migrate(owner)
    settings = app_settings()
    keys = Keys(settings.require_secret_key())
    db = Database(app, settings)
    try:
        for tenant_folder in sorted(p for p in (REPO_ROOT / "tenants").iterdir() if (p / "scheme.toml").exists()):
            config = read_scheme_folder(tenant_folder)
            await load_scheme(db, config)
            if (demo := read_demo_file(tenant_folder, config)) is not None:
                await load_demo(db, demo, keys, issuer=provider_issuer(settings.demo_oidc_port))
        async with db.session() as session:
            tenant_id = await session.scalar(select(Scheme.id).where(Scheme.slug == SCHEME))
        assert tenant_id is not None

        async def token_for(email: str) -> str:
            async with db.tenant_session(tenant_id) as session, session.begin():
                user = await session.scalar(select(User).where(User.tenant_id == tenant_id, User.email == email))
                assert user is not None, email
                token = await start_session(session, tenant_id, user, settings, method="bench", organisation_id=None)
            assert token is not None, email
            return token

        # The coordinator's richest referral page: a referral that moved, with the longest timeline.
        async with db.tenant_session(tenant_id) as session:
            events = func.count(AuditEvent.id)
            referral_id, count = (
                await session.execute(
                    select(Referral.id, events)
                    .join(AuditEvent, AuditEvent.subject_id == Referral.id)
                    .where(Referral.state == State.moved)
                    .group_by(Referral.id)
                    .order_by(events.desc())
                    .limit(1)
                )
            ).one()
        return Prepared(
            admin_url=admin,
            coordinator_token=await token_for(COORDINATOR),
            named_lead_token=await token_for(NAMED_LEAD),
            referral_id=referral_id,
            referral_events=count,
        )
    finally:
        await db.dispose()


async def fresh_copy(prepared: Prepared, name: str) -> str:
    """A new database copied from the template; the application role's address on it."""
    from reciprocal.db.bootstrap import connect_as, role_urls

    admin = await connect_as(prepared.admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    finally:
        await admin.close()
    return role_urls(prepared.admin_url, name)[1].render_as_string(hide_password=False)


async def drop(prepared: Prepared, name: str) -> None:
    from reciprocal.db.bootstrap import connect_as

    admin = await connect_as(prepared.admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# --- the load: a fixed arrival rate, latency from the scheduled send time -----------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    session: str | None
    """Whose session cookie it is sent with: 'coordinator', 'named_lead' or None (public)."""


def pages(prepared: Prepared) -> list[Page]:
    return [
        Page("healthz (baseline)", "/healthz", None),
        Page("criteria (public)", f"/s/{SCHEME}/criteria", None),
        Page("coordinator work queue", f"/s/{SCHEME}/coordinator/", "coordinator"),
        Page("coordinator referral", f"/s/{SCHEME}/coordinator/referrals/{prepared.referral_id}", "coordinator"),
        Page("named lead home", f"/s/{SCHEME}/named-lead/", "named_lead"),
        Page("ledger", f"/s/{SCHEME}/ledger", "coordinator"),
    ]


@dataclass(frozen=True)
class Result:
    run: int
    rate: int
    page: str
    path: str
    alone_ms: float
    """Median latency of the page requested one at a time, just before it was timed."""
    sent: int
    errors: int
    error_kinds: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    late_p99_ms: float
    """How late this generator itself sent (99th percentile): near the page's p99, it is the generator's limit
    being measured, not the app's."""
    bytes_first: int
    bytes_last: int
    """Sizes of the first and last good responses: a page that grows as it is measured shows it here."""
    recovery_s: float
    """After the last response, how long until the app was idle again (see SETTLED_MS)."""


def percentile(ordered: list[float], p: float) -> float:
    """Nearest rank."""
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


async def warm(client: httpx.AsyncClient, page: Page, headers: dict[str, str]) -> float:
    """Request the page WARM_UP times, one at a time; fail unless it answers 200 as its person; median ms."""
    times = []
    for _ in range(WARM_UP):
        began = time.perf_counter()
        response = await client.get(page.path, headers=headers)
        times.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise RuntimeError(f"{page.path} answered {response.status_code}, not 200: nothing measured")
    return round(statistics.median(times[WARM_UP // 2 :]) * 1000, 2)


async def settle(client: httpx.AsyncClient) -> float:
    """Wait until the app is idle again (see SETTLED_MS); the seconds it took."""
    began = time.perf_counter()
    prompt = 0
    while prompt < 5 and time.perf_counter() - began < SETTLE_LIMIT_S:
        sent = time.perf_counter()
        try:
            response = await client.get("/readyz", timeout=SETTLE_LIMIT_S)
            fast = response.status_code == 200 and (time.perf_counter() - sent) * 1000 < SETTLED_MS
        except httpx.HTTPError:
            fast = False
        prompt = prompt + 1 if fast else 0
        if not fast:
            await asyncio.sleep(0.1)
    return round(time.perf_counter() - began, 2)


async def measure(
    client: httpx.AsyncClient, page: Page, headers: dict[str, str], *, rate: int, duration_s: float
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    count = round(rate * duration_s)
    latencies: list[float] = []
    late: list[float] = []
    sizes: list[tuple[float, int]] = []
    errors: Counter[str] = Counter()

    async def one(scheduled: float) -> None:
        late.append(loop.time() - scheduled)
        try:
            async with asyncio.timeout_at(scheduled + REQUEST_TIMEOUT_S):
                response = await client.get(page.path, headers=headers)
            if response.status_code == 200:
                sizes.append((scheduled, len(response.content)))
            else:
                errors[f"HTTP {response.status_code}"] += 1
        except TimeoutError:
            errors["timeout"] += 1
        except httpx.HTTPError as error:
            errors[type(error).__name__] += 1
        latencies.append(loop.time() - scheduled)

    start = loop.time() + 0.05
    tasks = []
    for i in range(count):
        scheduled = start + i / rate
        if (delay := scheduled - loop.time()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    ms = sorted(x * 1000 for x in latencies)
    sizes.sort()
    return {
        "sent": count,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "p50_ms": round(percentile(ms, 0.50), 2),
        "p90_ms": round(percentile(ms, 0.90), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "max_ms": round(ms[-1], 2),
        "late_p99_ms": round(percentile(sorted(late), 0.99) * 1000, 2),
        "bytes_first": sizes[0][1] if sizes else 0,
        "bytes_last": sizes[-1][1] if sizes else 0,
    }


async def block(base_url: str, prepared: Prepared, *, run: int, rate: int, duration_s: float) -> list[Result]:
    """Every page in turn at one rate, against one fresh app and database."""
    cookies: dict[str | None, dict[str, str]] = {
        None: {},
        "coordinator": {"Cookie": f"reciprocal_session={prepared.coordinator_token}"},
        "named_lead": {"Cookie": f"reciprocal_session={prepared.named_lead_token}"},
    }
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    results = []
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S + 1) as client:
        for page in pages(prepared):
            headers = cookies[page.session]
            alone = await warm(client, page, headers)
            await settle(client)
            measured = await measure(client, page, headers, rate=rate, duration_s=duration_s)
            recovery = await settle(client)
            result = Result(
                run=run, rate=rate, page=page.name, path=page.path, alone_ms=alone, recovery_s=recovery, **measured
            )
            results.append(result)
            print(row(result), flush=True)
    return results


# --- reporting ------------------------------------------------------------------------------------------------

HEADER = (
    f"{'run':>3} {'req/s':>5}  {'page':<24} {'alone':>7} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} "
    f"{'errors':>9} {'late p99':>8}   (ms)"
)


def row(r: Result) -> str:
    return (
        f"{r.run:>3} {r.rate:>5}  {r.page:<24} {r.alone_ms:>7.1f} {r.p50_ms:>8.1f} {r.p90_ms:>8.1f} "
        f"{r.p99_ms:>8.1f} {r.max_ms:>8.1f} {f'{r.errors}/{r.sent}':>9} {r.late_p99_ms:>8.1f}"
    )


def summary(results: list[Result], rates: list[int], names: list[str]) -> list[dict[str, Any]]:
    """Per page and rate: the median of the runs' figures, the worst max, every error."""
    rows: list[dict[str, Any]] = []
    for rate in rates:
        for name in names:
            these = [r for r in results if r.rate == rate and r.page == name]
            rows.append(
                {
                    "rate": rate,
                    "page": name,
                    "runs": len(these),
                    "alone_ms": statistics.median(r.alone_ms for r in these),
                    "p50_ms": statistics.median(r.p50_ms for r in these),
                    "p90_ms": statistics.median(r.p90_ms for r in these),
                    "p99_ms": statistics.median(r.p99_ms for r in these),
                    "p99_ms_range": [min(r.p99_ms for r in these), max(r.p99_ms for r in these)],
                    "max_ms": max(r.max_ms for r in these),
                    "errors": sum(r.errors for r in these),
                    "sent": sum(r.sent for r in these),
                }
            )
    return rows


def summary_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| req/s | page | alone | p50 | p90 | p99 (runs' range) | max | errors / sent |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in rows:
        low, high = s["p99_ms_range"]
        lines.append(
            f"| {s['rate']} | {s['page']} | {s['alone_ms']:.1f} | {s['p50_ms']:.1f} | {s['p90_ms']:.1f} | "
            f"{s['p99_ms']:.1f} ({low:.1f} to {high:.1f}) | {s['max_ms']:.1f} | {s['errors']} / {s['sent']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="50,200", help="arrival rates, requests per second (default 50,200)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per page and rate (default 4)")
    parser.add_argument("--runs", type=int, default=3, help="runs of every page at every rate (default 3)")
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fd is not None:
        serve(args.serve_fd, args.database_url)
        return
    rates = [int(r) for r in args.rates.split(",")]
    if not (1 <= args.runs <= 10 and 0 < args.duration <= 60 and all(1 <= r <= 2000 for r in rates)):
        parser.error("runs 1 to 10, duration up to 60 s, rates 1 to 2000 req/s")

    # SIGTERM ends it as cleanly as Ctrl-C: the app by `finally`, the embedded server and its folder by atexit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=OUT_DIR))
    # Registered before the embedded server's own stop, so it runs after it (atexit is last in, first out).
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    print(f"Preparing an embedded PostgreSQL in {folder.relative_to(REPO_ROOT)} with the demo data...", flush=True)
    prepared = asyncio.run(prepare(folder))
    print(
        f"Ready in {time.monotonic() - began:.0f} s. Open loop, {args.duration:g} s per page and rate, "
        f"latency from the scheduled send; a fresh app and database per run and rate.\n",
        flush=True,
    )
    print(HEADER, flush=True)
    results: list[Result] = []
    with (OUT_DIR / "app.log").open("wb") as log:
        for run in range(1, args.runs + 1):
            for rate in rates:
                name = f"reciprocal_bench_{run}_{rate}"
                app = AppProcess(asyncio.run(fresh_copy(prepared, name)), log)
                try:
                    app.wait_ready()
                    results += asyncio.run(block(app.base_url, prepared, run=run, rate=rate, duration_s=args.duration))
                finally:
                    app.stop()
                    asyncio.run(drop(prepared, name))

    rows = summary(results, rates, [page.name for page in pages(prepared)])
    print(f"\nMedian of {args.runs} runs, in ms (max and errors over all runs):\n")
    print(summary_table(rows))
    warnings = sum(1 for _ in (OUT_DIR / "app.log").open("rb"))
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "setup": "loopback; app (one uvicorn process), database and load generator on the same machine",
        },
        "method": {
            "open_loop": True,
            "latency_from": "scheduled send time",
            "rates": rates,
            "duration_s": args.duration,
            "runs": args.runs,
            "request_timeout_s": REQUEST_TIMEOUT_S,
            "warm_up_requests": WARM_UP,
            "fresh_database_and_app_per_block": True,
            "referral_timeline_events_at_start": prepared.referral_events,
        },
        "app_log_lines": warnings,
        "summary": rows,
        "results": [asdict(r) for r in results],
        "elapsed_s": round(time.monotonic() - began, 1),
    }
    (OUT_DIR / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\nWritten to var/bench/latest.json; the app logged {warnings} warning lines (var/bench/app.log); "
        f"{report['elapsed_s']:.0f} s in all."
    )


if __name__ == "__main__":
    main()
