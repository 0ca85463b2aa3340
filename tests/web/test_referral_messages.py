"""Messages on a referral, in each scheme: each thread reaches only its parties (the officer, the coordinator, and a
partner's named leads once the coordinator has linked them), never another named lead, another officer or another
scheme; a message carrying an identifier is refused beside its field with nothing saved; no canary reaches a
partner's page through a message; messages are on the coordinator's timeline and in the recipients' What's new."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from people import actor
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.notifications.models import Notice
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.messages import SHOWN, ReferralMessage
from reciprocal.referrals.models import Referral
from reciprocal.settings import Settings
from smtp_server import Inbox
from support import DatabaseUnderTest, visible_text
from support.scheduled import CANARIES, CASE_REFERENCE, MONITORING, Jobs
from support.web import Client, act_as, post
from support.world import KEYS, County, World

AGENCY = {"pan-london": "safe-steps-london", "cambridgeshire": "county-refuge-support"}
TO_COORDINATOR = "Officer to coordinator: the support plan is agreed"
TO_PARTNER = "Named lead: the viewing can be on Tuesday morning"


@pytest.fixture
def mail(database: DatabaseUnderTest, db: Database, inbox: Inbox) -> Jobs:
    return Jobs(database, db, inbox)


async def _linked(w: World) -> Referral:
    """Circulated, offered by the partner, and a viewing arranged: the partner is linked. (No canary in the referral
    itself: what a partner sees of the household is theirs to see; the canaries travel in messages.)"""
    referral = await w.circulating(w.domestic_abuse())
    await w.run(offers.make_offer, w.partner, KEYS, referral.id, w.home(), version=referral.version)
    referral = await w.chosen(referral.id)
    await w.run(offers.arrange_viewing, w.coordinator, referral.id, version=referral.version)
    return await w.referral(referral.id)


def _pages(w: World, referral_id: uuid.UUID) -> dict[Role, str]:
    base = f"/s/{w.scheme.slug}"
    return {
        Role.nominating_officer: f"{base}/referrals/{referral_id}/messages",
        Role.coordinator: f"{base}/coordinator/referrals/{referral_id}/messages",
        Role.named_lead: f"{base}/named-lead/referrals/{referral_id}/messages",
    }


async def _send(client: Client, url: str, thread: str, message: str) -> int:
    return (await post(client, url, {"thread": thread, "message": message})).status_code


async def _count(w: World) -> int:
    async with w.db.tenant_session(w.scheme.id) as session:
        return int(await session.scalar(select(func.count()).select_from(ReferralMessage)) or 0)


async def test_each_thread_reaches_only_its_parties(
    each_world: World, client: Client, db: Database, settings: Settings, mail: Jobs
) -> None:
    w = each_world
    slug = w.scheme.slug
    referral = await _linked(w)
    await mail.told()  # the steps' own emails, before the messages'
    pages = _pages(w, referral.id)
    partner = str(w.partner.organisation_id)

    # Before any link the landlord's named lead (who may see its own tenant's referral) has no thread.
    await act_as(client, db, settings, w.landlord, slug)
    assert (await client.get(pages[Role.named_lead])).status_code == 404

    await act_as(client, db, settings, w.officer, slug)
    assert await _send(client, pages[Role.nominating_officer], "officer", TO_COORDINATOR) == 303
    await act_as(client, db, settings, w.partner, slug)
    assert await _send(client, pages[Role.named_lead], partner, TO_PARTNER) == 303
    # A named lead cannot write in the officer's thread with the coordinator, even by crafting the form.
    assert await _send(client, pages[Role.named_lead], "officer", "Let me in") == 409

    # The coordinator sees both, on the messages page and the timeline; the officer sees both.
    await act_as(client, db, settings, w.coordinator, slug)
    for page in (pages[Role.coordinator], f"/s/{slug}/coordinator/referrals/{referral.id}"):
        text = visible_text((await client.get(page)).text)
        assert TO_COORDINATOR in text
        assert TO_PARTNER in text
    assert "Message sent" in visible_text((await client.get(f"/s/{slug}/coordinator/referrals/{referral.id}")).text)
    await act_as(client, db, settings, w.officer, slug)
    text = visible_text((await client.get(pages[Role.nominating_officer])).text)
    assert TO_COORDINATOR in text
    assert TO_PARTNER in text
    # The linked named lead sees their own thread only: never the officer's with the coordinator.
    await act_as(client, db, settings, w.partner, slug)
    text = visible_text((await client.get(pages[Role.named_lead])).text)
    assert TO_PARTNER in text
    assert TO_COORDINATOR not in text

    # Nobody else: the landlord's named lead, another officer of the agency, another scheme's people.
    colleague = await actor(db, slug, AGENCY[slug], Role.nominating_officer)
    other = await (County(db) if type(w) is World else World(db)).build()
    others: list[tuple[Actor, str, Role]] = [
        (w.landlord, slug, Role.named_lead),
        (colleague, slug, Role.nominating_officer),
        (other.officer, other.scheme.slug, Role.nominating_officer),
        (other.coordinator, other.scheme.slug, Role.coordinator),
        (other.partner, other.scheme.slug, Role.named_lead),
    ]
    for person, where, role in others:
        await act_as(client, db, settings, person, where)
        url = _pages(other if where != slug else w, referral.id)[role]
        assert (await client.get(url)).status_code == 404, (person.email, url)
        assert await _send(client, url, "officer", "Hello") == 404
    assert await _count(w) == 2

    # Each message's other parties are told, and only they: in What's new, by the fixed words of a notice.
    told = await mail.told()
    heard = f"New message on referral {referral.reference}"
    assert told == {w.coordinator.email: [heard, heard], w.officer.email: [heard]}
    async with db.tenant_session(w.scheme.id) as session:
        notices = list(await session.scalars(select(Notice).where(Notice.kind == "message")))
    by_person = sorted((n.user_id, n.path) for n in notices)
    assert by_person == sorted(
        [
            (w.coordinator.user_id, f"/coordinator/referrals/{referral.id}/messages"),  # the officer's
            (w.coordinator.user_id, f"/coordinator/referrals/{referral.id}/messages"),  # the partner's
            (w.officer.user_id, f"/referrals/{referral.id}/messages"),  # the partner's
        ]
    )
    assert w.partner.user_id not in {n.user_id for n in notices}  # wrote one, was written nothing in theirs


async def test_a_message_that_identifies_the_applicant_is_refused_by_its_field(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    referral = await w.submitted(w.domestic_abuse())
    pages = _pages(w, referral.id)
    await act_as(client, db, settings, w.officer, w.scheme.slug)
    for message, found in (
        ("Call her on 07700 900123", "Remove a phone number"),
        ("Write to jo@example.com", "Remove an email address"),
        ("She lives near N1 9GU", "Remove a postcode"),
        ("Her date of birth is in the file", "Remove a date of birth"),
        ("x" * 1001, "Keep the message to 1000 characters or fewer"),
        ("   ", "Enter your message"),
    ):
        refused = await post(client, pages[Role.nominating_officer], {"thread": "officer", "message": message})
        assert refused.status_code == 400, message
        text = visible_text(refused.text)
        assert "There is a problem" in text
        assert found in text, message
        assert 'href="#message-officer"' in refused.text
        assert 'id="message-officer-error"' in refused.text
    assert await _count(w) == 0
    # A draft has no threads: it is its officer's alone until it is submitted.
    draft = await w.run(referrals.start_referral, w.officer)
    assert (await client.get(_pages(w, draft.id)[Role.nominating_officer])).status_code == 404


async def test_no_canary_reaches_a_partner_page_through_a_message(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    referral = await _linked(w)
    pages = _pages(w, referral.id)
    # The officer and the coordinator write case detail in their own thread (no identifier: it is allowed there).
    planted = [*CANARIES.values(), CASE_REFERENCE, MONITORING]
    await act_as(client, db, settings, w.officer, slug)
    for canary in planted:
        assert await _send(client, pages[Role.nominating_officer], "officer", f"About {canary}") == 303
    await act_as(client, db, settings, w.coordinator, slug)
    assert await _send(client, pages[Role.coordinator], "officer", f"Noted {CASE_REFERENCE}") == 303

    await act_as(client, db, settings, w.partner, slug)
    for page in (
        pages[Role.named_lead],
        f"/s/{slug}/named-lead/referrals/{referral.id}",
        f"/s/{slug}/named-lead/",
        f"/s/{slug}/whats-new",
    ):
        response = await client.get(page)
        assert response.status_code == 200, page
        for canary in planted:
            assert canary not in response.text, (canary, page)


async def test_a_thread_shows_its_latest_messages(
    world: World, client: Client, db: Database, settings: Settings
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    async with db.tenant_session(world.scheme.id) as session, session.begin():
        for n in range(SHOWN + 5):
            session.add(
                ReferralMessage(
                    tenant_id=world.scheme.id,
                    referral_id=referral.id,
                    author_id=world.officer.user_id,
                    author_role=Role.nominating_officer,
                    body=f"Message number {n:03d}",
                    sent_at=datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(minutes=n),
                )
            )
    await act_as(client, db, settings, world.coordinator, world.scheme.slug)
    text = visible_text((await client.get(_pages(world, referral.id)[Role.coordinator])).text)
    assert f"Showing the latest {SHOWN} messages" in text
    assert "Message number 004" not in text
    assert "Message number 005" in text
    assert f"Message number {SHOWN + 4:03d}" in text


async def test_a_named_lead_leaves_the_thread_when_their_offer_ends(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    referral = await _linked(w)
    pages = _pages(w, referral.id)
    await act_as(client, db, settings, w.partner, slug)
    assert await _send(client, pages[Role.named_lead], str(w.partner.organisation_id), TO_PARTNER) == 303

    # Refused on a need the property cannot meet: circulating again, so the partner still sees the referral.
    referral = await w.referral(referral.id)
    await w.run(offers.refuse, w.coordinator, referral.id, reason="unmet_need", version=referral.version)
    assert (await client.get(f"/s/{slug}/named-lead/referrals/{referral.id}")).status_code == 200
    assert (await client.get(pages[Role.named_lead])).status_code == 404
    assert await _send(client, pages[Role.named_lead], str(w.partner.organisation_id), "Still here?") == 404
    # The officer and the coordinator keep the thread as it was.
    for person, role in ((w.officer, Role.nominating_officer), (w.coordinator, Role.coordinator)):
        await act_as(client, db, settings, person, slug)
        assert TO_PARTNER in visible_text((await client.get(pages[role])).text)


async def test_a_word_that_may_be_a_name_is_warned_of_before_anything_is_sent(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    referral = await w.submitted(w.domestic_abuse())
    url = _pages(w, referral.id)[Role.nominating_officer]
    await act_as(client, db, settings, w.officer, w.scheme.slug)
    warned = await post(client, url, {"thread": "officer", "message": "Sarah has agreed the plan"})
    assert warned.status_code == 200
    assert "Check what you wrote does not name anyone: nothing is saved yet" in visible_text(warned.text)
    assert 'href="#message-officer"' in warned.text
    assert await _count(w) == 0
    # Looked at and sent again (a pet's name, say): kept.
    kept = await post(
        client, url, {"thread": "officer", "message": "Sarah has agreed the plan", "names_confirmed": "Sarah"}
    )
    assert kept.status_code == 303
    assert await _count(w) == 1
