"""Every model, imported in one place so metadata is complete for migrations and tests."""

from reciprocal.audit.models import AuditEvent
from reciprocal.cohorts.models import CohortHandover
from reciprocal.criteria.models import CriteriaVersion
from reciprocal.db.base import Base
from reciprocal.enquiries.models import Enquiry
from reciprocal.identity.models import (
    IdentityProvider,
    Membership,
    OidcFlow,
    SignInAttempt,
    SignInLink,
    User,
    UserSession,
)
from reciprocal.ledger.models import LedgerBalance, LedgerEntry
from reciprocal.notifications.models import EmailChoice, MessageTemplate, Notice, OutboxMessage
from reciprocal.operations.models import Operator, OperatorSession, OperatorSignInAttempt, OperatorSignInLink
from reciprocal.partners.models import Organisation, OrganisationArea
from reciprocal.referrals.messages import ReferralMessage
from reciprocal.referrals.models import (
    MonitoringAnswers,
    Move,
    Offer,
    ReferenceCounter,
    Referral,
    ReferralArea,
    RiskAssessment,
    Viewing,
)
from reciprocal.reminders.models import Reminder
from reciprocal.retention.models import RetentionReceipt
from reciprocal.tenancy.models import Area, Scheme

__all__ = [
    "Area",
    "AuditEvent",
    "Base",
    "CohortHandover",
    "CriteriaVersion",
    "EmailChoice",
    "Enquiry",
    "IdentityProvider",
    "LedgerBalance",
    "LedgerEntry",
    "Membership",
    "MessageTemplate",
    "MonitoringAnswers",
    "Move",
    "Notice",
    "Offer",
    "OidcFlow",
    "Operator",
    "OperatorSession",
    "OperatorSignInAttempt",
    "OperatorSignInLink",
    "Organisation",
    "OrganisationArea",
    "OutboxMessage",
    "ReferenceCounter",
    "Referral",
    "ReferralArea",
    "ReferralMessage",
    "Reminder",
    "RetentionReceipt",
    "RiskAssessment",
    "Scheme",
    "SignInAttempt",
    "SignInLink",
    "User",
    "UserSession",
    "Viewing",
]
