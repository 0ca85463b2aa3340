"""What a process remembers of each scheme between requests: its row and its sign-in providers' issuers.

Every request under /s/<slug>/ needs its scheme before anything else, and schemes change rarely: reading the row
on every request would be a round trip per page for nothing. An entry is read again once it is older than
`Settings.scheme_cache_s`, so a change made anywhere is seen by every process within that long; a change made
in this process (a scheme admin's provider) forgets the entry at once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import scope_to_tenant
from reciprocal.identity.models import IdentityProvider
from reciprocal.tenancy.models import Scheme
from reciprocal.tenancy.services import find_scheme

UNKNOWN_KEPT = 1000
"""Slugs found to be no scheme are remembered too, so that made-up addresses cost no query each; past this many
the list starts again."""


@dataclass(frozen=True)
class Known:
    """One scheme as a request needs it. `scheme` is detached from every session: read it, never change it."""

    scheme: Scheme
    issuers: tuple[str, ...]
    """Its organisations' identity providers' issuers: the pages' forms may lead there (web/security.py)."""


class SchemeDirectory:
    """Schemes by slug, read through the request's own session and kept for `ttl_s` seconds."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._known: dict[str, tuple[float, Known]] = {}
        self._unknown: dict[str, float] = {}

    async def find(self, session: AsyncSession, slug: str) -> Known | None:
        """The scheme of `slug`, with `session` scoped to it for its current and later transactions.

        Fresh from memory with no query; otherwise read in `session` (the row unscoped, the issuers under the
        scheme's own row-level security), in the transaction the caller goes on with."""
        now = time.monotonic()
        if (found := self._known.get(slug)) and now - found[0] < self.ttl_s:
            await scope_to_tenant(session, found[1].scheme.id)
            return found[1]
        if (missed := self._unknown.get(slug)) is not None and now - missed < self.ttl_s:
            return None
        scheme = await find_scheme(session, slug)
        if scheme is None:
            if len(self._unknown) >= UNKNOWN_KEPT:
                self._unknown.clear()
            self._unknown[slug] = now
            return None
        await scope_to_tenant(session, scheme.id)
        issuers = await session.scalars(
            select(IdentityProvider.issuer)
            .where(IdentityProvider.tenant_id == scheme.id)
            .order_by(IdentityProvider.issuer)
        )
        known = Known(scheme, tuple(issuers))
        session.expunge(scheme)
        self._known[slug] = (now, known)
        self._unknown.pop(slug, None)
        return known

    def forget(self, tenant_id: uuid.UUID) -> None:
        """Read this scheme again on its next request: this process has just changed it."""
        for slug, (_, known) in list(self._known.items()):
            if known.scheme.id == tenant_id:
                del self._known[slug]

    def forget_once_committed(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        """Forget the scheme when `session`'s transaction commits: forgotten earlier, a request in between could
        read and keep the scheme as it was."""
        event.listen(session.sync_session, "after_commit", lambda _: self.forget(tenant_id), once=True)
