"""The named lead's "new" referrals through HTTP: what is new stays new on a reload, until that person opens it
or a week has passed; a colleague opening it does not make it old for them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from people import actor
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.kernel import clock
from reciprocal.settings import Settings
from support import visible_text
from support.scheduled import Time
from support.web import Client, sign_in
from support.world import Desk

HOME = "/s/pan-london/named-lead/"


def new_section(page: str) -> str:
    return visible_text(page).split("New referrals for your boroughs")[1].split("Your open offers")[0]


async def test_new_stays_new_until_opened_or_a_week_passed(
    client: Client, db: Database, settings: Settings, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    time = Time(monkeypatch)
    first = await desk.circulating(desk.domestic_abuse())
    second = await desk.circulating(desk.domestic_abuse())
    colleague = await actor(db, "pan-london", "islington-council", Role.named_lead)
    await sign_in(client, db, settings, colleague)
    await client.get(f"{HOME}referrals/{first.id}")  # a colleague's reading is theirs, not ours

    await sign_in(client, db, settings, desk.islington)
    for _ in range(2):  # reloaded: still new
        shown = new_section((await client.get(HOME)).text)
        assert first.reference in shown
        assert second.reference in shown

    assert (await client.get(f"{HOME}referrals/{first.id}")).status_code == 200
    shown = new_section((await client.get(HOME)).text)
    assert first.reference not in shown
    assert second.reference in shown

    time.at(clock.now() + timedelta(days=7, minutes=1))
    await sign_in(client, db, settings, desk.islington)
    shown = new_section((await client.get(HOME)).text)
    assert second.reference not in shown
    assert "No new referrals." in shown
