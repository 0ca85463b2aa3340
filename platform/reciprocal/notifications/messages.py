"""What each kind of notice says: what happened, what is wanted, and where. Nothing else can be in it.

A notice and its email are made from a kind and a reference number only: no free text anyone typed, no
answers, no address, no case reference can reach them, because nothing but these fixed words and the
reference is ever put in (tests/integration/test_notifications.py plants canaries to show it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    happened: str
    """What happened, of referral {reference}: shown in "What's new" and as the email's subject."""
    wanted: str
    """What the person is asked to do, or why they are told."""
    wanted_of_many: str = ""
    """The same, in a digest of several (DIGEST_KINDS)."""


KINDS: dict[str, Kind] = {
    "approval_requested": Kind(
        "Referral {reference} is waiting for your approval",
        "Your tenant has been referred to the scheme. Approve the referral, or decline it with a reason.",
    ),
    "approved": Kind(
        "Referral {reference} was approved by the landlord",
        "It goes to the partners covering the safe areas in the next batch. Nothing is needed from you now.",
    ),
    "declined": Kind(
        "Referral {reference} was declined by the landlord",
        "Read the landlord's reason on the referral's page.",
    ),
    "returned": Kind(
        "Referral {reference} was returned for more information",
        "Read what the coordinator needs, change the referral and submit it again.",
    ),
    "ineligible": Kind(
        "Referral {reference} does not meet the scheme's criteria",
        "Read the coordinator's reason on the referral's page.",
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
    "assessment_needed": Kind(
        "Referral {reference} needs your risk assessment",
        "Assess whether the offered area is safe for the applicant.",
    ),
    "assessment_recorded": Kind(
        "A risk assessment was recorded for referral {reference}",
        "Read the outcome on the referral's page.",
    ),
    "viewing_arranged": Kind(
        "A viewing was arranged for referral {reference}",
        "Tell the coordinator the outcome of the viewing.",
    ),
    "refused": Kind(
        "The offer for referral {reference} was refused",
        "Read the reason on the referral's page.",
    ),
    "accepted": Kind(
        "The offer for referral {reference} was accepted",
        "The move is being arranged.",
    ),
    "moved": Kind(
        "Referral {reference}: the household has moved",
        "The move is recorded in the scheme's ledger.",
    ),
    "withdrawn": Kind(
        "Referral {reference} was withdrawn",
        "Nothing more is needed on it.",
    ),
    "on_hold": Kind(
        "Referral {reference} is on hold",
        "The current landlord owes the scheme properties: the referral waits until it reciprocates.",
    ),
    "released": Kind(
        "Referral {reference} is no longer on hold",
        "It is back with the coordinator to check.",
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
}


def happened(kind: str, reference: str | None) -> str:
    return KINDS[kind].happened.format(reference=reference or "")


DIGEST_KINDS = frozenset({"circulated"})
"""Kinds that come many at once (a batch released): one email lists them all."""


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def email(kind: str, scheme_name: str, items: list[tuple[str | None, str]]) -> Email:
    """The email for one kind: `items` are (reference, link) of each referral it tells of, one unless a digest."""
    what = KINDS[kind]
    lines = [f"{scheme_name}", ""]
    if len(items) == 1:
        reference, link = items[0]
        subject = happened(kind, reference)
        lines += [f"{subject}.", "", what.wanted, "", f"Open the referral: {link}"]
    else:
        subject = f"{len(items)} referrals were circulated to you"
        lines += [f"{subject}.", "", what.wanted_of_many or what.wanted, ""]
        lines += [f"- {reference}: {link}" for reference, link in items]
    lines += ["", "You are told this because of your role in the scheme. Sign in to see what is new for you."]
    return Email(subject=subject, body="\n".join(lines) + "\n")
