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

from reciprocal.settings import REPO_ROOT, Settings

DATABASE = "reciprocal_bench_jobs"
OUT_DIR = REPO_ROOT / "var" / "bench"
RELEASED_ON = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
"""Monday 1 February 2027, a first working day: the statements are January's."""
IN_JANUARY = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
BATCH_TARGET_S, STATEMENTS_TARGET_S = 2.0, 10.0


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
    secret = "bench-secret-key-that-is-long-enough-for-hkdf"  # noqa: S105 - a throwaway database, loopback only
    return Database(app, Settings(demo=True, secret_key=secret)), app


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
    agency, officer = uid(), uid()
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
        await session.execute(insert(Organisation), rows)
        await session.execute(
            insert(OrganisationArea),
            [{**t, "organisation_id": o, "area_id": a} for o, a in zip(orgs, areas, strict=True)],
        )
        users, members = [{**t, "id": officer, "email": f"officer@{slug}.example", "display_name": "Officer"}], []
        members.append({**t, "user_id": officer, "organisation_id": agency, "role": Role.nominating_officer})
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
    return {"tenant": tenant, "areas": areas, "orgs": orgs, "agency": agency, "officer": officer, "leads": lead_ids}


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


async def bench_batch(db: Any, referrals: int, partners: int) -> dict[str, float]:
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
    return {"release_s": released_s, "digests_s": told_s, "total_s": released_s + told_s, "digests": len(messages)}


async def bench_statements(db: Any, schemes: int) -> dict[str, float]:
    from reciprocal.audit.models import AuditEvent
    from reciprocal.kernel import clock
    from reciprocal.ledger.models import LedgerEntry
    from reciprocal.referrals.models import Move, Offer, OfferState, Referral, ReferralArea
    from reciprocal.referrals.workflow import State
    from reciprocal.statements.jobs import send_statements
    from reciprocal.tenancy.services import list_schemes

    tenants = []
    for s in range(schemes):
        world = await scheme(db, f"statements-{s}", 10, 2)
        tenants.append(world["tenant"])
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

    clock.now = lambda: RELEASED_ON  # the job's own day; nothing else reads the clock here
    started = time.perf_counter()
    async with db.session() as session:  # as the job does, though only these schemes are measured
        assert set(tenants) <= {found.id for found in await list_schemes(session)}
    made = 0
    for tenant in tenants:
        async with db.tenant_session(tenant) as session, session.begin():
            made += len(await send_statements(session, tenant, RELEASED_ON.date()))
    elapsed = time.perf_counter() - started
    expected = schemes * 10 * 2
    assert made == expected, (made, expected)
    return {"total_s": elapsed, "messages": made}


async def main_async(admin_url: URL, args: argparse.Namespace) -> None:
    db, _ = await database(admin_url)
    try:
        batch = await bench_batch(db, args.referrals, args.partners)
        print(
            f"batch of {args.referrals} referrals to {args.partners} partners: released in {batch['release_s']:.2f} s,"
            f" {batch['digests']:.0f} digests made and enqueued in {batch['digests_s']:.2f} s;"
            f" {batch['total_s']:.2f} s in all (target < {BATCH_TARGET_S:.0f} s)",
            flush=True,
        )
        statements = await bench_statements(db, args.schemes)
        print(
            f"monthly statements of {args.schemes} schemes: {statements['messages']:.0f} made and enqueued in"
            f" {statements['total_s']:.2f} s (target < {STATEMENTS_TARGET_S:.0f} s)",
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
