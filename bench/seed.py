"""The goal scale every bench measures at: 20 schemes, 200,000 referrals, 2,000,000 audit events, in bulk SQL.

On its own throwaway database (an embedded PostgreSQL under var/bench/, or `--admin-url` to a server): migrated,
then both schemes under tenants/ loaded with their demo people (and pan-london's demo referrals) as
`reciprocal demo` loads them, then 18 copies of their shapes with their own slugs, partners, areas and people
(each loaded through the same loader), then per scheme: more nominating officers at its agencies, a named lead
at every housing partner, and the referrals. A few thousand referrals are live (submitted to accepted), the rest
ended over ten years (moved, withdrawn, closed, declined, ineligible, moved elsewhere), each with the steps the
workflow writes to the audit trail, its safe and risk areas, monitoring answers, and for those that moved an
offer, a move and the two ledger entries; then views in the audit trail up to ten events per referral.
`--scale 0.05` writes a twentieth of the referrals and events (the schemes and people stay).

    .venv/bin/python bench/seed.py [--scale 1] [--admin-url URL]   # seeds, prints what it wrote, drops it

Other benches import it: `seeded = await seed.seed(admin_url, "reciprocal_bench", scale)`.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from reciprocal.settings import REPO_ROOT, Settings

OUT_DIR = REPO_ROOT / "var" / "bench"
SECRET_KEY = "bench-secret-key-that-is-long-enough-for-hkdf"  # noqa: S105 - a throwaway database, loopback only
SCHEMES = 20
REFERRALS = 200_000
LIVE = 3_000
"""Live referrals in all (submitted to accepted) at scale 1; the rest ended."""
EVENTS_PER_REFERRAL = 10
"""Audit events per referral in all: the workflow's steps, then views up to this."""
OFFICERS_PER_SCHEME = 20
SCHEME = "pan-london"
COORDINATOR = "sam.okafor@coordination.example"
NAMED_LEAD = "priya.shah@camden.example"
OFFICER = "ana.ferreira@safesteps.example"


def settings(port: int = 8000) -> Settings:
    return Settings(demo=True, port=port, secret_key=SECRET_KEY, log_level="WARNING")


@dataclass
class Seeded:
    admin_url: URL
    database: str
    app_url: URL
    """The application role (RLS on) on the seeded database."""
    schemes: list[str]
    tenant_id: uuid.UUID
    """pan-london's: the scheme the pages are measured in."""
    tokens: dict[str, str]
    """Session tokens of pan-london's coordinator, named lead (Camden) and nominating officer."""
    referral_id: uuid.UUID
    """A circulating referral that reaches the named lead's organisation: the coordinator's and the lead's page."""
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --- the schemes: copies of the two shapes, through the real loader --------------------------------------------


def copy_folder(source: Path, target: Path, number: int) -> Path:
    """tenants/<source> as a scheme of its own: slug, name, reference prefix and every demo email made unique."""
    shutil.copytree(source, target)
    scheme = (target / "scheme.toml").read_text()
    slug = re.search(r'^slug = "([^"]+)"', scheme, re.MULTILINE)
    assert slug is not None
    prefix = re.search(r'^reference_prefix = "([A-Z]+)"', scheme, re.MULTILINE)
    letters = prefix.group(1) if prefix else "REF"
    scheme = re.sub(r'^slug = "[^"]+"', f'slug = "{slug.group(1)}-{number:02d}"', scheme, flags=re.MULTILINE)
    scheme = re.sub(r'^(name = "[^"]+)"', rf'\1 {number:02d}"', scheme, count=1, flags=re.MULTILINE)
    suffix = "".join(chr(ord("A") + int(d)) for d in f"{number:02d}")
    if prefix:
        scheme = scheme.replace(prefix.group(0), f'reference_prefix = "{letters[:6]}{suffix}"')
    else:
        scheme += f'\nreference_prefix = "REF{suffix}"\n'
    (target / "scheme.toml").write_text(scheme)
    demo = target / "demo.toml"
    if demo.exists():
        demo.write_text(demo.read_text().replace(".example", f"-{number:02d}.example"))
    return target


async def load_schemes(db: Any, work: Path) -> list[str]:
    from reciprocal.identity.secrets import Keys
    from reciprocal.provisioning.demo import load_demo, provider_issuer, read_demo_file
    from reciprocal.provisioning.folders import read_scheme_folder
    from reciprocal.provisioning.load import load_scheme

    shapes = [REPO_ROOT / "tenants" / "pan-london", REPO_ROOT / "tenants" / "cambridgeshire"]
    folders = list(shapes)
    for number in range(3, SCHEMES + 1):
        shape = shapes[number % 2]
        folders.append(copy_folder(shape, work / f"{shape.name}-{number:02d}", number))
    keys = Keys(settings().require_secret_key())
    slugs = []
    for folder in folders:
        config = read_scheme_folder(folder)
        await load_scheme(db, config)
        if (demo := read_demo_file(folder, config)) is not None:
            await load_demo(db, demo, keys, issuer=provider_issuer(settings().demo_oidc_port))
        slugs.append(config.scheme.slug)
    return slugs


# --- people: more officers, a named lead at every housing partner ---------------------------------------------

PEOPLE = """
insert into users (tenant_id, id, email, display_name, status)
select :t, gen_random_uuid(), 'officer' || n || '@' || o.code || '.bench.example', 'Officer ' || n || ' ' || o.name,
       'active'
from (select * from organisations where tenant_id = :t and kind = 'agency' order by code limit 1) o,
     generate_series(1, :officers) n
union all
select :t, gen_random_uuid(), 'lead@' || o.code || '.bench.example', 'Named lead at ' || o.name, 'active'
from organisations o
where o.tenant_id = :t and o.kind in ('council', 'housing_association')
  and not exists (select 1 from memberships m where m.tenant_id = :t and m.organisation_id = o.id
                  and m.role = 'named_lead')
"""
MEMBERSHIPS = """
insert into memberships (tenant_id, user_id, organisation_id, role)
select u.tenant_id, u.id, o.id, case when o.kind = 'agency' then 'nominating_officer' else 'named_lead' end
from users u join organisations o on o.tenant_id = u.tenant_id and u.email like '%@' || o.code || '.bench.example'
where u.tenant_id = :t
"""

# --- referrals: the steps the workflow takes to each state ------------------------------------------------------

# (state, share of the ended or of the live, steps from the start). Every path starts: started, submit.
ENDED = [
    (
        "moved",
        36,
        ["request_approval", "approve", "circulate", "make_offer", "arrange_viewing", "accept", "record_move"],
    ),
    ("withdrawn", 22, ["request_approval", "approve", "circulate", "withdraw"]),
    ("closed", 8, ["request_approval", "approve", "circulate", "close"]),
    ("moved_elsewhere", 12, ["request_approval", "approve", "circulate", "record_other_pathway"]),
    ("declined", 8, ["request_approval", "decline"]),
    ("ineligible", 14, ["mark_ineligible"]),
]
LIVE_STATES = [
    ("submitted", 8, []),
    ("returned", 4, ["return_for_information"]),
    ("awaiting_approval", 10, ["request_approval"]),
    ("on_hold", 4, ["put_on_hold"]),
    ("approved", 6, ["request_approval", "approve"]),
    ("circulating", 50, ["request_approval", "approve", "circulate"]),
    ("offer_made", 10, ["request_approval", "approve", "circulate", "make_offer"]),
    ("viewing", 5, ["request_approval", "approve", "circulate", "make_offer", "arrange_viewing"]),
    ("accepted", 3, ["request_approval", "approve", "circulate", "make_offer", "arrange_viewing", "accept"]),
]
NAMED_LEAD_STEPS = {"approve", "decline", "make_offer"}
TO = {
    "submit": "submitted",
    "return_for_information": "returned",
    "request_approval": "awaiting_approval",
    "put_on_hold": "on_hold",
    "approve": "approved",
    "decline": "declined",
    "circulate": "circulating",
    "make_offer": "offer_made",
    "arrange_viewing": "viewing",
    "accept": "accepted",
    "record_move": "moved",
    "withdraw": "withdrawn",
    "close": "closed",
    "record_other_pathway": "moved_elsewhere",
    "mark_ineligible": "ineligible",
}


def paths_sql() -> str:
    """A VALUES list (state, step, action, from, to) of every path above."""
    rows = []
    for state, _, steps in ENDED + LIVE_STATES:
        before = "draft"
        for i, action in enumerate(["submit", *steps]):
            rows.append(f"('{state}', {i + 1}, 'referral.{action}', '{before}', '{TO[action]}')")
            before = TO[action]
    return ",\n".join(rows)


def states_sql(states: list[tuple[str, int, list[str]]]) -> str:
    """An array of states in which each appears as often as its share: picked by index."""
    return "array[" + ", ".join(", ".join([f"'{s}'"] * share) for s, share, _ in states) + "]"


# One scheme's referrals. :n in all, the first :live of them live (in the last 90 days), the rest ended over ten
# years. Landlord, area, officer and bedrooms go round the scheme's own; a referral's safe areas are 3 of the
# areas its partners have stock in, away from its own.
REFERRALS_SQL = """
insert into referrals (
    tenant_id, id, version, reference, state, criteria_version, officer_id, agency_id, officer_case_reference,
    consent, tenancy_type, duty_to_house, current_landlord_id, current_area_id, adults, children_ages,
    bedrooms_needed, pets, access_needs, floor_level_need, medical_evidence, risk_type, safeguarding_measures,
    resettlement_support, note, submitted_at, approved_at, circulated_at, offered_at, ended_at, held_back,
    updated_at, created_at)
select :t, gen_random_uuid(), 1 + s.steps,
       :prefix || '-' || extract(year from s.at)::int || '-B' || lpad(g::text, 6, '0'),
       s.state, c.version, off.ids[1 + g % array_length(off.ids, 1)], off.orgs[1 + g % array_length(off.ids, 1)],
       'CASE-' || g,
       true, 'secure', g % 3 = 0, ll.ids[1 + g % array_length(ll.ids, 1)], ll.areas[1 + g % array_length(ll.ids, 1)],
       1 + g % 2, case when g % 3 = 0 then '{}'::int[] else array[4, 9] end, 1 + g % 4, '', '', g % 11 = 0,
       g % 7 = 0, (array['domestic_abuse', 'sexual_violence', 'stalking', 'hate_crime', 'serious_violence'])[1 + g % 5],
       '', '', '', s.at,
       case when s.steps >= 3 and s.state not in ('declined', 'on_hold', 'returned') then s.at + interval '5 days' end,
       case when s.steps >= 4 and s.state not in ('declined', 'ineligible') then s.at + interval '12 days' end,
       case when s.state in ('moved', 'offer_made', 'viewing', 'accepted') then s.at + interval '30 days' end,
       case when s.live then null else s.at + interval '75 days' end, false,
       least(now(), s.at + interval '75 days'), s.at
from generate_series(1, cast(:n as int)) g
cross join (select max(version) as version from criteria_versions where tenant_id = :t) c
cross join (select array_agg(m.user_id order by m.user_id) as ids,
                   array_agg(m.organisation_id order by m.user_id) as orgs
            from memberships m where m.tenant_id = :t and m.role = 'nominating_officer') off
cross join (select array_agg(o.id order by o.code) as ids, array_agg(oa.area_id order by o.code) as areas
            from organisations o join lateral (select area_id from organisation_areas x where x.tenant_id = o.tenant_id
            and x.organisation_id = o.id order by area_id limit 1) oa on true
            where o.tenant_id = :t and o.kind in ('council', 'housing_association')) ll
cross join lateral (
    select g <= cast(:live as int) as live,
           case when g <= cast(:live as int) then (LIVE_STATES)[1 + g % LIVE_COUNT]
                else (ENDED_STATES)[1 + g % ENDED_COUNT] end as state,
           case when g <= cast(:live as int)
                then now() - (g::float / cast(:live as int)) * interval '90 days'
                else now() - interval '90 days' - (g::float / cast(:n as int)) * interval '3650 days' end as at
) s0
cross join lateral (select s0.*, (select count(*) from paths p where p.state = s0.state)::int as steps) s
"""
PATHS_CTE = "with paths (state, step, action, from_state, to_state) as (values PATHS)\n"

AREAS_SQL = """
insert into referral_areas (tenant_id, referral_id, area_id, kind)
select r.tenant_id, r.id, r.current_area_id, 'risk' from referrals r
where r.tenant_id = :t and r.reference like '%-B%'
union all
select r.tenant_id, r.id, a.ids[1 + (abs(hashtext(r.id::text)) + k * 7) % array_length(a.ids, 1)], 'safe'
from referrals r,
     (select array_agg(distinct area_id order by area_id) as ids from organisation_areas where tenant_id = :t) a,
     generate_series(1, 3) k
where r.tenant_id = :t and r.reference like '%-B%'
on conflict do nothing
"""
MONITORING_SQL = """
insert into referral_monitoring (tenant_id, referral_id, answers)
select tenant_id, id, jsonb_build_object(
    'gender', (array['woman', 'man', 'non_binary'])[1 + abs(hashtext(id::text)) % 3],
    'lone_parent', (array['yes', 'no', 'not_said'])[1 + abs(hashtext(reference)) % 3])
from referrals where tenant_id = :t and reference like '%-B%'
"""
# The receiving partner: the next one round from the referral's landlord, offering in its own first area.
OFFERS_SQL = """
insert into offers (tenant_id, id, referral_id, organisation_id, offered_by_id, area_id, bedrooms, available_from,
                    state, accessibility, created_at)
select r.tenant_id, gen_random_uuid(), r.id, recv.id, recv.lead, recv.area, r.bedrooms_needed,
       (r.offered_at + interval '7 days')::date,
       case r.state when 'moved' then 'moved' when 'offer_made' then 'open' when 'viewing' then 'viewing'
                    when 'accepted' then 'accepted' else 'refused' end, '', r.offered_at
from (select r.*, (select array_agg(o.id order by o.code) from organisations o
                   where o.tenant_id = r.tenant_id and o.kind in ('council', 'housing_association')
                   and exists (select 1 from organisation_areas x where x.tenant_id = o.tenant_id
                               and x.organisation_id = o.id)) as ll
      from referrals r
      where r.tenant_id = :t and r.reference like '%-B%' and r.offered_at is not null) r
cross join lateral (
    select o.id, (select oa.area_id from organisation_areas oa where oa.tenant_id = o.tenant_id
                  and oa.organisation_id = o.id order by oa.area_id limit 1) as area,
           (select m.user_id from memberships m where m.tenant_id = o.tenant_id and m.organisation_id = o.id
                  and m.role = 'named_lead' order by m.user_id limit 1) as lead
    from organisations o
    where o.tenant_id = r.tenant_id
      and o.id = r.ll[1 + (array_position(r.ll, r.current_landlord_id) % array_length(r.ll, 1))]
) recv
"""
MOVES_SQL = """
insert into moves (tenant_id, id, referral_id, offer_id, receiving_id, sending_id, area_id, bedrooms, moved_on)
select o.tenant_id, gen_random_uuid(), o.referral_id, o.id, o.organisation_id, r.current_landlord_id, o.area_id,
       o.bedrooms, (r.ended_at)::date
from offers o join referrals r on r.tenant_id = o.tenant_id and r.id = o.referral_id
where o.tenant_id = :t and o.state = 'moved' and r.reference like '%-B%'
"""
LEDGER_SQL = """
insert into ledger_entries (tenant_id, id, partner_id, bedrooms, amount, move_id, reason, created_at)
select m.tenant_id, gen_random_uuid(), side.partner, case when cast(:like_for_like as boolean) then m.bedrooms end,
       side.amount, m.id, '', m.moved_on + time '12:00'
from moves m join referrals r on r.tenant_id = m.tenant_id and r.id = m.referral_id
cross join lateral (values (m.receiving_id, 1), (m.sending_id, -1)) side (partner, amount)
where m.tenant_id = :t and r.reference like '%-B%'
"""
# Each step as the workflow records it: the officer starts and submits, the landlord's named lead approves or
# declines, the receiving partner's named lead offers, the coordinator does the rest.
STEPS_SQL = """
insert into audit_events (tenant_id, id, occurred_at, action, actor_user_id, actor_organisation_id, actor_role,
                          subject_type, subject_id, details, created_at)
select r.tenant_id, gen_random_uuid(), r.submitted_at + (p.step - 1) * interval '4 days', p.action,
       case when p.step = 1 then r.officer_id
            when p.action in ('referral.approve', 'referral.decline') then lead.user_id
            when p.action = 'referral.make_offer' then o.offered_by_id
            else :coordinator end,
       case when p.step = 1 then r.agency_id
            when p.action in ('referral.approve', 'referral.decline') then r.current_landlord_id
            when p.action = 'referral.make_offer' then o.organisation_id
            else :coordination end,
       case when p.step = 1 then 'nominating_officer'
            when p.action in ('referral.approve', 'referral.decline', 'referral.make_offer') then 'named_lead'
            else 'coordinator' end,
       'referral', r.id,
       jsonb_build_object('from', p.from_state, 'to', p.to_state)
         || case when p.action in ('referral.arrange_viewing', 'referral.accept') then
                 jsonb_build_object('offer', o.id) else '{}' end
         || case when p.action = 'referral.record_move' then jsonb_build_object('move', mv.id) else '{}' end
         || case when p.action = 'referral.record_other_pathway' then '{"pathway": "housing_moves"}'::jsonb
                 else '{}' end,
       r.submitted_at + (p.step - 1) * interval '4 days'
from referrals r
join paths p on p.state = r.state
left join offers o on o.tenant_id = r.tenant_id and o.referral_id = r.id
left join moves mv on mv.tenant_id = r.tenant_id and mv.referral_id = r.id
left join lateral (select m.user_id from memberships m where m.tenant_id = r.tenant_id
                   and m.organisation_id = r.current_landlord_id and m.role = 'named_lead'
                   order by m.user_id limit 1) lead on true
where r.tenant_id = :t and r.reference like '%-B%'
union all
select r.tenant_id, gen_random_uuid(), r.submitted_at - interval '1 hour', 'referral.started', r.officer_id,
       r.agency_id, 'nominating_officer', 'referral', r.id, '{}', r.submitted_at - interval '1 hour'
from referrals r where r.tenant_id = :t and r.reference like '%-B%'
"""
# Reads: the coordinator mostly, the landlord's named lead sometimes; :per views per referral on average.
VIEWS_SQL = """
insert into audit_events (tenant_id, id, occurred_at, action, actor_user_id, actor_organisation_id, actor_role,
                          subject_type, subject_id, details, created_at)
select r.tenant_id, gen_random_uuid(), r.submitted_at + k * interval '3 days', 'referral.viewed',
       :coordinator, :coordination, 'coordinator', 'referral', r.id, '{}', r.submitted_at + k * interval '3 days'
from referrals r cross join generate_series(1, cast(:per as int) + 1) k
where r.tenant_id = :t and r.reference like '%-B%'
  and (k <= cast(:per as int) or abs(hashtext(r.id::text)) % 1000 < cast(:extra as int))
"""
# An enquiry before each referral (the checker or the coordinator's log), as the reports count them.
ENQUIRIES_SQL = """
insert into enquiries (tenant_id, id, received_at, channel, outcome)
select r.tenant_id, gen_random_uuid(), r.submitted_at - interval '2 days',
       case when abs(hashtext(r.id::text)) % 3 = 0 then 'phone' else 'checker' end, 'likely_eligible'
from referrals r where r.tenant_id = :t and r.reference like '%-B%'
"""
COUNTERS_SQL = """
insert into reference_counters (tenant_id, year, last)
select :t, extract(year from submitted_at)::int, 9999 from referrals where tenant_id = :t and submitted_at is not null
group by 2
on conflict (tenant_id, year) do update set last = greatest(reference_counters.last, 9999)
"""


def referrals_sql() -> str:
    live = states_sql(LIVE_STATES)
    ended = states_sql(ENDED)
    body = (
        REFERRALS_SQL.replace("(LIVE_STATES)", f"({live})")
        .replace("LIVE_COUNT", str(sum(s for _, s, _ in LIVE_STATES)))
        .replace("(ENDED_STATES)", f"({ended})")
        .replace("ENDED_COUNT", str(sum(s for _, s, _ in ENDED)))
    )
    return PATHS_CTE.replace("PATHS", paths_sql()) + body


async def people_of(session: Any, tenant: uuid.UUID) -> dict[str, Any]:
    from sqlalchemy import text

    row = (
        await session.execute(
            text(
                """
                select (select m.user_id from memberships m where m.tenant_id = :t and m.role = 'coordinator'
                        order by m.user_id limit 1) as coordinator,
                       (select m.organisation_id from memberships m where m.tenant_id = :t and m.role = 'coordinator'
                        order by m.user_id limit 1) as coordination,
                       (select reference_prefix from schemes where id = :t) as prefix
                """
            ),
            {"t": tenant},
        )
    ).one()
    return dict(row._mapping)


async def seed_scheme(db: Any, tenant: uuid.UUID, *, referrals: int, live: int, like_for_like: bool) -> None:
    from sqlalchemy import text

    async with db.tenant_session(tenant) as session, session.begin():
        await session.execute(text("set local statement_timeout = 0"))  # writing the data is not measured
        await session.execute(text(PEOPLE), {"t": tenant, "officers": OFFICERS_PER_SCHEME - 1})
        await session.execute(text(MEMBERSHIPS), {"t": tenant})
        who = await people_of(session, tenant)
        params = {"t": tenant, "n": referrals, "live": live, **who}
        await session.execute(text(referrals_sql()), params)
        for statement in (AREAS_SQL, MONITORING_SQL, ENQUIRIES_SQL, OFFERS_SQL, MOVES_SQL):
            await session.execute(text(statement), params)
        await session.execute(text(LEDGER_SQL), {**params, "like_for_like": like_for_like})
        await session.execute(text(PATHS_CTE.replace("PATHS", paths_sql()) + STEPS_SQL), params)
        steps = await session.scalar(
            text("select count(*) from audit_events where tenant_id = :t and subject_type = 'referral'"), params
        )
        views = max(0, referrals * EVENTS_PER_REFERRAL - int(steps or 0))
        per, extra = divmod(views * 1000 // max(referrals, 1), 1000)
        await session.execute(text(VIEWS_SQL), {**params, "per": per, "extra": extra})
        await session.execute(text(COUNTERS_SQL), params)


# --- the whole database -----------------------------------------------------------------------------------------


def start_server(prefix: str = "seed-") -> URL:
    """An embedded PostgreSQL in a new folder under var/bench/, stopped and removed when this process ends."""
    from reciprocal.db.embedded import start_embedded

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=OUT_DIR))
    # Registered before the embedded server's own stop, so it runs after it (atexit is last in, first out).
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return start_embedded(folder / "postgres")


async def drop(admin_url: URL, database: str) -> None:
    from reciprocal.db.bootstrap import connect_as

    admin = await connect_as(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed(admin_url: URL, database: str, scale: float = 1.0, *, log: Any = print) -> Seeded:
    """A fresh database `database` at `scale` times the goal; the people signed in and the referral to measure."""
    from sqlalchemy import select

    from reciprocal.db.bootstrap import bootstrap, connect_as, role_urls
    from reciprocal.db.engine import Database
    from reciprocal.db.migrate import migrate
    from reciprocal.provisioning.folders import read_scheme_folder
    from reciprocal.tenancy.models import Scheme

    began = time.perf_counter()
    await drop(admin_url, database)
    owner, app = role_urls(admin_url, database)
    await bootstrap(admin_url, owner, app)
    await migrate(owner)
    db = Database(app, settings())
    OUT_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    work = Path(tempfile.mkdtemp(prefix="schemes-", dir=OUT_DIR))
    try:
        slugs = await load_schemes(db, work)
        log(f"  {len(slugs)} schemes loaded in {time.perf_counter() - began:.1f} s")
        async with db.session() as session:
            tenants = dict((await session.execute(select(Scheme.slug, Scheme.id))).all())
        per_scheme = max(20, round(REFERRALS * scale / len(slugs)))
        live = max(10, round(LIVE * scale / len(slugs)))
        like = {
            "pan-london": read_scheme_folder(REPO_ROOT / "tenants" / "pan-london").criteria.like_for_like_bedrooms,
            "cambridgeshire": read_scheme_folder(
                REPO_ROOT / "tenants" / "cambridgeshire"
            ).criteria.like_for_like_bedrooms,
        }
        for slug in slugs:
            shape = "pan-london" if slug.startswith("pan-london") else "cambridgeshire"
            await seed_scheme(db, tenants[slug], referrals=per_scheme, live=live, like_for_like=like[shape])
        log(f"  {per_scheme * len(slugs):,} referrals written in {time.perf_counter() - began:.1f} s")
        admin = await connect_as(admin_url, database)
        try:
            await admin.execute("VACUUM ANALYZE")  # as autovacuum would have by then: statistics, visibility map
        finally:
            await admin.close()
        counts = await counts_of(admin_url, database)
        log(f"  analysed in {time.perf_counter() - began:.1f} s")
    finally:
        await db.dispose()
        shutil.rmtree(work, ignore_errors=True)
    seeded = await attach(admin_url, database)
    seeded.counts, seeded.seconds = counts, round(time.perf_counter() - began, 1)
    return seeded


async def attach(admin_url: URL, database: str) -> Seeded:
    """A database seeded earlier (kept with --keep): pan-london's people signed in afresh, the referral to measure."""
    from sqlalchemy import func, select, text

    from reciprocal.db.bootstrap import role_urls
    from reciprocal.db.engine import Database
    from reciprocal.identity.models import User
    from reciprocal.identity.services import start_session
    from reciprocal.tenancy.models import Scheme

    app = role_urls(admin_url, database)[1]
    db = Database(app, settings())
    try:
        async with db.session() as session:
            tenants = dict((await session.execute(select(Scheme.slug, Scheme.id))).all())
        tenant = tenants[SCHEME]
        tokens = {}
        for role, email in (("coordinator", COORDINATOR), ("named_lead", NAMED_LEAD), ("officer", OFFICER)):
            async with db.tenant_session(tenant) as session, session.begin():
                user = await session.scalar(select(User).where(User.tenant_id == tenant, User.email == email))
                assert user is not None, email
                token = await start_session(session, tenant, user, settings(), method="bench", organisation_id=None)
                assert token is not None, email
                tokens[role] = token
        # A circulating referral safe in an area where the named lead's organisation has stock, with the most
        # events: the coordinator's referral page and the named lead's circulated referral measure the same one.
        async with db.tenant_session(tenant) as session:
            referral_id = await session.scalar(
                text(
                    """
                    select r.id from referrals r
                    join referral_areas ra on ra.tenant_id = r.tenant_id and ra.referral_id = r.id and ra.kind = 'safe'
                    join organisation_areas oa on oa.tenant_id = r.tenant_id and oa.area_id = ra.area_id
                    join memberships m on m.tenant_id = r.tenant_id and m.organisation_id = oa.organisation_id
                    join users u on u.tenant_id = m.tenant_id and u.id = m.user_id and u.email = :email
                    where r.tenant_id = :t and r.state = 'circulating' and r.current_landlord_id <> m.organisation_id
                    order by (select count(*) from audit_events a where a.tenant_id = r.tenant_id
                              and a.subject_id = r.id) desc, r.id
                    limit 1
                    """
                ),
                {"t": tenant, "email": NAMED_LEAD},
            )
            assert referral_id is not None
            assert await session.scalar(select(func.count()).select_from(Scheme)) == len(tenants)
    finally:
        await db.dispose()
    return Seeded(
        admin_url=admin_url,
        database=database,
        app_url=app,
        schemes=sorted(tenants),
        tenant_id=tenant,
        tokens=tokens,
        referral_id=referral_id,
    )


async def counts_of(admin_url: URL, database: str) -> dict[str, int]:
    """Rows per table seeded, and the live referrals."""
    from reciprocal.db.bootstrap import connect_as

    admin = await connect_as(admin_url, database)
    try:
        tables = (
            "schemes",
            "users",
            "referrals",
            "audit_events",
            "offers",
            "moves",
            "ledger_entries",
            "referral_areas",
        )
        # Names from this file, not input.
        counts = {table: int(await admin.fetchval(f"select count(*) from {table}")) for table in tables}  # noqa: S608
        counts["live_referrals"] = int(
            await admin.fetchval("select count(*) from referrals where ended_at is null and state <> 'draft'")
        )
    finally:
        await admin.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the goal's referrals and events")
    parser.add_argument("--admin-url", help="a superuser address on a running PostgreSQL (default: embedded)")
    parser.add_argument("--keep", action="store_true", help="leave the database (with --admin-url)")
    args = parser.parse_args()
    admin = make_url(args.admin_url) if args.admin_url else start_server()
    seeded = asyncio.run(seed(admin, "reciprocal_bench_seed", args.scale))
    print(f"seeded in {seeded.seconds:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in seeded.counts.items()))
    if not args.keep:
        asyncio.run(drop(admin, seeded.database))


if __name__ == "__main__":
    main()
