"""The pages for finding things meet accessibility rules: search, the coordinator's filtered list, the named
lead's history, each with what it shows when something is wrong or nothing is found."""

from __future__ import annotations

from playwright.async_api import Browser

from reciprocal.db.engine import Database
from reciprocal.identity.models import User
from reciprocal.identity.services import SESSION_COOKIE, Actor
from reciprocal.referrals import offers
from reciprocal.settings import Settings
from support import session_token
from support.browser import serious_violations
from support.world import World


async def _token(db: Database, settings: Settings, person: Actor) -> str:
    async with db.tenant_session(person.tenant_id) as session:
        user = await session.get(User, (person.tenant_id, person.user_id))
    assert user is not None
    return await session_token(db, "pan-london", user, settings)


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
