"""The raw limit: the coordinator's work queue and referral page by hand, with asyncpg, RLS and Jinja.

What the project's two hottest pages could cost at best on this machine: exactly the statements the project
sends for them, in the same order and text (copied from its statement log on a seeded database at 3451217,
issue 11, including the branches taken only when something has stalled, a partner is over the cap, a risk
assessor is named or reminders name an organisation), as the same role (reciprocal_app, row-level security on)
with the same `set_config('app.tenant_id', ..., true)`, in one transaction per request with the scheme cached in
the process, as the app does, but without the ORM, rendering a plain Jinja template of about the same size.
`bench/run.py` serves it with uvicorn, as the app is served, and measures it beside the app's own pages.

    /s/{scheme}/coordinator/                  the work queue
    /s/{scheme}/coordinator/referrals/{id}    a referral (writes its `referral.viewed` audit event, as the app does)
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, time, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from jinja2 import Environment, FileSystemLoader

from reciprocal.identity.secrets import token_hash
from reciprocal.kernel.working_days import working_days_before, working_days_between

LIVE = ["submitted", "returned", "awaiting_approval", "approved", "circulating", "offer_made", "viewing"]
LIVE += ["accepted", "on_hold"]
WAITING = ["awaiting_approval", "offer_made", "viewing", "circulating", "returned"]
"""reminders.services.waits: the states that wait on someone (STARTED_BY, then OFFICER_UPDATE)."""
STARTED_BY = {
    "awaiting_approval": ("approval", "referral.request_approval"),
    "offer_made": ("offer_decision", "referral.make_offer"),
    "viewing": ("viewing_outcome", "referral.arrange_viewing"),
}
LIVE_OFFERS = ["open", "viewing", "accepted"]
TOUCH_EVERY = timedelta(minutes=1)
IDLE = timedelta(minutes=30)
UK_TIME = ZoneInfo("Europe/London")

# --- the statements, as the project sends them (copied from its statement log, SQLAlchemy's text and order) -----
# Each request: one transaction; set_config; the guard's one session query (and, at most once a minute, the
# touch); then the page's. The scheme and its providers' issuers are cached in the process, as the app's are.

SESSION = """
SELECT user_sessions.id, user_sessions.role, user_sessions.last_seen_at, users.id AS id_1, users.email, \
users.display_name, organisations_1.id AS id_2, organisations_1.name, organisations_1.kind, (SELECT \
coalesce(json_agg(json_build_array(memberships.organisation_id, organisations.name, memberships.role)), '[]'::json) \
AS coalesce_1
FROM memberships JOIN organisations ON organisations.tenant_id = memberships.tenant_id AND organisations.id = \
memberships.organisation_id
WHERE memberships.tenant_id = user_sessions.tenant_id AND memberships.user_id = user_sessions.user_id) AS anon_1
FROM user_sessions JOIN users ON users.tenant_id = user_sessions.tenant_id AND users.id = user_sessions.user_id \
JOIN organisations AS organisations_1 ON organisations_1.tenant_id = user_sessions.tenant_id AND \
organisations_1.id = user_sessions.organisation_id
WHERE user_sessions.tenant_id = $1::UUID AND user_sessions.token_hash = $2::BYTEA AND user_sessions.revoked_at IS \
NULL AND user_sessions.expires_at > $3::TIMESTAMP WITH TIME ZONE AND user_sessions.last_seen_at > $4::TIMESTAMP \
WITH TIME ZONE AND users.status = $5
"""
TOUCH = """
UPDATE user_sessions SET last_seen_at=$1::TIMESTAMP WITH TIME ZONE WHERE user_sessions.tenant_id = $2::UUID AND \
user_sessions.id = $3::UUID
"""
WHATS_NEW = """
SELECT notices.id, notices.kind, notices.reference, notices.occurred_at, notices.read_at, (SELECT count(*) AS count_1
FROM notices
WHERE notices.tenant_id = $1::UUID AND notices.user_id = $2::UUID AND notices.role = $3 AND notices.occurred_at > \
$4::TIMESTAMP WITH TIME ZONE AND notices.read_at IS NULL) AS anon_1
FROM notices
WHERE notices.tenant_id = $5::UUID AND notices.user_id = $6::UUID AND notices.role = $7 AND notices.occurred_at > \
$8::TIMESTAMP WITH TIME ZONE ORDER BY notices.occurred_at DESC, notices.id DESC
 LIMIT $9::INTEGER
"""
REFERRAL_COLUMNS = """referrals.tenant_id, referrals.id, referrals.version, referrals.reference, referrals.state, \
referrals.criteria_version, referrals.officer_id, referrals.agency_id, referrals.officer_case_reference, \
referrals.consent, referrals.tenancy_type, referrals.duty_to_house, referrals.current_landlord_id, \
referrals.current_area_id, referrals.adults, referrals.children_ages, referrals.bedrooms_needed, referrals.pets, \
referrals.access_needs, referrals.floor_level_need, referrals.medical_evidence, referrals.risk_type, \
referrals.risk_assessor_id, referrals.safeguarding_measures, referrals.resettlement_support, referrals.note, \
referrals.submitted_at, referrals.circulated_at, referrals.approved_at, referrals.offered_at, referrals.ended_at, \
referrals.other_pathways, referrals.held_back, referrals.updated_at, referrals.created_at"""
OFFER_COLUMNS = """offers.tenant_id, offers.id, offers.referral_id, offers.organisation_id, offers.offered_by_id, \
offers.area_id, offers.bedrooms, offers.floor, offers.accessibility, offers.available_from, offers.address_encrypted, \
offers.state, offers.refusal_reason, offers.linked_at, offers.created_at"""
EVENTS_BY_WHOM = """SELECT audit_events.action, audit_events.occurred_at, users.display_name, \
audit_events.actor_role, organisations.name, audit_events.details"""
EVENTS_JOINED = """FROM audit_events LEFT OUTER JOIN users ON users.tenant_id = audit_events.tenant_id AND users.id = \
audit_events.actor_user_id LEFT OUTER JOIN organisations ON organisations.tenant_id = audit_events.tenant_id AND \
organisations.id = audit_events.actor_organisation_id"""

# The work queue (portals/coordinator/queries.py work_queue).
STAGES = """
SELECT referrals.state, count(*) AS count_1, min(referrals.updated_at) AS min_1
FROM referrals
WHERE referrals.tenant_id = $1::UUID AND referrals.state IN ($2, $3, $4, $5, $6, $7, $8, $9, $10) GROUP BY \
referrals.state
"""
STALLED_WAITS = f"""
SELECT {REFERRAL_COLUMNS}
FROM referrals
WHERE referrals.tenant_id = $1::UUID AND referrals.state IN ($3, $4, $5, $6, $7) AND (EXISTS (SELECT reminders.id
FROM reminders
WHERE reminders.tenant_id = referrals.tenant_id AND reminders.referral_id = referrals.id AND reminders.rung = $2)) \
ORDER BY referrals.reference
"""  # noqa: S608 - built of this file's constants
WAITS_BEGUN = """
SELECT audit_events.tenant_id, audit_events.id, audit_events.occurred_at, audit_events.action, \
audit_events.actor_user_id, audit_events.actor_organisation_id, audit_events.actor_role, audit_events.subject_type, \
audit_events.subject_id, audit_events.details, audit_events.created_at
FROM audit_events
WHERE audit_events.tenant_id = $1::UUID AND audit_events.subject_type = $2::VARCHAR AND audit_events.subject_id IN \
({ids}) AND audit_events.action IN ($%d::VARCHAR, $%d::VARCHAR, $%d::VARCHAR) ORDER BY audit_events.occurred_at
"""
WAITS_UNASSESSED = f"""
SELECT {OFFER_COLUMNS}
FROM offers
WHERE offers.tenant_id = $1::UUID AND offers.referral_id IN ({{ids}}) AND offers.state IN ($%d, $%d, $%d) AND NOT \
(EXISTS (SELECT risk_assessments.id
FROM risk_assessments
WHERE risk_assessments.tenant_id = offers.tenant_id AND risk_assessments.offer_id = offers.id))
"""  # noqa: S608 - built of this file's constants
SENT_FOR = """
SELECT reminders.tenant_id, reminders.id, reminders.referral_id, reminders.task, reminders.basis_id, reminders.rung, \
reminders.role, reminders.organisation_id, reminders.recipients, reminders.waiting_since, reminders.working_days, \
reminders.created_at
FROM reminders
WHERE reminders.tenant_id = $1::UUID AND reminders.referral_id IN ({ids}) ORDER BY reminders.created_at, reminders.id
"""
NAMES = """
SELECT organisations.id, organisations.name
FROM organisations
WHERE organisations.tenant_id = $1::UUID AND organisations.id IN ({ids})
"""
CRITERIA = """
SELECT criteria_versions.tenant_id, criteria_versions.version, criteria_versions.document, \
criteria_versions.created_at
FROM criteria_versions
WHERE criteria_versions.tenant_id = $1::UUID ORDER BY criteria_versions.version DESC
 LIMIT $2::INTEGER
"""
UNOFFERED = """
SELECT referrals.id, referrals.reference, referrals.circulated_at
FROM referrals
WHERE referrals.tenant_id = $1::UUID AND referrals.state = $2 AND referrals.circulated_at <= $3::TIMESTAMP WITH TIME \
ZONE AND NOT (EXISTS (SELECT offers.id
FROM offers
WHERE offers.tenant_id = referrals.tenant_id AND offers.referral_id = referrals.id)) ORDER BY referrals.circulated_at
 LIMIT $4::INTEGER
"""
OVER_CAP = """
SELECT ledger_balances.partner_id
FROM ledger_balances
WHERE ledger_balances.tenant_id = $1::UUID GROUP BY ledger_balances.partner_id
HAVING sum(ledger_balances.owed - ledger_balances.owing) < $2::INTEGER
"""
BALANCES = """
SELECT ledger_balances.partner_id, organisations.name, ledger_balances.bedrooms, ledger_balances.owed, \
ledger_balances.owing
FROM ledger_balances JOIN organisations ON organisations.tenant_id = ledger_balances.tenant_id AND organisations.id = \
ledger_balances.partner_id
WHERE ledger_balances.tenant_id = $1::UUID ORDER BY organisations.name, ledger_balances.bedrooms
"""
HELD = """
SELECT referrals.current_landlord_id, count(*) AS count_1
FROM referrals
WHERE referrals.tenant_id = $1::UUID AND referrals.state = $2 GROUP BY referrals.current_landlord_id
"""

# The referral page (portals/coordinator/queries.py referral_for_coordinator).
VIEWED = """
INSERT INTO audit_events (tenant_id, id, occurred_at, action, actor_user_id, actor_organisation_id, actor_role, \
subject_type, subject_id, details, created_at) VALUES ($1::UUID, $2::UUID, $3::TIMESTAMP WITH TIME ZONE, \
$4::VARCHAR, $5::UUID, $6::UUID, $7::VARCHAR, $8::VARCHAR, $9::UUID, $10::JSONB, $11::TIMESTAMP WITH TIME ZONE)
"""
REFERRAL = f"""
SELECT {REFERRAL_COLUMNS}
FROM referrals
WHERE referrals.tenant_id = $1::UUID AND referrals.id = $2::UUID AND referrals.tenant_id = $3::UUID
"""  # noqa: S608 - built of this file's constants
NAMES_OF_SCHEME = """
SELECT $1::BOOLEAN AS anon_1, areas.id, areas.name
FROM areas
WHERE areas.tenant_id = $2::UUID UNION ALL SELECT $3::BOOLEAN AS anon_2, organisations.id, organisations.name
FROM organisations
WHERE organisations.tenant_id = $4::UUID
"""
ASSESSOR = """
SELECT users.display_name
FROM users
WHERE users.tenant_id = $1::UUID AND users.id = $2::UUID
"""
CRITERIA_OF = """
SELECT criteria_versions.document
FROM criteria_versions
WHERE criteria_versions.tenant_id = $1::UUID AND criteria_versions.version = $2::INTEGER
"""
PLACES = """
SELECT referral_areas.referral_id, referral_areas.area_id, referral_areas.kind
FROM referral_areas
WHERE referral_areas.tenant_id = $1::UUID AND referral_areas.referral_id IN ($2::UUID)
"""
OFFERS = f"""
SELECT {OFFER_COLUMNS}
FROM offers
WHERE offers.tenant_id = $1::UUID AND offers.referral_id = $2::UUID AND offers.state IN ($3, $4, $5)
"""  # noqa: S608 - built of this file's constants
TIMELINE = f"""
{EVENTS_BY_WHOM}
{EVENTS_JOINED}
WHERE audit_events.tenant_id = $1::UUID AND audit_events.subject_type = $2::VARCHAR AND audit_events.subject_id = \
$3::UUID AND audit_events.action != 'referral.viewed' ORDER BY audit_events.occurred_at DESC
"""
READS = f"""
{EVENTS_BY_WHOM}, (SELECT count(*) AS count_1 FROM (SELECT audit_events.id AS id FROM audit_events \
WHERE audit_events.tenant_id = $1::UUID AND audit_events.subject_id = $2::UUID \
AND audit_events.action = 'referral.viewed' AND audit_events.actor_organisation_id IS DISTINCT FROM $3::UUID \
LIMIT $4::INTEGER) AS anon_2) AS anon_1
{EVENTS_JOINED}
WHERE audit_events.tenant_id = $5::UUID AND audit_events.subject_type = $6::VARCHAR AND audit_events.subject_id = \
$7::UUID AND audit_events.action = 'referral.viewed' AND audit_events.actor_organisation_id IS DISTINCT FROM \
$8::UUID ORDER BY audit_events.occurred_at DESC
 LIMIT $9::INTEGER
"""  # noqa: S608 - built of this file's constants


def expanding(statement: str, count: int, first: int, cast: str = "::UUID") -> str:
    """`statement` with its `{ids}` list of `count` parameters from `$first`, as SQLAlchemy expands an IN: an
    empty list becomes `IN (NULL) AND (1 != 1)`; later `%d` placeholders numbered after the list."""
    ids = ", ".join(f"${n}{cast}" for n in range(first, first + count))
    text = statement.replace("({ids})", f"({ids})" if count else "(NULL) AND (1 != 1)")
    after = text.count("%d")
    return text % tuple(range(first + count, first + count + after)) if after else text


# --- the pages: GOV.UK markup by hand in bench/raw_templates/, about the size of the project's --------------


STAGE_WORDS = {
    "submitted": ("New to check", "Check each against the scheme's criteria."),
    "returned": ("Returned for information", "Waiting for the nominating officer to add what you asked for."),
    "awaiting_approval": (
        "Awaiting landlord approval",
        "Waiting for a named lead of the applicant's current landlord.",
    ),
    "approved": ("Ready to circulate", "Approved: they go to partners in the next batch."),
    "circulating": ("Circulating", "With the partners covering their safe areas, waiting for an offer."),
    "offer_made": ("Under offer", "A property is offered: arrange the viewing, or record a refusal."),
    "viewing": ("At viewing", "Record the applicant's decision once they have viewed."),
    "accepted": ("Accepted: moves to confirm", "Record the move once the applicant has moved."),
    "on_hold": (
        "On hold",
        "The applicant's current landlord owes more than the debt cap: they wait until it reciprocates.",
    ),
}
TASK_WORDS = {
    "approval": "Landlord approval",
    "offer_decision": "The applicant's decision on the offer",
    "viewing_outcome": "The viewing's outcome",
    "risk_assessment": "A risk assessment",
    "officer_update": "The nominating officer",
}


class RawApp:
    """An ASGI app: the two pages, a pool of `pool_size` connections as the application role."""

    def __init__(self, dsn: str, pool_size: int = 10) -> None:
        self.dsn, self.pool_size = dsn, pool_size
        self.pool: asyncpg.Pool | None = None
        self.schemes: dict[str, uuid.UUID] = {}
        env = Environment(autoescape=True, loader=FileSystemLoader(Path(__file__).parent / "raw_templates"))
        self.queue_page = env.get_template("queue.html")
        self.referral_page = env.get_template("referral.html")

    async def startup(self) -> None:
        self.pool = await asyncpg.create_pool(self.dsn, min_size=self.pool_size, max_size=self.pool_size)
        async with self.pool.acquire() as connection:
            # The scheme lookup, once: schemes are readable without a tenant (as the app's guard reads them).
            self.schemes = {row["slug"]: row["id"] for row in await connection.fetch("select id, slug from schemes")}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self.startup()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.pool is not None:
                        await self.pool.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        status, body = await self.respond(scope)
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store")]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def respond(self, scope: dict[str, Any]) -> tuple[int, bytes]:
        parts = scope["path"].strip("/").split("/")
        if scope["path"] == "/healthz":
            return 200, b"ok"
        if len(parts) < 3 or parts[0] != "s" or parts[2] != "coordinator" or parts[1] not in self.schemes:
            return 404, b"not found"
        cookies = SimpleCookie()
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookies.load(value.decode("latin-1"))
        token = cookies["reciprocal_session"].value if "reciprocal_session" in cookies else ""
        tenant = self.schemes[parts[1]]
        assert self.pool is not None
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant))
            now = datetime.now(UTC)
            actor = await connection.fetchrow(SESSION, tenant, token_hash(token), now, now - IDLE, "active")
            if actor is None or actor["role"] != "coordinator":
                return 404, b"not found"
            if now - actor["last_seen_at"] > TOUCH_EVERY:
                await connection.execute(TOUCH, now, tenant, actor["id"])
            context: dict[str, Any] = {
                "slug": parts[1],
                "scheme": parts[1].replace("-", " ").title(),
                "user": actor["display_name"],
                "organisation": actor["name"],
                "csrf": os.urandom(16).hex(),
            }
            if len(parts) == 3:
                context |= await self.queue(connection, tenant, now)
                since = now - timedelta(days=90)
                who = (actor["id_1"], "coordinator", since)
                notices = await connection.fetch(WHATS_NEW, tenant, *who, tenant, *who, 6)
                context["notices"] = notices
                context["unread"] = notices[0]["anon_1"] if notices else 0
                page = self.queue_page
            elif len(parts) == 5 and parts[3] == "referrals":
                try:
                    referral_id = uuid.UUID(parts[4])
                except ValueError:
                    return 404, b"not found"
                found = await self.referral(connection, tenant, actor, referral_id, now)
                if found is None:
                    return 404, b"not found"
                context |= found
                page = self.referral_page
            else:
                return 404, b"not found"
        return 200, page.render(context).encode()

    async def queue(self, connection: asyncpg.Connection, tenant: uuid.UUID, now: datetime) -> dict[str, Any]:
        counts = {row["state"]: row for row in await connection.fetch(STAGES, tenant, *LIVE)}
        stalled = await self.stalled(connection, tenant, now)
        wanted = sorted({o for s in stalled for _, _, o, _ in s["reminded"] if o is not None})
        names: dict[uuid.UUID, str] = {}
        if wanted:
            names = dict(await connection.fetch(expanding(NAMES, len(wanted), 2), tenant, *wanted))
        criteria = await connection.fetchrow(CRITERIA, tenant, 1)
        document = _document(criteria["document"]) if criteria else {}
        unoffered: list[Any] = []
        over_cap: list[dict[str, Any]] = []
        if criteria is not None:
            today = now.astimezone(UK_TIME).date()
            cutoff = datetime.combine(working_days_before(today, document["reminder_days"]), time.max, UK_TIME)
            unoffered = await connection.fetch(UNOFFERED, tenant, "circulating", cutoff, 20)
            cap = document["partner_debt_cap"]
            over = {row["partner_id"] for row in await connection.fetch(OVER_CAP, tenant, -cap)}
            if over:
                net: dict[uuid.UUID, int] = {}
                partner: dict[uuid.UUID, str] = {}
                for row in await connection.fetch(BALANCES, tenant):
                    net[row["partner_id"]] = net.get(row["partner_id"], 0) + row["owed"] - row["owing"]
                    partner[row["partner_id"]] = row["name"]
                held = dict(await connection.fetch(HELD, tenant, "on_hold"))
                over_cap = sorted(
                    (
                        {"id": p, "name": partner[p], "owes": -net[p], "held": held.get(p, 0)}
                        for p in over
                        if p in partner
                    ),
                    key=lambda d: (-d["owes"], d["name"]),
                )
        stages = []
        for state in LIVE:
            words, hint = STAGE_WORDS[state]
            row = counts.get(state)
            waited = (now - row["min_1"]).days if row else 0
            stages.append(
                {
                    "state": state,
                    "words": words,
                    "hint": hint,
                    "count": row["count_1"] if row else 0,
                    "waiting": None if not row else "today" if not waited else f"{waited} days",
                }
            )
        for s in stalled:
            s["reminded"] = [(rung, role, names.get(o) if o else None, at) for rung, role, o, at in s["reminded"]]
        return {
            "title": "Work queue",
            "task_words": TASK_WORDS,
            "stages": stages,
            "stalled": stalled,
            "unoffered": unoffered,
            "unoffered_days": document.get("reminder_days"),
            "over_cap": over_cap,
            "debt_cap": document.get("partner_debt_cap"),
        }

    async def stalled(self, connection: asyncpg.Connection, tenant: uuid.UUID, now: datetime) -> list[dict[str, Any]]:
        """reminders.services.stalled: waits(only_stalled=True), then the reminders sent about them."""
        found = await connection.fetch(STALLED_WAITS, tenant, "stalled", *WAITING)
        waits: list[tuple[Any, str, uuid.UUID, datetime]] = []
        if found:
            ids = [r["id"] for r in found]
            actions = [action for _, action in STARTED_BY.values()]
            started: dict[tuple[uuid.UUID, str], Any] = {}
            statement = expanding(WAITS_BEGUN, len(ids), 3)
            for event in await connection.fetch(statement, tenant, "referral", *ids, *actions):
                started[(event["subject_id"], event["action"])] = event  # the latest wins
            statement = expanding(WAITS_UNASSESSED, len(ids), 2)
            unassessed = {o["referral_id"]: o for o in await connection.fetch(statement, tenant, *ids, *LIVE_OFFERS)}
            for r in found:
                if r["state"] not in STARTED_BY:
                    basis = uuid.uuid5(r["id"], r["updated_at"].isoformat())
                    waits.append((r, "officer_update", basis, r["updated_at"]))
                    continue
                task, action = STARTED_BY[r["state"]]
                if (begun := started.get((r["id"], action))) is not None:
                    waits.append((r, task, begun["id"], begun["occurred_at"]))
                offer = unassessed.get(r["id"])
                if offer is not None and r["risk_assessor_id"] is not None:
                    waits.append((r, "risk_assessment", offer["id"], offer["created_at"]))
        referral_ids = list({w[0]["id"] for w in waits})
        sent: dict[tuple[uuid.UUID, str, uuid.UUID], list[Any]] = {}
        for reminder in await connection.fetch(expanding(SENT_FOR, len(referral_ids), 2), tenant, *referral_ids):
            sent.setdefault((reminder["referral_id"], reminder["task"], reminder["basis_id"]), []).append(reminder)
        today = now.astimezone(UK_TIME).date()
        rows = []
        for r, task, basis, since in waits:
            earlier = sent.get((r["id"], task, basis), [])
            if not any(e["rung"] == "stalled" for e in earlier):
                continue
            told = [
                (e["rung"], e["role"], e["organisation_id"], e["created_at"]) for e in earlier if e["rung"] != "stalled"
            ]
            days = working_days_between(since.astimezone(UK_TIME).date(), today)
            rows.append(
                {
                    "id": r["id"],
                    "reference": r["reference"],
                    "task": task,
                    "since": since,
                    "days": days,
                    "reminded": told,
                }
            )
        return sorted(rows, key=lambda row: row["since"])

    async def referral(
        self, connection: asyncpg.Connection, tenant: uuid.UUID, actor: Any, referral_id: uuid.UUID, now: datetime
    ) -> dict[str, Any] | None:
        viewed = (tenant, uuid.uuid4(), now, "referral.viewed", actor["id_1"], actor["id_2"], "coordinator")
        await connection.execute(VIEWED, *viewed, "referral", referral_id, "{}", now)
        r = await connection.fetchrow(REFERRAL, tenant, referral_id, tenant)
        if r is None or r["state"] == "draft" or r["criteria_version"] is None:
            return None
        areas: dict[uuid.UUID, str] = {}
        organisations: dict[uuid.UUID, str] = {}
        for is_area, id_, name in await connection.fetch(NAMES_OF_SCHEME, True, tenant, False, tenant):
            (areas if is_area else organisations)[id_] = name
        assessor = None
        if r["risk_assessor_id"] is not None:
            assessor = await connection.fetchval(ASSESSOR, tenant, r["risk_assessor_id"])
        criteria = _document(await connection.fetchval(CRITERIA_OF, tenant, r["criteria_version"]))
        places = await connection.fetch(PLACES, tenant, referral_id)
        offers = await connection.fetch(OFFERS, tenant, referral_id, *LIVE_OFFERS)
        timeline = [dict(e) for e in await connection.fetch(TIMELINE, tenant, "referral", referral_id)]
        reminders = [
            e
            for e in await connection.fetch(expanding(SENT_FOR, 1, 2), tenant, referral_id)
            if e["rung"] != "withdrawal"
        ]
        wanted = sorted({e["organisation_id"] for e in reminders if e["organisation_id"] is not None})
        if wanted:
            organisations |= dict(await connection.fetch(expanding(NAMES, len(wanted), 2), tenant, *wanted))
        for e in reminders:
            details = {"task": e["task"], "rung": e["rung"], "role": e["role"], "working_days": e["working_days"]}
            timeline.append(
                {
                    "action": f"reminder.{e['rung']}",
                    "occurred_at": e["created_at"],
                    "display_name": None,
                    "actor_role": None,
                    "name": organisations.get(e["organisation_id"]),
                    "details": details,
                }
            )
        timeline.sort(key=lambda e: e["occurred_at"], reverse=True)
        read = await connection.fetchrow(
            READS, tenant, referral_id, r["agency_id"], 1001, tenant, "referral", referral_id, r["agency_id"], 1
        )
        safe = ", ".join(sorted(areas.get(p["area_id"], "?") for p in places if p["kind"] == "safe"))
        risk = ", ".join(sorted(areas.get(p["area_id"], "?") for p in places if p["kind"] == "risk"))
        answers = [
            ("Consent", "Yes" if r["consent"] else "No"),
            ("Tenancy", r["tenancy_type"]),
            ("Current landlord", organisations.get(r["current_landlord_id"], "")),
            ("Current area", areas.get(r["current_area_id"], "")),
            ("Adults", r["adults"]),
            ("Children's ages", ", ".join(str(a) for a in r["children_ages"]) or "None"),
            ("Bedrooms needed", r["bedrooms_needed"]),
            ("Pets", r["pets"] or "None"),
            ("Access needs", r["access_needs"] or "None"),
            ("Ground floor or lift", "Yes" if r["floor_level_need"] else "No"),
            ("Medical evidence", "Yes" if r["medical_evidence"] else "No"),
            ("Risk", (r["risk_type"] or "").replace("_", " ")),
            ("Safe areas", safe),
            ("Risk areas", risk),
            ("Risk assessor", assessor or "None"),
            ("Safeguarding", r["safeguarding_measures"] or "None"),
            ("Resettlement support", r["resettlement_support"] or "None"),
            ("Submitted", r["submitted_at"].strftime("%-d %B %Y") if r["submitted_at"] else ""),
        ]
        checks = [(str(key).replace("_", " ").capitalize(), True) for key in list(criteria)[:12]]
        return {
            "title": f"Referral {r['reference']}",
            "r": r,
            "checks": checks,
            "answers": answers,
            "offers": [
                {
                    "organisation": organisations.get(o["organisation_id"], ""),
                    "area": areas.get(o["area_id"], ""),
                    "bedrooms": o["bedrooms"],
                    "available_from": o["available_from"],
                    "state": o["state"],
                }
                for o in offers
            ],
            "actions": [
                ("withdraw", "Withdraw this referral", "Why is the referral withdrawn?", "The referral ends here."),
                ("moved-elsewhere", "Moved through another pathway", "Which pathway?", "No partner owes for it."),
                ("hold", "Put on hold", "Why is it on hold?", "It leaves the next batches until released."),
                ("close", "Close this referral", "Why is it closed?", "Any live offer ends."),
            ],
            "timeline": [
                {
                    "action": e["action"].removeprefix("referral.").replace("_", " ").capitalize(),
                    "who": e["display_name"] or "the service",
                    "role": e["actor_role"] or "",
                    "organisation": e["name"] or "",
                    "at": e["occurred_at"],
                    "description": ", ".join(f"{k}: {v}" for k, v in (_document(e["details"]) or {}).items()),
                }
                for e in timeline
            ],
            "reminders": reminders,
            "views": read["anon_1"] if read else 0,
            "last": read,
        }


def _document(value: Any) -> Any:
    """A json(b) column's value: asyncpg hands json back as text unless a codec is set for it."""
    return json.loads(value) if isinstance(value, str) else (value or {})


def create(dsn: str | None = None) -> RawApp:
    """The app for uvicorn's factory mode: `uvicorn --factory raw:create` with RAW_DSN set."""
    return RawApp(dsn or os.environ["RAW_DSN"])
