"""Every model, imported in one place so metadata is complete for migrations and tests."""

from reciprocal.audit.models import AuditEvent
from reciprocal.criteria.models import CriteriaVersion
from reciprocal.db.base import Base
from reciprocal.identity.models import (
    IdentityProvider,
    Membership,
    OidcFlow,
    SignInAttempt,
    SignInLink,
    User,
    UserSession,
)
from reciprocal.partners.models import Organisation, OrganisationArea
from reciprocal.tenancy.models import Area, Scheme

__all__ = [
    "Area",
    "AuditEvent",
    "Base",
    "CriteriaVersion",
    "IdentityProvider",
    "Membership",
    "OidcFlow",
    "Organisation",
    "OrganisationArea",
    "Scheme",
    "SignInAttempt",
    "SignInLink",
    "User",
    "UserSession",
]
