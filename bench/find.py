"""`make bench`, third part: search by reference and the coordinator's filtered list at goal scale.

The goal-scale database of bench/seed.py (20 schemes, 200,000 referrals; pan-london holds 10,000 of them over
ten years, each with a risk area and three safe areas), then the search and the coordinator's list requested one
at a time as pan-london's coordinator (the app alone, no load): median and 95th percentile. Goal: under 100 ms.

    .venv/bin/python bench/find.py [--scale 1] [--requests 30] [--admin-url URL] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))

import run  # bench/run.py, beside this file
import seed  # bench/seed.py

GOAL_MS = 100.0
DATABASE = "reciprocal_bench_find"


def timed(client: httpx.Client, path: str, requests: int) -> dict[str, float | int | str]:
    times: list[float] = []
    status = 0
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        status = response.status_code
        assert status in (200, 303), (path, status)
    times.sort()
    return {
        "path": path,
        "status": status,
        "median_ms": round(statistics.median(times[requests // 2 :]), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the goal scale seeded (default 1)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--admin-url", help="a superuser address on a running PostgreSQL (default: embedded)")
    parser.add_argument("--reuse", action="store_true", help="measure run.py's database kept by --keep, not seed anew")
    args = parser.parse_args()
    admin = make_url(args.admin_url) if args.admin_url else seed.start_server("find-")
    if args.reuse:
        seeded = asyncio.run(seed.attach(admin, run.DATABASE))
        seeded.counts = asyncio.run(seed.counts_of(admin, run.DATABASE))
    else:
        seeded = asyncio.run(seed.seed(admin, DATABASE, args.scale))
    print(f"seeded in {seeded.seconds:.0f} s: {seeded.counts['referrals']:,} referrals", flush=True)
    base = f"/s/{seed.SCHEME}"
    listed = f"{base}/coordinator/referrals"
    try:
        with (run.OUT_DIR / "app.log").open("ab") as log:
            app = run.Server(seeded.app_url.render_as_string(hide_password=False), log, kind="app", processes=1)
            try:
                app.wait_ready("/readyz")
                cookies = {"reciprocal_session": seeded.tokens["coordinator"]}
                with httpx.Client(base_url=app.base_url, cookies=cookies, follow_redirects=False, timeout=30) as client:
                    listing = client.get(listed).text
                    landlord = re.search(r'name="landlord" type="checkbox" value="([^"]+)"', listing)
                    area = re.search(r'name="area" type="checkbox" value="([^"]+)"', listing)
                    assert landlord
                    assert area
                    first = client.get(f"{listed}?sort=reference&order=ascending").text
                    after = re.search(r'href="([^"]+)" rel="next"', first)
                    assert after
                    whole = re.search(r"(PL-20\d\d-B\d{6})", first)
                    assert whole
                    reference = whole.group(1)
                    pages = {
                        "search: whole reference": f"{base}/search?reference={reference}",
                        "search: prefix of a year": f"{base}/search?reference={reference[:7].lower()}",
                        "search: prefix of all": f"{base}/search?reference=PL",
                        "list: every referral": listed,
                        "list: two states": f"{listed}?state=withdrawn&state=moved",
                        "list: four filters and dates": (
                            f"{listed}?state=circulating&risk=stalking&landlord={landlord.group(1)}"
                            f"&area={area.group(1)}"
                            "&submitted-from-day=1&submitted-from-month=1&submitted-from-year=2017"
                            "&submitted-to-day=31&submitted-to-month=12&submitted-to-year=2026"
                        ),
                        "list: by reference, page 2": after.group(1).replace("&amp;", "&"),
                        "list: by status": f"{listed}?sort=state&order=ascending",
                    }
                    results = {name: timed(client, path, args.requests) for name, path in pages.items()}
            finally:
                app.stop()
    finally:
        if not args.reuse:
            asyncio.run(seed.drop(admin, DATABASE))
    print(f"\n{'page':<32} {'median ms':>10} {'p95 ms':>8}")
    for name, r in results.items():
        flag = "" if float(r["median_ms"]) < GOAL_MS else f"  over the {GOAL_MS:g} ms goal"
        print(f"{name:<32} {r['median_ms']:>10} {r['p95_ms']:>8}{flag}")
    report = {"scale": args.scale, "seeded": seeded.counts, "requests": args.requests, "goal_ms": GOAL_MS}
    report["results"] = results
    (run.OUT_DIR / "find.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
