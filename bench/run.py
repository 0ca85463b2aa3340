"""`make bench`: every hot page at fixed arrival rates on the goal-scale database, beside the raw limit (issue 11).

Open loop: wrk2 (bench/wrk2.sh builds it) sends on a fixed schedule whatever the server does and measures
each latency from its scheduled send time, so queueing anywhere is counted, not hidden. In one run, for one app
process and then two (sharing one listening socket, as uvicorn's workers do), at each rate in turn, every page
is measured in the same order: `/healthz` (the machine, uvicorn and the generator), the raw limit's work queue
and referral page (bench/raw.py: asyncpg, the same statements, RLS and Jinja), then the project's pages. Before
the load, each page is requested once, alone, by a counting process, to count its SQL statements and round trips.

    .venv/bin/python bench/run.py [--scale 1] [--rates 250,500,1000] [--duration 10] [--workers 1,2]
                                  [--quick] [--admin-url URL] [--no-readme]

Results: a table on stdout, JSON in var/bench/latest.json, a dated table appended to bench/README.md, the apps'
warnings in var/bench/app.log. The database (embedded under var/bench/ unless --admin-url) is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))

import seed  # bench/seed.py, beside this file

from reciprocal.settings import REPO_ROOT

OUT_DIR = REPO_ROOT / "var" / "bench"
README = Path(__file__).parent / "README.md"
WRK2 = REPO_ROOT / ".tools" / "wrk2" / "wrk"
DATABASE = "reciprocal_bench"
TARGETS_MS = (25.0, 50.0)
REQUEST_TIMEOUT_S = 5
SETTLED_MS = 25.0
SETTLE_LIMIT_S = 30.0
CONNECTIONS = 64
"""wrk2's connections: enough that 1,000 req/s needs no connection to send before its last answer came."""


# --- the apps: the project's (create_app) and the raw limit, each in its own processes --------------------------


def serve(fd: int, database_url: str, kind: str) -> None:
    """Serve on the listening socket `fd` until stdin closes: the project's app, the raw limit, or the counter."""
    import uvicorn

    listener = socket.socket(fileno=fd)
    app: Any
    if kind == "raw":
        import raw

        app = raw.RawApp(make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False))
    else:
        from reciprocal.app import create_app

        app = create_app(seed.settings(listener.getsockname()[1]), database_url=database_url)
        if kind == "count":
            app = counting(app)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", server_header=False))

    def watch_parent() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=watch_parent, daemon=True).start()
    server.run(sockets=[listener])


def counting(app: Any) -> Any:
    """The app, and at /__bench/sql the SQL it has sent so far: statements (cursor executions), and round trips
    (those plus each BEGIN, COMMIT or ROLLBACK, and the pool's pre-ping at each checkout)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    counts: Counter[str] = Counter()
    event.listen(Engine, "before_cursor_execute", lambda *_: counts.update(["statements"]))
    for name in ("begin", "commit", "rollback"):
        event.listen(Engine, name, lambda *_, name=name: counts.update([name]))
    event.listen(Pool, "checkout", lambda *_: counts.update(["checkouts"]))

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/__bench/sql":
            body = json.dumps(counts).encode()
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


class Server:
    """`processes` processes of one app sharing one listening socket on a free loopback port."""

    def __init__(self, database_url: str, log: IO[bytes], *, kind: str, processes: int) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4096)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        fd = self.listener.fileno()
        command = [sys.executable, __file__, "--serve-fd", str(fd), "--database-url", database_url, "--kind", kind]
        self.processes = [
            subprocess.Popen(command, pass_fds=(fd,), stdin=subprocess.PIPE, stdout=log, stderr=log)  # noqa: S603
            for _ in range(processes)
        ]

    def wait_ready(self, path: str = "/healthz", timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError("an app process exited: see var/bench/app.log")
            try:
                if httpx.get(f"{self.base_url}{path}", timeout=2).status_code == 200:
                    time.sleep(1.0)  # every process up, not only the first to accept
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the app was not ready within {timeout_s:.0f} s: see var/bench/app.log")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                assert process.stdin is not None
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.listener.close()


# --- the pages ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    session: str | None
    """Whose session cookie it is sent with: 'coordinator', 'named_lead', 'officer' or None (public)."""
    server: str = "app"
    """'app' or 'raw'."""
    raw: str | None = None
    """The raw limit's page for the same statements, for the ratio."""


def pages(seeded: seed.Seeded) -> list[Page]:
    s, r = f"/s/{seed.SCHEME}", seeded.referral_id
    return [
        Page("healthz (baseline)", "/healthz", None),
        Page("raw work queue", f"{s}/coordinator/", "coordinator", server="raw"),
        Page("raw referral", f"{s}/coordinator/referrals/{r}", "coordinator", server="raw"),
        Page("work queue", f"{s}/coordinator/", "coordinator", raw="raw work queue"),
        Page("coordinator referral", f"{s}/coordinator/referrals/{r}", "coordinator", raw="raw referral"),
        Page("named lead home", f"{s}/named-lead/", "named_lead"),
        Page("circulated referral (lead)", f"{s}/named-lead/referrals/{r}", "named_lead"),
        Page("officer home", f"{s}/officer/", "officer"),
        Page("ledger", f"{s}/ledger", "coordinator"),
        Page("criteria (public)", f"{s}/criteria", None),
    ]


def cookie(seeded: seed.Seeded, page: Page) -> dict[str, str]:
    return {"Cookie": f"reciprocal_session={seeded.tokens[page.session]}"} if page.session else {}


def alone_and_counted(base_url: str, seeded: seed.Seeded, page: Page, *, counted: bool) -> dict[str, Any]:
    """The page one at a time (10 after 5 warm-ups): median ms and size; with `counted`, its SQL per request."""
    times, size = [], 0
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    with httpx.Client(base_url=base_url, headers=cookie(seeded, page), timeout=30) as client:
        for i in range(15):
            if counted and i == 14:
                before = client.get("/__bench/sql").json()
            began = time.perf_counter()
            response = client.get(page.path)
            if i >= 5:
                times.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{page.path} answered {response.status_code}, not 200: nothing measured")
            size = len(response.content)
            if counted and i == 14:
                after = client.get("/__bench/sql").json()
    result: dict[str, Any] = {"alone_ms": round(sorted(times)[len(times) // 2], 2), "bytes": size}
    if counted:
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
        result["statements"] = delta.get("statements", 0)
        result["round_trips"] = sum(delta.get(k, 0) for k in ("statements", "begin", "commit", "rollback", "checkouts"))
        result["transactions"] = delta.get("begin", 0)
    return result


# --- the load: wrk2 at a fixed rate --------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk2(url: str, headers: dict[str, str], *, rate: int, duration_s: float) -> dict[str, Any]:
    """One page at `rate` req/s for `duration_s` (after wrk2's 3 s calibration); its figures from wrk2's output."""
    command = [str(WRK2), "-t2", f"-c{min(CONNECTIONS, max(4, rate // 8))}", f"-d{int(duration_s + 3)}s"]
    command += [f"-R{rate}", "--latency", f"--timeout={REQUEST_TIMEOUT_S}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    spectrum = {}
    section = out.split("Latency Distribution (HdrHistogram - Recorded Latency)")[1].split("Detailed Percentile")[0]
    for p, value, unit in re.findall(r"^\s*([\d.]+)%\s+([\d.]+)(us|ms|s|m)\s*$", section, re.MULTILINE):
        spectrum[float(p)] = float(value) * UNITS[unit]
    done = re.search(r"(\d+) requests in ([\d.]+)(s|m)", out)
    assert done is not None, out
    seconds = float(done.group(2)) * (60 if done.group(3) == "m" else 1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    error_kinds = {}
    if errors:
        error_kinds["non-2xx"] = int(errors.group(1))
    if socket_errors:
        for kind, n in zip(("connect", "read", "write", "timeout"), socket_errors.groups(), strict=True):
            if int(n):
                error_kinds[kind] = int(n)
    return {
        "achieved": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), 1),  # type: ignore[union-attr]
        "requests": int(done.group(1)),
        "seconds": seconds,
        "p50_ms": spectrum.get(50.0),
        "p99_ms": spectrum.get(99.0),
        "p999_ms": spectrum.get(99.9),
        "max_ms": spectrum.get(100.0),
        "errors": sum(error_kinds.values()),
        "error_kinds": error_kinds,
    }


def settle(base_url: str) -> float:
    """Wait until the app is idle again (five quick /healthz-or-/readyz answers in a row); the seconds it took."""
    began, prompt = time.perf_counter(), 0
    with httpx.Client(base_url=base_url, timeout=SETTLE_LIMIT_S) as client:
        while prompt < 5 and time.perf_counter() - began < SETTLE_LIMIT_S:
            sent = time.perf_counter()
            try:
                response = client.get("/readyz")
                if response.status_code == 404:
                    response = client.get("/healthz")
                fast = response.status_code == 200 and (time.perf_counter() - sent) * 1000 < SETTLED_MS
            except httpx.HTTPError:
                fast = False
            prompt = prompt + 1 if fast else 0
            if not fast:
                time.sleep(0.2)
    return round(time.perf_counter() - began, 2)


async def python_lateness(url: str, rate: int, duration_s: float = 3.0) -> float | None:
    """How late the old httpx open-loop generator itself sends at `rate` (p99 ms), None if it did not finish its
    schedule within 30 s: why wrk2 is used instead. (A first goal-scale run at 1,000 req/s was still sending
    after 10 minutes: httpx's pool slows down as thousands of requests wait in it.)"""
    # In a child process with a hard limit: a loop that falls behind can block itself past any asyncio timeout.
    command = [sys.executable, __file__, "--lateness", url, "--rates", str(rate), "--duration", str(duration_s)]
    try:
        done = await asyncio.to_thread(
            subprocess.run,
            command,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout.strip().splitlines()[-1])


async def lateness_here(url: str, rate: int, duration_s: float) -> float:
    loop = asyncio.get_running_loop()
    late: list[float] = []
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S) as client:

        async def one(scheduled: float) -> None:
            late.append(loop.time() - scheduled)
            with contextlib.suppress(httpx.HTTPError):
                await client.get(url)

        start, tasks = loop.time() + 0.05, []
        for i in range(round(rate * duration_s)):
            scheduled = start + i / rate
            if (delay := scheduled - loop.time()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(scheduled)))
        await asyncio.gather(*tasks)
    late.sort()
    return round(late[max(0, math.ceil(0.99 * len(late)) - 1)] * 1000, 1)


# --- the run --------------------------------------------------------------------------------------------------


def held(rows: list[dict[str, Any]], limit_ms: float) -> int | None:
    """The highest rate held: p99 within the limit, no errors, and (nearly) the rate asked for achieved."""
    ok = [
        r["rate"]
        for r in rows
        if r["p99_ms"] is not None and r["p99_ms"] <= limit_ms and not r["errors"] and r["achieved"] >= 0.95 * r["rate"]
    ]
    return max(ok) if ok else None


def summarise(
    results: list[dict[str, Any]], page_list: list[Page], alone: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for workers in sorted({r["workers"] for r in results}):
        for page in page_list:
            these = [r for r in results if r["workers"] == workers and r["page"] == page.name]
            summary: dict[str, Any] = {"workers": workers, "page": page.name, **alone[page.name]}
            summary["held_25ms"], summary["held_50ms"] = held(these, TARGETS_MS[0]), held(these, TARGETS_MS[1])
            if page.raw:
                raw_rows = [r for r in results if r["workers"] == workers and r["page"] == page.raw]
                raw_held = held(raw_rows, TARGETS_MS[1])
                summary["raw_held_50ms"] = raw_held
                summary["raw_ratio"] = (
                    round(raw_held / summary["held_50ms"], 2) if raw_held and summary["held_50ms"] else None
                )
                summary["raw_alone_ratio"] = round(alone[page.name]["alone_ms"] / alone[page.raw]["alone_ms"], 2)
            rows.append(summary)
    return rows


HEADER = f"\n{'procs':>5} {'req/s':>5}  {'page':<28} {'achieved':>8} {'p50':>8} {'p99':>8} {'p99.9':>8} {'errors':>12}"


def line(r: dict[str, Any]) -> str:
    return (
        f"{r['workers']:>5} {r['rate']:>5}  {r['page']:<28} {r['achieved']:>8.0f} {fmt(r['p50_ms']):>8} "
        f"{fmt(r['p99_ms']):>8} {fmt(r['p999_ms']):>8} {r['errors']:>5}/{r['requests']}"
    )


def fmt(value: float | None) -> str:
    return "—" if value is None else (f"{value:,.0f}" if value >= 100 else f"{value:.1f}")


def tables(results: list[dict[str, Any]], summary: list[dict[str, Any]]) -> str:
    lines = [
        "| procs | req/s | page | achieved | p50 | p99 | p99.9 | errors / sent |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['workers']} | {r['rate']} | {r['page']} | {r['achieved']:,.0f} | {fmt(r['p50_ms'])} | "
            f"{fmt(r['p99_ms'])} | {fmt(r['p999_ms'])} | {r['errors']} / {r['requests']} |"
        )
    lines += [
        "",
        "| procs | page | alone ms | KB | SQL statements | round trips | held at p99 ≤ 25 ms | ≤ 50 ms "
        "| raw limit ≤ 50 ms (ratio) | alone vs raw |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summary:
        ratio = (
            f"{fmt(s.get('raw_held_50ms'))} ({s['raw_ratio']}x)" if s.get("raw_ratio") else fmt(s.get("raw_held_50ms"))
        )
        alone_ratio = f"{s['raw_alone_ratio']}x" if s.get("raw_alone_ratio") else ""
        lines.append(
            f"| {s['workers']} | {s['page']} | {s['alone_ms']:.1f} | {s['bytes'] / 1024:.1f} | "
            f"{s.get('statements', '')} | {s.get('round_trips', '')} | {fmt(s['held_25ms'])} | {fmt(s['held_50ms'])} | "
            f"{ratio if s.get('raw_held_50ms') is not None or s.get('raw_ratio') else ''} | {alone_ratio} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the goal scale seeded (default 1)")
    parser.add_argument("--rates", default="250,500,1000", help="arrival rates, req/s (default 250,500,1000)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per page and rate")
    parser.add_argument("--workers", default="1,2", help="app processes, each in turn (default 1,2)")
    parser.add_argument("--quick", action="store_true", help="scale 0.05, rates 100,250, 4 s, one process")
    parser.add_argument("--admin-url", help="a superuser address on a running PostgreSQL (default: embedded)")
    parser.add_argument("--no-readme", action="store_true", help="do not append the results to bench/README.md")
    parser.add_argument("--keep", action="store_true", help="leave the seeded database (with --admin-url)")
    parser.add_argument("--reuse", action="store_true", help="measure the database kept by --keep, not seed anew")
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--lateness", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lateness is not None:
        print(asyncio.run(lateness_here(args.lateness, int(args.rates), args.duration)))
        return
    if args.serve_fd is not None:
        serve(args.serve_fd, args.database_url, args.kind)
        return
    if args.quick:
        args.scale, args.rates, args.duration, args.workers = 0.05, "100,250", 4.0, "1"
    rates = [int(r) for r in args.rates.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    if not WRK2.exists():
        subprocess.run(["bash", str(Path(__file__).parent / "wrk2.sh")], check=True)  # noqa: S603, S607

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began, load_before = time.monotonic(), list(os.getloadavg())
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    admin = make_url(args.admin_url) if args.admin_url else seed.start_server("run-")
    if args.reuse:
        seeded = asyncio.run(seed.attach(admin, DATABASE))
        seeded.counts = asyncio.run(seed.counts_of(admin, DATABASE))
        print("Reusing the database kept: " + ", ".join(f"{k} {v:,}" for k, v in seeded.counts.items()), flush=True)
    else:
        print(f"Seeding scale {args.scale:g} of the goal (20 schemes, 200,000 referrals, 2,000,000 events)...")
        seeded = asyncio.run(seed.seed(admin, DATABASE, args.scale, log=lambda line: print(line, flush=True)))
        print(f"Seeded in {seeded.seconds:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in seeded.counts.items()))
    url = seeded.app_url.render_as_string(hide_password=False)
    page_list = pages(seeded)
    results: list[dict[str, Any]] = []
    alone: dict[str, dict[str, Any]] = {}
    try:
        with (OUT_DIR / "app.log").open("wb") as log:
            counter, raw_one = Server(url, log, kind="count", processes=1), Server(url, log, kind="raw", processes=1)
            try:
                counter.wait_ready("/readyz")
                raw_one.wait_ready()
                for page in page_list:
                    on_raw = page.server == "raw"
                    base = raw_one.base_url if on_raw else counter.base_url
                    alone[page.name] = alone_and_counted(
                        base, seeded, page, counted=not on_raw and page.session is not None
                    )
                    print(f"  {page.name}: {alone[page.name]}", flush=True)
                lateness = asyncio.run(python_lateness(f"{raw_one.base_url}/healthz", max(rates)))
                print(f"  the httpx generator's own lateness at {max(rates)} req/s: p99 {lateness} ms", flush=True)
                if lateness is None:
                    print("  (it did not finish its 3 s schedule within 30 s)", flush=True)
            finally:
                counter.stop()
                raw_one.stop()
            print(HEADER, flush=True)
            for n in workers:
                app, raw_app = Server(url, log, kind="app", processes=n), Server(url, log, kind="raw", processes=n)
                try:
                    app.wait_ready("/readyz")
                    raw_app.wait_ready()
                    for rate in rates:
                        for page in page_list:
                            base = raw_app.base_url if page.server == "raw" else app.base_url
                            settle(base)
                            measured = wrk2(base + page.path, cookie(seeded, page), rate=rate, duration_s=args.duration)
                            row = {"workers": n, "rate": rate, "page": page.name, "path": page.path, **measured}
                            results.append(row)
                            print(line(row), flush=True)
                finally:
                    app.stop()
                    raw_app.stop()
    finally:
        if not args.keep:
            asyncio.run(seed.drop(admin, DATABASE))
    summary = summarise(results, page_list, alone)
    table = tables(results, summary)
    print("\n" + table)
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "setup": "loopback; app, raw limit, database and wrk2 on the same machine",
            "load_average_before": load_before,
            "load_average_after": list(os.getloadavg()),
        },
        "method": {
            "generator": "wrk2 (open loop, latency from the scheduled send), 2 threads",
            "rates": rates,
            "duration_s": args.duration,
            "workers": workers,
            "scale": args.scale,
            "seed_s": seeded.seconds,
            "seeded": seeded.counts,
            "python_generator_late_p99_ms": lateness,
            "request_timeout_s": REQUEST_TIMEOUT_S,
            "targets_ms": TARGETS_MS,
        },
        "summary": summary,
        "results": results,
        "elapsed_s": round(time.monotonic() - began, 1),
    }
    (OUT_DIR / "latest.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    seed_words = "a database seeded earlier (--reuse)" if args.reuse else f"seeded in {seeded.seconds:.0f} s"
    late_words = f"{lateness} ms" if lateness is not None else "did not finish a 3 s schedule within 30 s"
    if not args.no_readme:
        with README.open("a") as readme:
            readme.write(
                f"\n### {report['date'][:10]}: scale {args.scale:g}, rates {args.rates}, {args.duration:g} s each, "
                f"{', '.join(map(str, workers))} app process(es)\n\n"
                f"`bench/run.py --scale {args.scale:g} --rates {args.rates} --duration {args.duration:g} "
                f"--workers {args.workers}`; {os.cpu_count()} cores, {platform.platform()}, Python "
                f"{platform.python_version()}; load average {load_before[0]:.1f} before, "
                f"{os.getloadavg()[0]:.1f} after (the machine is shared); {seed_words} "
                f"({', '.join(f'{k} {v:,}' for k, v in seeded.counts.items())}); the httpx generator's own p99 "
                f"lateness at {max(rates)} req/s: {late_words}, so wrk2 sent. Latencies in ms.\n\n{table}\n"
            )
    print(f"\nWritten to var/bench/latest.json; {report['elapsed_s']:.0f} s in all.")


if __name__ == "__main__":
    main()
