"""One-time sign-in links by email, for organisations without their own identity provider."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from typing import ClassVar, Protocol

import structlog
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from reciprocal.audit.services import record
from reciprocal.identity.models import Membership, SignInAttempt, SignInLink, User, UserStatus
from reciprocal.identity.secrets import Keys, new_token, token_hash
from reciprocal.identity.services import normalise_email
from reciprocal.kernel import clock
from reciprocal.mail.services import Mailer, Message, send_on_commit
from reciprocal.settings import Settings

log = structlog.get_logger(__name__)

LINK_LIFETIME_MINUTES = 15
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_PER_ADDRESS = 3
"""Links sent to one address per window; more requests get the same answer and no email."""
MAX_PER_NETWORK = 20
"""Link requests from one network address per window, whatever the addresses asked for."""


class LinkRequest(enum.Enum):
    sent_if_known = "sent_if_known"
    """The answer for every address, known or not: nothing to tell apart."""
    too_many_for_address = "too_many_for_address"
    """Asked for one address too often lately, so nothing was sent. Answer it as `sent_if_known`, word for word:
    else the page tells which addresses someone is asking about. Only the demo, which prints links in its
    terminal rather than mailing them, says so (`mail_is_printed`): there, nothing new was printed."""
    too_many_from_network = "too_many_from_network"
    """Too many requests from one network address: say so (it reveals nothing about any address)."""


class AttemptTable(Protocol):
    """Where link requests are counted: a scheme's `SignInAttempt`, or the operators' own table."""

    kind: ClassVar[InstrumentedAttribute[str]]
    email_hash: ClassVar[InstrumentedAttribute[bytes | None]]
    ip_hash: ClassVar[InstrumentedAttribute[bytes | None]]
    at: ClassVar[InstrumentedAttribute[datetime]]


async def link_throttle(
    db: AsyncSession,
    attempts: type[AttemptTable],
    email_hash: bytes,
    ip_hash: bytes,
    *,
    now: datetime,
    where: tuple[ColumnElement[bool], ...],
) -> LinkRequest | None:
    """The answer to a link request asked too often, by network or for one address; None: go ahead.

    Counts the window's requests in `attempts`, narrowed by `where` (to one scheme, or nothing).
    """
    from_network, for_address = (
        await db.execute(
            select(
                func.count().filter(attempts.ip_hash == ip_hash),
                func.count().filter(attempts.email_hash == email_hash),
            ).where(
                *where,
                attempts.kind == "link",
                attempts.at > now - THROTTLE_WINDOW,
                or_(attempts.ip_hash == ip_hash, attempts.email_hash == email_hash),
            )
        )
    ).one()
    if from_network >= MAX_PER_NETWORK:
        log.warning("sign_in.link_throttled", by="network")
        return LinkRequest.too_many_from_network
    if for_address >= MAX_PER_ADDRESS:
        log.info("sign_in.link_throttled", by="address")
        return LinkRequest.too_many_for_address
    return None


async def request_link(
    db: AsyncSession,
    tenant_id: uuid.UUID,
    scheme_name: str,
    email: str,
    keys: Keys,
    settings: Settings,
    mailer: Mailer,
    *,
    client_ip: str,
    link_base: str,
) -> LinkRequest:
    """Send a single-use link (valid 15 minutes, stored only as a hash) if `email` belongs to a member.

    Rate-limited per address and per network address. `link_base` is the scheme's sign-in address,
    e.g. https://host/s/pan-london/sign-in/link/ ; the token is appended.
    """
    email = normalise_email(email)
    email_hash = keys.fingerprint(email)
    ip_hash = keys.fingerprint(client_ip)
    now = clock.now()
    throttled = await link_throttle(
        db, SignInAttempt, email_hash, ip_hash, now=now, where=(SignInAttempt.tenant_id == tenant_id,)
    )
    # Every request counts, refused ones too: asking faster does not reset the window.
    db.add(SignInAttempt(tenant_id=tenant_id, kind="link", email_hash=email_hash, ip_hash=ip_hash, at=now))
    if throttled is not None:
        return throttled
    user = await db.scalar(
        select(User).where(
            User.tenant_id == tenant_id,
            User.email == email,
            User.status != UserStatus.suspended,
            exists().where(Membership.tenant_id == User.tenant_id, Membership.user_id == User.id),
        )
    )
    # Made whether or not anyone gets it; the email itself goes after the response, so an
    # unknown address answers in about the time a known one does.
    token = new_token()
    if user is None:
        return LinkRequest.sent_if_known
    db.add(
        SignInLink(
            tenant_id=tenant_id,
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=now + timedelta(minutes=LINK_LIFETIME_MINUTES),
        )
    )
    record(db, tenant_id, "sign_in.link_sent", subject_type="user", subject_id=user.id)
    send_on_commit(db, mailer, _link_message(user.email, scheme_name, link_base + token))
    log.info("sign_in.link_sent", user=str(user.id))
    return LinkRequest.sent_if_known


async def next_link_at(db: AsyncSession, tenant_id: uuid.UUID, email: str, keys: Keys) -> datetime:
    """When a link request for `email`, just refused as one too many, would be answered with a link again,
    if no more are asked for meanwhile: once fewer than MAX_PER_ADDRESS requests (this one included) are
    in the window. To the minute, rounded up. Demo only: outside it, nothing may tell a throttled address."""
    await db.flush()  # the request just counted
    now = clock.now()
    oldest_counted = await db.scalar(
        select(SignInAttempt.at)
        .where(
            SignInAttempt.tenant_id == tenant_id,
            SignInAttempt.kind == "link",
            SignInAttempt.email_hash == keys.fingerprint(normalise_email(email)),
            SignInAttempt.at > now - THROTTLE_WINDOW,
        )
        .order_by(SignInAttempt.at.desc())
        .offset(MAX_PER_ADDRESS - 1)
        .limit(1)
    )
    again = (oldest_counted or now) + THROTTLE_WINDOW
    whole_minute = again.replace(second=0, microsecond=0)
    return whole_minute if whole_minute == again else whole_minute + timedelta(minutes=1)


def _link_message(to: str, scheme_name: str, link: str) -> Message:
    """Plain text, and nothing personal beyond the address it goes to: mail is read in many places."""
    return Message(
        to=to,
        subject=f"Sign in to {scheme_name}",
        body=(
            f"Use this link to sign in to {scheme_name}:\n"
            f"\n{link}\n\n"
            f"The link works once, for {LINK_LIFETIME_MINUTES} minutes.\n"
            "\n"
            "If you did not ask for this, you can ignore this email.\n"
        ),
    )


async def redeem(db: AsyncSession, tenant_id: uuid.UUID, token: str) -> User | None:
    """The member a live, unused link belongs to, marking it used; None if expired, used or unknown."""
    now = clock.now()
    # NOTE: one UPDATE ... WHERE used_at IS NULL: of two concurrent redeems, the second waits for the
    # first to commit, finds the link used and matches nothing. Never a read, then a write.
    used = (
        update(SignInLink)
        .where(
            SignInLink.tenant_id == tenant_id,
            SignInLink.token_hash == token_hash(token),
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
            User.tenant_id == SignInLink.tenant_id,
            User.id == SignInLink.user_id,
            User.status != UserStatus.suspended,
        )
        .values(used_at=now)
        .returning(SignInLink.user_id)
        .cte("used_link")
    )
    user = await db.scalar(select(User).join(used, User.id == used.c.user_id).where(User.tenant_id == tenant_id))
    if user is None:
        log.info("sign_in.link_refused")
    return user
