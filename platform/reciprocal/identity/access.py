"""Who may use a route: every scheme route declares it in `opt`, and undeclared means refused."""

from __future__ import annotations

from typing import Any

from reciprocal.identity.models import Role

ALLOW = "allow"
PUBLIC_RULE = "public"


def allow(*roles: Role) -> dict[str, Any]:
    """`opt` for a route open to people signed in and acting in one of `roles`."""
    if not roles:
        raise ValueError("name at least one role; use PUBLIC for a page anyone may read")
    return {ALLOW: frozenset(roles)}


PUBLIC: dict[str, Any] = {ALLOW: PUBLIC_RULE}
"""`opt` for a page anyone may read, signed in or not (a scheme's home, its criteria, sign-in)."""

ANY_ROLE = allow(*Role)
"""`opt` for a page any signed-in person may use, whatever role they act in."""

CASE_ROLES = frozenset({Role.coordinator, Role.nominating_officer, Role.named_lead, Role.risk_assessor})
"""The roles that work on referrals: each may find one by its reference, among those it may see. A funder
reads reports and a scheme admin runs the scheme: neither searches referrals."""
