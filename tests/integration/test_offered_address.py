"""An offered address, once its offer ends, is nowhere in the live database, in the logs or in mail.

The scan reads every column of every table as text, so a column added later cannot escape it. What it
cannot see, the old row versions in WAL and data files until VACUUM and backup rotation, is for the
deployment (README, "What the service keeps").
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date

import asyncpg
import pytest
import structlog
from sqlalchemy import select

from reciprocal.db.bootstrap import connect_as
from reciprocal.observability import configure_logging
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Offer, OfferState, Referral
from reciprocal.referrals.workflow import Action, State
from support import DatabaseUnderTest, make_settings
from support.world import KEYS, World

CANARY = "CANARY-ADDR-9Q4Z"
ADDRESS = f"Flat 6, {CANARY} Example Close"

Column = tuple[str, str, str]
"""(schema, table, column)"""

FERNET_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_-]{40,}={0,2}")


async def _columns(conn: asyncpg.Connection) -> list[Column]:
    """Every column of every table, from the catalogue: the scans quote these names into their SQL."""
    rows = await conn.fetch(
        """
        select c.table_schema, c.table_name, c.column_name
        from information_schema.columns c
        join information_schema.tables t using (table_catalog, table_schema, table_name)
        where t.table_type = 'BASE TABLE' and c.table_schema not in ('pg_catalog', 'information_schema')
        order by 1, 2, 3
        """
    )
    return [(r[0], r[1], r[2]) for r in rows]


def _name(column: Column) -> str:
    return ".".join(f'"{part}"' for part in column)


async def holding(conn: asyncpg.Connection, needles: list[str]) -> list[Column]:
    """Every column in which some row's value, read as text (bytea as hex), contains one of `needles`."""
    lowered = [n.lower() for n in needles]
    found = []
    for column in await _columns(conn):
        schema, table, name = column
        hit = await conn.fetchval(
            f'select exists (select from "{schema}"."{table}" t, unnest($1::text[]) n'
            f' where strpos(lower(t."{name}"::text), n) > 0)',
            lowered,
        )
        if hit:
            found.append(column)
    return found


async def decrypting_to(conn: asyncpg.Connection, secret: str) -> list[Column]:
    """Every column holding a token the service's key decrypts to something containing `secret`."""
    found = []
    for column in await _columns(conn):
        schema, table, name = column
        values = await conn.fetch(
            f'select t."{name}"::text from "{schema}"."{table}" t where t."{name}"::text like $1',
            "%gAAAAA%",
        )
        for (value,) in values:
            for token in FERNET_TOKEN.findall(value):
                try:
                    plain = KEYS.decrypt(token)
                except ValueError:
                    continue
                if secret in plain:
                    found.append(column)
    return found


def forms_of(ciphertext: str) -> list[str]:
    """The address, its canary and the stored token, as text and as the hex a bytea column reads as."""
    raw = base64.urlsafe_b64decode(ciphertext)
    texts = [ADDRESS, CANARY, ciphertext, ciphertext[40:80]]
    return [*texts, *(t.encode().hex() for t in texts), raw.hex()]


async def _stored_ciphertext(conn: asyncpg.Connection, offer_id: uuid.UUID) -> str:
    value = await conn.fetchval("select address_encrypted from offers where id = $1", offer_id)
    assert isinstance(value, str)
    assert KEYS.decrypt(value) == ADDRESS
    return value


async def _version(world: World, referral_id: uuid.UUID) -> int:
    return (await world.referral(referral_id)).version


async def _moved(world: World, referral_id: uuid.UUID) -> None:
    for step in (offers.arrange_viewing, offers.accept):
        await world.run(step, world.coordinator, referral_id, version=await _version(world, referral_id))
    await world.run(
        offers.record_move,
        world.coordinator,
        referral_id,
        moved_on=date(2026, 12, 1),
        bedrooms=2,
        version=await _version(world, referral_id),
    )


async def _refused(world: World, referral_id: uuid.UUID) -> None:
    await world.run(offers.arrange_viewing, world.coordinator, referral_id, version=await _version(world, referral_id))
    await world.run(
        offers.refuse, world.coordinator, referral_id, reason="risk", version=await _version(world, referral_id)
    )


async def _refused_and_withdrawn(world: World, referral_id: uuid.UUID) -> None:
    # Pan London withdraws a referral whose suitable offer is refused for another reason.
    await world.run(
        offers.refuse, world.coordinator, referral_id, reason="other", version=await _version(world, referral_id)
    )


async def _offer_withdrawn(world: World, referral_id: uuid.UUID) -> None:
    await world.run(
        referrals.act, world.islington, referral_id, Action.withdraw_offer, version=await _version(world, referral_id)
    )


async def _referral_withdrawn(world: World, referral_id: uuid.UUID) -> None:
    await world.run(offers.arrange_viewing, world.coordinator, referral_id, version=await _version(world, referral_id))
    await world.run(
        referrals.act,
        world.officer,
        referral_id,
        Action.withdraw,
        version=await _version(world, referral_id),
        note="Moved privately",
    )


Ending = Callable[[World, uuid.UUID], Awaitable[None]]

ENDINGS: dict[str, tuple[Ending, OfferState, State]] = {
    "moved": (_moved, OfferState.moved, State.moved),
    "refused": (_refused, OfferState.refused, State.circulating),
    "refused and withdrawn": (_refused_and_withdrawn, OfferState.refused, State.withdrawn),
    "offer withdrawn": (_offer_withdrawn, OfferState.withdrawn, State.circulating),
    "referral withdrawn": (_referral_withdrawn, OfferState.withdrawn, State.withdrawn),
}


# NOTE: Pan London only: the World builders make referrals in Pan London's boroughs and partners.
@pytest.mark.parametrize("ending", ENDINGS)
async def test_once_an_offer_ends_nothing_in_the_database_or_the_logs_recovers_its_address(
    ending: str, world: World, database: DatabaseUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    end, offer_state, referral_state = ENDINGS[ending]
    configure_logging(make_settings(log_level="DEBUG"))  # everything the service says, onto captured stderr
    structlog.get_logger("tests").info("offer_flow.started")

    referral = await world.circulating(world.domestic_abuse())
    home = replace(world.islington_flat(), address=ADDRESS)
    offer = await world.run(offers.make_offer, world.islington, KEYS, referral.id, home, version=referral.version)

    admin = await connect_as(database.admin)
    try:
        ciphertext = await _stored_ciphertext(admin, offer.id)
        # While the offer is live the token is in its one column, and the address is in none.
        offers_column = ("public", "offers", "address_encrypted")
        assert await holding(admin, forms_of(ciphertext)) == [offers_column]
        assert await decrypting_to(admin, CANARY) == [offers_column]
        # The scan reads every type as text: the audit trail's JSON details and its uuid subject.
        audited = await holding(admin, ['"to": "offer_made"', str(referral.id)])
        assert {("public", "audit_events", "details"), ("public", "audit_events", "subject_id")} <= set(audited)

        await end(world, referral.id)

        assert await holding(admin, forms_of(ciphertext)) == []
        assert await decrypting_to(admin, CANARY) == []
    finally:
        await admin.close()

    async with world.db.tenant_session(world.scheme.id) as session:
        ended = await session.scalar(select(Offer).where(Offer.tenant_id == world.scheme.id, Offer.id == offer.id))
        after = await session.get(Referral, (world.scheme.id, referral.id))
    assert ended is not None
    assert after is not None
    assert (ended.state, after.state) == (offer_state, referral_state)

    logs = capsys.readouterr()
    assert '"event": "offer_flow.started"' in logs.err  # the logs were captured: their silence below means something
    for secret in forms_of(ciphertext)[:4]:
        assert secret.lower() not in logs.out.lower()
        assert secret.lower() not in logs.err.lower()


async def test_the_database_refuses_an_ended_offer_that_keeps_its_address(
    world: World, database: DatabaseUnderTest
) -> None:
    referral = await world.offered(world.domestic_abuse())
    owner = await connect_as(database.owner)
    try:
        async with owner.transaction():
            await owner.execute("select set_config('app.tenant_id', $1, true)", str(world.scheme.id))
            with pytest.raises(asyncpg.CheckViolationError, match="ck_offers_address_only_while_live"):
                await owner.execute("update offers set state = 'withdrawn' where referral_id = $1", referral.id)
    finally:
        await owner.close()
