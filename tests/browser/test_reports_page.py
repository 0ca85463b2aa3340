"""The reports page in a browser: accessible with its charts, its tables and a mistake in the period."""

from __future__ import annotations

from playwright.async_api import Browser

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.settings import Settings
from support import add_member, session_token
from support.browser import serious_violations
from support.world import World

DEMO = True
"""The live server is plain http: only in demo mode are its session cookies sent back (see conftest.settings)."""


async def test_the_reports_page_meets_accessibility_rules(
    browser: Browser, live_server: str, db: Database, settings: Settings
) -> None:
    w = await World(db).build()
    for _ in range(2):
        await w.moved(w.domestic_abuse(), w.partner, w.home())
    funder = await add_member(db, "pan-london", "funder@steering.example", [("coordinator", Role.funder)], name="Fen")
    token = await session_token(db, "pan-london", funder, settings)
    context = await browser.new_context()
    await context.add_cookies(
        [{"name": SESSION_COOKIE, "value": token, "domain": "127.0.0.1", "path": "/s/pan-london/", "httpOnly": True}]
    )
    page = await context.new_page()
    await page.goto(live_server + "/s/pan-london/home")
    await page.wait_for_url("**/s/pan-london/reports/")
    assert (await page.get_by_role("heading", level=1).inner_text()).startswith("Reports for the 12 months to ")
    # Each chart is an image named by its title, described by its text alternative.
    funnel = page.get_by_role("img", name="From enquiry to move")
    assert "Moves" in (await funnel.text_content() or "")
    assert await serious_violations(page) == []

    await page.get_by_label("A month").check()
    await page.get_by_role("button", name="Show the report").click()
    await page.wait_for_url("**/reports?period=month**")
    summary = page.get_by_role("alert")
    assert "Select a month" in await summary.inner_text()
    assert await serious_violations(page) == []
    await context.close()
