"""A word in free text that may be someone's name is warned of, and kept only when the form is sent again.

The officer's question pages are tested in test_officer_referrals; here every other free text a person writes
for someone else to read: the coordinator's messages to the officer, the named lead's decline details, the risk
assessor's notes and the ledger correction's reason. Each in both schemes.
"""

from __future__ import annotations

import re
from dataclasses import replace

from httpx import Response
from sqlalchemy import select

from reciprocal.ledger.models import LedgerEntry
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import RiskAssessment
from reciprocal.referrals.workflow import Action, State
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, act_as, post, version_in
from support.world import World

WARNED = "Check what you wrote does not name anyone: nothing is saved yet."


def confirmed_in(html: str) -> str:
    found = re.search(r'<input type="hidden" name="names_confirmed" value="([^"]*)"', html)
    assert found, "the form carries the words it warned of"
    return found[1]


def assert_warned(response: Response, field_id: str, warning: str, typed: str) -> None:
    """The page again, not saved: the warning linking to its field, and what was typed kept."""
    assert response.status_code == 200
    text = visible_text(response.text)
    assert WARNED in text
    assert warning in text
    assert f'href="#{field_id}"' in response.text
    assert typed in response.text


async def test_a_coordinators_message_naming_someone_is_sent_only_once_looked_at(
    client: Client, each_world: World, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    referral = await w.submitted(w.domestic_abuse())
    await act_as(client, w.db, settings, w.coordinator, slug)
    url = f"/s/{slug}/coordinator/referrals/{referral.id}"
    page = await client.get(url)
    assert confirmed_in(page.text) == ""  # nothing warned of yet

    note = "Ask Priya at the refuge for the safeguarding plan"
    warned = await post(client, f"{url}/return", {"version": version_in(page.text, "return"), "note": note})
    assert_warned(warned, "return-note", "\u201cPriya\u201d may be a person's name", note)
    assert "Error:" not in visible_text(warned.text)
    assert (await w.referral(referral.id)).state == State.submitted
    # The page has several message forms: the warning, and what it carries back, are the sent form's only.
    forms = dict(re.findall(r'action="[^"]*/([\w-]+)"[^>]*>(.*?)</form>', warned.text, re.DOTALL))
    assert confirmed_in(forms["return"]) == "Priya"
    assert (confirmed_in(forms["ineligible"]), "Priya" in forms["ineligible"]) == ("", False)

    sent = await post(
        client,
        f"{url}/return",
        {"version": version_in(warned.text, "return"), "note": note, "names_confirmed": confirmed_in(warned.text)},
    )
    assert sent.status_code == 303
    returned = await w.referral(referral.id)
    assert (returned.state, returned.note) == (State.returned, note)


async def test_a_decline_naming_someone_is_saved_only_once_looked_at(
    client: Client, each_world: World, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    referral = await w.submitted(w.domestic_abuse())
    referral = await w.run(
        referrals.act,
        w.coordinator,
        referral.id,
        Action.request_approval,
        version=referral.version,
    )
    await act_as(client, w.db, settings, w.landlord, slug)
    url = f"/s/{slug}/named-lead/approvals/{referral.id}"
    page = await client.get(url)
    decision = {"version": version_in(page.text), "decision": "decline", "reason": "other"}
    details = "Spoke to Mohammed, who is rehousing the household"
    warned = await post(client, url, {**decision, "details": details})
    assert_warned(warned, "details", "\u201cMohammed\u201d may be a person's name", details)
    assert (await w.referral(referral.id)).state == State.awaiting_approval

    decided = await post(client, url, {**decision, "details": details, "names_confirmed": confirmed_in(warned.text)})
    assert decided.status_code == 303
    declined = await w.referral(referral.id)
    assert declined.state == State.declined
    assert details in (declined.note or "")


async def test_a_risk_assessment_naming_someone_is_recorded_only_once_looked_at(
    client: Client, each_world: World, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    answers = replace(
        w.domestic_abuse(), risk_type="serious_violence", safe_area_ids=frozenset(), risk_assessor_id=w.assessor.user_id
    )
    referral = await w.offered(answers)
    await act_as(client, w.db, settings, w.assessor, slug)
    url = f"/s/{slug}/risk-assessor/assessments/{referral.id}"
    notes = "Known associates of Tyler live near the offered home"
    warned = await post(client, url, {"outcome": "risk", "notes": notes})
    assert_warned(warned, "notes", "\u201cTyler\u201d may be a person's name", notes)
    async with w.db.tenant_session(w.scheme.id) as session:
        assert list(await session.scalars(select(RiskAssessment))) == []

    recorded = await post(client, url, {"outcome": "risk", "notes": notes, "names_confirmed": "Tyler"})
    assert recorded.status_code == 303
    async with w.db.tenant_session(w.scheme.id) as session:
        (assessment,) = await session.scalars(select(RiskAssessment))
    assert (assessment.risk_identified, assessment.notes) == (True, notes)


async def test_a_correction_naming_someone_is_made_only_once_looked_at(
    client: Client, each_world: World, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    await w.moved(w.domestic_abuse(), w.partner, w.home())
    async with w.db.tenant_session(w.scheme.id) as session:
        entry = (await session.scalars(select(LedgerEntry).order_by(LedgerEntry.amount))).first()
    assert entry is not None
    await act_as(client, w.db, settings, w.coordinator, slug)
    url = f"/s/{slug}/ledger/entries/{entry.id}/correct"
    reason = "Recorded by Sandra against the wrong landlord"
    warned = await post(client, url, {"reason": reason})
    assert_warned(warned, "reason", "\u201cSandra\u201d may be a person's name", reason)
    async with w.db.tenant_session(w.scheme.id) as session:
        assert len(list(await session.scalars(select(LedgerEntry)))) == 2

    corrected = await post(client, url, {"reason": reason, "names_confirmed": confirmed_in(warned.text)})
    assert corrected.status_code == 303
    async with w.db.tenant_session(w.scheme.id) as session:
        reversing = await session.scalars(select(LedgerEntry).where(LedgerEntry.reverses_id.is_not(None)))
        reasons = [e.reason for e in reversing]
    assert reasons == [reason, reason]
