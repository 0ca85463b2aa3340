"""The nominating officer's lists in words: the home's referrals by what happens next, and the page of all the
referrals the officer holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reciprocal.kernel.dates import govuk_date
from reciprocal.kernel.words import plural
from reciprocal.portals.officer.queries import AgencyReferral
from reciprocal.referrals.drafts import DeletedDraft
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import WORDS, State

HOME_GROUPS: list[tuple[str, str, tuple[State, ...]]] = [
    ("drafts", "Drafts to finish", (State.draft,)),
    ("returned", "Returned for more information", (State.returned,)),
    (
        "approval",
        "Waiting for checks and approval",
        (State.submitted, State.on_hold, State.awaiting_approval, State.approved),
    ),
    ("circulating", "Circulating to housing partners", (State.circulating,)),
    ("offers", "Under offer or viewing", (State.offer_made, State.viewing, State.accepted)),
]
"""The home's groups: referrals in hand only (queries.IN_HAND). Moved and ended ones are on the page of all."""

NEXT = {
    State.draft: "Finish the questions and submit it",
    State.returned: "Answer the coordinator's note and resubmit it",
    State.submitted: "The coordinator is checking it",
    State.on_hold: "On hold until the current landlord reciprocates",
    State.awaiting_approval: "Waiting for the current landlord's approval",
    State.approved: "Approved: it goes to housing partners in the next circulation",
    State.circulating: "Circulating to housing partners",
    State.offer_made: "A property has been offered",
    State.viewing: "A viewing is being arranged",
    State.accepted: "The offer was accepted: waiting for the move",
    State.moved: "The applicant has moved",
    State.closed: "The applicant has moved and the referral is closed",
    State.withdrawn: "Withdrawn",
    State.moved_elsewhere: "The applicant moved through another pathway",
    State.handed_on: "Handed to a successor scheme, where it goes on",
    State.ineligible: "Found ineligible by the coordinator",
    State.declined: "Declined by the current landlord",
}
"""What happens next, in a few words, for a referral in each state (the home says how long it has circulated)."""


@dataclass(frozen=True)
class HomeRow:
    title: str
    """The reference, or 'Draft started <date>' before there is one."""
    href: str
    case_reference: str
    status: str
    note: str
    """The coordinator's or landlord's word to the officer, where the referral came back or ended."""
    note_by: str


@dataclass(frozen=True)
class HomeGroup:
    key: str
    heading: str
    rows: list[HomeRow]


def _days(count: int) -> str:
    if count <= 0:
        return "today"
    return f"{count} {plural('day', count)} ago"


def home_groups(
    referrals: list[Referral], base: str, today: date, standing: dict[uuid.UUID, int] | None = None
) -> list[HomeGroup]:
    """The referrals grouped by what happens next; groups with none are left out. `standing`: the offers each
    circulating referral has side by side, for the officer to review with the applicant."""
    groups = []
    for key, heading, states in HOME_GROUPS:
        rows = []
        for referral in referrals:
            if referral.state not in states:
                continue
            offered = (standing or {}).get(referral.id, 0)
            if referral.state == State.circulating and offered:
                status = f"{offered} {plural('offer', offered)} to review with the applicant: choose one to pursue"
            elif referral.state == State.circulating and referral.circulated_at is not None:
                status = f"Circulated {_days((today - referral.circulated_at.date()).days)}"
            else:
                status = NEXT.get(referral.state, WORDS[referral.state].capitalize())
            shows_note = referral.state in (State.returned, State.ineligible, State.declined, State.withdrawn)
            rows.append(
                HomeRow(
                    title=referral.reference or f"Draft started {govuk_date(referral.created_at)}",
                    href=f"{base}/{referral.id}",
                    case_reference=referral.officer_case_reference,
                    status=status,
                    note=referral.note if shows_note else "",
                    note_by="The landlord's reason" if referral.state == State.declined else "The coordinator's note",
                )
            )
        if rows:
            groups.append(HomeGroup(key, heading, rows))
    return groups


def draft_name(started: datetime | None, case_reference: str = "") -> str:
    """A draft as the home lists it: when it was started, and the officer's own reference if they gave one."""
    name = f"started {govuk_date(started)}" if started else ""
    if case_reference:
        name += f"{', ' if name else ''}your reference {case_reference}"
    return name


def agency_row(referral: AgencyReferral, base: str) -> dict[str, str]:
    """One line of the page of all the officer's referrals."""
    return {
        "title": referral.reference or f"Draft started {govuk_date(referral.created_at)}",
        "href": f"{base}/{referral.id}",
        "case_reference": referral.case_reference or "None given",
        "status": NEXT.get(referral.state, WORDS[referral.state].capitalize()),
        "started": govuk_date(referral.created_at),
    }


def state_items(chosen: State | None) -> list[dict[str, Any]]:
    """The status filter's choices on the page of all the officer's referrals: any, or one state."""
    items: list[dict[str, Any]] = [{"value": "", "text": "Any status", "selected": chosen is None}]
    for state in State:
        words = "Draft" if state == State.draft else WORDS[state].capitalize()
        items.append({"value": state.value, "text": words, "selected": state == chosen})
    return items


def deleted_banner(deleted: DeletedDraft | None) -> str | None:
    """The home's words once the officer deleted a draft (`?deleted=<id>`): named by when it was started, since
    its case reference went with it. None when they deleted no such draft: the address alone announces nothing."""
    if deleted is None:
        return None
    name = draft_name(deleted.started)
    return f"Draft referral {name} deleted" if name else "Draft referral deleted"
