"""One-time sign-in links by email, for organisations without their own identity provider."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import User
from reciprocal.identity.secrets import Keys
from reciprocal.mail.services import Mailer
from reciprocal.settings import Settings

LINK_LIFETIME_MINUTES = 15


class LinkRequest(enum.Enum):
    sent_if_known = "sent_if_known"
    """The answer for every address, known or not, and for one asked too often: nothing to tell apart."""
    too_many_from_network = "too_many_from_network"
    """Too many requests from one network address: say so (it reveals nothing about any address)."""


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
    raise NotImplementedError


async def redeem(db: AsyncSession, tenant_id: uuid.UUID, token: str) -> User | None:
    """The member a live, unused link belongs to, marking it used; None if expired, used or unknown."""
    raise NotImplementedError
