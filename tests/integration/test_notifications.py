"""Who is told what, by email through a real SMTP server on loopback, with the worker's real pgqueuer loop.

Every hand-off reaches the people who must act and nobody else, in the right scheme; a job run twice sends one
email; a send that fails is sent later; no email carries what it must never carry (canaries).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from reciprocal.db.engine import Database
from reciprocal.jobs.models import QueuedJob
from reciprocal.kernel import clock
from reciprocal.mail.services import SmtpMailer
from reciprocal.notifications import delivery, handoffs
from reciprocal.notifications.models import MessageState, Notice, OutboxMessage
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import Action, State
from reciprocal.worker import run
from smtp_server import Inbox
from support import DatabaseUnderTest, make_settings
from support.scheduled import CANARIES, CASE_REFERENCE, MONITORING, Jobs
from support.world import KEYS, County, World

NOTE = "NOTE-CANARY-7"
ADDRESS = "ADDRESS-CANARY-8, 1 Example Street"


@pytest.fixture
def mail(database: DatabaseUnderTest, db: Database, inbox: Inbox) -> Jobs:
    return Jobs(database, db, inbox)


async def submitted_with_canaries(w: World) -> Referral:
    draft = await w.run(referrals.start_referral, w.officer)
    answers = replace(w.domestic_abuse(), **CANARIES)
    draft = await w.run(
        referrals.save_draft,
        w.officer,
        draft.id,
        answers,
        version=draft.version,
        case_reference=CASE_REFERENCE,
        monitoring={"ethnicity": MONITORING},
    )
    return await w.run(referrals.submit, w.officer, w.scheme, draft.id, version=draft.version)


async def test_each_hand_off_reaches_who_must_act_and_no_email_carries_case_content(
    each_world: World, db: Database, mail: Jobs
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()
    referral = await submitted_with_canaries(w)
    assert await mail.told() == {}  # a submission is the coordinator's work queue, not an email
    ref = referral.reference

    referral = await w.run(referrals.act, w.coordinator, referral.id, Action.request_approval, version=referral.version)
    assert await mail.told() == {w.landlord.email: [f"Referral {ref} is waiting for your approval"]}

    referral = await w.run(referrals.act, w.landlord, referral.id, Action.approve, version=referral.version)
    assert await mail.told() == {w.officer.email: [f"Referral {ref} was approved by the landlord"]}

    await w.run(referrals.circulate_batch, w.coordinator)
    circulated = await mail.told()
    # Pan London words circulation its own way (tenants/pan-london/messages.toml); the county, the service's way.
    own = f"New referral {ref} for your boroughs" if type(w) is World else f"Referral {ref} was circulated to you"
    assert circulated[w.partner.email] == [own]
    assert w.landlord.email not in circulated  # its own tenant's referral is not circulated to it

    referral = await w.referral(referral.id)
    home = replace(w.home(), address=ADDRESS)
    await w.run(offers.make_offer, w.partner, KEYS, referral.id, home, version=referral.version)
    offered = f"A property was offered for referral {ref}"
    assert await mail.told() == {w.coordinator.email: [offered], w.officer.email: [offered]}

    referral = await w.referral(referral.id)
    if referral.state == State.circulating:
        # The county caps no offers: they stand side by side until the officer chooses one.
        await w.chosen(referral.id)
        assert await mail.told() == {w.coordinator.email: [f"The nominating officer chose an offer for referral {ref}"]}
        referral = await w.referral(referral.id)
    await w.run(offers.arrange_viewing, w.coordinator, referral.id, version=referral.version)
    viewing = f"A viewing was arranged for referral {ref}"
    assert await mail.told() == {w.officer.email: [viewing], w.partner.email: [viewing]}

    for step in (offers.accept,):
        referral = await w.referral(referral.id)
        await w.run(step, w.coordinator, referral.id, version=referral.version)
    accepted = f"The offer for referral {ref} was accepted"
    assert await mail.told() == {w.officer.email: [accepted], w.landlord.email: [accepted], w.partner.email: [accepted]}

    referral = await w.referral(referral.id)
    await w.run(
        offers.record_move,
        w.coordinator,
        referral.id,
        moved_on=date(2026, 12, 1),
        bedrooms=home.bedrooms,
        version=referral.version,
    )
    moved = f"Referral {ref}: the household has moved"
    assert await mail.told() == {w.officer.email: [moved], w.landlord.email: [moved], w.partner.email: [moved]}

    # Nobody of the other scheme was told anything, and no email carried what it must never carry.
    people_elsewhere = {other.officer.email, other.coordinator.email, other.landlord.email, other.partner.email}
    addressed = {str(m["To"]) for m in mail.inbox.messages}
    assert not addressed & people_elsewhere
    for message in mail.inbox.messages:
        text = f"{message['Subject']}\n{message.get_content()}"
        for canary in [
            *CANARIES.values(),
            CASE_REFERENCE,
            MONITORING,
            ADDRESS,
            "Example Street",
            w.officer.display_name,
        ]:
            assert canary not in text, (canary, message["Subject"])
        assert f"/s/{w.scheme.slug}/" in text  # its links are to its own scheme

    # Each told person has the step in "What's new", with the way to the referral in their portal.
    async with db.tenant_session(w.scheme.id) as session:
        paths = set(await session.scalars(select(Notice.path).where(Notice.user_id == w.landlord.user_id)))
    assert paths == {f"/named-lead/approvals/{referral.id}"}


async def test_a_note_the_officer_reads_stays_on_the_page_not_in_the_email(each_world: World, mail: Jobs) -> None:
    w = each_world
    referral = await submitted_with_canaries(w)
    await w.run(
        referrals.act, w.coordinator, referral.id, Action.return_for_information, version=referral.version, note=NOTE
    )
    (message,) = mail.inbox.messages if await mail.told() else []
    assert message["To"] == w.officer.email
    assert message["Subject"] == f"Referral {referral.reference} was returned for more information"
    assert NOTE not in message.get_content()
    assert f"/s/{w.scheme.slug}/referrals/{referral.id}" in message.get_content()


async def test_a_batch_is_one_email_to_each_partner(world: World, mail: Jobs) -> None:
    made = []
    for _ in range(3):
        referral = await world.submitted(world.domestic_abuse())
        referral = await world.run(
            referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version
        )
        made.append(await world.run(referrals.act, world.camden, referral.id, Action.approve, version=referral.version))
    await mail.told()
    await world.run(referrals.circulate_batch, world.coordinator)
    told = await mail.told()
    assert told[world.islington.email] == ["3 new referrals for your boroughs"]
    (digest,) = [m for m in mail.inbox.messages if m["To"] == world.islington.email]
    body = digest.get_content()
    for referral in made:
        assert f"{referral.reference}: https://127.0.0.1/s/pan-london/named-lead/referrals/{referral.id}" in body
    async with world.db.tenant_session(world.scheme.id) as session:
        notices = await session.scalar(
            select(func.count()).select_from(Notice).where(Notice.user_id == world.islington.user_id)
        )
    assert notices == 3  # each referral is its own line in "What's new"


async def test_a_job_run_twice_sends_one_email(world: World, db: Database, mail: Jobs) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await world.run(referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version)
    await mail.told()
    assert len(mail.inbox.messages) == 1
    # The same step told again, and its message delivered again: nothing more is made or sent.
    async with db.tenant_session(world.scheme.id) as session, session.begin():
        (notice,) = await session.scalars(select(Notice))
        assert await handoffs.tell(session, world.scheme.id, [notice.event_id]) == []
        (message,) = await session.scalars(select(OutboxMessage))
    async with db.tenant_session(world.scheme.id) as session, session.begin():
        mailer = SmtpMailer(mail.settings)
        assert await delivery.deliver(session, world.scheme.id, message.id, mailer, "https://x") == MessageState.sent
    await mail.told()
    assert len(mail.inbox.messages) == 1


async def test_a_send_that_fails_is_sent_later_and_a_lost_cause_is_marked_failed(
    world: World, db: Database, mail: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await world.run(referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version)
    down = make_settings(smtp_port=9)  # nothing listens there
    await run(db, mail.database.app, SmtpMailer(down), down, drain=True)
    async with db.tenant_session(world.scheme.id) as session:
        (message,) = await session.scalars(select(OutboxMessage))
    assert (message.state, message.attempts, message.last_error) == (MessageState.queued, 1, "SMTPConnectError")
    assert mail.inbox.messages == []

    async def attempt(mailer: SmtpMailer, later: timedelta) -> MessageState | None:
        now = clock.now() + later
        monkeypatch.setattr(clock, "now", lambda: now)
        async with db.tenant_session(world.scheme.id) as session, session.begin():
            return await delivery.deliver(session, world.scheme.id, message.id, mailer, "https://127.0.0.1")

    assert await attempt(SmtpMailer(mail.settings), timedelta(seconds=10)) is None  # not yet: it waits its turn
    assert await attempt(SmtpMailer(mail.settings), timedelta(minutes=2)) == MessageState.sent
    (sent,) = mail.inbox.messages
    assert sent["To"] == world.camden.email

    # Another, whose every attempt fails: given up after the last, and left for the scheme admin to see.
    await world.run(
        referrals.act, world.camden, referral.id, Action.approve, version=(await world.referral(referral.id)).version
    )
    await run(db, mail.database.app, SmtpMailer(down), down, drain=True)
    async with db.tenant_session(world.scheme.id) as session:
        message = await session.scalar(select(OutboxMessage).where(OutboxMessage.state == MessageState.queued))
    assert message is not None
    for hours in range(1, delivery.ATTEMPTS):
        await attempt(SmtpMailer(down), timedelta(hours=3 * hours))
    async with db.tenant_session(world.scheme.id) as session:
        failed = await session.get(OutboxMessage, (world.scheme.id, message.id))
    assert failed is not None
    assert (failed.state, failed.attempts) == (MessageState.failed, delivery.ATTEMPTS)


async def test_a_job_whose_worker_died_is_taken_up_by_another_and_sends_once(
    world: World, db: Database, mail: Jobs
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await world.run(referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version)
    # As a worker killed mid-job leaves it: taken, its transaction never committed, its heartbeat stopped.
    async with db.session() as session, session.begin():
        await session.execute(update(QueuedJob).values(status="picked", heartbeat=func.now() - timedelta(minutes=5)))
    assert await mail.told() == {world.camden.email: [f"Referral {referral.reference} is waiting for your approval"]}
    assert await mail.told() == {}
