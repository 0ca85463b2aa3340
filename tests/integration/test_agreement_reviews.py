"""The scheme admins are reminded once before an organisation's Working Together Agreement is reviewed, by the
worker's daily run; never another scheme's admins, never twice for the same review date."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.kernel import dates
from reciprocal.notifications.models import OutboxMessage
from reciprocal.onboarding.agreements import remind_reviews
from reciprocal.partners.models import Organisation
from reciprocal.settings import Settings
from reciprocal.worker import Worker
from support import add_member, scheme_id


async def reminders(db: Database, slug: str) -> list[tuple[str, str]]:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        rows = await session.execute(
            select(OutboxMessage.user_id, OutboxMessage.params).where(OutboxMessage.kind == "agreement_review")
        )
        return sorted((str(user), params["items"][0]["reference"]) for user, params in rows)


async def test_the_admins_are_reminded_once_before_the_review_date(db: Database, settings: Settings) -> None:
    london, county = await scheme_id(db, "pan-london"), await scheme_id(db, "cambridgeshire")
    admin = await add_member(db, "pan-london", "admin@london.example", [("coordinator", Role.scheme_admin)])
    await add_member(db, "pan-london", "officer@london.example", [("safe-steps-london", Role.nominating_officer)])
    county_admin = await add_member(db, "cambridgeshire", "admin@county.example", [("coordinator", Role.scheme_admin)])
    today = dates.today()
    async with db.tenant_session(london) as session, session.begin():
        for code, days in (("camden-council", 20), ("islington-council", 60), ("hackney-council", -1)):
            await session.execute(
                update(Organisation)
                .where(Organisation.code == code)
                .values(agreement_review_on=today + timedelta(days=days))
            )
    async with db.tenant_session(county) as session, session.begin():
        await session.execute(
            update(Organisation)
            .where(Organisation.code == "fenland-council")
            .values(agreement_review_on=today + timedelta(days=100))
        )

    worker = Worker(db, None, settings)  # type: ignore[arg-type]
    await worker.reminders()
    assert await reminders(db, "pan-london") == [(str(admin.id), "Camden Council")]
    assert await reminders(db, "cambridgeshire") == []

    await worker.reminders()  # the next day's run, or the same run twice: nothing new
    async with db.tenant_session(london) as session, session.begin():
        assert await remind_reviews(session, london, today + timedelta(days=1)) == 0
    assert len(await reminders(db, "pan-london")) == 1

    # Renewed with a new review date: reminded afresh when that one comes near.
    async with db.tenant_session(london) as session, session.begin():
        await session.execute(
            update(Organisation)
            .where(Organisation.code == "camden-council")
            .values(agreement_review_on=today + timedelta(days=400))
        )
        assert await remind_reviews(session, london, today + timedelta(days=380)) == 1
    assert str(county_admin.id) not in {user for user, _ in await reminders(db, "pan-london")}
