"""Enqueueing a job inside the transaction that causes it: it exists exactly when that change commits.

A job's payload is JSON of ids and nothing else (a job row is not tenant-scoped: it names its scheme, and its
handler opens that scheme's session). The worker (reciprocal.worker) runs each kind.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, event, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from reciprocal.jobs.models import QueuedJob

HANDOFF = "handoff"
"""Referral steps committed together: the worker tells whoever must now act (notifications.handoffs)."""
DELIVER = "deliver"
"""One outbox message to send (notifications.delivery)."""


def enqueue(db: AsyncSession, entrypoint: str, payload: dict[str, Any], *, after: timedelta | None = None) -> None:
    """Add a job to `db`'s transaction, to run once it commits (and `after` has passed)."""
    job = QueuedJob(entrypoint=entrypoint, payload=_encoded(payload))
    if after is not None:
        job.execute_after = func.now() + after
    db.add(job)


def busy() -> Select[tuple[bool]]:
    """Whether any job is due now or being run."""
    due = (QueuedJob.status == "queued") & (QueuedJob.execute_after <= func.now())
    return select(exists().where(due | (QueuedJob.status == "picked")))


def _encoded(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, default=str).encode()


def payload_of(raw: bytes | None) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(raw or b"{}")
    return loaded


def ids(values: list[str]) -> list[uuid.UUID]:
    return [uuid.UUID(value) for value in values]


_PENDING = "reciprocal.jobs.pending"
"""Key in a session's `info`: (entrypoint, scheme) -> the ids collected for one job at the next flush."""


def collect(db: AsyncSession, entrypoint: str, tenant_id: uuid.UUID, item: uuid.UUID) -> None:
    """Add `item` to the one job of `entrypoint` that this transaction's next flush enqueues for the scheme.

    Steps taken together (a batch released: many referrals circulated in one transaction) become one job,
    so the worker can tell each person once about all of them (one digest per batch, not one per referral).
    """
    pending: dict[tuple[str, uuid.UUID], list[uuid.UUID]] = db.sync_session.info.setdefault(_PENDING, {})
    pending.setdefault((entrypoint, tenant_id), []).append(item)


@event.listens_for(Session, "before_flush")
def _enqueue_collected(session: Session, *_: Any) -> None:
    pending: dict[tuple[str, uuid.UUID], list[uuid.UUID]] | None = session.info.pop(_PENDING, None)
    for (entrypoint, tenant_id), items in (pending or {}).items():
        session.add(QueuedJob(entrypoint=entrypoint, payload=_encoded({"scheme": tenant_id, "ids": items})))
