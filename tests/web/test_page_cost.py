"""No signed-in page costs more as a scheme's history grows: ten times the closed referrals, the same statements
and the same rows read, page by page, in both schemes.

A page is measured on the app's own engine: every SQL statement it sends (a `before_cursor_execute` listener)
and, just before each of its transactions commits, what that transaction read (`pg_stat_xact_user_tables`:
rows from sequential scans and rows fetched through indexes, by table, and entries read from each index). The
test database runs with `enable_seqscan = off`, so a query that can use an index does even on tiny tables,
and one that must read the scheme's history still shows it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar import Litestar
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncSession

from people import area_ids, organisation_id
from reciprocal.db.bootstrap import connect_as
from reciprocal.db.engine import Database
from reciprocal.identity.models import User
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.portals.coordinator import listing
from reciprocal.portals.officer import queries as officer_queries
from reciprocal.referrals import decisions, offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.fit import Property
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action, State
from reciprocal.settings import Settings
from support import DatabaseUnderTest, make_settings, session_token
from support.web import Client, use_session
from support.world import KEYS, County, World

READ_SQL = """
select 'rows ' || relname, seq_tup_read + coalesce(idx_tup_fetch, 0)
  from pg_stat_xact_user_tables where seq_tup_read + coalesce(idx_tup_fetch, 0) > 0
union all
select 'index ' || i.indexrelid::regclass::text, pg_stat_get_xact_tuples_returned(i.indexrelid)
  from pg_index i join pg_stat_xact_user_tables t on t.relid = i.indrelid
 where pg_stat_get_xact_tuples_returned(i.indexrelid) > 0
"""
"""What the current transaction has read so far: rows by table, entries by index."""


@dataclass
class Cost:
    """What one request cost the database: each statement it sent, with what that statement read."""

    statements: list[tuple[str, Counter[str]]] = field(default_factory=list)
    """Rows by table (`rows referrals`) and index entries by index (`index ix_referrals_state`)."""

    def rows(self, *, only: frozenset[str]) -> Counter[str]:
        """Rows read from each of the tables `only`, by every statement but the guard's."""
        total: Counter[str] = Counter()
        for _, read in self.page_statements():
            total.update({k[5:]: v for k, v in read.items() if k.startswith("rows ") and k[5:] in only})
        return total

    def page_statements(self) -> list[tuple[str, Counter[str]]]:
        return [(statement, read) for statement, read in self.statements if not guards(statement)]


GUARD = ("FROM schemes", "FROM user_sessions", "UPDATE user_sessions")
"""The guard's own reads (the scheme, the session and its person): another piece of work (issue 11) makes them
one query, cached; their statements are counted here, their rows are not."""


def guards(statement: str) -> bool:
    return any(part in statement for part in GUARD)


class Meter:
    """Counts what the app's engine sends, and what each statement reads, while `measuring`.

    NOTE: a backend reports what it read at most once a second, between transactions: until then its "current
    transaction's" counts still hold earlier transactions' too. So a statement's reads are the difference
    between the counts just before it and just after it, in the same transaction.
    """

    def __init__(self, db: Database) -> None:
        self.cost: Cost | None = None
        self._before: Counter[str] = Counter()
        engine = db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._before_statement)
        event.listen(engine, "after_cursor_execute", self._after_statement)

    @staticmethod
    def _read(conn: Connection) -> Counter[str]:
        # NOTE: the DBAPI cursor, not conn.execute: the reading must not count itself.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(READ_SQL)
        found = Counter({name: count for name, count in cursor.fetchall()})
        cursor.close()
        return found

    def _before_statement(self, conn: Connection, _cursor: Any, _statement: str, *_: Any) -> None:
        if self.cost is not None:
            self._before = self._read(conn)

    def _after_statement(self, conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if self.cost is not None:
            self.cost.statements.append((statement, self._read(conn) - self._before))

    @contextmanager
    def measuring(self) -> Iterator[Cost]:
        self.cost = Cost()
        try:
            yield self.cost
        finally:
            self.cost = None


# --- a scheme's history, through the services ----------------------------------------------------------------


Step = Callable[[AsyncSession, Referral], Awaitable[Any]]


async def each(world: World, ids: list[uuid.UUID], step: Step) -> None:
    """`step` for every referral of `ids`, in one transaction: the batch of a history's day."""

    async def run(session: AsyncSession) -> None:
        for referral_id in ids:
            referral = await session.get(Referral, (world.scheme.id, referral_id))
            assert referral is not None
            await step(session, referral)

    await world.run(run)


def reverse(world: World, places: Places) -> ReferralAnswers:
    """The partner's own tenant, safe only where the landlord houses: its move pays the landlord's back."""
    return replace(
        world.domestic_abuse(),
        risk_type="serious_violence",
        current_landlord_id=places.partner_org,
        current_area_id=places.partner_area,
        risk_area_ids=frozenset({places.partner_area}),
        safe_area_ids=frozenset({places.landlord_area, *places.others}),
        risk_assessor_id=world.assessor.user_id,
    )


@dataclass(frozen=True)
class Places:
    landlord_area: uuid.UUID
    partner_area: uuid.UUID
    partner_org: uuid.UUID
    others: tuple[uuid.UUID, ...]
    """Further safe areas, to name as many as the criteria ask."""


async def places_of(world: World) -> Places:
    tid = world.scheme.id
    if isinstance(world, County):
        landlord, partner, fenland = await area_ids(world.db, tid, "cambridge", "south-cambridgeshire", "fenland")
        return Places(landlord, partner, await organisation_id(world.db, tid, "fen-and-river-homes"), (fenland,))
    return Places(
        world.camden_area,
        world.islington_area,
        await organisation_id(world.db, tid, "islington-council"),
        (world.brent_area, world.hackney, world.lewisham, world.southwark),
    )


def landlords_home(world: World, places: Places) -> Property:
    return replace(world.home(), area_id=places.landlord_area, bedrooms=world.domestic_abuse().bedrooms_needed or 2)


async def drafted(world: World, answers: list[ReferralAnswers]) -> list[uuid.UUID]:
    async def run(session: AsyncSession) -> list[uuid.UUID]:
        ids = []
        for given in answers:
            draft = await referrals.start_referral(session, world.officer)
            draft = await referrals.save_draft(session, world.officer, draft.id, given, version=draft.version)
            await session.flush()
            ids.append(draft.id)
        return ids

    made: list[uuid.UUID] = await world.run(run)
    return made


def act(actor: Actor, action: Action, note: str = "") -> Step:
    async def step(session: AsyncSession, referral: Referral) -> None:
        await referrals.act(session, actor, referral.id, action, version=referral.version, note=note)

    return step


def submit(world: World) -> Step:
    async def step(session: AsyncSession, referral: Referral) -> None:
        await referrals.submit(session, world.officer, world.scheme, referral.id, version=referral.version)

    return step


def offer(world: World, lead: Actor, prop: Property) -> Step:
    """`lead` offers `prop`: where offers stand side by side (no cap), the officer then chooses it."""

    async def step(session: AsyncSession, referral: Referral) -> None:
        made = await offers.make_offer(session, lead, KEYS, referral.id, prop, version=referral.version)
        if referral.state == State.circulating:
            await decisions.choose_offer(session, world.officer, referral.id, made.id, version=referral.version)

    return step


def coordinate(world: World, fn: Callable[..., Awaitable[Any]], **kwargs: Any) -> Step:
    async def step(session: AsyncSession, referral: Referral) -> None:
        await fn(session, world.coordinator, referral.id, version=referral.version, **kwargs)

    return step


def assess(world: World) -> Step:
    async def step(session: AsyncSession, referral: Referral) -> None:
        await offers.record_risk_assessment(session, world.assessor, referral.id, risk_identified=False, notes="")

    return step


def viewed(*people: Actor) -> Step:
    async def step(session: AsyncSession, referral: Referral) -> None:
        for person in people:
            referrals.record_view(session, person, referral.id)

    return step


async def history(world: World, units: int) -> None:
    """`units` times over: a move out and a move back (offers, a risk assessment, ledger entries), both closed;
    a referral withdrawn under offer; one declined; one found ineligible. Each read, and the named leads' homes
    visited, as the audit trail has them."""
    places = await places_of(world)
    out = await drafted(world, [world.domestic_abuse()] * units)
    back = await drafted(world, [reverse(world, places)] * units)
    withdrawn = await drafted(world, [world.domestic_abuse()] * units)
    declined = await drafted(world, [world.domestic_abuse()] * units)
    ineligible = await drafted(world, [world.domestic_abuse()] * units)
    everything = [*out, *back, *withdrawn, *declined, *ineligible]
    await each(world, everything, submit(world))
    await each(world, ineligible, act(world.coordinator, Action.mark_ineligible, note="Not eligible"))
    await each(world, [*out, *back, *withdrawn, *declined], act(world.coordinator, Action.request_approval))
    await each(world, declined, act(world.landlord, Action.decline, note="Not ours to approve"))
    await each(world, [*out, *withdrawn], act(world.landlord, Action.approve))
    await each(world, back, act(world.partner, Action.approve))
    await world.run(referrals.circulate_batch, world.coordinator)
    await each(world, [*out, *withdrawn], offer(world, world.partner, world.home()))
    await each(world, back, offer(world, world.landlord, landlords_home(world, places)))
    await each(world, back, assess(world))
    await each(world, withdrawn, act(world.coordinator, Action.withdraw))
    for moving in (out, back):
        await each(world, moving, coordinate(world, offers.arrange_viewing))
        await each(world, moving, coordinate(world, offers.accept))
        bedrooms = world.home().bedrooms
        await each(world, moving, coordinate(world, offers.record_move, moved_on=date(2026, 11, 2), bedrooms=bedrooms))
    await each(world, [*out, *back], act(world.coordinator, Action.close))
    await each(world, everything, viewed(world.coordinator, world.landlord, world.partner, world.officer))

    async def visits(session: AsyncSession) -> None:
        for _ in range(units):
            for lead in (world.landlord, world.partner):
                referrals.record_home_visit(session, lead)

    await world.run(visits)


async def vacuumed(database: DatabaseUnderTest) -> None:
    """Dead row versions and planner statistics as a settled database has them, the same for both measurements.

    NOTE: the indexes rebuilt too: a vacuum skips indexes with few dead rows, so a partial index made on the
    empty template would keep the size it had there, and the planner pass it over.
    """
    conn = await connect_as(database.admin)
    try:
        await conn.execute("vacuum")
        await conn.execute(f'reindex database "{database.name}"')
        await conn.execute("analyze")
    finally:
        await conn.close()


# --- the pages ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """The scheme's work in hand: the same before and after the history grows."""

    draft: uuid.UUID
    submitted: Referral
    awaiting: Referral
    circulating: Referral
    assessed: Referral


async def live_work(world: World) -> Live:
    draft = (await drafted(world, [world.domestic_abuse()]))[0]
    submitted = await world.submitted(world.domestic_abuse())
    awaiting = await world.submitted(world.domestic_abuse())
    awaiting = await world.run(
        referrals.act, world.coordinator, awaiting.id, Action.request_approval, version=awaiting.version
    )
    circulating = await world.circulating(world.domestic_abuse())
    needs_view = replace(
        world.domestic_abuse(),
        risk_type="serious_violence",
        safe_area_ids=frozenset(),
        risk_assessor_id=world.assessor.user_id,
    )
    assessed = await world.offered(needs_view)
    return Live(draft, submitted, awaiting, circulating, assessed)


Page = tuple[str, Actor, str]
"""A page's name, who opens it and its path."""


def pages(world: World, live: Live) -> list[Page]:
    s = f"/s/{world.scheme.slug}"
    return [
        ("coordinator's work queue", world.coordinator, f"{s}/coordinator/"),
        ("coordinator's referral page", world.coordinator, f"{s}/coordinator/referrals/{live.circulating.id}"),
        ("coordinator's list of referrals", world.coordinator, f"{s}/coordinator/referrals"),
        ("named lead's home (landlord)", world.landlord, f"{s}/named-lead/"),
        ("named lead's home (partner)", world.partner, f"{s}/named-lead/"),
        ("a circulated referral", world.partner, f"{s}/named-lead/referrals/{live.circulating.id}"),
        ("officer's home", world.officer, f"{s}/officer/"),
        ("officer's referrals", world.officer, f"{s}/officer/referrals"),
        ("officer's referral page", world.officer, f"{s}/referrals/{live.circulating.id}"),
        ("officer's draft", world.officer, f"{s}/referrals/{live.draft}"),
        ("officer's messages", world.officer, f"{s}/referrals/{live.circulating.id}/messages"),
        ("coordinator's messages", world.coordinator, f"{s}/coordinator/referrals/{live.circulating.id}/messages"),
        ("handing over", world.coordinator, f"{s}/coordinator/referrals/{live.circulating.id}/handover"),
        ("risk assessor's home", world.assessor, f"{s}/risk-assessor/"),
        ("criteria", world.officer, f"{s}/criteria"),
        ("search by whole reference", world.coordinator, f"{s}/search?reference={live.submitted.reference}"),
        ("named lead's matching", world.partner, f"{s}/named-lead/matching?{_property(world)}"),
        ("coordinator's direct arrangements", world.coordinator, f"{s}/coordinator/arrangements"),
        ("coordinator's housing partners", world.coordinator, f"{s}/coordinator/partners"),
    ]


def _property(world: World) -> str:
    """The partner's home as the matching page's form sends it."""
    home = world.home()
    return urlencode(
        {
            "area_id": str(home.area_id),
            "bedrooms": str(home.bedrooms),
            "floor": "" if home.floor is None else str(home.floor),
            "available_from-day": str(home.available_from.day),
            "available_from-month": str(home.available_from.month),
            "available_from-year": str(home.available_from.year),
        }
    )


LEDGER_PAGES: list[Callable[[World, Live], Page]] = [
    lambda world, _: ("ledger", world.coordinator, f"/s/{world.scheme.slug}/ledger"),
]

LEDGER_TABLES = frozenset({"ledger_entries"})
"""What a page reads to work out balances (now the kept ledger_balances, never every entry): the pages that show
balances are checked apart, by test_the_ledger_costs_the_same_as_history_grows."""


class Pages:
    def __init__(self, client: Client, db: Database, settings: Settings, meter: Meter) -> None:
        self.client, self.db, self.settings, self.meter = client, db, settings, meter
        self.tokens: dict[uuid.UUID, str] = {}

    async def sign_in(self, shown: list[Page]) -> None:
        """Everyone who opens a page signed in once, before any history: the same sessions throughout."""
        for _, person, path in shown:
            if person.user_id not in self.tokens:
                async with self.db.tenant_session(person.tenant_id) as session:
                    user = await session.get(User, (person.tenant_id, person.user_id))
                assert user is not None
                self.tokens[person.user_id] = await session_token(self.db, path.split("/")[2], user, self.settings)

    async def open(self, page: Page) -> Cost:
        """The page opened once (anything cached or recorded on a first visit, done), then measured."""
        name, person, path = page
        use_session(self.client, path.split("/")[2], self.tokens[person.user_id], replace=True)
        await self.client.get(path, follow_redirects=False)
        with self.meter.measuring() as cost:
            response = await self.client.get(path, follow_redirects=False)
        assert response.status_code in (200, 303), (name, response.status_code)
        return cost


def growth(before: dict[str, Cost], after: dict[str, Cost], history_tables: frozenset[str]) -> list[str]:
    """What grew, page by page, in words for the failure: more statements, or more rows read from a table the
    history grew, with the statements that read more.

    NOTE: rows read from tables the history leaves alone (areas, organisations, users) may differ with the plan
    the planner picks for a few rows; and on the first, smaller history it may read a whole table where on the
    larger one it seeks: reading fewer is never growth.
    """
    grew = []
    for name, was in before.items():
        now = after[name]
        if len(now.statements) != len(was.statements):
            grew.append(f"{name}: {len(was.statements)} statements, then {len(now.statements)}")
            continue
        old, new = was.rows(only=history_tables), now.rows(only=history_tables)
        more = {table: (old[table], count) for table, count in new.items() if count > old[table]}
        if not more:
            continue
        grew.append(f"{name}: read more of {more}")
        for (statement, old_read), (_, new_read) in zip(was.page_statements(), now.page_statements(), strict=True):
            if any(new_read[f"rows {t}"] > old_read[f"rows {t}"] for t in more):
                grew.append(f"    {dict(old_read)} then {dict(new_read)}: {' '.join(statement.split())[:600]}")
    return grew


async def table_rows(database: DatabaseUnderTest) -> dict[str, int]:
    conn = await connect_as(database.admin)
    try:
        rows = await conn.fetch("select relname, n_live_tup from pg_stat_user_tables")
    finally:
        await conn.close()
    return {name: count for name, count in rows}


async def forget_measured_reads(database: DatabaseUnderTest, since: datetime) -> None:
    """The audit trail's record of the measured pages' own reads taken out again, as the superuser: the live
    referrals then carry the same trail in both measurements, and only the closed history grows."""
    conn = await connect_as(database.admin)
    try:
        await conn.execute("delete from audit_events where occurred_at >= $1", since)
    finally:
        await conn.close()


@pytest.fixture
def settings() -> Settings:
    """The suite's settings, but a scheme kept for an hour (overrides the suite's `settings`).

    NOTE: with the default 5 s, a slow machine can let the cache run out between a page's two visits, and the
    scheme read again (two statements) looked like the page costing more as history grew.
    """
    return make_settings(scheme_cache_s=3600)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages and counts a few rows long, so a test-sized history already fills them before it grows tenfold."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    monkeypatch.setattr(listing, "COUNTED_UP_TO", 5)
    monkeypatch.setattr(officer_queries, "PAGE_SIZE", 3)


async def measured_twice(
    each_world: World,
    app: Litestar,
    client: Client,
    database: DatabaseUnderTest,
    settings: Settings,
    chosen: Callable[[World, Live], list[Page]],
) -> tuple[dict[str, Cost], dict[str, Cost], frozenset[str]]:
    """Each page measured on a history of UNITS, then again once it is ten times that; and the tables it grew."""
    world = each_world
    other = await (World(world.db) if isinstance(world, County) else County(world.db)).build()
    admin = await connect_as(database.admin)
    try:
        await admin.execute(f'alter database "{database.name}" set enable_seqscan = off')
    finally:
        await admin.close()
    meter = Meter(app.state.db)
    opener = Pages(client, world.db, settings, meter)
    live = await live_work(world)
    await live_work(other)
    await opener.sign_in(chosen(world, live))
    seen: list[dict[str, Cost]] = []
    sizes: list[dict[str, int]] = []
    for units in (UNITS, 9 * UNITS):
        for scheme in (world, other):
            await history(scheme, units)
        await vacuumed(database)
        sizes.append(await table_rows(database))
        started = clock.now()
        seen.append({page[0]: await opener.open(page) for page in chosen(world, live)})
        await forget_measured_reads(database, started)
    grown = frozenset(table for table, rows in sizes[1].items() if rows > sizes[0].get(table, 0))
    assert {"referrals", "audit_events", "offers", "moves", "ledger_entries", "risk_assessments"} <= grown
    return seen[0], seen[1], grown


UNITS = 2
"""Each unit of history is five closed referrals (two moves, a withdrawal, a decline, an ineligible one)."""


@pytest.mark.usefixtures("small_pages")
async def test_no_page_costs_more_as_history_grows(
    each_world: World, app: Litestar, client: Client, database: DatabaseUnderTest, settings: Settings
) -> None:
    before, after, grown = await measured_twice(each_world, app, client, database, settings, pages)
    grew = growth(before, after, grown - LEDGER_TABLES)
    assert not grew, "\n".join(grew)


@pytest.mark.usefixtures("small_pages")
async def test_the_ledger_costs_the_same_as_history_grows(
    each_world: World, app: Litestar, client: Client, database: DatabaseUnderTest, settings: Settings
) -> None:
    def chosen(world: World, live: Live) -> list[Page]:
        shown = [page(world, live) for page in LEDGER_PAGES]
        return shown + [p for p in pages(world, live) if p[0].startswith(("coordinator's work", "named lead's home"))]

    before, after, grown = await measured_twice(each_world, app, client, database, settings, chosen)
    grew = growth(before, after, grown)
    assert not grew, "\n".join(grew)
