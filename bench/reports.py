"""`make bench`, third part: a year's report on goal-scale data, on a throwaway database.

200,000 referrals submitted over ten years (2017 to 2026) in 10 schemes of 100 housing partners each (so one
scheme's year is 2,000 referrals, about the toolkit's Pan London over its whole life), each with its milestones,
a third of them moved (an offer and a move each), monitoring answers on every one, and 2% still active (the
stalled list reads those). One scheme's 2026 report (`reports.services.counts`, then
`portals.reports.presenters.build`, as the page calls them) is timed: the median of 10 runs after 2 warm-ups.
Target: under 100 ms. `--schemes 1` puts all 200,000 in one scheme (20,000 a year): ten times the largest
scheme there is.

    .venv/bin/python bench/reports.py [--referrals 200000] [--schemes 10] [--admin-url URL]

The data is written in SQL (generate_series), not through the services: building it is not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import jobs  # bench/jobs.py: the throwaway database and a scheme of partners
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

TARGET_MS = 100.0
RUNS, WARM = 10, 2

# Each referral: submitted on a day of the ten years, then approved, circulated and offered some days apart;
# every third moved (offer and move rows below), 2% of the last year's still circulating, the rest ended.
REFERRALS = text(
    """
    insert into referrals (tenant_id, id, version, reference, state, officer_id, agency_id, consent, tenancy_type,
        current_landlord_id, current_area_id, adults, children_ages, bedrooms_needed, risk_type,
        submitted_at, approved_at, circulated_at, offered_at, ended_at, updated_at, officer_case_reference,
        duty_to_house, pets, access_needs, floor_level_need, medical_evidence, safeguarding_measures,
        resettlement_support, note)
    select :t, gen_random_uuid(), 1, 'BN-' || g, s.state, :officer, :agency, true, 'secure',
        (cast(:orgs as uuid[]))[1 + g % 100], (cast(:areas as uuid[]))[1 + g % 100], 1 + g % 2,
        array_fill(4, array[g % 4]), 2,
        (array['domestic_abuse', 'sexual_violence', 'hate_crime', 'serious_violence'])[1 + g % 4],
        s.at, s.at + interval '3 days', s.at + interval '10 days', s.at + interval '30 days',
        case when s.state = 'circulating' then null else s.at + interval '60 days' end, s.at, '',
        false, '', '', false, false, '', '', ''
    from generate_series(1, cast(:n as int)) g
    cross join lateral (
        select timestamptz '2017-01-01' + (g::float / cast(:n as int)) * interval '3650 days' as at,
               case when g % 3 = 0 then 'moved'
                    when g % 50 = 1 and g > cast(:n as int) * 0.9 then 'circulating'
                    else 'withdrawn' end as state
    ) s
    """
)
MONITORING = text(
    """
    insert into referral_monitoring (tenant_id, referral_id, answers)
    select tenant_id, id, jsonb_build_object(
        'gender', (array['woman', 'man', 'non_binary'])[1 + abs(hashtext(id::text)) % 3],
        'lone_parent', (array['yes', 'no', 'not_said'])[1 + abs(hashtext(reference)) % 3],
        'disability', (array['yes', 'no'])[1 + abs(hashtext(reference || 'd')) % 2])
    from referrals where tenant_id = :t
    """
)
OFFERS = text(
    """
    insert into offers (tenant_id, id, referral_id, organisation_id, offered_by_id, area_id, bedrooms,
        available_from, state, created_at, accessibility)
    select r.tenant_id, gen_random_uuid(), r.id, (cast(:orgs as uuid[]))[1 + (i % 100)], :lead,
        (cast(:areas as uuid[]))[1 + (i % 100)], 2,
        r.offered_at::date, 'moved', r.offered_at, ''
    from (select *, row_number() over () as i from referrals where tenant_id = :t and state = 'moved') r
    """
)
MOVES = text(
    """
    insert into moves (tenant_id, id, referral_id, offer_id, receiving_id, sending_id, area_id, bedrooms, moved_on)
    select o.tenant_id, gen_random_uuid(), o.referral_id, o.id, o.organisation_id, r.current_landlord_id, o.area_id,
        2, (r.offered_at + interval '20 days')::date
    from offers o join referrals r on r.tenant_id = o.tenant_id and r.id = o.referral_id
    where o.tenant_id = :t
    """
)
ENQUIRIES = text(
    """
    insert into enquiries (tenant_id, id, received_at, channel, outcome)
    select :t, gen_random_uuid(), timestamptz '2017-01-01' + (g::float / cast(:n as int)) * interval '3650 days',
        'checker', 'x'
    from generate_series(1, cast(:n as int)) g
    """
)


async def seed(db: Any, count: int, slug: str) -> Any:
    world = await jobs.scheme(db, slug, 100, 1)
    t = world["tenant"]
    params = {
        "t": t,
        "n": count,
        "officer": world["officer"],
        "agency": world["agency"],
        "orgs": world["orgs"],
        "areas": world["areas"],
        "lead": world["leads"][0],
    }
    async with db.tenant_session(t) as session, session.begin():
        await session.execute(text("set local statement_timeout = 0"))  # writing the data is not measured
        for statement in (REFERRALS, MONITORING, OFFERS, MOVES, ENQUIRIES):
            await session.execute(statement, params)
    return t


async def vacuum(admin_url: URL) -> None:
    """As autovacuum would have by then: planner statistics, and the visibility map for index-only scans."""
    from reciprocal.db.bootstrap import connect_as

    admin = await connect_as(admin_url, jobs.DATABASE)
    try:
        await admin.execute("VACUUM ANALYZE")
    finally:
        await admin.close()


async def main_async(admin_url: URL, args: argparse.Namespace) -> None:
    from reciprocal.portals.reports import presenters
    from reciprocal.reports import services
    from reciprocal.reports.periods import Kind, Period

    jobs.DATABASE = "reciprocal_bench_reports"
    db, _ = await jobs.database(admin_url)
    try:
        started = time.perf_counter()
        tenants = [await seed(db, args.referrals // args.schemes, f"reports-{i}") for i in range(args.schemes)]
        await vacuum(admin_url)
        tenant = tenants[0]
        print(f"{args.referrals:,} referrals written in {time.perf_counter() - started:.1f} s", flush=True)
        year = Period(Kind.year, date(2026, 1, 1), date(2026, 12, 31))
        took: list[float] = []
        for run in range(WARM + RUNS):
            async with db.tenant_session(tenant) as session, session.begin():
                began = time.perf_counter()
                shown = presenters.build(year, await services.counts(session, tenant, year))
                if run >= WARM:
                    took.append((time.perf_counter() - began) * 1000)
        submitted = next(h.figure for h in shown.funnel if h.words == "Referrals submitted")
        print(
            f"a year's report (2026: {submitted} referrals submitted) of {args.referrals:,} in {args.schemes}"
            f" schemes: median"
            f" {statistics.median(took):.1f} ms, slowest {max(took):.1f} ms of {RUNS} (target < {TARGET_MS:.0f} ms)",
            flush=True,
        )
    finally:
        await db.dispose()
        from reciprocal.db.bootstrap import connect_as

        admin = await connect_as(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{jobs.DATABASE}" WITH (FORCE)')
        finally:
            await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--schemes", type=int, default=10)
    parser.add_argument("--admin-url", help="a superuser address on a running PostgreSQL (default: embedded)")
    args = parser.parse_args()
    if args.admin_url:
        admin = make_url(args.admin_url)
    else:
        from reciprocal.db.embedded import start_embedded

        jobs.OUT_DIR.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="reports-", dir=jobs.OUT_DIR))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        admin = start_embedded(folder / "postgres")
    asyncio.run(main_async(admin, args))


if __name__ == "__main__":
    main()
