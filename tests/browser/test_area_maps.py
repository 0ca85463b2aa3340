"""The areas report and the officer's safe-area chooser in a browser: readable maps that meet accessibility rules."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from reciprocal.db.engine import Database
from reciprocal.identity.models import User
from reciprocal.identity.services import SESSION_COOKIE, Actor
from reciprocal.kernel.dates import today
from reciprocal.referrals import services as referrals
from reciprocal.settings import Settings
from support import session_token
from support.browser import serious_violations
from support.world import County, World


async def _signed_in(browser: Browser, db: Database, settings: Settings, world: World, person: Actor):  # type: ignore[no-untyped-def]
    async with db.tenant_session(person.tenant_id) as session:
        user = await session.get(User, (person.tenant_id, person.user_id))
    assert user is not None
    token = await session_token(db, world.scheme.slug, user, settings)
    context = await browser.new_context()
    await context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": token,
                "domain": "127.0.0.1",
                "path": f"/s/{world.scheme.slug}/",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return context


@pytest.mark.parametrize("kind", [World, County], ids=["pan-london", "cambridgeshire"])
async def test_the_maps_are_accessible(
    browser: Browser, live_server: str, db: Database, settings: Settings, kind: type[World]
) -> None:
    world = await kind(db).build()
    answers = world.domestic_abuse()
    await world.circulating(answers)
    await world.moved(answers, world.partner, world.home(), moved_on=today())

    context = await _signed_in(browser, db, settings, world, world.coordinator)
    page = await context.new_page()
    await page.goto(f"{live_server}/s/{world.scheme.slug}/reports")
    maps = page.locator("svg.app-tile-map__svg")
    assert await maps.count() == 3
    assert await maps.first.get_attribute("role") == "img"
    assert (await maps.first.get_attribute("aria-labelledby") or "").startswith("map-demand-safe-areas-title")
    assert await serious_violations(page) == []
    await context.close()

    draft = await world.run(referrals.start_referral, world.officer)
    await world.run(referrals.save_draft, world.officer, draft.id, answers, version=draft.version)
    context = await _signed_in(browser, db, settings, world, world.officer)
    page = await context.new_page()
    await page.goto(f"{live_server}/s/{world.scheme.slug}/referrals/{draft.id}/areas")
    await page.get_by_text("See on a map where households").click()
    assert await page.get_by_role("img", name="Households needing").is_visible()
    assert await serious_violations(page) == []
    await context.close()
