"""pgqueuer's job table, mapped so that a job is added to a transaction like any row (`jobs.services.enqueue`).

The table is pgqueuer's own (created by its install SQL in migration 0007), in a metadata of its own so the
migrations never manage it. Only the columns an insert needs are mapped; the rest keep pgqueuer's defaults.
pgqueuer is pinned to a minor version (pyproject.toml) because this mapping must match its schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, MetaData, Text, func
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

_STATUSES = ("queued", "picked", "successful", "exception", "canceled", "deleted", "failed")


class _PgqueuerTables(DeclarativeBase):
    metadata = MetaData()


class QueuedJob(_PgqueuerTables):
    __tablename__ = "pgqueuer"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(ENUM(*_STATUSES, name="pgqueuer_status", create_type=False), default="queued")
    entrypoint: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    execute_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    dedupe_key: Mapped[str | None] = mapped_column(Text, default=None)
    heartbeat: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    """Kept fresh by the worker running it: a stale one (its worker died) is taken up by another."""
