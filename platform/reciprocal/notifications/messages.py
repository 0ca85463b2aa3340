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
    "statement": Kind(
        "Your statement for {reference}",
        "Your organisation's figures in the scheme for the month. Every move and entry is on the statement page.",
    ),
}


def happened(kind: str, reference: str | None) -> str:
    return KINDS[kind].happened.format(reference=reference or "")


STATEMENT = "statement"
"""The monthly statement (statements.jobs): its `params` are counts, not referrals (statement_email)."""

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
    balances = params["balances"]
    if not balances:
        lines.append("- Properties owed to you or owing from you: none")
    for bedrooms, owed, owing in balances:
        lines.append(f"- {_bedroom_class(bedrooms)}: owed to you {owed}, owing from you {owing}, net {owed - owing:+d}")
    lines += ["", f"Open the statement: {link}", "", "You are told this because you are a named lead of the partner."]
    return Email(subject=subject, body="\n".join(lines) + "\n")
