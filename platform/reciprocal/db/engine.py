"""Engines and sessions; the one place a transaction is scoped to a scheme."""

from __future__ import annotations

import functools
import logging
import uuid
from typing import Any, Literal

import asyncpg
from sqlalchemy import Connection, TextClause, event, text
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
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
        connect_args={
            "timeout": settings.connect_timeout_s,
            # A server that stops answering (a frozen machine, a network gone quiet) never ends a statement by
            # its own timeout: the driver gives up a little after it would have, and the page is the fast 503.
            "command_timeout": settings.statement_timeout_ms / 1000 + settings.connect_timeout_s,
            # NOTE: SQLAlchemy's asyncpg dialect connects with this function when given one (its own name for
            # it, as create_async_engine's async_creator sets it); the other arguments still reach it.
            "async_creator_fn": connect_host_by_host,
            **_connection_options(settings),
        },
    )


async def connect_alone(url: str | URL) -> asyncpg.Connection:
    """A connection of its own, outside the pool (the worker's queue listens on one), to the server `url` names;
    where it names several, each is tried in turn, as the pool's connections are."""
    # The dialect's own reading of the address (several hosts included), as the pool's connections get it.
    _, kwargs = PGDialect_asyncpg().create_connect_args(async_url(url))  # type: ignore[no-untyped-call]
    return await connect_host_by_host(**kwargs)


NOT_TAKEN = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)
"""A server refused, failed or kept quiet, or takes no writes (target_session_attrs): try the next one."""


async def connect_host_by_host(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    """asyncpg.connect, but where DATABASE_URL names several servers each is given the whole connect timeout.

    NOTE: asyncpg's timeout covers all the servers together: a first server that accepts connections and then
    never answers (frozen, not stopped) uses all of it, and the promoted standby after it is never tried.
    libpq gives each server its own timeout; so does this, in the order they are named.
    """
    hosts, ports = kwargs.get("host"), kwargs.get("port")
    if not isinstance(hosts, list) or not isinstance(ports, list):
        return await asyncpg.connect(*args, **kwargs)
    refused: list[str] = []
    for host, port in zip(hosts, ports, strict=True):
        try:
            return await asyncpg.connect(*args, **{**kwargs, "host": host, "port": int(port)})
        except NOT_TAKEN as error:
            refused.append(f"{host}:{port} ({type(error).__name__})")
    # A connection error (OSError): the page is the fast 503, as when the one server named is down.
    raise ConnectionError(f"no database server took the connection: {', '.join(refused)}")


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
