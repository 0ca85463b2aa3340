"""The matching and pause pages meet accessibility rules: the named lead's property form, its results and its
errors, the pause form, the coordinator's direct arrangements and housing partners, a referral's partners."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.async_api import Browser

from reciprocal.db.engine import Database
from reciprocal.settings import Settings
from support.browser import signed_in, violations_on
from support.world import World


async def test_the_matching_and_pause_pages_have_no_serious_accessibility_problems(
    browser: Browser, live_server: str, db: Database, settings: Settings
) -> None:
    world = await World(db).build()
    referral = await world.circulating(world.domestic_abuse())
    home = world.home()
    fields = {
        "area_id": str(home.area_id),
        "bedrooms": str(home.bedrooms),
        "floor": "2",
        "accessibility": "",
        "available_from-day": "1",
        "available_from-month": "12",
        "available_from-year": "2026",
    }
    base = f"{live_server}/s/pan-london"
    pages = {
        world.partner: [
            "/named-lead/matching",
            f"/named-lead/matching?{urlencode(fields)}",
            f"/named-lead/matching?{urlencode({**fields, 'bedrooms': '', 'available_from-day': '40'})}",
            "/named-lead/pause",
        ],
        world.coordinator: [
            "/coordinator/arrangements",
            "/coordinator/partners",
            f"/coordinator/partners/{world.partner.organisation_id}/pause",
            f"/coordinator/referrals/{referral.id}",
        ],
    }
    problems: list[str] = []
    for person, paths in pages.items():
        async with signed_in(browser, db, settings, person) as page:
            problems += await violations_on(page, base, paths)
    assert problems == []
