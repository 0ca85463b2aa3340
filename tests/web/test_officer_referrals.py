"""The nominating officer's referral journey, through HTTP: home, task list, question pages, check, submit."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

import pytest
from httpx import Response

from people import actor, area_ids, organisation_id, scheme
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, User
from reciprocal.portals.officer import queries as officer_queries
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action, State
from reciprocal.settings import Settings
from support import add_member, visible_text
from support.web import Client, act_as, act_as_new_member, post, version_in
from support.world import County, World

PAN_LONDON_BOROUGHS = ("camden", "islington", "brent", "hackney", "lewisham", "southwark", "barnet")


async def _sign_in(
    client: Client, db: Database, settings: Settings, slug: str, org: str, role: Role, *, name: str = "Alex Officer"
) -> User:
    """Sign the client in, alone, as a new member of `org` in `role`."""
    email = f"{role.value}.{uuid.uuid4().hex[:6]}@{org}.example"
    user, _ = await act_as_new_member(client, db, settings, slug, email, [(org, role)], name=name, replace=True)
    return user


def error_for(html: str, field: str) -> str:
    """The inline error message shown beside `field`, as GOV.UK Frontend marks it: id="<field>-error"."""
    found = re.search(rf'<p[^>]*id="{re.escape(field)}-error"[^>]*>(.*?)</p>', html, re.DOTALL)
    assert found, f"no error message beside {field}"
    return visible_text(f"<body>{found.group(1)}")


def summary_links(html: str) -> dict[str, str]:
    """The error summary's messages and where each links to."""
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return {
        visible_text(f"<body>{text}"): href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', summary, re.DOTALL)
    }


@dataclass
class Officer:
    """A signed-in nominating officer's browser, answering question pages as a person would."""

    client: Client
    slug: str

    async def post(self, path: str, data: dict[str, Any] | None = None) -> Response:
        return await post(self.client, path, data, csrf_from=f"/s/{self.slug}/")

    async def start(self) -> str:
        """Start a referral; returns its address."""
        response = await self.post(f"/s/{self.slug}/referrals/new")
        assert response.status_code == 303
        location = response.headers["location"]
        assert re.fullmatch(rf"/s/{self.slug}/referrals/[0-9a-f-]{{36}}", location)
        return str(location)

    async def answer(self, base: str, page: str, data: dict[str, Any]) -> Response:
        """Open a question page and send it with `data`, as its form would."""
        shown = await self.client.get(f"{base}/{page}")
        assert shown.status_code == 200, (page, shown.status_code)
        return await self.post(f"{base}/{page}", {**data, "version": version_in(shown.text)})

    async def answered(self, base: str, page: str, data: dict[str, Any]) -> None:
        response = await self.answer(base, page, data)
        assert response.status_code == 303, (page, response.status_code, visible_text(response.text)[:500])
        assert response.headers["location"] == base

    async def submit(self, base: str) -> Response:
        check = await self.client.get(f"{base}/check")
        assert check.status_code == 200
        return await self.post(f"{base}/check", {"version": version_in(check.text)})


@dataclass
class London:
    """Pan London's ids the answers name."""

    areas: dict[str, str]
    camden_council: str


async def _london(db: Database) -> London:
    tenant = (await scheme(db, "pan-london")).id
    ids = await area_ids(db, tenant, *PAN_LONDON_BOROUGHS)
    return London(
        areas={code: str(i) for code, i in zip(PAN_LONDON_BOROUGHS, ids, strict=True)},
        camden_council=str(await organisation_id(db, tenant, "camden-council")),
    )


async def _answer_everything(officer: Officer, base: str, london: London) -> None:
    """A Camden council tenant fleeing domestic abuse, naming five safe boroughs."""
    a = london.areas
    await officer.answered(base, "consent", {"consent": "yes"})
    await officer.answered(
        base,
        "eligibility",
        {"tenancy_type": "secure", "current_landlord_id": london.camden_council, "current_area_id": a["camden"]},
    )
    await officer.answered(
        base, "household", {"adults": "1", "children_ages": "3, 7", "bedrooms_needed": "2", "pets": "One cat"}
    )
    await officer.answered(base, "needs", {"access_needs": "Step-free access"})
    await officer.answered(base, "risk-type", {"risk_type": "domestic_abuse"})
    await officer.answered(
        base,
        "areas",
        {
            "risk_area_ids": [a["camden"], a["barnet"]],
            "safe_area_ids": [a[code] for code in ("islington", "brent", "hackney", "lewisham", "southwark")],
        },
    )
    await officer.answered(
        base,
        "support",
        {"safeguarding_measures": "IDVA support in place", "resettlement_support": "Floating support agreed"},
    )
    await officer.answered(base, "monitoring", {"gender": "woman", "lone_parent": "yes"})
    await officer.answered(base, "case-reference", {"case_reference": "SS-4471"})


@pytest.fixture
async def london(db: Database) -> London:
    return await _london(db)


async def test_a_referral_from_start_to_submission_gets_its_reference(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    home = visible_text((await client.get("/s/pan-london/officer/")).text)
    assert "None of your referrals needs you now" in home
    assert "Start a referral" in home

    officer = Officer(client, "pan-london")
    base = await officer.start()
    tasks = await client.get(base)
    assert tasks.status_code == 200
    text = visible_text(tasks.text)
    assert "Consent Not started" in text
    assert "Risk assessor" not in text  # domestic abuse needs none; asked only when the risk type does
    assert "Access and medical needs Optional" in text

    await _answer_everything(officer, base, london)
    text = visible_text((await client.get(base)).text)
    for section in ("Consent", "Household", "Type of risk", "Risk boroughs and safe boroughs"):
        assert f"{section} Completed" in text
    assert "You have completed 6 of 6 required sections" in text
    optional = sum(
        f"{s} Completed" in text for s in ("Access and medical needs", "Equality and monitoring", "Your case reference")
    )
    assert optional > 0, "the journey answers some optional sections too"
    # Their tags say Completed as well, and the count says so, so the two add up.
    assert f"You have completed 6 of 6 required sections, and {optional} optional section" in text

    check = visible_text((await client.get(f"{base}/check")).text)
    assert "Check your answers before submitting the referral" in check
    assert "Secure tenancy with a council" in check
    assert "Camden Council" in check
    assert "Children's ages 3, 7" in check
    assert "Safe boroughs Brent Hackney Islington Lewisham Southwark" in check
    assert "What is the applicant's gender? Woman" in check
    assert "Your case reference SS-4471" in check

    submitted = await officer.submit(base)
    assert submitted.status_code == 303
    assert submitted.headers["location"] == f"{base}/submitted"
    confirmation = visible_text((await client.get(f"{base}/submitted")).text)
    reference = re.search(r"Referral submitted Its reference number is (PL-\d{4}-\d{4})", confirmation)
    assert reference, confirmation
    assert reference.group(1).endswith("-0001")

    home = visible_text((await client.get("/s/pan-london/officer/")).text)
    assert "Waiting for checks and approval: 1" in home
    assert f"{reference.group(1)} SS-4471 The coordinator is checking it" in home

    # Submitted, it can no longer be changed: its pages lead to what it said.
    page = await client.get(f"{base}/household", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == base
    view = visible_text((await client.get(base)).text)
    assert f"Referral {reference.group(1)}" in view
    assert "Change" not in view


async def test_every_problem_is_named_beside_its_answer(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    a = london.areas
    await officer.answered(base, "consent", {"consent": "yes"})
    await officer.answered(
        base,
        "eligibility",
        {"tenancy_type": "secure", "current_landlord_id": london.camden_council, "current_area_id": a["camden"]},
    )
    await officer.answered(base, "household", {"adults": "1", "bedrooms_needed": "1"})
    await officer.answered(base, "needs", {"floor_level_need": "yes"})
    await officer.answered(base, "risk-type", {"risk_type": "domestic_abuse"})
    areas_page = await client.get(f"{base}/areas")
    # The minimum is on the page before anything is submitted.
    assert "You must name at least 5 safe boroughs for domestic abuse" in visible_text(areas_page.text)
    assert "Do not include Camden, where the applicant lives now" in visible_text(areas_page.text)
    await officer.answered(
        base,
        "areas",
        {"risk_area_ids": [a["barnet"], a["brent"]], "safe_area_ids": [a["camden"], a["brent"], a["hackney"]]},
    )
    await officer.answered(base, "support", {"safeguarding_measures": "IDVA support"})
    # Saved although the criteria refuse them: a draft keeps what was typed.
    assert "Risk boroughs and safe boroughs In progress" in visible_text((await client.get(base)).text)

    refused = await officer.submit(base)
    assert refused.status_code == 400
    expected = {
        "safe_area_ids": [
            "Select at least 5 safe boroughs: 3 selected",
            "A borough cannot be both safe and at risk: remove it from one list",
            "The borough the applicant lives in now cannot be a safe borough",
        ],
        "floor_level_need": ["A floor level can be asked for only with evidenced medical need"],
    }
    links = summary_links(refused.text)
    pages = {"safe_area_ids": "areas", "floor_level_need": "needs"}
    for field, messages in expected.items():
        beside = error_for(refused.text, field)
        for message in messages:
            assert message in beside
            assert links[message] == f"{base}/{pages[field]}?check=true#{field}"
    assert len(links) == 4

    # The summary's link leads to the question, which says again what is wrong beside the field.
    question = await client.get(links["Select at least 5 safe boroughs: 3 selected"].split("#")[0])
    assert question.status_code == 200
    assert "Select at least 5 safe boroughs: 3 selected" in error_for(question.text, "safe_area_ids")
    assert "There is a problem" in visible_text(question.text)
    # Reached from the task list instead, it shows the answers without complaint.
    assert 'id="safe_area_ids-error"' not in (await client.get(f"{base}/areas")).text


async def test_free_text_that_could_identify_the_applicant_is_refused(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    response = await officer.answer(
        base,
        "support",
        {
            "safeguarding_measures": "Call her on 07700 900123 or at jo@example.com",
            "resettlement_support": "Near N1 9GU",
        },
    )
    assert response.status_code == 400
    assert error_for(response.text, "safeguarding_measures") == (
        "Error: Remove an email address and a phone number: the referral must not identify the applicant"
    )
    assert "Remove a postcode" in error_for(response.text, "resettlement_support")
    assert "Call her on 07700 900123" in response.text  # shown again as typed, to be reworded
    assert "07700" not in (await client.get(f"{base}/support")).text  # and nothing from the page was saved

    # Text that reaches the draft some other way is still refused at submission, beside its field.
    tenant = (await scheme(db, "pan-london")).id
    referral_id = uuid.UUID(base.rsplit("/", 1)[1])
    officer_actor = await actor(db, "pan-london", "safe-steps-london", Role.nominating_officer)
    # Handed over to a colleague, who changes it some other way and submits it.
    handing = await client.get(f"{base}/handover")
    handed = await post(
        client, f"{base}/handover", {"version": version_in(handing.text), "officer": str(officer_actor.user_id)}
    )
    assert handed.status_code == 303
    await act_as(client, db, settings, officer_actor)
    async with db.tenant_session(tenant) as session, session.begin():
        draft = await referrals.get_referral(session, officer_actor, referral_id, for_update=False)
        answers = await referrals.answers_of(session, draft)
        await referrals.save_draft(
            session, officer_actor, referral_id, replace(answers, pets="Ask at flat 2, E8 1AA"), version=draft.version
        )
    refused = await officer.submit(base)
    assert refused.status_code == 400
    assert "Remove a postcode: the referral must not identify the applicant" in error_for(refused.text, "pets")


async def test_a_risk_type_that_needs_an_assessor_asks_for_one(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    assessor = await add_member(
        db, "pan-london", "pc.jones@met.example", [("youth-futures", Role.risk_assessor)], name="PC Jones"
    )
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    types = visible_text((await client.get(f"{base}/risk-type")).text)
    assert "Domestic abuse You must name the boroughs where the applicant is at risk." in types
    assert "You must name at least 5 safe boroughs." in types
    assert (
        "Serious violence You must name the boroughs where the applicant is at risk. Safe boroughs are optional."
        in (types)
    )
    assert "You must name a risk assessor, such as the police" in types

    await officer.answered(base, "risk-type", {"risk_type": "serious_violence"})
    assert "Risk assessor Not started" in visible_text((await client.get(base)).text)
    refused = await officer.submit(base)
    assert error_for(refused.text, "risk_assessor_id") == "Error: Name a risk assessor: serious violence needs one"
    assert summary_links(refused.text)["Name a risk assessor: serious violence needs one"] == (
        f"{base}/risk-assessor?check=true#risk_assessor_id"
    )

    page = await client.get(f"{base}/risk-assessor")
    assert "PC Jones, Youth Futures Violence Reduction Service" in visible_text(page.text)
    await officer.answered(base, "risk-assessor", {"risk_assessor_id": str(assessor.id)})
    assert "Risk assessor Completed" in visible_text((await client.get(base)).text)
    refused = await officer.submit(base)
    assert 'id="risk_assessor_id-error"' not in refused.text

    # Someone who is not a risk assessor cannot be named, even by a crafted form.
    response = await officer.answer(base, "risk-assessor", {"risk_assessor_id": str(uuid.uuid4())})
    assert response.status_code == 400
    assert error_for(response.text, "risk_assessor_id") == "Error: Select a risk assessor from the list"


async def test_a_duty_to_house_is_ineligible_where_the_scheme_does_not_accept_it(
    client: Client, db: Database, settings: Settings
) -> None:
    await _sign_in(client, db, settings, "cambridgeshire", "county-refuge-support", Role.nominating_officer)
    officer = Officer(client, "cambridgeshire")
    base = await officer.start()
    page = visible_text((await client.get(f"{base}/eligibility")).text)
    assert "does not accept referrals where a duty to house is owed instead of a tenancy" in page
    await officer.answered(base, "eligibility", {"tenancy_type": "duty_to_house"})
    refused = await officer.submit(base)
    assert refused.status_code == 400
    assert error_for(refused.text, "tenancy_type") == (
        "Error: This scheme does not accept referrals where a duty to house is owed"
    )
    # The county's own words and minimums.
    await officer.answered(base, "risk-type", {"risk_type": "domestic_abuse"})
    areas = visible_text((await client.get(f"{base}/areas")).text)
    assert "You must name at least 2 safe districts for domestic abuse" in areas


async def test_a_draft_keeps_what_was_typed_and_a_mistake_saves_nothing(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    await officer.answered(base, "household", {"adults": "2", "children_ages": "4", "bedrooms_needed": "3"})

    mistake = await officer.answer(
        base, "household", {"adults": "3", "children_ages": "four, 9", "bedrooms_needed": "two"}
    )
    assert mistake.status_code == 400
    assert error_for(mistake.text, "children_ages") == (
        "Error: Enter ages as whole numbers, separated by commas, like 3, 7"
    )
    assert error_for(mistake.text, "bedrooms_needed") == "Error: Enter the number of bedrooms as a whole number, like 2"
    assert 'value="four, 9"' in mistake.text
    assert "There is a problem" in visible_text(mistake.text)
    kept = await client.get(f"{base}/household")
    assert 'value="2"' in kept.text  # the adults from before, not the 3 sent with the mistake
    assert 'value="4"' in kept.text

    # Invalid for the criteria but well formed: kept as typed, for the officer to finish later.
    a = london.areas
    await officer.answered(base, "areas", {"safe_area_ids": a["hackney"]})
    areas = await client.get(f"{base}/areas")
    assert re.search(rf'value="{a["hackney"]}"\s+checked', areas.text)
    await officer.answered(base, "household", {"adults": "2", "children_ages": "19", "bedrooms_needed": "3"})
    assert 'value="19"' in (await client.get(f"{base}/household")).text

    home = visible_text((await client.get("/s/pan-london/officer/")).text)
    assert "Drafts to finish: 1" in home
    assert "Draft started" in home


async def test_a_page_opened_before_someone_else_saved_is_not_saved_over_them(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    old = version_in((await client.get(f"{base}/household")).text)
    await officer.answered(base, "consent", {"consent": "yes"})  # a colleague, in another tab
    stale = await officer.post(f"{base}/household", {"adults": "4", "version": old})
    assert stale.status_code == 409
    assert "This referral was changed by someone else" in visible_text(stale.text)
    assert version_in(stale.text) != old
    submit = await officer.post(f"{base}/check", {"version": old})
    assert submit.status_code == 409
    assert "This referral was changed by someone else" in visible_text(submit.text)


async def test_a_returned_referral_is_answered_and_resubmitted(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    await _answer_everything(officer, base, london)
    assert (await officer.submit(base)).status_code == 303
    referral_id = uuid.UUID(base.rsplit("/", 1)[1])

    tenant = (await scheme(db, "pan-london")).id
    coordinator = await actor(db, "pan-london", "coordinator", Role.coordinator)
    async with db.tenant_session(tenant) as session, session.begin():
        submitted = await referrals.get_referral(session, coordinator, referral_id, for_update=False)
        reference = submitted.reference
        await referrals.act(
            session,
            coordinator,
            referral_id,
            Action.return_for_information,
            version=submitted.version,
            note="Please say what resettlement support is agreed.",
        )

    home = visible_text((await client.get("/s/pan-london/officer/")).text)
    assert "Returned for more information: 1" in home
    assert "The coordinator's note: Please say what resettlement support is agreed." in home
    tasks = visible_text((await client.get(base)).text)
    assert "The coordinator returned this referral for more information" in tasks
    assert "Please say what resettlement support is agreed." in tasks

    await officer.answered(
        base, "support", {"safeguarding_measures": "IDVA support in place", "resettlement_support": "Tenancy support"}
    )
    assert "Resubmit referral" in visible_text((await client.get(f"{base}/check")).text)
    assert (await officer.submit(base)).status_code == 303
    confirmation = visible_text((await client.get(f"{base}/submitted")).text)
    assert f"Its reference number is {reference}" in confirmation
    async with db.tenant_session(tenant) as session:
        again = await referrals.get_referral(session, coordinator, referral_id, for_update=False)
    assert again.state == State.submitted


async def test_another_agencys_officer_finds_nothing(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    await officer.answered(base, "case-reference", {"case_reference": "SS-SECRET-1"})

    await _sign_in(client, db, settings, "pan-london", "youth-futures", Role.nominating_officer, name="Other Agency")
    for page in ("", "/consent", "/areas", "/check", "/submitted"):
        response = await client.get(f"{base}{page}")
        assert response.status_code == 404, page
        assert "SS-SECRET-1" not in response.text
    other = Officer(client, "pan-london")
    for page in ("/consent", "/case-reference", "/check"):
        response = await other.post(f"{base}{page}", {"version": "1", "consent": "yes", "case_reference": "mine"})
        assert response.status_code == 404, page
    home = visible_text((await client.get("/s/pan-london/officer/")).text)
    assert "None of your referrals needs you now" in home

    # Nor does a colleague at the same agency: a referral is its officer's until it is handed over to another.
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer, name="Colleague")
    assert "SS-SECRET-1" not in visible_text((await client.get("/s/pan-london/officer/")).text)
    assert (await client.get(base)).status_code == 404


async def test_a_county_officer_cannot_open_a_london_referral(client: Client, db: Database, settings: Settings) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    london_referral = (await Officer(client, "pan-london").start()).rsplit("/", 1)[1]

    await _sign_in(client, db, settings, "cambridgeshire", "county-refuge-support", Role.nominating_officer)
    county = Officer(client, "cambridgeshire")
    for page in ("", "/household", "/check"):
        assert (await client.get(f"/s/cambridgeshire/referrals/{london_referral}{page}")).status_code == 404
    response = await county.post(f"/s/cambridgeshire/referrals/{london_referral}/household", {"version": "1"})
    assert response.status_code == 404
    assert (await client.get(f"/s/cambridgeshire/referrals/{uuid.uuid4()}")).status_code == 404


@pytest.mark.parametrize(("org", "role"), [("camden-council", Role.named_lead), ("coordinator", Role.coordinator)])
async def test_other_roles_cannot_use_the_officers_pages(
    client: Client, db: Database, settings: Settings, org: str, role: Role
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    base = await Officer(client, "pan-london").start()
    await _sign_in(client, db, settings, "pan-london", org, role, name="Not An Officer")
    for page in ("/s/pan-london/officer/", base, f"{base}/household", f"{base}/check"):
        response = await client.get(page)
        assert response.status_code == 403, page
        assert "You cannot use this page" in response.text
    not_officer = Officer(client, "pan-london")
    assert (await not_officer.post("/s/pan-london/referrals/new")).status_code == 403
    assert (await not_officer.post(f"{base}/consent", {"consent": "yes", "version": "1"})).status_code == 403


async def test_home_says_how_long_a_referral_has_circulated(
    client: Client, db: Database, settings: Settings, london: London
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    await _answer_everything(officer, base, london)
    assert (await officer.submit(base)).status_code == 303
    referral_id = uuid.UUID(base.rsplit("/", 1)[1])

    tenant = (await scheme(db, "pan-london")).id
    coordinator = await actor(db, "pan-london", "coordinator", Role.coordinator)
    camden = await actor(db, "pan-london", "camden-council", Role.named_lead)
    for who, action in ((coordinator, Action.request_approval), (camden, Action.approve)):
        async with db.tenant_session(tenant) as session, session.begin():
            found = await referrals.get_referral(session, who, referral_id, for_update=False)
            await referrals.act(session, who, referral_id, action, version=found.version)
    async with db.tenant_session(tenant) as session, session.begin():
        await referrals.circulate_batch(session, coordinator)

    home = visible_text((await client.get("/s/pan-london/officer/")).text)
    assert "Circulating to housing partners: 1" in home
    assert "SS-4471 Circulated today" in home
    assert "Circulating to housing partners" in visible_text((await client.get(base)).text)


async def test_an_answer_past_its_limit_is_refused_before_it_is_searched(
    client: Client, db: Database, settings: Settings
) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    # 50,000 letters with no space: the old email pattern spent seconds of CPU on text like this.
    response = await officer.answer(base, "household", {"adults": "1", "pets": "a" * 50_000})
    assert response.status_code == 400
    assert error_for(response.text, "pets") == "Error: Pets must be 2000 characters or fewer"
    ages = await officer.answer(base, "household", {"adults": "1", "children_ages": "1," * 5_000})
    assert error_for(ages.text, "children_ages") == "Error: Children's ages must be 100 characters or fewer"
    assert "aaaa" not in (await client.get(f"{base}/household")).text  # nothing was saved


async def test_a_body_larger_than_any_form_is_refused_unread(client: Client, db: Database, settings: Settings) -> None:
    await _sign_in(client, db, settings, "pan-london", "safe-steps-london", Role.nominating_officer)
    officer = Officer(client, "pan-london")
    base = await officer.start()
    response = await officer.answer(base, "household", {"adults": "1", "pets": "a" * 1_000_000})
    assert response.status_code == 413
    assert "What you sent is too long" in visible_text(response.text)
    assert "Traceback" not in response.text
    assert (await client.get("/healthz")).status_code == 200


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_numbers_in_other_forms_are_form_errors_and_a_nul_byte_is_refused(
    client: Client, db: Database, settings: Settings, slug: str
) -> None:
    agency = {"pan-london": "safe-steps-london", "cambridgeshire": "county-refuge-support"}[slug]
    await _sign_in(client, db, settings, slug, agency, Role.nominating_officer)
    officer = Officer(client, slug)
    base = await officer.start()
    # Superscript, Arabic-Indic and fullwidth digits, and a number no column could hold.
    for adults in ("\u00b2", "\u0663", "\uff12", "9" * 20):
        answer = await officer.answer(base, "household", {"adults": adults, "bedrooms_needed": "9" * 20})
        assert answer.status_code == 400, adults
        assert error_for(answer.text, "adults") == "Error: Enter the number of adults as a whole number, like 2"
        assert error_for(answer.text, "bedrooms_needed") == (
            "Error: Enter the number of bedrooms as a whole number, like 2"
        )
    nul = await officer.answer(base, "household", {"adults": "1", "pets": "A cat\x00"})
    assert nul.status_code == 400
    assert "There is a problem with your request" in visible_text(nul.text)
    assert "A cat" not in (await client.get(f"{base}/household")).text  # nothing was saved


def hidden(html: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name}"
    return found.group(1)


@pytest.mark.parametrize(
    ("slug", "agency", "chelsea_is_an_area"),
    [("pan-london", "safe-steps-london", True), ("cambridgeshire", "county-refuge-support", False)],
)
async def test_an_answer_that_may_name_someone_is_saved_only_once_the_officer_has_looked(
    client: Client, db: Database, settings: Settings, slug: str, agency: str, chelsea_is_an_area: bool
) -> None:
    await _sign_in(client, db, settings, slug, agency, Role.nominating_officer)
    officer = Officer(client, slug)
    base = await officer.start()
    sent = {"adults": "1", "pets": "One dog called Max"}
    warned = await officer.answer(base, "household", sent)
    assert warned.status_code == 200
    text = visible_text(warned.text)
    assert "Check what you wrote does not name anyone: nothing is saved yet" in text
    assert "Pets: \u201cMax\u201d may be a person's name" in text
    assert 'href="#pets"' in warned.text
    assert 'value="One dog called Max"' in warned.text  # shown again as typed
    assert "Max" not in (await client.get(f"{base}/household")).text  # nothing saved yet

    # Sent again with a new name beside the one looked at: warned about the new one only.
    version = version_in(warned.text)
    again = await officer.post(
        f"{base}/household",
        {**sent, "pets": "One dog called Max, walked by Priya", "version": version, "names_confirmed": "Max"},
    )
    assert again.status_code == 200
    assert "Pets: \u201cPriya\u201d may be a person's name" in visible_text(again.text)
    assert hidden(again.text, "names_confirmed") == "Max,Priya"

    # The officer takes the person's name out and keeps the dog's: saved.
    kept = await officer.post(
        f"{base}/household",
        {**sent, "version": version_in(again.text), "names_confirmed": hidden(again.text, "names_confirmed")},
    )
    assert kept.status_code == 303
    assert 'value="One dog called Max"' in (await client.get(f"{base}/household")).text

    # A scheme's own place names are no warning in that scheme.
    place = await officer.answer(base, "needs", {"access_needs": "Ground floor, as in Kensington and Chelsea"})
    assert place.status_code == (303 if chelsea_is_an_area else 200)


async def test_the_home_lists_what_is_in_hand_and_every_referral_is_a_page_at_a_time(
    client: Client, db: Database, settings: Settings, each_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home lists drafts and referrals on their way, never ended ones, and links to every referral of the
    agency, newest first, three to a page here, narrowed to one status; the other scheme's officer sees none."""
    world = each_world
    monkeypatch.setattr(officer_queries, "PAGE_SIZE", 3)
    slug = world.scheme.slug
    withdrawn = []
    for _ in range(4):
        referral = await world.submitted(world.domestic_abuse())
        withdrawn.append(
            await world.run(referrals.act, world.officer, referral.id, Action.withdraw, version=referral.version)
        )
    live = await world.submitted(world.domestic_abuse())
    await act_as(client, db, settings, world.officer, slug)

    home = visible_text((await client.get(f"/s/{slug}/officer/")).text)
    assert f"{live.reference} None given The coordinator is checking it" in home
    assert not any(r.reference in home for r in withdrawn if r.reference)
    assert "All your referrals, moved, withdrawn and ended ones too" in home

    base = f"/s/{slug}/officer/referrals"
    first = await client.get(base)
    assert first.status_code == 200
    text = visible_text(first.text)
    newest = [live, *reversed(withdrawn)]
    assert [r.reference in text for r in newest] == [True, True, True, False, False]
    assert f"{withdrawn[-1].reference} None given Withdrawn" in text
    after = re.search(r'href="([^"]*after=[^"]+)"', first.text)
    assert after, "a link to the next page"
    second = visible_text((await client.get(after[1].replace("&amp;", "&"))).text)
    assert [r.reference in second for r in newest] == [False, False, False, True, True]
    assert "Previous" in second

    narrowed = visible_text((await client.get(f"{base}?state=submitted")).text)
    assert live.reference in narrowed
    assert not any(r.reference in narrowed for r in withdrawn if r.reference)
    assert "None of your referrals has this status" in visible_text((await client.get(f"{base}?state=moved")).text)

    other = await (World(db) if isinstance(world, County) else County(db)).build()
    await act_as(client, db, settings, other.officer, other.scheme.slug)
    theirs = visible_text((await client.get(f"/s/{other.scheme.slug}/officer/referrals")).text)
    assert not any(r.reference in theirs for r in newest if r.reference)
    assert "appear here once you start one" in theirs
