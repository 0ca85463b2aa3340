"""How long a scheme keeps each kind of record, and from when a record counts as due.

The toolkit's stance is to hold as little as the work needs: only the nominating officer holds the applicant's
identity (GDPR), and what a partner sees has identifying data removed. The platform holds no identity, but a
closed referral's answers still describe a household in danger, so the defaults keep them no longer than the
scheme's reporting needs (a funder's year and the year before: 730 days after the referral ended), the audit
trail as long (it is what proves who did what to them), and the sign-in records, sent emails and sessions only
as long as throttling, a failed email's retry and a security look-back need (90, 90 and 30 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from reciprocal.kernel import dates
from reciprocal.tenancy.models import Scheme

CLOSED_REFERRALS = "closed_referrals"
AUDIT_EVENTS = "audit_events"
SIGN_IN_RECORDS = "sign_in_records"
OUTBOX_MESSAGES = "outbox_messages"
SESSIONS = "sessions"

KINDS: dict[str, str] = {
    CLOSED_REFERRALS: "Closed referrals (with their answers, offers and timeline)",
    AUDIT_EVENTS: "Audit events",
    SIGN_IN_RECORDS: "Sign-in records (requests, links and provider sign-ins)",
    OUTBOX_MESSAGES: "Emails sent or given up on",
    SESSIONS: "Signed-in sessions ended",
}
"""Each kind of record a run removes, in the words of the receipt."""

DEFAULTS: dict[str, int] = {
    CLOSED_REFERRALS: 730,
    AUDIT_EVENTS: 730,
    SIGN_IN_RECORDS: 90,
    OUTBOX_MESSAGES: 90,
    SESSIONS: 30,
}
"""Days each kind is kept when the scheme's configuration does not say (the Scheme columns' defaults)."""

REMOVED_REFERENCE = "removed under retention"
"""What the ledger and statements show where a removed referral's reference was."""


@dataclass(frozen=True)
class Rule:
    what: str
    kept_days: int
    before: datetime
    """What ended (or happened) before this moment is due."""

    @property
    def label(self) -> str:
        return KINDS[self.what]


def days_of(scheme: Scheme) -> dict[str, int]:
    """The scheme's own retention, kind by kind."""
    return {
        CLOSED_REFERRALS: scheme.keep_closed_referrals_days,
        AUDIT_EVENTS: scheme.keep_audit_events_days,
        SIGN_IN_RECORDS: scheme.keep_sign_in_records_days,
        OUTBOX_MESSAGES: scheme.keep_outbox_messages_days,
        SESSIONS: scheme.keep_sessions_days,
    }


def rules(scheme: Scheme, today: date | None = None) -> list[Rule]:
    """The rules on `today` (UK). Each is due from the start of a day, so a second run on the same day finds
    nothing more to remove."""
    day = today or dates.today()
    start = datetime.combine(day, time(), dates.UK_TIME).astimezone(UTC)
    return [Rule(what, days, start - timedelta(days=days)) for what, days in days_of(scheme).items()]


def described(days: int) -> str:
    """'730 days (about 2 years)'."""
    if days >= 365 and days % 365 == 0:
        years = days // 365
        return f"{days} days ({years} year{'s' if years > 1 else ''})"
    return f"{days} days"
