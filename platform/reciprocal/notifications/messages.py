"""What each kind of notice says: what happened, what is wanted, and where. Nothing else can be in it.

A notice and its email are made from a kind and a reference number only: no free text anyone typed, no
answers, no address, no case reference can reach them, because nothing but these fixed words and the
reference is ever put in (tests/integration/test_notifications.py plants canaries to show it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Kind:
    happened: str
    """What happened, of referral {reference}: shown in "What's new" and as the email's subject."""
    wanted: str
    """What the person is asked to do, or why they are told."""
    wanted_of_many: str = ""
    """The same, in a digest of several (DIGEST_KINDS)."""
    link: str = "Open the referral"
    asks: bool = True
    """It asks the person to act (or is their access): always sent at once, never only in a daily summary."""


KINDS: dict[str, Kind] = {
    "invited": Kind(
        "You have been given access to the scheme",
        "The scheme's administrator has added you. Sign in with your work email address: through your"
        " organisation's own sign-in where it has one, or with a one-time link emailed to you.",
        link="Sign in",
    ),
    "role_added": Kind(
        "You have been given another role in the scheme",
        "The scheme's administrator has added a role to your account. Sign in to choose which role you act in.",
        link="Sign in",
    ),
    "approval_requested": Kind(
        "Referral {reference} is waiting for your approval",
        "Your tenant has been referred to the scheme. Approve the referral, or decline it with a reason.",
    ),
    "approved": Kind(
        "Referral {reference} was approved by the landlord",
        "It goes to the partners covering the safe areas in the next batch. Nothing is needed from you now.",
        asks=False,
    ),
    "declined": Kind(
        "Referral {reference} was declined by the landlord",
        "Read the landlord's reason on the referral's page.",
        asks=False,
    ),
    "returned": Kind(
        "Referral {reference} was returned for more information",
        "Read what the coordinator needs, change the referral and submit it again.",
    ),
    "ineligible": Kind(
        "Referral {reference} does not meet the scheme's criteria",
        "Read the coordinator's reason on the referral's page.",
        asks=False,
    ),
    "resubmitted": Kind(
        "Referral {reference} was submitted again",
        "Check it against the scheme's criteria.",
    ),
    "circulated": Kind(
        "Referral {reference} was circulated to you",
        "It names a safe area you cover. If you have a suitable property, offer it.",
        "Each names a safe area you cover. If you have a suitable property for one, offer it.",
    ),
    "offer_made": Kind(
        "A property was offered for referral {reference}",
        "Arrange a viewing with the nominating officer and the offering landlord.",
    ),
    "offer_to_review": Kind(
        "A property was offered for referral {reference}",
        "Review the offers with the applicant, and choose which property to pursue. The others are then released.",
    ),
    "offer_added": Kind(
        "A property was offered for referral {reference}",
        "Offers stand side by side: the nominating officer reviews them with the applicant and chooses one.",
        asks=False,
    ),
    "offer_chosen": Kind(
        "The nominating officer chose an offer for referral {reference}",
        "Arrange a viewing with the nominating officer and the offering landlord.",
    ),
    "offer_released": Kind(
        "Your offer for referral {reference} was not chosen",
        "The applicant chose another property. Yours is released: nothing more is needed on it.",
        asks=False,
    ),
    "decision_recorded": Kind(
        "The applicant's decision on the offer for referral {reference} was recorded",
        "Confirm the decision the nominating officer recorded, or query it with them.",
    ),
    "decision_queried": Kind(
        "The coordinator queried the decision recorded for referral {reference}",
        "Read the coordinator's note on the referral's page, and record the applicant's decision again.",
    ),
    "assessment_needed": Kind(
        "Referral {reference} needs your risk assessment",
        "Assess whether the offered area is safe for the applicant.",
    ),
    "assessment_recorded": Kind(
        "A risk assessment was recorded for referral {reference}",
        "Read the outcome on the referral's page.",
        asks=False,
    ),
    "viewing_arranged": Kind(
        "A viewing was arranged for referral {reference}",
        "Tell the coordinator the outcome of the viewing.",
    ),
    "refused": Kind(
        "The offer for referral {reference} was refused",
        "Read the reason on the referral's page.",
        asks=False,
    ),
    "accepted": Kind(
        "The offer for referral {reference} was accepted",
        "The move is being arranged.",
        asks=False,
    ),
    "moved": Kind(
        "Referral {reference}: the household has moved",
        "The move is recorded in the scheme's ledger.",
        asks=False,
    ),
    "withdrawn": Kind(
        "Referral {reference} was withdrawn",
        "Nothing more is needed on it.",
        asks=False,
    ),
    "moved_elsewhere": Kind(
        "Referral {reference}: the applicant moved through another pathway",
        "The referral has ended. Nothing more is needed on it, and no partner owes or is owed a property for it.",
        asks=False,
    ),
    "on_hold": Kind(
        "Referral {reference} is on hold",
        "The current landlord owes the scheme properties: the referral waits until it reciprocates.",
        asks=False,
    ),
    "released": Kind(
        "Referral {reference} is no longer on hold",
        "It is back with the coordinator to check.",
        asks=False,
    ),
    "handed_over": Kind(
        "Referral {reference} was handed over to you",
        "You are now its nominating officer: the referring agency's contact for the coordinator and the partners."
        " Open it to see what it needs next.",
    ),
    "received": Kind(
        "Referral {reference} has come to this scheme from the one it was in",
        "Its cohort was handed to this scheme: it goes on here under this reference, with its answers and history."
        " Open it to see what it needs next.",
        asks=False,
    ),
    "message": Kind(
        "New message on referral {reference}",
        "Read it, and reply if it asks you something, on the referral's page.",
        asks=False,
    ),
    # Reminders (reminders.services): sent when a referral has waited the scheme's working days for someone.
    "approval_reminder": Kind(
        "Reminder: referral {reference} is still waiting for your approval",
        "Your tenant's referral cannot go to the scheme's partners until it is approved. Approve it, or decline"
        " it with a reason.",
    ),
    "approval_cover": Kind(
        "Referral {reference} is waiting for approval by your organisation",
        "Another named lead of your organisation was asked and reminded, and has not answered. If they are"
        " away, approve or decline the referral in their place.",
    ),
    "offer_decision_reminder": Kind(
        "Reminder: the offer for referral {reference} is waiting for the applicant's decision",
        "Tell the coordinator whether the applicant wants to view the property.",
    ),
    "viewing_outcome_reminder": Kind(
        "Reminder: what was the outcome of the viewing for referral {reference}",
        "Tell the coordinator whether the applicant accepts or refuses the offer, and why.",
    ),
    "assessment_reminder": Kind(
        "Reminder: referral {reference} is still waiting for your risk assessment",
        "The offer cannot go ahead until you assess whether the offered area is safe for the applicant.",
    ),
    "update_reminder": Kind(
        "Reminder: referral {reference} has had no update",
        "Check the referral, and confirm that the applicant still needs to move.",
    ),
    "inactivity_warning": Kind(
        "Referral {reference} will be withdrawn for inactivity",
        "It has had no update for a long time. It will be withdrawn in 14 working days unless you confirm that"
        " the applicant still needs to move.",
    ),
    "agreement_review": Kind(
        "The Working Together Agreement of {reference} is due for review",
        "Its review date is near: agree the renewal with the organisation, then record the new dates in the"
        " scheme's administration.",
        link="Open the organisation",
    ),
    "statement": Kind(
        "Your statement for {reference}",
        "Your organisation's figures in the scheme for the month. Every move and entry is on the statement page.",
    ),
}


def happened(kind: str, reference: str | None) -> str:
    # A draft has no reference yet: its words close up round the gap ("Referral was handed over to you").
    return " ".join(KINDS[kind].happened.format(reference=reference or "").split())


STATEMENT = "statement"
"""The monthly statement (statements.jobs): its `params` are counts, not referrals (statement_email)."""

DIGEST_KINDS = frozenset({"circulated"})
"""Kinds that come many at once (a batch released): one email lists them all."""


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


DAILY = "daily"
"""The kind of a daily summary: its items name their own kinds (the ones the person chose to have so)."""
CHOOSABLE = [kind for kind, what in KINDS.items() if not what.asks]
"""Kinds a person may have in a daily summary instead of at once, in the order they are listed."""


def daily_summary(scheme_name: str, items: list[tuple[str, str | None, str]]) -> Email:
    """One day's informing emails in one: `items` are (kind, reference, link)."""
    subject = f"Your daily summary: {len(items)} {'update' if len(items) == 1 else 'updates'}"
    lines = [
        scheme_name,
        "",
        f"{subject}.",
        "",
        "Nothing here needs you to act: you chose to have these once a day.",
        "",
    ]
    lines += [f"- {happened(kind, reference)}: {link}" for kind, reference, link in items]
    lines += ["", "Change which emails come once a day in your email settings, after you sign in."]
    return Email(subject=subject, body="\n".join(lines) + "\n")


def _bedroom_class(bedrooms: int | None) -> str:
    """As the ledger's pages name it (web/templates/ledger/_macros.html.j2)."""
    if bedrooms is None:
        return "Any size"
    if bedrooms == 0:
        return "Studio"
    return f"{bedrooms} {'bedroom' if bedrooms == 1 else 'bedrooms'}"


def statement_email(scheme_name: str, params: dict[str, Any], link: str) -> Email:
    """The monthly statement: the partner's name, the month and its counts, and the link to the statement page."""
    month = date.fromisoformat(f"{params['month']}-01").strftime("%B %Y")
    subject = happened(STATEMENT, month)
    lines = [scheme_name, "", f"{subject}: {params['partner']}.", "", KINDS[STATEMENT].wanted, ""]
    lines += [
        f"- Your tenants rehoused by other partners in {month}: {params['rehoused_elsewhere']}",
        f"- Applicants on the list who could live in your areas: {params['wanting_area']}",
        f"- Your tenants' referrals on hold: {params['on_hold']}",
    ]
    if params.get("paused_until"):
        until = date.fromisoformat(params["paused_until"])
        lines.append(f"- Paused: new circulations do not reach you until {until.day} {until:%B %Y}")
    balances = params["balances"]
    if not balances:
        lines.append("- Properties owed to you or owing from you: none")
    for bedrooms, owed, owing in balances:
        lines.append(f"- {_bedroom_class(bedrooms)}: owed to you {owed}, owing from you {owing}, net {owed - owing:+d}")
    lines += ["", f"Open the statement: {link}", "", "You are told this because you are a named lead of the partner."]
    return Email(subject=subject, body="\n".join(lines) + "\n")
