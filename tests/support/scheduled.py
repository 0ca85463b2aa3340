"""What the scheduled jobs' tests share: controlled time, a referral full of canaries, and the worker's mail."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest

from reciprocal.db.engine import Database
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.mail.services import SmtpMailer
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action
from reciprocal.worker import Worker, run
from smtp_server import Inbox
from support import DatabaseUnderTest, make_settings
from support.world import World

CANARIES = {
    "pets": "PETS-CANARY-1",
    "access_needs": "ACCESS-CANARY-2",
    "safeguarding_measures": "SAFEGUARDING-CANARY-3",
    "resettlement_support": "RESETTLEMENT-CANARY-4",
}
CASE_REFERENCE = "CASEREF-CANARY-5"
MONITORING = "MONITORING-CANARY-6"
ADDRESS = "Example Street"
"""Part of every world's offered home's address."""


class Time:
    """The service's clock, set by the test: from `at(moment)` it runs on, a millisecond each time it is read
    (steps taken one after another are dated one after another, as they are in life)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.moment = clock.now()
        monkeypatch.setattr(clock, "now", self.now)

    def at(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        self.moment += timedelta(milliseconds=1)
        return self.moment


class Jobs:
    """The worker's scheduled jobs run on demand, its queue drained, and what the SMTP server received since."""

    def __init__(self, database: DatabaseUnderTest, db: Database, inbox: Inbox) -> None:
        self.database, self.db, self.inbox = database, db, inbox
        self.settings = make_settings(smtp_port=inbox.port)
        self.worker = Worker(db, SmtpMailer(self.settings), self.settings)
        self.seen = 0

    async def new(self) -> list[EmailMessage]:
        """The messages sent since last asked, once the worker has done all there is."""
        await run(self.db, self.database.app, SmtpMailer(self.settings), self.settings, drain=True)
        messages = self.inbox.messages[self.seen :]
        self.seen = len(self.inbox.messages)
        return messages

    async def told(self) -> dict[str, list[str]]:
        """Each recipient's subjects of the messages sent since last asked (see `new`)."""
        return subjects(await self.new())


def subjects(messages: list[EmailMessage]) -> dict[str, list[str]]:
    """Each recipient's subjects."""
    by_recipient: dict[str, list[str]] = {}
    for message in messages:
        by_recipient.setdefault(str(message["To"]), []).append(str(message["Subject"]))
    return by_recipient


def assert_no_case_content(messages: list[EmailMessage], *also: str) -> None:
    """No email carries monitoring answers, an address, the officer's case reference or free-text notes."""
    for message in messages:
        text = f"{message['Subject']}\n{message.get_content()}"
        for canary in [*CANARIES.values(), CASE_REFERENCE, MONITORING, ADDRESS, *also]:
            assert canary not in text, (canary, message["Subject"])


async def approved(w: World, answers: ReferralAnswers | None = None, *, approver: Actor | None = None) -> Referral:
    """A referral full of canaries, submitted, and approved by its landlord: waiting for its batch."""
    draft = await w.run(referrals.start_referral, w.officer)
    draft = await w.run(
        referrals.save_draft,
        w.officer,
        draft.id,
        replace(answers or w.domestic_abuse(), **CANARIES),
        version=draft.version,
        case_reference=CASE_REFERENCE,
        monitoring={"ethnicity": MONITORING},
    )
    referral = await w.run(referrals.submit, w.officer, w.scheme, draft.id, version=draft.version)
    referral = await w.run(referrals.act, w.coordinator, referral.id, Action.request_approval, version=referral.version)
    return await w.run(referrals.act, approver or w.landlord, referral.id, Action.approve, version=referral.version)
