"""Engines and sessions; the one place a transaction is scoped to a scheme."""

from __future__ import annotations

import functools
import logging
import uuid
from typing import Any, Literal

from sqlalchemy import Connection, TextClause, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.pool.base import _ConnectionRecord
from sqlalchemy.util.queue import Full

from reciprocal.db.rls import TENANT_SETTING
from reciprocal.settings import Settings


def async_url(url: str | URL) -> URL:
    """The same address with the asyncpg driver, whatever spelling it was given in."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed


class ReplacingPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's pool, but a connection thrown away is replaced by one that connects when next checked out.

    NOTE: a connection cut off inside an operation (its request cancelled mid-query: web/abandoned.py) is
    rightly thrown away, not reset and reused. SQLAlchemy's pool then only lowers its count: a request already
    waiting for a connection is never woken and times out (a 503), though there is room for a new one. Putting
    an unconnected entry in the queue wakes it, as an invalidated connection handed back would; the entry
    connects on checkout. Relies on QueuePool's internals (checked on SQLAlchemy 2.1): its test is
    tests/web/test_abandoned_requests.py.
    """

    def _dec_overflow(self) -> Literal[True]:
        super()._dec_overflow()
        if self._inc_overflow():
            try:
                self._pool.put(_ConnectionRecord(self, connect=False), False)
            except Full:  # the pool holds as many as it keeps: nobody can be waiting
                super()._dec_overflow()
        return True


# SQLAlchemy names a pool's logger after its class: ours would log "Pool disposed" among the service's lines.
logging.getLogger(f"{__name__}.{ReplacingPool.__name__}").setLevel(logging.WARNING)


PREPARED_KEPT = 1000


def create_engine(url: str | URL, settings: Settings) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        poolclass=ReplacingPool,
        # NOTE: no ping on checkout (a round trip on every request). A connection the database dropped
        # (restart, failover) fails at its first statement; SQLAlchemy then replaces the whole pool's, and the
        # guard looks once more (web/guard.py identify) or the page is the fast 503.
        pool_pre_ping=False,
        pool_size=settings.pool_size,
        pool_timeout=settings.connect_timeout_s,
        # Parameters may be case content: never let them into an exception message or a log.
        hide_parameters=True,
        connect_args={"timeout": settings.connect_timeout_s, **_connection_options(settings)},
    )


def _timeouts(settings: Settings) -> dict[str, str]:
    return {
        "statement_timeout": str(settings.statement_timeout_ms),
        "idle_in_transaction_session_timeout": str(max(settings.statement_timeout_ms * 5, 10_000)),
    }


def _connection_options(settings: Settings) -> dict[str, Any]:
    if settings.database_pool_mode == "transaction":
        # NOTE: through PgBouncer in transaction mode, each transaction may run on another server connection,
        # and PgBouncer (before 1.21) neither follows prepared statements nor accepts settings at start-up
        # ("unsupported startup parameter"). So nothing is kept: every statement is prepared under a name of
        # its own, used in the same transaction and never looked up again, and the timeouts are set in each
        # transaction (Database.sessions), as the scheme already is.
        return {
            "prepared_statement_cache_size": 0,
            "statement_cache_size": 0,
            "prepared_statement_name_func": lambda: f"__reciprocal_{uuid.uuid4().hex}__",
            "server_settings": {"application_name": "reciprocal"},
        }
    return {
        # Each connection prepares a statement once and keeps it: the service has a few hundred, more than
        # the driver's default 100, and one pushed out costs a round trip to prepare again.
        "prepared_statement_cache_size": PREPARED_KEPT,
        "server_settings": {"application_name": "reciprocal", **_timeouts(settings)},
    }


@functools.cache
def _set_locally(names: tuple[str, ...]) -> TextClause:
    return text("select " + ", ".join(f"set_config('{name}', :v{i}, true)" for i, name in enumerate(names)))


def _apply_locally(connection: Connection, values: dict[str, str]) -> None:
    # NOTE: transaction-local (is_local=true): a session-level setting would leak to the next borrower
    # of this pooled connection. SET LOCAL cannot take a bind parameter, set_config can.
    connection.execute(_set_locally(tuple(values)), {f"v{i}": value for i, value in enumerate(values.values())})


def _apply_tenant(connection: Connection, tenant_id: uuid.UUID) -> None:
    _apply_locally(connection, {TENANT_SETTING: str(tenant_id)})


@event.listens_for(Session, "after_begin")
def _scope_new_transaction(session: Session, _tx: SessionTransaction, connection: Connection) -> None:
    values: dict[str, str] = dict(session.info.get("per_transaction", {}))
    if (tenant_id := session.info.get("tenant_id")) is not None:
        values[TENANT_SETTING] = str(tenant_id)
    if values:  # one statement, however many settings
        _apply_locally(connection, values)


async def scope_to_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Make this session work for one scheme: its current and every later transaction."""
    session.info["tenant_id"] = tenant_id
    if session.in_transaction():
        connection = await session.connection()
        await connection.run_sync(_apply_tenant, tenant_id)


class Database:
    """The service's connection pool and session factory."""

    def __init__(self, url: str | URL, settings: Settings) -> None:
        self.engine = create_engine(url, settings)
        # Through a transaction-mode pooler the timeouts come with each transaction, not with the connection.
        pooled = settings.database_pool_mode == "transaction"
        info = {"per_transaction": _timeouts(settings)} if pooled else {}
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, info=info)

    def session(self, **kwargs: Any) -> AsyncSession:
        """An unscoped session: sees schemes, and no tenant-owned row at all."""
        return self.sessions(**kwargs)

    def tenant_session(self, tenant_id: uuid.UUID) -> AsyncSession:
        """A session whose every transaction is scoped to one scheme."""
        return self.sessions(info={"tenant_id": tenant_id})

    async def dispose(self) -> None:
        await self.engine.dispose()
