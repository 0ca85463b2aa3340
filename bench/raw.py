"""The raw limit: the coordinator's work queue and referral page by hand, with asyncpg, RLS and Jinja.

What the project's two hottest pages could cost at best on this machine: the same statements the project sends
for them (copied from its statement log on the seeded database, issue 11), as the same role (reciprocal_app,
row-level security on) with the same `set_config('app.tenant_id', ..., true)`, but in one transaction per
request, the scheme's id cached in the process, no ORM, and a plain Jinja template of about the same size.
`bench/run.py` serves it with uvicorn, as the app is served, and measures it beside the app's own pages.

    /s/{scheme}/coordinator/                  the work queue
    /s/{scheme}/coordinator/referrals/{id}    a referral (writes its `referral.viewed` audit event, as the app does)
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import asyncpg
from jinja2 import Environment, FileSystemLoader

from reciprocal.identity.secrets import token_hash

LIVE = ["submitted", "returned", "awaiting_approval", "approved", "circulating", "offer_made", "viewing"]
LIVE += ["accepted", "on_hold"]
QUEUE_STATES = ["awaiting_approval", "offer_made", "viewing", "circulating", "returned"]
LIVE_OFFERS = ["open", "viewing", "accepted"]

# --- the statements, as the project sends them (its session guard's, then the page's) -------------------------

SESSION = """
select s.user_id, s.organisation_id, s.role, u.display_name, o.name as organisation
from user_sessions s join users u on u.tenant_id = s.tenant_id and u.id = s.user_id
join organisations o on o.tenant_id = s.tenant_id and o.id = s.organisation_id
where s.tenant_id = $1 and s.token_hash = $2 and s.revoked_at is null and s.expires_at > $3
  and s.last_seen_at > $4 and u.status = 'active'
"""
MEMBERSHIPS = """
select m.organisation_id, o.name, m.role from memberships m
join organisations o on o.tenant_id = m.tenant_id and o.id = m.organisation_id
where m.tenant_id = $1 and m.user_id = $2
"""
PROVIDERS = "select issuer from identity_providers where tenant_id = $1"
NOTICES = """
select id, kind, reference, occurred_at, read_at from notices
where tenant_id = $1 and user_id = $2 and role = $3 and occurred_at > $4
order by occurred_at desc, id desc limit 6
"""
UNREAD = """
select count(*) from notices
where tenant_id = $1 and user_id = $2 and role = $3 and occurred_at > $4 and read_at is null
"""
STAGES = """
select state, count(*), min(updated_at) from referrals where tenant_id = $1 and state = any($2::text[]) group by state
"""
QUEUE = """
select id, version, reference, state, criteria_version, officer_id, agency_id, current_landlord_id, current_area_id,
       adults, children_ages, bedrooms_needed, risk_type, submitted_at, circulated_at, approved_at, offered_at,
       ended_at, held_back, updated_at, created_at
from referrals where tenant_id = $1 and state = any($2::text[]) order by reference
"""
QUEUE_EVENTS = """
select subject_id, action, occurred_at, details from audit_events
where tenant_id = $1 and subject_type = 'referral' and subject_id = any($2::uuid[])
  and action = any($3::text[]) order by occurred_at
"""
QUEUE_OFFERS = """
select o.id, o.referral_id, o.organisation_id, o.state, o.available_from from offers o
where o.tenant_id = $1 and o.referral_id = any($2::uuid[]) and o.state = any($3::text[])
  and not exists (select 1 from risk_assessments ra where ra.tenant_id = o.tenant_id and ra.offer_id = o.id)
"""
REMINDERS = """
select id, referral_id, task, rung, role, waiting_since from reminders
where tenant_id = $1 and referral_id = any($2::uuid[]) order by created_at, id
"""
CRITERIA = "select version, document from criteria_versions where tenant_id = $1 order by version desc limit 1"
STALE = """
select r.id, r.reference, r.circulated_at from referrals r
where r.tenant_id = $1 and r.state = 'circulating' and r.circulated_at <= $2
  and not exists (select 1 from offers o where o.tenant_id = r.tenant_id and o.referral_id = r.id)
order by r.circulated_at limit 20
"""
OWING = """
select partner_id from ledger_entries where tenant_id = $1 group by partner_id having sum(amount) < $2
"""
VIEWED = """
insert into audit_events (tenant_id, id, occurred_at, action, actor_user_id, actor_organisation_id, actor_role,
                          subject_type, subject_id, details, created_at)
values ($1, $2, $3, 'referral.viewed', $4, $5, $6, 'referral', $7, '{}', $3)
"""
REFERRAL = "select * from referrals where tenant_id = $1 and id = $2"
AREAS = "select id, name from areas where tenant_id = $1"
ORGANISATIONS = "select id, name from organisations where tenant_id = $1"
CRITERIA_OF = "select document from criteria_versions where tenant_id = $1 and version = $2"
PLACES = "select referral_id, area_id, kind from referral_areas where tenant_id = $1 and referral_id = any($2::uuid[])"
OFFERS = "select * from offers where tenant_id = $1 and referral_id = $2 and state = any($3::text[])"
TIMELINE = """
select a.action, a.occurred_at, u.display_name, a.actor_role, o.name, a.details from audit_events a
left join users u on u.tenant_id = a.tenant_id and u.id = a.actor_user_id
left join organisations o on o.tenant_id = a.tenant_id and o.id = a.actor_organisation_id
where a.tenant_id = $1 and a.subject_type = 'referral' and a.subject_id = $2 and a.action <> 'referral.viewed'
order by a.occurred_at desc
"""
VIEWS = """
select count(*) from audit_events where tenant_id = $1 and subject_type = 'referral' and subject_id = $2
  and action = 'referral.viewed' and actor_organisation_id is distinct from $3
"""
LAST_VIEW = """
select a.action, a.occurred_at, u.display_name, a.actor_role, o.name, a.details from audit_events a
left join users u on u.tenant_id = a.tenant_id and u.id = a.actor_user_id
left join organisations o on o.tenant_id = a.tenant_id and o.id = a.actor_organisation_id
where a.tenant_id = $1 and a.subject_type = 'referral' and a.subject_id = $2 and a.action = 'referral.viewed'
  and a.actor_organisation_id is distinct from $3 order by a.occurred_at desc limit 1
"""

# --- the pages: GOV.UK markup by hand in bench/raw_templates/, about the size of the project's --------------


STAGE_WORDS = {
    "submitted": ("New to check", "Check each against the scheme's criteria."),
    "returned": ("Returned for information", "Waiting for the nominating officer to add what you asked for."),
    "awaiting_approval": (
        "Awaiting landlord approval",
        "Waiting for a named lead of the applicant's current landlord.",
    ),
    "approved": ("Ready to circulate", "Approved: they go to partners in the next batch."),
    "on_hold": ("On hold", "Their landlord owes more than the scheme's cap."),
    "circulating": ("Circulating", "With partners who have stock in a safe area."),
    "offer_made": ("Offer made", "A partner has offered a property: arrange a viewing."),
    "viewing": ("Viewing", "Record what the applicant decided."),
    "accepted": ("Accepted", "Record the move when it happens."),
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
            actor = await connection.fetchrow(SESSION, tenant, token_hash(token), now, now - timedelta(minutes=30))
            if actor is None or actor["role"] != "coordinator":
                return 404, b"not found"
            await connection.fetch(MEMBERSHIPS, tenant, actor["user_id"])
            await connection.fetch(PROVIDERS, tenant)
            context: dict[str, Any] = {
                "slug": parts[1],
                "scheme": parts[1].replace("-", " ").title(),
                "user": actor["display_name"],
                "organisation": actor["organisation"],
                "csrf": os.urandom(16).hex(),
            }
            if len(parts) == 3:
                context |= await self.queue(connection, tenant, now)
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
            since = now - timedelta(days=90)
            context["notices"] = await connection.fetch(NOTICES, tenant, actor["user_id"], "coordinator", since)
            context["unread"] = await connection.fetchval(UNREAD, tenant, actor["user_id"], "coordinator", since)
        return 200, page.render(context).encode()

    async def queue(self, connection: asyncpg.Connection, tenant: uuid.UUID, now: datetime) -> dict[str, Any]:
        counts = {row["state"]: row for row in await connection.fetch(STAGES, tenant, list(LIVE))}
        rows = await connection.fetch(QUEUE, tenant, QUEUE_STATES)
        first = [row["id"] for row in rows[:10]]
        actions = ["referral.request_approval", "referral.make_offer", "referral.arrange_viewing"]
        events = await connection.fetch(QUEUE_EVENTS, tenant, first, actions)
        offers = {row["referral_id"]: row for row in await connection.fetch(QUEUE_OFFERS, tenant, first, LIVE_OFFERS)}
        reminders = await connection.fetch(REMINDERS, tenant, first)
        criteria = await connection.fetchrow(CRITERIA, tenant)
        stale = await connection.fetch(STALE, tenant, now - timedelta(days=20))
        owing = await connection.fetch(OWING, tenant, -3)
        since = {row["subject_id"]: row["occurred_at"] for row in events}
        stages = []
        for state in LIVE:
            words, hint = STAGE_WORDS[state]
            row = counts.get(state)
            waited = (now - row["min"]).days if row else 0
            stages.append(
                {
                    "state": state,
                    "words": words,
                    "hint": hint,
                    "count": row["count"] if row else 0,
                    "waiting": "today" if not waited else f"{waited} days",
                }
            )
        shown = []
        for row in rows[:10]:
            offer = offers.get(row["id"])
            shown.append(
                {
                    "id": row["id"],
                    "reference": row["reference"],
                    "stage": STAGE_WORDS[row["state"]][0],
                    "colour": "blue",
                    "since": since.get(row["id"], row["updated_at"]),
                    "next": STAGE_WORDS[row["state"]][1],
                    "offer": str(offer["organisation_id"])[:8] if offer else None,
                    "reminders": sum(1 for r in reminders if r["referral_id"] == row["id"]),
                }
            )
        return {
            "title": "Work queue",
            "stages": stages,
            "rows": shown,
            "stale": stale,
            "owing": len(owing),
            "criteria": criteria["version"] if criteria else None,
        }

    async def referral(
        self, connection: asyncpg.Connection, tenant: uuid.UUID, actor: Any, referral_id: uuid.UUID, now: datetime
    ) -> dict[str, Any] | None:
        await connection.execute(
            VIEWED, tenant, uuid.uuid4(), now, actor["user_id"], actor["organisation_id"], "coordinator", referral_id
        )
        r = await connection.fetchrow(REFERRAL, tenant, referral_id)
        if r is None:
            return None
        areas = dict(await connection.fetch(AREAS, tenant))
        organisations = dict(await connection.fetch(ORGANISATIONS, tenant))
        document = await connection.fetchval(CRITERIA_OF, tenant, r["criteria_version"])
        criteria = json.loads(document) if isinstance(document, str) else (document or {})
        places = await connection.fetch(PLACES, tenant, [referral_id])
        offers = await connection.fetch(OFFERS, tenant, referral_id, LIVE_OFFERS)
        timeline = await connection.fetch(TIMELINE, tenant, referral_id)
        reminders = await connection.fetch(REMINDERS, tenant, [referral_id])
        views = await connection.fetchval(VIEWS, tenant, referral_id, actor["organisation_id"])
        last = await connection.fetchrow(LAST_VIEW, tenant, referral_id, actor["organisation_id"])
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
                    "description": ", ".join(f"{k}: {v}" for k, v in (json.loads(e["details"]) or {}).items()),
                }
                for e in timeline
            ],
            "reminders": reminders,
            "views": views,
            "last": last,
        }


def create(dsn: str | None = None) -> RawApp:
    """The app for uvicorn's factory mode: `uvicorn --factory raw:create` with RAW_DSN set."""
    return RawApp(dsn or os.environ["RAW_DSN"])
