"""Operators: adding them, their emailed sign-in links and sessions, and the schemes' counts and health."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.db.migrate import current_revision
from reciprocal.identity.links import LINK_LIFETIME_MINUTES, LinkRequest, link_throttle
from reciprocal.identity.models import User, UserStatus
from reciprocal.identity.secrets import Keys, new_token, token_hash
from reciprocal.identity.services import TOUCH_EVERY, normalise_email
from reciprocal.kernel import clock
from reciprocal.mail.services import Mailer, Message, send_on_commit
from reciprocal.operations.models import Operator, OperatorSession, OperatorSignInAttempt, OperatorSignInLink
from reciprocal.partners.models import Organisation
from reciprocal.referrals.models import Move, Referral
from reciprocal.referrals.workflow import State
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from reciprocal.tenancy.services import list_schemes

log = structlog.get_logger(__name__)

SERVICE_NAME = "Reciprocal operations"
"""What operators' pages and emails call this part of the service."""


# --- operators -------------------------------------------------------------------------------------------


class OperatorExists(ValueError):
    """An operator with that email address is already on the service."""


async def add_operator(db: AsyncSession, email: str, display_name: str) -> Operator:
    email = normalise_email(email)
    if await db.scalar(select(Operator.id).where(Operator.email == email)) is not None:
        raise OperatorExists(email)
    operator = Operator(email=email, display_name=display_name.strip())
    db.add(operator)
    await db.flush()
    log.info("operator.added", operator=str(operator.id))
    return operator


async def list_operators(db: AsyncSession) -> list[Operator]:
    return list(await db.scalars(select(Operator).order_by(Operator.email)))


async def disable_operator(db: AsyncSession, email: str) -> bool:
    """Stop an operator signing in and end their sessions; False if there is no such operator."""
    operator = await db.scalar(select(Operator).where(Operator.email == normalise_email(email)))
    if operator is None:
        return False
    operator.disabled = True
    await db.execute(
        update(OperatorSession)
        .where(OperatorSession.operator_id == operator.id, OperatorSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    log.info("operator.disabled", operator=str(operator.id))
    return True


# --- signing in by emailed link ---------------------------------------------------------------------------


async def request_link(
    db: AsyncSession,
    email: str,
    keys: Keys,
    mailer: Mailer,
    *,
    client_ip: str,
    link_base: str,
) -> LinkRequest:
    """Send a single-use link (15 minutes, stored only as a hash) if `email` is an operator's.

    Throttled per address and per network address as a scheme's links are. `link_base` is e.g.
    https://host/operator/sign-in/link/ ; the token is appended.
    """
    email = normalise_email(email)
    email_hash = keys.fingerprint(email)
    ip_hash = keys.fingerprint(client_ip)
    now = clock.now()
    throttled = await link_throttle(db, OperatorSignInAttempt, email_hash, ip_hash, now=now, where=())
    # Every request counts, refused ones too: asking faster does not reset the window.
    db.add(OperatorSignInAttempt(kind="link", email_hash=email_hash, ip_hash=ip_hash, at=now))
    if throttled is not None:
        return throttled
    operator = await db.scalar(select(Operator).where(Operator.email == email, Operator.disabled.is_(False)))
    # Made whether or not anyone gets it; the email goes after the response, so an unknown address
    # answers in about the time a known one does.
    token = new_token()
    if operator is None:
        return LinkRequest.sent_if_known
    db.add(
        OperatorSignInLink(
            token_hash=token_hash(token),
            operator_id=operator.id,
            expires_at=now + timedelta(minutes=LINK_LIFETIME_MINUTES),
        )
    )
    send_on_commit(db, mailer, _link_message(operator.email, link_base + token))
    log.info("operator.link_sent", operator=str(operator.id))
    return LinkRequest.sent_if_known


def _link_message(to: str, link: str) -> Message:
    return Message(
        to=to,
        subject=f"Sign in to {SERVICE_NAME}",
        body=(
            f"Use this link to sign in to {SERVICE_NAME}:\n"
            f"\n{link}\n\n"
            f"The link works once, for {LINK_LIFETIME_MINUTES} minutes.\n"
            "\n"
            "If you did not ask for this, you can ignore this email.\n"
        ),
    )


async def redeem(db: AsyncSession, token: str) -> Operator | None:
    """The operator a live, unused link belongs to, marking it used; None if expired, used or unknown."""
    now = clock.now()
    # NOTE: one UPDATE ... WHERE used_at IS NULL, as for a scheme's links: of two concurrent redeems,
    # the second finds the link used.
    used = (
        update(OperatorSignInLink)
        .where(
            OperatorSignInLink.token_hash == token_hash(token),
            OperatorSignInLink.used_at.is_(None),
            OperatorSignInLink.expires_at > now,
            Operator.id == OperatorSignInLink.operator_id,
            Operator.disabled.is_(False),
        )
        .values(used_at=now)
        .returning(OperatorSignInLink.operator_id)
        .cte("used_link")
    )
    operator = await db.scalar(select(Operator).join(used, Operator.id == used.c.operator_id))
    if operator is None:
        log.info("operator.link_refused")
    return operator


# --- sessions ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedInOperator:
    """The operator behind a request."""

    operator_id: uuid.UUID
    session_id: uuid.UUID
    email: str
    display_name: str


async def start_session(db: AsyncSession, operator: Operator, settings: Settings) -> str:
    """Sign `operator` in; returns the new session's cookie token (only its hash is stored)."""
    token = new_token()
    now = clock.now()
    db.add(
        OperatorSession(
            token_hash=token_hash(token),
            operator_id=operator.id,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
        )
    )
    operator.last_signed_in_at = now
    log.info("operator.signed_in", operator=str(operator.id))
    return token


async def find_operator(db: AsyncSession, token: str, settings: Settings) -> SignedInOperator | None:
    """The operator a session cookie belongs to, if the session is live and the operator not disabled."""
    now = clock.now()
    row = (
        await db.execute(
            select(OperatorSession, Operator)
            .join(Operator, Operator.id == OperatorSession.operator_id)
            .where(
                OperatorSession.token_hash == token_hash(token),
                OperatorSession.revoked_at.is_(None),
                OperatorSession.expires_at > now,
                OperatorSession.last_seen_at > now - timedelta(minutes=settings.session_idle_minutes),
                Operator.disabled.is_(False),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    operator_session, operator = row
    if now - operator_session.last_seen_at > TOUCH_EVERY:
        operator_session.last_seen_at = now
    return SignedInOperator(
        operator_id=operator.id,
        session_id=operator_session.id,
        email=operator.email,
        display_name=operator.display_name,
    )


async def end_session(db: AsyncSession, token: str) -> None:
    await db.execute(
        update(OperatorSession)
        .where(OperatorSession.token_hash == token_hash(token), OperatorSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


# --- what an operator sees: counts per scheme and the service's health -----------------------------------


@dataclass(frozen=True)
class SchemeCounts:
    """One scheme as an operator sees it: its directory entry, counts and dates. Never a row's content."""

    scheme: Scheme
    organisations: int
    users: dict[UserStatus, int]
    referrals: dict[State, int]
    moves: int
    last_activity: datetime | None

    @property
    def referral_total(self) -> int:
        return sum(self.referrals.values())


async def unscoped_scheme_counts(db: Database) -> list[SchemeCounts]:  # operators watch every scheme: counts only
    """Every scheme's counts, scheme by scheme, each in a session scoped to that scheme (RLS holds)."""
    async with db.session() as directory:
        schemes = await list_schemes(directory)
    return [await _counts(db, scheme) for scheme in schemes]


async def _counts(db: Database, scheme: Scheme) -> SchemeCounts:
    # NOTE: every select below is a count or a date: no name, reference or case field leaves the database.
    tenant_id = scheme.id
    async with db.tenant_session(tenant_id) as session, session.begin():
        organisations = await session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.tenant_id == tenant_id)
        )
        users = (
            await session.execute(
                select(*(func.count().filter(User.status == status) for status in UserStatus)).where(
                    User.tenant_id == tenant_id
                )
            )
        ).one()
        referrals = (
            await session.execute(
                select(*(func.count().filter(Referral.state == state) for state in State)).where(
                    Referral.tenant_id == tenant_id
                )
            )
        ).one()
        moves = await session.scalar(select(func.count()).select_from(Move).where(Move.tenant_id == tenant_id))
        last_activity = await session.scalar(
            select(func.max(AuditEvent.occurred_at)).where(AuditEvent.tenant_id == tenant_id)
        )
    return SchemeCounts(
        scheme=scheme,
        organisations=organisations or 0,
        users=dict(zip(UserStatus, users, strict=True)),
        referrals=dict(zip(State, referrals, strict=True)),
        moves=moves or 0,
        last_activity=last_activity,
    )


@dataclass(frozen=True)
class Health:
    """What /readyz checks, in words for a person: the database answers, its schema is this code's."""

    reachable: bool
    current_revision: str | None
    expected_revision: str | None
    version: str

    @property
    def migrations_current(self) -> bool:
        return self.reachable and self.current_revision == self.expected_revision


async def service_health(db: Database, expected_revision: str | None) -> Health:
    try:
        async with db.engine.connect() as connection:
            current = await connection.run_sync(current_revision)
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        log.warning("operator.health_unreachable", error=type(error).__name__)
        return Health(False, None, expected_revision, service_version())
    return Health(True, current, expected_revision, service_version())


@dataclass(frozen=True)
class Overview:
    schemes: list[SchemeCounts]
    health: Health


async def overview(db: Database, expected_revision: str | None) -> Overview:
    """The operator's home: every scheme's counts, then the service's health."""
    return Overview(await unscoped_scheme_counts(db), await service_health(db, expected_revision))


def service_version() -> str:
    """The installed package's version: what is running, for comparing with what was deployed."""
    try:
        return version("reciprocal")
    except PackageNotFoundError:
        return "unknown"
