"""A partner's statement for any month through HTTP: the month's figures, the balance at its end, its entries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reciprocal.settings import Settings
from support import visible_text
from support.scheduled import Time
from support.web import LONDON, Client, act_as
from support.world import World

LEDGER = f"/s/{LONDON}/ledger"


async def test_a_past_months_statement_shows_that_month_not_now(
    client: Client, world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    time = Time(monkeypatch)
    time.at(datetime(2026, 12, 10, 11, tzinfo=UTC))
    december = await world.moved(
        world.domestic_abuse(), world.islington, world.islington_flat(), moved_on=date(2026, 12, 10)
    )
    time.at(datetime(2027, 1, 20, 11, tzinfo=UTC))
    january = await world.moved(
        world.domestic_abuse(), world.islington, world.islington_flat(), moved_on=date(2027, 1, 20)
    )
    await act_as(client, world.db, settings, world.camden)
    statement = f"{LEDGER}/partners/{world.camden_council}"

    past = await client.get(f"{statement}?month=2026-12")
    assert past.status_code == 200
    text = visible_text(past.text)
    assert "Statement for December 2026 Camden Council" in text
    assert "Your tenants rehoused by other partners in December 2026 1" in text
    assert "Balance at the end of December 2026" in text
    assert "2 bedrooms 0 1 Owes 1" in text
    assert str(december.reference) in text
    assert str(january.reference) not in text  # recorded after December ended
    assert '<option value="2026-12" selected>December 2026</option>' in past.text

    now = visible_text((await client.get(statement)).text)
    assert "Statement for January 2027 (so far)" in now
    assert "2 bedrooms 0 2 Owes 2" in now
    assert str(january.reference) in now
    assert str(december.reference) not in now  # December's entries are on December's statement
    assert "1 entry recorded in January 2027" in now

    for month in ("2027-02", "2026-13", "last-month"):
        assert (await client.get(f"{statement}?month={month}")).status_code == 404
    other = await client.get(f"{LEDGER}/partners/{world.islington.organisation_id}?month=2026-12")
    assert other.status_code == 404  # another partner's statement, whatever the month
