"""`make bench`, last part: a year's report on the goal-scale database of bench/seed.py.

20 schemes, 200,000 referrals over ten years (pan-london's 10,000: a year is about 1,000 referrals), each with its
milestones, monitoring answers and an enquiry, a third moved with an offer, a move and its ledger entries.
pan-london's 2026 report (`reports.services.counts`, then `portals.reports.presenters.build`, as the page calls
them) is timed: the median of 10 runs after 2 warm-ups. Target: under 100 ms.

    .venv/bin/python bench/reports.py [--scale 1] [--admin-url URL] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy.engine import URL, make_url

sys.path.insert(0, str(Path(__file__).parent))

import run  # bench/run.py, beside this file
import seed  # bench/seed.py

TARGET_MS = 100.0
RUNS, WARM = 10, 2
DATABASE = "reciprocal_bench_reports"


async def main_async(admin_url: URL, scale: float, reuse: bool) -> None:
    from reciprocal.db.engine import Database
    from reciprocal.portals.reports import presenters
    from reciprocal.reports import services
    from reciprocal.reports.periods import Kind, Period

    database = run.DATABASE if reuse else DATABASE
    if reuse:
        seeded = await seed.attach(admin_url, database)
        seeded.counts = await seed.counts_of(admin_url, database)
    else:
        seeded = await seed.seed(admin_url, database, scale)
    print(f"seeded in {seeded.seconds:.0f} s: {seeded.counts['referrals']:,} referrals", flush=True)
    db = Database(seeded.app_url, seed.settings())
    try:
        year = Period(Kind.year, date(2026, 1, 1), date(2026, 12, 31))
        took: list[float] = []
        for attempt in range(WARM + RUNS):
            async with db.tenant_session(seeded.tenant_id) as session, session.begin():
                began = time.perf_counter()
                shown = presenters.build(year, await services.counts(session, seeded.tenant_id, year))
                if attempt >= WARM:
                    took.append((time.perf_counter() - began) * 1000)
        submitted = next(h.figure for h in shown.funnel if h.words == "Referrals submitted")
        print(
            f"a year's report (2026: {submitted} referrals submitted in {seed.SCHEME}, of"
            f" {seeded.counts['referrals']:,} in {len(seeded.schemes)} schemes):"
            f" median {statistics.median(took):.1f} ms,"
            f" slowest {max(took):.1f} ms of {RUNS} (target < {TARGET_MS:.0f} ms)",
            flush=True,
        )
    finally:
        await db.dispose()
        if not reuse:
            await seed.drop(admin_url, database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the goal scale seeded (default 1)")
    parser.add_argument("--admin-url", help="a superuser address on a running PostgreSQL (default: embedded)")
    parser.add_argument("--reuse", action="store_true", help="measure run.py's database kept by --keep, not seed anew")
    args = parser.parse_args()
    admin = make_url(args.admin_url) if args.admin_url else seed.start_server("reports-")
    asyncio.run(main_async(admin, args.scale, args.reuse))


if __name__ == "__main__":
    main()
