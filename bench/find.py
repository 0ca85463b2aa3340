"""`make bench`, third part: search by reference and the coordinator's filtered list at goal scale.

200,000 referrals in pan-london (the goal: every UK scheme's referrals for decades), each with two safe
areas, on a throwaway embedded PostgreSQL prepared as bench/run.py prepares it. Each page is requested one
at a time (the app alone, no load) and its median and 95th percentile reported; the goal is under 100 ms.

    .venv/bin/python bench/find.py [--referrals 200000] [--requests 30]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

import run  # bench/run.py, beside this file

GOAL_MS = 100.0

SEED = """
with landlords as (
    select array_agg(id order by name) as ids from organisations
    where tenant_id = :t and kind in ('council', 'housing_association')
), areas as (
    select array_agg(id order by name) as ids from areas where tenant_id = :t
), officer as (
    select m.user_id, m.organisation_id from memberships m
    where m.tenant_id = :t and m.role = 'nominating_officer' limit 1
), states as (
    select array['submitted', 'awaiting_approval', 'circulating', 'offer_made', 'moved', 'closed', 'withdrawn',
                 'declined', 'ineligible', 'moved_elsewhere', 'approved', 'on_hold'] as names
), risks as (
    select array['domestic_abuse', 'sexual_violence', 'stalking', 'hate_crime', 'serious_violence'] as names
)
insert into referrals (
    tenant_id, id, version, reference, state, criteria_version, officer_id, agency_id, officer_case_reference,
    consent, tenancy_type, duty_to_house, current_landlord_id, current_area_id, adults, children_ages,
    bedrooms_needed, pets, access_needs, floor_level_need, medical_evidence, risk_type, safeguarding_measures,
    resettlement_support, note, submitted_at, held_back, updated_at, created_at
)
select :t, gen_random_uuid(), 1,
       'BX-' || (2000 + n / 25000) || '-' || lpad((n % 25000 + 1)::text, 5, '0'),
       states.names[1 + n % array_length(states.names, 1)],
       (select max(version) from criteria_versions where tenant_id = :t),
       officer.user_id, officer.organisation_id, '', true, 'secure', false,
       landlords.ids[1 + n % array_length(landlords.ids, 1)], areas.ids[1 + n % array_length(areas.ids, 1)],
       1, '{}', 2, '', '', false, false, risks.names[1 + n % array_length(risks.names, 1)], '', '', '',
       timestamptz '2000-01-01' + n * interval '70 minutes', false, now(), now()
from generate_series(0, cast(:n as integer) - 1) n, landlords, areas, officer, states, risks
"""

SAFE_AREAS = """
insert into referral_areas (tenant_id, referral_id, area_id, kind, created_at)
select r.tenant_id, r.id, a.ids[1 + (abs(hashtext(r.id::text)) + k) % array_length(a.ids, 1)], 'safe', now()
from referrals r, (select array_agg(id order by name) as ids from areas where tenant_id = :t) a,
     generate_series(0, 1) k
where r.tenant_id = :t and r.reference like 'BX-%'
on conflict do nothing
"""


async def seed(prepared: run.Prepared, referrals: int) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    url = prepared.admin_url.set(drivername="postgresql+asyncpg", database=run.TEMPLATE)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            tenant = (await conn.execute(text("select id from schemes where slug = :s"), {"s": run.SCHEME})).scalar()
            await conn.execute(text(SEED), {"t": tenant, "n": referrals})
            await conn.execute(text(SAFE_AREAS), {"t": tenant})
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("vacuum analyze"))
    finally:
        await engine.dispose()


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
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    run.OUT_DIR.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="find-", dir=run.OUT_DIR))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    began = time.monotonic()
    prepared = asyncio.run(run.prepare(folder))
    asyncio.run(seed(prepared, args.referrals))
    print(f"{args.referrals} referrals seeded in {time.monotonic() - began:.0f} s", flush=True)
    base = f"/s/{run.SCHEME}"
    listed = f"{base}/coordinator/referrals"
    with (run.OUT_DIR / "app.log").open("ab") as log:
        app = run.AppProcess(asyncio.run(run.fresh_copy(prepared, "reciprocal_bench_find")), log)
        try:
            app.wait_ready()
            cookies = {"reciprocal_session": prepared.coordinator_token}
            with httpx.Client(base_url=app.base_url, cookies=cookies, follow_redirects=False, timeout=10) as client:
                landlord = re.search(r'name="landlord" type="checkbox" value="([^"]+)"', client.get(listed).text)
                area = re.search(r'name="area" type="checkbox" value="([^"]+)"', client.get(listed).text)
                assert landlord
                assert area
                first = client.get(f"{listed}?sort=reference&order=ascending").text
                after = re.search(r'href="([^"]+)" rel="next"', first)
                assert after
                pages = {
                    "search: whole reference": f"{base}/search?reference=BX-2005-00042",
                    "search: prefix of 1,000": f"{base}/search?reference=bx-2005-00",
                    "search: prefix of all": f"{base}/search?reference=BX",
                    "list: every referral": listed,
                    "list: two states": f"{listed}?state=withdrawn&state=moved",
                    "list: four filters and dates": (
                        f"{listed}?state=circulating&risk=stalking&landlord={landlord.group(1)}&area={area.group(1)}"
                        "&submitted-from-day=1&submitted-from-month=1&submitted-from-year=2003"
                        "&submitted-to-day=31&submitted-to-month=12&submitted-to-year=2005"
                    ),
                    "list: by reference, page 2": after.group(1).replace("&amp;", "&"),
                    "list: by status": f"{listed}?sort=state&order=ascending",
                }
                results = {name: timed(client, path, args.requests) for name, path in pages.items()}
        finally:
            app.stop()
            asyncio.run(run.drop(prepared, "reciprocal_bench_find"))
    print(f"\n{'page':<32} {'median ms':>10} {'p95 ms':>8}")
    for name, r in results.items():
        flag = "" if float(r["median_ms"]) < GOAL_MS else f"  over the {GOAL_MS:g} ms goal"
        print(f"{name:<32} {r['median_ms']:>10} {r['p95_ms']:>8}{flag}")
    report = {"referrals": args.referrals, "requests": args.requests, "goal_ms": GOAL_MS, "results": results}
    (run.OUT_DIR / "find.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
