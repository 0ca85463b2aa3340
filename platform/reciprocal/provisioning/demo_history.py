"""Demo only: the Pan London scheme's last year, so its reports, trends and map have a history to show.

Each referral is taken through the real services at the moment it happened (clock.as_of), so its milestones,
timeline and ledger entries are what a year of real use would leave. Moves go round a ring of four councils
(Camden → Islington → Hackney → Southwark → Camden) in the same bedroom class, so the ledger nets to zero
after each round and no landlord is left over the debt cap for the demo's current referrals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import current_criteria
from reciprocal.enquiries import services as enquiries
from reciprocal.jobs.models import QueuedJob
from reciprocal.kernel import clock
from reciprocal.kernel.dates import UK_TIME
from reciprocal.provisioning.demo_seeder import Seeder
from reciprocal.referrals import pathways
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import Action

RING = (
    ("camden-council", "camden", "camden"),
    ("islington-council", "islington", "islington"),
    ("hackney-council", "hackney", "hackney"),
    ("southwark-council", "southwark", "southwark"),
)
"""(landlord, its lead's key, its area): each round, the tenant of one is housed by the next."""

OTHER_SAFE = ("lewisham", "greenwich", "bexley", "bromley", "croydon", "sutton", "merton", "barnet", "enfield")
RISKS = ("domestic_abuse", "domestic_abuse", "sexual_violence", "domestic_abuse", "stalking", "hate_crime")
SUPPORT = "Specialist caseworker supports the move and for three months after it; aftercare agreed."


@dataclass(frozen=True)
class Case:
    """One past referral: how many days ago it was submitted, what became of it, its household."""

    days_ago: int
    ending: str
    """"moved", "withdrawn", "elsewhere" (Housing Moves), "ineligible" or "declined"."""
    bedrooms: int
    """For a referral that does not end in a move (a move's bedrooms follow its round of the ring)."""
    children: tuple[int, ...]
    monitoring: dict[str, str]


def _cases() -> list[Case]:
    """About fifty referrals over the twelve months before the last six weeks, in a fixed pattern."""
    endings = ("moved", "moved", "withdrawn", "moved", "elsewhere", "moved", "ineligible", "moved", "declined")
    found = []
    for i in range(50):
        lone = i % 10 < 7  # seven in ten lone parents, as the toolkit's figures
        found.append(
            Case(
                days_ago=400 - i * 7,
                ending=endings[i % len(endings)],
                bedrooms=1 + (i // 4) % 3,
                children=(3, 8)[: 1 + i % 2] if lone else (),
                monitoring={
                    "gender": "woman" if i % 8 else "man",
                    "lone_parent": "yes" if lone else "no",
                    "disability": "yes" if i % 5 == 0 else "no",
                },
            )
        )
    return found


async def last_year(s: Seeder) -> None:
    """The scheme's past year: moves round the ring, and the other ways referrals end.

    What the year's steps would have told people was told at the time: their hand-off jobs are not kept, so the
    demo's people start with today's news, not a year of it."""
    queued_before = await s.session.scalar(select(func.coalesce(func.max(QueuedJob.id), 0)))
    published = await current_criteria(s.session, s.scheme.id)
    assert published is not None
    criteria = published.criteria
    moves = 0
    for i, case in enumerate(_cases()):
        start = clock.now() - timedelta(days=case.days_ago)
        sending, receiving = RING[moves % 4], RING[(moves + 1) % 4]
        # A round of four moves shares one bedroom class, so each round nets to zero in the ledger.
        bedrooms = 1 + (moves // 4) % 3 if case.ending == "moved" else case.bedrooms
        answers = s.answers(
            landlord=sending[0],
            lives_in=sending[2],
            risk_type=RISKS[i % len(RISKS)],
            risk=(sending[2],),
            safe=(receiving[2], *OTHER_SAFE[i % 5 : i % 5 + 4]),
            adults=1 if case.children else 1 + i % 2,
            children=case.children,
            bedrooms=bedrooms,
            safeguarding=SUPPORT,
            resettlement=SUPPORT,
        )
        await _enquiries(s, criteria, case, start, i)
        with clock.as_of(start):
            referral = await s.submitted(answers, f"SS-{3000 + i}", case.monitoring)
        if case.ending == "ineligible":
            with clock.as_of(start + timedelta(days=2)):
                await s.act(s.coordinator, referral, Action.mark_ineligible, "Not a social housing tenant.")
            continue
        with clock.as_of(start + timedelta(days=2)):
            referral = await s.act(s.coordinator, referral, Action.request_approval)
        if case.ending == "declined":
            with clock.as_of(start + timedelta(days=6)):
                await s.act(s.leads[sending[1]], referral, Action.decline, "A management transfer was agreed.")
            continue
        with clock.as_of(start + timedelta(days=5 + i % 4)):
            referral = await s.act(s.leads[sending[1]], referral, Action.approve)
        with clock.as_of(start + timedelta(days=12)):
            referral = await s.act(s.coordinator, referral, Action.circulate)
        if case.ending == "withdrawn":
            with clock.as_of(start + timedelta(days=30)):
                await s.act(s.coordinator, referral, Action.withdraw, "The applicant no longer wishes to move.")
            continue
        if case.ending == "elsewhere":
            with clock.as_of(start + timedelta(days=35)):
                await pathways.record_other_pathway(
                    s.session, s.coordinator, referral.id, pathway="housing_moves", version=referral.version
                )
            continue
        await _move(s, referral, receiving, start, i)
        moves += 1
    await s.session.flush()
    await s.session.execute(delete(QueuedJob).where(QueuedJob.id > queued_before))


ASKED = (("police", "advice_given"), ("social_care", "referred_elsewhere"), ("housing_officer", "not_eligible"))


async def _enquiries(s: Seeder, criteria: Criteria, case: Case, start: datetime, i: int) -> None:
    """The enquiries before a referral, about two for each as in the toolkit's figures: the officer's own check
    on the public checker, and on most weeks a call the coordinator logged that came to nothing here."""
    risk = RISKS[i % len(RISKS)]
    with clock.as_of(start - timedelta(days=3)):
        enquiries.record_checker_enquiry(s.session, s.scheme.id, criteria, risk_type=risk, outcome="likely_eligible")
    if i % 4 == 3:
        return
    agency, outcome = ASKED[i % len(ASKED)]
    asked = start - timedelta(days=6)
    with clock.as_of(asked):
        entry = enquiries.LoggedEnquiry(asked.astimezone(UK_TIME).date(), "phone", risk, agency, outcome)
        await enquiries.log_enquiry(s.session, s.coordinator, criteria, entry, today=asked.astimezone(UK_TIME).date())


async def _move(s: Seeder, referral: Referral, receiving: tuple[str, str, str], start: datetime, i: int) -> None:
    with clock.as_of(start + timedelta(days=18 + i % 9)):
        await s.offered(referral, receiving[1], receiving[2], floor=1, accessibility="", address="Demo address")
    with clock.as_of(start + timedelta(days=24 + i % 9)):
        referral = await s.viewing(referral)
    with clock.as_of(start + timedelta(days=27 + i % 9)):
        referral = await s.accepted(referral)
    with clock.as_of(start + timedelta(days=40 + i % 11)):
        await s.moved(referral)
