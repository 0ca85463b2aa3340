"""Enquiries through HTTP: the public checker answers from each scheme's criteria and counts one anonymous enquiry;
the coordinator logs phone and email enquiries, and sees their own scheme's only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reciprocal.audit.models import AuditEvent
from reciprocal.enquiries.models import Channel, Enquiry
from reciprocal.portals.public import controllers as public
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, act_as, post
from support.world import County, World


def check_url(world: World) -> str:
    return f"/s/{world.scheme.slug}/check"


def enquiries_url(world: World) -> str:
    return f"/s/{world.scheme.slug}/coordinator/enquiries"


async def enquiries_of(world: World) -> list[Enquiry]:
    async with world.db.tenant_session(world.scheme.id) as session:
        return list(await session.scalars(select(Enquiry).order_by(Enquiry.received_at)))


async def check(client: Client, world: World, **answers: str) -> str:
    """Send the checker's form and read the answer it leads to."""
    sent = await post(client, check_url(world), answers, csrf_from=check_url(world))
    assert sent.status_code == 303, sent.text
    answer = await client.get(sent.headers["location"])
    assert answer.status_code == 200
    return visible_text(answer.text)


async def test_the_criteria_page_links_to_the_checker(client: Client, each_world: World) -> None:
    text = visible_text((await client.get(f"/s/{each_world.scheme.slug}/criteria")).text)
    assert "Could this scheme help my client?" in text
    page = await client.get(check_url(each_world))
    assert page.status_code == 200
    assert "What risk is your client fleeing?" in visible_text(page.text)


async def test_the_answer_follows_each_schemes_criteria(client: Client, each_world: World) -> None:
    answer = await check(client, each_world, risk_type="domestic_abuse", tenancy="secure", safe_areas="yes")
    assert "The scheme could help your client" in answer
    safe = "At least 2 safe districts" if isinstance(each_world, County) else "At least 5 safe boroughs"
    assert safe in answer
    assert "consent" in answer
    # Pan London names Housing Moves as a pathway to register with too; Cambridgeshire names none.
    assert ("Housing Moves" in answer) is (not isinstance(each_world, County))

    short = await check(client, each_world, risk_type="domestic_abuse", tenancy="secure", safe_areas="no")
    assert "The scheme could help once you have everything ready" in short

    # Pan London accepts a duty to house; Cambridgeshire does not even offer it as an answer.
    duty = await post(
        client, check_url(each_world), {"risk_type": "stalking", "tenancy": "duty_to_house", "safe_areas": "yes"}
    )
    if isinstance(each_world, County):
        assert duty.status_code == 400
        text = visible_text(duty.text)
        assert "There is a problem" in text
        assert "Select the risk your client faces" in text  # Cambridgeshire lists no stalking
        assert "Select your client's tenancy" in text
    else:
        assert duty.status_code == 303

    nothing = await check(client, each_world, risk_type="domestic_abuse", tenancy="none", safe_areas="yes")
    assert "The scheme cannot help your client" in nothing


async def test_a_serious_violence_check_asks_for_a_risk_assessor(client: Client, each_world: World) -> None:
    missing = await post(client, check_url(each_world), {"risk_type": "serious_violence", "tenancy": "secure"})
    assert missing.status_code == 400
    assert "Select whether a risk assessor can confirm an area is safe" in visible_text(missing.text)
    assert await enquiries_of(each_world) == []

    answer = await check(client, each_world, risk_type="serious_violence", tenancy="assured", assessor="no")
    assert "a risk assessor must confirm an offered area is safe" in answer


async def test_a_check_is_one_anonymous_enquiry_keeping_nothing_typed(client: Client, each_world: World) -> None:
    canary = "CANARY-Jane-Doe-07700900123"
    await check(
        client, each_world, risk_type="domestic_abuse", tenancy="secure", safe_areas="yes", name=canary, notes=canary
    )
    found = await enquiries_of(each_world)
    assert [(e.channel, e.risk_type, e.outcome, e.logged_by_id) for e in found] == [
        (Channel.checker, "domestic_abuse", "likely_eligible", None)
    ]
    async with each_world.db.tenant_session(each_world.scheme.id) as session:
        audited = list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "enquiry.checked")))
    assert len(audited) == 1
    assert audited[0].actor_user_id is None
    assert canary not in str(audited[0].details)
    # Reading the answer again (a refresh, the back button) counts nothing more.
    sent = await post(client, check_url(each_world), {"risk_type": "other", "tenancy": "secure"})
    await client.get(sent.headers["location"])
    await client.get(sent.headers["location"])
    assert [e.outcome for e in await enquiries_of(each_world)] == ["likely_eligible", "not_eligible"]


async def test_the_checker_refuses_a_form_without_its_token(client: Client, each_world: World) -> None:
    await client.get(check_url(each_world))
    sent = await client.post(check_url(each_world), data={"risk_type": "domestic_abuse", "tenancy": "secure"})
    assert sent.status_code == 403
    assert await enquiries_of(each_world) == []


async def test_the_coordinator_logs_an_enquiry(client: Client, each_world: World, settings: Settings) -> None:
    world = each_world
    await act_as(client, world.db, settings, world.coordinator, world.scheme.slug)
    home = visible_text((await client.get(f"/s/{world.scheme.slug}/coordinator/")).text)
    assert "Enquiries" in home
    form = await client.get(enquiries_url(world) + "/new")
    assert form.status_code == 200
    sent = await post(
        client,
        enquiries_url(world) + "/new",
        {
            "received_day": "3",
            "received_month": "2",
            "received_year": "2025",
            "channel": "phone",
            "risk_type": "serious_violence",
            "agency_kind": "youth_offending",
            "outcome": "referred_elsewhere",
        },
    )
    assert sent.status_code == 303
    page = visible_text((await client.get(sent.headers["location"])).text)
    assert "Enquiry logged" in page
    assert "3 February 2025 Phone Serious violence Youth offending service Referred elsewhere" in page
    [logged] = await enquiries_of(world)
    assert logged.logged_by_id == world.coordinator.user_id
    assert (logged.channel, logged.agency_kind) == (Channel.phone, "youth_offending")


async def test_bad_input_is_named_and_logs_nothing(client: Client, each_world: World, settings: Settings) -> None:
    world = each_world
    await act_as(client, world.db, settings, world.coordinator, world.scheme.slug)
    sent = await post(
        client,
        enquiries_url(world) + "/new",
        {
            "received_day": "31",
            "received_month": "2",
            "received_year": "2025",
            "channel": "fax",
            "risk_type": "piracy",
            "agency_kind": "",
            "outcome": "",
        },
    )
    assert sent.status_code == 400
    text = visible_text(sent.text)
    for words in (
        "There is a problem",
        "Enter the date the enquiry came in",
        "Select how the enquiry came in",
        "Select the risk the client faces",
        "Select the kind of agency that asked",
        "Select what the enquiry came to",
    ):
        assert words in text
    future = await post(
        client,
        enquiries_url(world) + "/new",
        {
            "received_day": "1",
            "received_month": "1",
            "received_year": "2999",
            "channel": "email",
            "risk_type": "not_said",
            "agency_kind": "not_said",
            "outcome": "advice_given",
        },
    )
    assert future.status_code == 400
    assert "must be today or in the past" in visible_text(future.text)
    assert await enquiries_of(world) == []


async def test_a_coordinator_never_sees_another_schemes_enquiries(
    client: Client, world: World, settings: Settings
) -> None:
    county = await County(world.db).build()
    await check(client, county, risk_type="domestic_abuse", tenancy="secure", safe_areas="yes")
    await check(client, world, risk_type="hate_crime", tenancy="assured", safe_areas="yes")
    await act_as(client, world.db, settings, world.coordinator, world.scheme.slug)
    text = visible_text((await client.get(enquiries_url(world))).text)
    assert "Hate crime" in text
    assert "Domestic abuse" not in text
    assert "Anonymous check" in text
    # The London coordinator holds no session in the county: its log sends them to sign in there.
    away = await client.get(enquiries_url(county), follow_redirects=False)
    assert (away.status_code, away.headers["location"]) == (303, f"/s/{county.scheme.slug}/sign-in")
    await act_as(client, world.db, settings, county.coordinator, county.scheme.slug)
    text = visible_text((await client.get(enquiries_url(county))).text)
    assert "Domestic abuse" in text
    assert "Hate crime" not in text


async def test_the_log_pages_by_keyset(
    client: Client, each_world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = each_world
    monkeypatch.setattr(public, "CHECKS_COUNTED", 100)  # 51 checks from the test's one address all count
    for _ in range(51):
        await post(client, check_url(world), {"risk_type": "other", "tenancy": "secure"})
    await act_as(client, world.db, settings, world.coordinator, world.scheme.slug)
    first = await client.get(enquiries_url(world))
    assert first.text.count("Anonymous check") == 50
    assert "Older" in visible_text(first.text)
    older = await client.get(enquiries_url(world) + "?after=" + first.text.split("?after=")[1].split('"')[0])
    assert older.text.count("Anonymous check") == 1
    assert "Newer" in visible_text(older.text)
    assert (await client.get(enquiries_url(world) + "?after=nonsense")).status_code == 200

    # The download carries every one of them, not a page.
    got = await client.get(enquiries_url(world) + "?format=csv")
    assert got.status_code == 200
    assert got.content.decode("utf-8-sig").count("Anonymous check") == 51


async def test_a_script_cannot_inflate_the_enquiries(
    client: Client, each_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everyone gets an answer, but only the first checks an hour from one network address count as enquiries."""
    monkeypatch.setattr(public, "CHECKS_COUNTED", 2)
    for _ in range(4):
        answer = await check(client, each_world, risk_type="domestic_abuse", tenancy="secure", safe_areas="yes")
        assert "could" in answer.lower()
    assert len(await enquiries_of(each_world)) == 2
