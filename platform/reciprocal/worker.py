"""`reciprocal worker`: runs the jobs requests enqueue, and the scheduled ones (sweep, reminders, batches,
statements, retention).

Each job names its scheme and works in that scheme's session, as a request does; it acts as the system, through
the same services as people. Its log lines carry the job's id, kind and scheme, never case content.
Run as many workers as the load needs: each job is taken by one, and every handler is safe to run twice.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
import structlog
from pgqueuer import PgQueuer
from pgqueuer.models import Job, Schedule
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database, connect_alone
from reciprocal.jobs import services as jobs
from reciprocal.kernel import clock, dates
from reciprocal.mail.services import Mailer
from reciprocal.notifications import delivery, handoffs
from reciprocal.onboarding import agreements
from reciprocal.referrals import batches
from reciprocal.reminders import services as reminders
from reciprocal.retention import services as retention
from reciprocal.settings import Settings
from reciprocal.statements.jobs import send_statements
from reciprocal.tenancy.services import list_schemes

log = structlog.get_logger(__name__)

SWEEP = "sweep"
"""Every minute: any queued message whose job was lost is sent now."""
REMINDERS = "reminders"
"""Every morning: what has waited its working days is reminded, escalated or withdrawn (reminders.services)."""
REMINDERS_AT = "0 7 * * *"
"""07:00 UTC, before the working day on the UK's clock; on a day that is not a working day nothing is due."""
CIRCULATE = "circulate"
"""Every hour: each scheme whose cadence (`circulation_days`) has come round releases its batch."""
STATEMENTS = "statements"
"""Every hour: on the first working day of a month, each partner's statement of the month before (made once)."""
RETENTION = "retention"
"""Every night: each scheme removes what its retention says is due and leaves a receipt (retention.services)."""
RETENTION_AT = "30 2 * * *"
"""02:30 UTC, when nobody works; a second run the same day finds nothing more due."""
CONCURRENCY = 4
"""Jobs of one kind a worker runs at once."""


class Worker:
    """The handlers of every job kind, over one database and one mailer: `build` registers them with pgqueuer."""

    def __init__(self, db: Database, mailer: Mailer, settings: Settings) -> None:
        self.db = db
        self.mailer = mailer
        self.base_url = settings.require_base_url()

    async def handoff(self, job: Job) -> None:
        payload = jobs.payload_of(job.payload)
        scheme = uuid.UUID(payload["scheme"])
        with structlog.contextvars.bound_contextvars(job=int(job.id), kind=jobs.HANDOFF, scheme=str(scheme)):
            async with self.db.tenant_session(scheme) as session, session.begin():
                await handoffs.tell(session, scheme, jobs.ids(payload["ids"]))

    async def deliver(self, job: Job) -> None:
        payload = jobs.payload_of(job.payload)
        scheme = uuid.UUID(payload["scheme"])
        with structlog.contextvars.bound_contextvars(job=int(job.id), kind=jobs.DELIVER, scheme=str(scheme)):
            async with self.db.tenant_session(scheme) as session, session.begin():
                await delivery.deliver(session, scheme, uuid.UUID(payload["message"]), self.mailer, self.base_url)

    async def sweep(self) -> None:
        now = clock.now()
        async with self.db.session() as session:
            schemes = [scheme.id for scheme in await list_schemes(session)]
        for scheme in schemes:
            async with self.db.tenant_session(scheme) as session, session.begin():
                for message in await delivery.due(session, scheme, now):
                    jobs.enqueue(session, jobs.DELIVER, {"scheme": scheme, "message": message})

    async def _each_scheme(self, kind: str, work: Callable[[AsyncSession, uuid.UUID], Awaitable[object]]) -> None:
        """`work` in each scheme's own session and transaction, as the system: one scheme's failure is not another's."""
        async with self.db.session() as session:
            schemes = [scheme.id for scheme in await list_schemes(session)]
        for scheme in schemes:
            with structlog.contextvars.bound_contextvars(kind=kind, scheme=str(scheme)):
                try:
                    async with self.db.tenant_session(scheme) as session, session.begin():
                        await work(session, scheme)
                except Exception as error:
                    # Rolled back, so nothing half-done: the next run does it. NOTE: the type only, as for mail:
                    # a database error quotes its statement's parameters.
                    log.error(f"{kind}.failed", error=type(error).__name__)

    async def reminders(self) -> None:
        await self._each_scheme(REMINDERS, reminders.remind)
        today = dates.today()
        await self._each_scheme(
            "agreement_reviews", lambda session, scheme: agreements.remind_reviews(session, scheme, today)
        )

    async def circulate(self) -> None:
        await self._each_scheme(CIRCULATE, batches.release_if_due)

    async def statements(self) -> None:
        today = dates.today()
        await self._each_scheme(STATEMENTS, lambda session, scheme: send_statements(session, scheme, today))

    async def retention(self) -> None:
        await self._each_scheme(RETENTION, retention.apply)

    def build(self, connection: asyncpg.Connection) -> PgQueuer:
        pgq = PgQueuer.from_asyncpg_connection(connection)
        # Each job holds a pooled connection while it runs: together they stay well below the pool (10 + 10), so
        # a burst of jobs (a year of demo history, a large batch) waits its turn instead of timing out.
        pgq.entrypoint(jobs.HANDOFF, concurrency_limit=CONCURRENCY)(self.handoff)
        pgq.entrypoint(jobs.DELIVER, concurrency_limit=CONCURRENCY)(self.deliver)

        async def sweep(_: Schedule) -> None:
            await self.sweep()

        async def remind(_: Schedule) -> None:
            await self.reminders()

        async def circulate(_: Schedule) -> None:
            await self.circulate()

        async def statements(_: Schedule) -> None:
            await self.statements()

        async def retain(_: Schedule) -> None:
            await self.retention()

        pgq.schedule(SWEEP, "* * * * *")(sweep)
        pgq.schedule(RETENTION, RETENTION_AT)(retain)
        pgq.schedule(REMINDERS, REMINDERS_AT)(remind)
        pgq.schedule(CIRCULATE, "5 * * * *")(circulate)
        pgq.schedule(STATEMENTS, "10 * * * *")(statements)
        return pgq


async def run(
    db: Database,
    url: URL,
    mailer: Mailer,
    settings: Settings,
    *,
    drain: bool = False,
    stop: asyncio.Event | None = None,
) -> None:
    """Work until `stop` is set (or, `drain`, until nothing is due and nothing is running: tests).

    pgqueuer's own drain mode also waits for jobs deferred to later (a retry in a minute); ours stops when
    what is left is for later, which the next run, or the sweep, takes up.
    """
    connection = await connect_alone(url)  # pgqueuer listens on a connection of its own
    try:
        worker = Worker(db, mailer, settings)
        pgq = worker.build(connection)
        log.info("worker.started", drain=drain)
        if not drain:
            # Catch up at start: a worker down at 07:00 (a deploy, the demo started later) still reminds today.
            # Safe to repeat: each rung of each wait is recorded once.
            await worker.reminders()
        if drain:
            working = asyncio.create_task(pgq.qm.run(dequeue_timeout=timedelta(milliseconds=100)))
            done = asyncio.create_task(_until_idle(db, working))
        else:
            working = asyncio.create_task(pgq.run())
            done = asyncio.create_task(_until(stop or asyncio.Event()))
        try:
            await asyncio.wait([working, done], return_when=asyncio.FIRST_COMPLETED)
        finally:
            pgq.shutdown.set()
            done.cancel()
            await working
    finally:
        await connection.close()
        log.info("worker.stopped")


async def _until_idle(db: Database, working: asyncio.Task[None]) -> None:
    """Return once no job has been due or running for two looks in a row (or the loop itself ended)."""
    idle = 0
    while idle < 2 and not working.done():
        await asyncio.sleep(0.1)
        async with db.session() as session:
            busy = await session.scalar(jobs.busy())
        idle = 0 if busy else idle + 1


async def _until(stop: asyncio.Event) -> None:
    await stop.wait()
