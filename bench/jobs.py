"""`make bench`, second part: the scheduled jobs at scale, on a throwaway database.

- **A batch**: 1,000 approved referrals in one scheme of 100 housing partners (one area and one named lead
  each; every referral is safe in 5 partners' areas), released as the cadence's job releases it, then its
  hand-off job run: the notices and one digest per named lead in the outbox, each with its delivery job
  enqueued. Target: under 2 s for both together.
- **Statements**: the monthly statements of 50 schemes (10 partners with 2 named leads each, 200 referrals with
  their steps, 40 moves on the ledger), as the job makes them on the first working day. Target: under 10 s.

    .venv/bin/python bench/jobs.py [--referrals 1000] [--partners 100] [--schemes 50] [--admin-url URL]

With no --admin-url it starts an embedded PostgreSQL in a folder under var/bench/ (removed at the end), as
bench/run.py does. The data is written directly (not through the services): building it is not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import shutil
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import URL, make_url

from reciprocal.db.bootstrap import refresh_statistics, role_urls
from reciprocal.settings import REPO_ROOT, Settings

DATABASE = "reciprocal_bench_jobs"
OUT_DIR = REPO_ROOT / "var" / "bench"
RELEASED_ON = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
"""Monday 1 February 2027, a first working day: the statements are January's."""
IN_JANUARY = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
BATCH_TARGET_S, STATEMENTS_TARGET_S = 2.0, 10.0
SETTINGS = Settings(
    demo=True,
    port=8000,
    secret_key="bench-secret-key-that-is-long-enough-for-hkdf",  # noqa: S106 - a throwaway database, loopback only
    log_level="WARNING",
)


def uid() -> uuid.UUID:
    return uuid.uuid4()


async def database(admin_url: URL) -> tuple[Any, URL]:
    """A fresh, migrated database on the server; the Database of its application role, and its address."""
    from reciprocal.db.bootstrap import bootstrap, connect_as, role_urls
    from reciprocal.db.engine import Database
    from reciprocal.db.migrate import migrate

    admin = await connect_as(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await admin.close()
    owner, app = role_urls(admin_url, DATABASE)
    await bootstrap(admin_url, owner, app)
    await migrate(owner)
    return Database(app, SETTINGS), app


async def scheme(db: Any, slug: str, partners: int, leads: int) -> dict[str, Any]:
    """A scheme of `partners` councils (one area each, `leads` named leads each), an agency and its officer."""
    from reciprocal.identity.models import Membership, Role, User
    from reciprocal.partners.models import Organisation, OrganisationArea, OrganisationKind
    from reciprocal.tenancy.models import Area, Scheme

    tenant = uid()
    async with db.session() as session, session.begin():
        session.add(Scheme(id=tenant, slug=slug, name=f"Bench {slug}", region="Bench", reference_prefix="BN"))
    areas = [uid() for _ in range(partners)]
    orgs = [uid() for _ in range(partners)]
    agency, officer, coordination, coordinator = uid(), uid(), uid(), uid()
    lead_ids: list[uuid.UUID] = []
    async with db.tenant_session(tenant) as session, session.begin():
        t = {"tenant_id": tenant}
        await session.execute(
            insert(Area), [{**t, "id": a, "code": f"a{i}", "name": f"Area {i}"} for i, a in enumerate(areas)]
        )
        rows = [
            {**t, "id": o, "code": f"p{i}", "name": f"Partner {i}", "kind": OrganisationKind.council}
            for i, o in enumerate(orgs)
        ]
        rows.append({**t, "id": agency, "code": "agency", "name": "Agency", "kind": OrganisationKind.agency})
        rows.append(
            {
                **t,
                "id": coordination,
                "code": "coordination",
                "name": "Coordination",
                "kind": OrganisationKind.coordinator,
            }
        )
        await session.execute(insert(Organisation), rows)
        await session.execute(
            insert(OrganisationArea),
            [{**t, "organisation_id": o, "area_id": a} for o, a in zip(orgs, areas, strict=True)],
        )
        users, members = [{**t, "id": officer, "email": f"officer@{slug}.example", "display_name": "Officer"}], []
        members.append({**t, "user_id": officer, "organisation_id": agency, "role": Role.nominating_officer})
        users.append({**t, "id": coordinator, "email": f"coordinator@{slug}.example", "display_name": "Coordinator"})
        members.append({**t, "user_id": coordinator, "organisation_id": coordination, "role": Role.coordinator})
        for i, org in enumerate(orgs):
            for n in range(leads):
                lead = uid()
                lead_ids.append(lead)
                users.append(
                    {**t, "id": lead, "email": f"lead{n}@p{i}.{slug}.example", "display_name": f"Lead {i}.{n}"}
                )
                members.append({**t, "user_id": lead, "organisation_id": org, "role": Role.named_lead})
        await session.execute(insert(User), users)
        await session.execute(insert(Membership), members)
    return {
        "tenant": tenant,
        "slug": slug,
        "areas": areas,
        "orgs": orgs,
        "agency": agency,
        "officer": officer,
        "coordinator": coordinator,
        "leads": lead_ids,
    }


async def sessions(db: Any, tenant: uuid.UUID, users: list[uuid.UUID]) -> list[str]:
    """A signed-in session for each user, as sign-in would leave it: their tokens."""
    from reciprocal.identity.models import User
    from reciprocal.identity.services import start_session

    tokens = []
    async with db.tenant_session(tenant) as session, session.begin():
        for user_id in users:
            user = await session.get(User, (tenant, user_id))
            assert user is not None
            token = await start_session(session, tenant, user, SETTINGS, method="bench", organisation_id=None)
            assert token is not None
            tokens.append(token)
    return tokens


async def pages(app_url: URL, paths: list[tuple[str, str]]) -> float:
    """Each (path, session token) requested once, in turn, from the app in this process; the seconds it took."""
    from litestar.testing import AsyncTestClient

    from reciprocal.app import create_app

    app = create_app(SETTINGS, database_url=app_url.render_as_string(hide_password=False))
    async with AsyncTestClient(app, base_url="http://127.0.0.1:8000") as client:
        warm_path, warm_token = paths[0]
        await client.get(warm_path, cookies={"reciprocal_session": warm_token})  # the app's first request compiles
        started = time.perf_counter()
        for path, token in paths:
            response = await client.get(path, cookies={"reciprocal_session": token})
            assert response.status_code == 200, (path, response.status_code)
        return time.perf_counter() - started


def referral_rows(
    world: dict[str, Any], count: int, state: Any, start: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`count` referrals in `state`, the i-th a tenant of partner i and safe in the next 5 partners' areas."""
    areas, orgs, n = world["areas"], world["orgs"], len(world["areas"])
    referrals, named = [], []
    for i in range(start, start + count):
        rid = uid()
        referrals.append(
            {
                "tenant_id": world["tenant"],
                "id": rid,
                "version": 1,
                "reference": f"BN-2027-{i + 1:05d}",
                "state": state,
                "officer_id": world["officer"],
                "agency_id": world["agency"],
                "consent": True,
                "tenancy_type": "secure",
                "current_landlord_id": orgs[i % n],
                "current_area_id": areas[i % n],
                "bedrooms_needed": 2,
                "risk_type": "domestic_abuse",
                "submitted_at": IN_JANUARY,
            }
        )
        named.append({"tenant_id": world["tenant"], "referral_id": rid, "area_id": areas[i % n], "kind": "risk"})
        named += [
            {"tenant_id": world["tenant"], "referral_id": rid, "area_id": areas[(i + k) % n], "kind": "safe"}
            for k in range(1, 6)
        ]
    return referrals, named


async def bench_batch(db: Any, app_url: URL, owner: URL, referrals: int, partners: int) -> dict[str, float]:
    from reciprocal.jobs import services as jobs
    from reciprocal.jobs.models import QueuedJob
    from reciprocal.notifications import handoffs
    from reciprocal.referrals.models import Referral, ReferralArea
    from reciprocal.referrals.services import release_batch
    from reciprocal.referrals.workflow import State

    world = await scheme(db, "batch", partners, 1)
    rows, named = referral_rows(world, referrals, State.approved)
    async with db.tenant_session(world["tenant"]) as session, session.begin():
        await session.execute(insert(Referral), rows)
        await session.execute(insert(ReferralArea), named)
    await refresh_statistics(owner)  # as autovacuum would have: a service's tables are never new to the planner
    tenant = world["tenant"]
    started = time.perf_counter()
    async with db.tenant_session(tenant) as session, session.begin():
        released = await release_batch(session, tenant, None)
    released_s = time.perf_counter() - started
    async with db.session() as session, session.begin():
        (job,) = await session.scalars(select(QueuedJob).where(QueuedJob.entrypoint == jobs.HANDOFF))
        await session.execute(delete(QueuedJob).where(QueuedJob.id == job.id))
    handoff_started = time.perf_counter()
    async with db.tenant_session(tenant) as session, session.begin():
        messages = await handoffs.tell(session, tenant, jobs.ids(jobs.payload_of(job.payload)["ids"]))
    told_s = time.perf_counter() - handoff_started
    assert len(released) == referrals, len(released)
    assert len(messages) == partners, len(messages)  # one digest per named lead
    # Every partner's list once the batch is out: each named lead opens their home, with what reached them.
    tokens = await sessions(db, tenant, world["leads"])
    lists_s = await pages(app_url, [(f"/s/{world['slug']}/named-lead/", token) for token in tokens])
    return {
        "release_s": released_s,
        "digests_s": told_s,
        "lists_s": lists_s,
        "total_s": released_s + told_s + lists_s,
        "digests": len(messages),
    }


async def bench_statements(db: Any, app_url: URL, owner: URL, schemes: int) -> dict[str, float]:
    from reciprocal.audit.models import AuditEvent
    from reciprocal.kernel import clock
    from reciprocal.ledger.models import LedgerEntry
    from reciprocal.referrals.models import Move, Offer, OfferState, Referral, ReferralArea
    from reciprocal.referrals.workflow import State
    from reciprocal.statements.jobs import send_statements
    from reciprocal.tenancy.services import list_schemes

    tenants, ledgers = [], []
    for s in range(schemes):
        world = await scheme(db, f"statements-{s}", 10, 2)
        tenants.append(world["tenant"])
        (token,) = await sessions(db, world["tenant"], [world["coordinator"]])
        ledgers.append((f"/s/{world['slug']}/ledger", token))
        tenant, orgs, areas = world["tenant"], world["orgs"], world["areas"]
        circulating, named = referral_rows(world, 150, State.circulating)
        on_hold, more = referral_rows(world, 10, State.on_hold, start=150)
        moved, most = referral_rows(world, 40, State.moved, start=160)
        events = []
        for row, to in (
            [(r, "circulating") for r in circulating]
            + [(r, "on_hold") for r in on_hold]
            + [(r, "moved") for r in moved]
        ):
            events.append(
                {
                    "tenant_id": tenant,
                    "id": uid(),
                    "action": "referral.submit",
                    "subject_type": "referral",
                    "subject_id": row["id"],
                    "occurred_at": IN_JANUARY,
                    "details": {"from": "draft", "to": "submitted"},
                }
            )
            events.append(
                {
                    "tenant_id": tenant,
                    "id": uid(),
                    "action": f"referral.{to}",
                    "subject_type": "referral",
                    "subject_id": row["id"],
                    "occurred_at": IN_JANUARY.replace(hour=13),
                    "details": {"from": "submitted", "to": to},
                }
            )
        offers, moves, entries = [], [], []
        for i, row in enumerate(moved):
            offer, move = uid(), uid()
            receiving, sending = orgs[(i + 1) % 10], row["current_landlord_id"]
            offers.append(
                {
                    "tenant_id": tenant,
                    "id": offer,
                    "referral_id": row["id"],
                    "organisation_id": receiving,
                    "offered_by_id": world["leads"][0],
                    "area_id": areas[(i + 1) % 10],
                    "bedrooms": 2,
                    "available_from": date(2027, 1, 1),
                    "state": OfferState.moved,
                }
            )
            moves.append(
                {
                    "tenant_id": tenant,
                    "id": move,
                    "referral_id": row["id"],
                    "offer_id": offer,
                    "receiving_id": receiving,
                    "sending_id": sending,
                    "area_id": areas[(i + 1) % 10],
                    "bedrooms": 2,
                    "moved_on": date(2027, 1, 15),
                }
            )
            entries += [
                {
                    "tenant_id": tenant,
                    "id": uid(),
                    "partner_id": receiving,
                    "bedrooms": 2,
                    "amount": 1,
                    "move_id": move,
                    "created_at": IN_JANUARY,
                },
                {
                    "tenant_id": tenant,
                    "id": uid(),
                    "partner_id": sending,
                    "bedrooms": 2,
                    "amount": -1,
                    "move_id": move,
                    "created_at": IN_JANUARY,
                },
            ]
        async with db.tenant_session(tenant) as session, session.begin():
            await session.execute(insert(Referral), circulating + on_hold + moved)
            await session.execute(insert(ReferralArea), named + more + most)
            await session.execute(insert(AuditEvent), events)
            await session.execute(insert(Offer), offers)
            await session.execute(insert(Move), moves)
            await session.execute(insert(LedgerEntry), entries)
    await refresh_statistics(owner)

    clock.now = lambda: RELEASED_ON  # the job's own day; nothing else reads the clock here
    started = time.perf_counter()
    async with db.session() as session:  # as the job does, though only these schemes are measured
        assert set(tenants) <= {found.id for found in await list_schemes(session)}
    made = 0
    for tenant in tenants:
        async with db.tenant_session(tenant) as session, session.begin():
            made += len(await send_statements(session, tenant, RELEASED_ON.date()))
    statements_s = time.perf_counter() - started
    expected = schemes * 10 * 2
    assert made == expected, (made, expected)
    ledgers_s = await pages(app_url, ledgers)  # every scheme's ledger page, as its coordinator
    return {
        "statements_s": statements_s,
        "ledgers_s": ledgers_s,
        "total_s": statements_s + ledgers_s,
        "messages": made,
    }


async def main_async(admin_url: URL, args: argparse.Namespace) -> None:
    db, app_url = await database(admin_url)
    owner, _ = role_urls(admin_url, DATABASE)
    try:
        batch = await bench_batch(db, app_url, owner, args.referrals, args.partners)
        print(
            f"batch of {args.referrals} referrals to {args.partners} partners: released in {batch['release_s']:.2f} s,"
            f" {batch['digests']:.0f} digests made and enqueued in {batch['digests_s']:.2f} s, the {args.partners}"
            f" named leads' homes in {batch['lists_s']:.2f} s; {batch['total_s']:.2f} s in all"
            f" (target < {BATCH_TARGET_S:.0f} s)",
            flush=True,
        )
        statements = await bench_statements(db, app_url, owner, args.schemes)
        print(
            f"ledger and statements of {args.schemes} schemes: {statements['messages']:.0f} statements made and"
            f" enqueued in {statements['statements_s']:.2f} s, the {args.schemes} ledger pages in"
            f" {statements['ledgers_s']:.2f} s; {statements['total_s']:.2f} s in all"
            f" (target < {STATEMENTS_TARGET_S:.0f} s)",
            flush=True,
        )
    finally:
        await db.dispose()
        from reciprocal.db.bootstrap import connect_as

        admin = await connect_as(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        finally:
            await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1000)
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--schemes", type=int, default=50)
    parser.add_argument("--admin-url", help="a superuser address on a running PostgreSQL (default: embedded)")
    args = parser.parse_args()
    if args.admin_url:
        admin = make_url(args.admin_url)
    else:
        from reciprocal.db.embedded import start_embedded

        OUT_DIR.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="jobs-", dir=OUT_DIR))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        admin = start_embedded(folder / "postgres")
    asyncio.run(main_async(admin, args))


if __name__ == "__main__":
    main()
