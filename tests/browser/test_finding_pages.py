"""The pages for finding things meet accessibility rules: search, the coordinator's filtered list, the named
lead's history, each with what it shows when something is wrong or nothing is found."""

from __future__ import annotations

from playwright.async_api import Browser

from reciprocal.db.engine import Database
from reciprocal.referrals import offers
from reciprocal.settings import Settings
from support.browser import signed_in, violations_on
from support.world import World


async def test_search_the_list_and_the_history_have_no_serious_accessibility_problems(
    browser: Browser, live_server: str, db: Database, settings: Settings
) -> None:
    world = await World(db).build()
    referral = await world.offered(world.domestic_abuse())
    await world.run(offers.refuse, world.coordinator, referral.id, reason="risk", version=referral.version)
    await world.submitted(world.domestic_abuse())
    base = f"{live_server}/s/pan-london"
    pages = {
        world.coordinator: [
            "/coordinator/referrals",
            "/coordinator/referrals?state=submitted&risk=domestic_abuse&sort=reference&order=ascending",
            "/coordinator/referrals?submitted-from-day=31&submitted-from-month=2&submitted-from-year=2026",
            "/search?reference=pl",
            "/search?reference=nothing-like-it",
            "/search?reference=",
        ],
        world.partner: ["/named-lead/history", "/search?reference=PL"],
    }
    problems: list[str] = []
    for person, paths in pages.items():
        async with signed_in(browser, db, settings, person) as page:
            problems += await violations_on(page, base, paths)
    assert problems == []
