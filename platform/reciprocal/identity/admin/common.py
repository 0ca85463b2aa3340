"""What the scheme admin's user and sign-in pages share: the refusal, the audit event, the organisations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.identity.models import IdentityProvider
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.partners.models import Organisation, OrganisationKind

KIND_NAMES = {
    OrganisationKind.council: "Council",
    OrganisationKind.housing_association: "Housing association",
    OrganisationKind.agency: "Referring agency",
    OrganisationKind.coordinator: "Coordinator",
}


class Invalid(Refused):
    """Input that must change nothing: one message per field, in the order the page shows the fields."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(problems=list(errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class OrganisationRow:
    id: uuid.UUID
    name: str
    kind: OrganisationKind
    issuer: str | None
    """The issuer of the organisation's identity provider, or None: its staff sign in by emailed link."""

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def sign_in_method(self) -> str:
        return f"Their identity provider: {self.issuer}" if self.issuer else "Emailed link"


def audit(
    db: AsyncSession,
    actor: Actor,
    action: str,
    *,
    subject_type: str,
    subject_id: uuid.UUID,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit event naming the admin who acted. Ids only: never an email, a name or a secret."""
    record(db, actor.tenant_id, action, actor=actor, subject_type=subject_type, subject_id=subject_id, details=details)


async def list_organisations(db: AsyncSession, actor: Actor) -> list[OrganisationRow]:
    rows = await db.execute(
        select(Organisation.id, Organisation.name, Organisation.kind, IdentityProvider.issuer)
        .outerjoin(
            IdentityProvider,
            (IdentityProvider.tenant_id == Organisation.tenant_id)
            & (IdentityProvider.organisation_id == Organisation.id),
        )
        .where(Organisation.tenant_id == actor.tenant_id)
        .order_by(Organisation.name)
    )
    return [OrganisationRow(id_, name, kind, issuer) for id_, name, kind, issuer in rows]
