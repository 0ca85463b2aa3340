"""The matching and pause pages meet accessibility rules: the named lead's property form, its results and its
errors, the pause form, the coordinator's direct arrangements and housing partners, a referral's partners."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.async_api import Browser

from reciprocal.db.engine import Database
from reciprocal.identity.models import User
from reciprocal.identity.services import SESSION_COOKIE, Actor
from reciprocal.settings import Settings
from support import session_token
from support.browser import serious_violations
from support.world import World


async def _token(db: Database, settings: Settings, person: Actor) -> str:
    async with db.tenant_session(person.tenant_id) as session:
        user = await session.get(User, (person.tenant_id, person.user_id))
    assert user is not None
    return await session_token(db, "pan-london", user, settings)


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
        context = await browser.new_context()
        token = await _token(db, settings, person)
        cookie = {"name": SESSION_COOKIE, "value": token, "domain": "127.0.0.1", "path": "/s/pan-london/"}
        await context.add_cookies([cookie])  # type: ignore[list-item]
        page = await context.new_page()
        for path in paths:
            await page.goto(base + path)
            assert "Sign in" not in await page.title(), path
            problems += [f"{path}: {problem}" for problem in await serious_violations(page)]
        await context.close()
    assert problems == []
