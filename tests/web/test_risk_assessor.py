"""The risk assessor's pages through HTTP: the offers waiting for their view, and recording it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from people import actor
from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.referrals.models import Referral, RiskAssessment
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, post, sign_in
from support.world import Desk, World, assert_anonymised

HOUSEHOLD = (
    "IDVA support",  # safeguarding measures
    "aged 3 and 7",
    "2 children",
    "bedroom",
    "Camden",  # current landlord and area, and a risk area
    "Barnet",
    "Safe Steps London",  # the referring agency
    "Flat 4",  # the offered address
    "Lift to all floors",  # the property's features
)
"""What the risk assessor must not see of the household, the officer or the property (assert_anonymised adds
the officer's case reference, the monitoring answers and the officer's name, which Desk plants)."""


async def offered(world: World) -> Referral:
    """A serious violence referral naming the assessor, under offer in Islington."""
    answers = replace(
        world.domestic_abuse(),
        risk_type="serious_violence",
        safe_area_ids=frozenset(),
        risk_assessor_id=world.assessor.user_id,
    )
    return await world.offered(answers)


async def test_the_risk_assessor_records_an_assessment_and_sees_nothing_else(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    empty = await offered(desk)
    referral = await offered(desk)
    other_assessor = await actor(db, "pan-london", "islington-council", Role.risk_assessor)
    await sign_in(client, db, settings, desk.assessor)

    home = await client.get("/s/pan-london/risk-assessor/")
    text = visible_text(home.text)
    assert f"{referral.reference} Serious violence Islington To do" in text
    assert_anonymised(home, *HOUSEHOLD)

    path = f"/s/pan-london/risk-assessor/assessments/{referral.id}"
    page = await client.get(path)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Risk Serious violence" in text
    assert "Offered borough Islington" in text
    assert_anonymised(page, *HOUSEHOLD)

    nothing = await post(client, path, {})
    assert nothing.status_code == 400
    assert "Select whether you identified a risk in the offered area" in visible_text(nothing.text)
    unexplained = await post(client, path, {"outcome": "risk"})
    assert "Describe the risk you identified" in visible_text(unexplained.text)
    identifying = await post(client, path, {"outcome": "risk", "notes": "Call 07700 900123 first"})
    assert "Remove a phone number" in visible_text(identifying.text)
    for response in (nothing, unexplained, identifying):
        assert_anonymised(response, *HOUSEHOLD)

    recorded = await post(client, path, {"outcome": "no_risk", "notes": ""})
    assert recorded.status_code == 303
    after = await client.get(recorded.headers["location"])
    assert "No specific risk identified: recorded" in visible_text(after.text)
    home = visible_text((await client.get("/s/pan-london/risk-assessor/")).text)
    assert f"{referral.reference} Serious violence Islington No specific risk" in home
    assert f"{empty.reference} Serious violence Islington To do" in home

    async with db.tenant_session(desk.scheme.id) as session:
        assessments = list(await session.scalars(select(RiskAssessment)))
        viewed = list(
            await session.scalars(
                select(AuditEvent.subject_id).where(
                    AuditEvent.action == "referral.viewed", AuditEvent.actor_user_id == desk.assessor.user_id
                )
            )
        )
    assert [(a.assessor_id, a.risk_identified) for a in assessments] == [(desk.assessor.user_id, False)]
    assert set(viewed) == {referral.id}

    # Another risk assessor is not this referral's: its page is not found, and they have nothing to do.
    await sign_in(client, db, settings, other_assessor)
    assert (await client.get(path)).status_code == 404
    assert (await post(client, path, {"outcome": "risk", "notes": "x"})).status_code == 404
    assert "No assessments requested" in visible_text((await client.get("/s/pan-london/risk-assessor/")).text)


async def test_a_risk_identified_is_recorded_with_its_notes(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await offered(desk)
    await sign_in(client, db, settings, desk.assessor)
    path = f"/s/pan-london/risk-assessor/assessments/{referral.id}"
    response = await post(client, path, {"outcome": "risk", "notes": "Known associates in the borough"})
    assert response.status_code == 303
    async with db.tenant_session(desk.scheme.id) as session:
        assessment = await session.scalar(select(RiskAssessment))
    assert assessment is not None
    assert (assessment.risk_identified, assessment.notes) == (True, "Known associates in the borough")
    assert "Risk identified: recorded" in visible_text((await client.get(path)).text)


async def test_there_is_nothing_to_assess_without_an_offer(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    answers = replace(
        desk.domestic_abuse(),
        risk_type="serious_violence",
        safe_area_ids=frozenset(),
        risk_assessor_id=desk.assessor.user_id,
    )
    referral = await desk.circulating(answers)
    await sign_in(client, db, settings, desk.assessor)
    assert "No assessments requested" in visible_text((await client.get("/s/pan-london/risk-assessor/")).text)
    assert (await client.get(f"/s/pan-london/risk-assessor/assessments/{referral.id}")).status_code == 404


async def test_other_roles_are_refused_and_another_schemes_id_is_not_found(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await offered(desk)
    path = f"/s/pan-london/risk-assessor/assessments/{referral.id}"
    for person in (desk.officer, desk.coordinator, desk.islington):
        await sign_in(client, db, settings, person)
        assert (await client.get("/s/pan-london/risk-assessor/")).status_code == 403
        assert (await client.get(path)).status_code == 403
        assert (await post(client, path, {"outcome": "no_risk"})).status_code == 403

    county = await actor(db, "cambridgeshire", "county-refuge-support", Role.risk_assessor)
    await sign_in(client, db, settings, county, "cambridgeshire")
    other = f"/s/cambridgeshire/risk-assessor/assessments/{referral.id}"
    response = await client.get(other)
    assert response.status_code == 404
    assert referral.reference not in response.text
    assert (await post(client, other, {"outcome": "no_risk"})).status_code == 404
    async with db.tenant_session(desk.scheme.id) as session:
        assert await session.scalar(select(RiskAssessment)) is None
