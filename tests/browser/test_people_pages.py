"""The pages for people change meet accessibility rules: handing a referral over (the choice, its error, what the
officer sees after) and a referral's messages for each party (with a message refused beside its field)."""

from __future__ import annotations

from playwright.async_api import Browser, Page

from people import actor
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.referrals import offers
from reciprocal.settings import Settings
from support.browser import serious_violations, signed_in
from support.world import World


async def test_handover_and_messages_have_no_serious_accessibility_problems(
    browser: Browser, live_server: str, db: Database, settings: Settings
) -> None:
    world = await World(db).build()
    await actor(db, "pan-london", "safe-steps-london", Role.nominating_officer)  # a colleague to choose
    referral = await world.offered(world.domestic_abuse())
    await world.run(offers.arrange_viewing, world.coordinator, referral.id, version=referral.version)
    base = f"{live_server}/s/pan-london"
    problems: list[str] = []
    for person, prefix in (
        (world.officer, f"/referrals/{referral.id}"),
        (world.coordinator, f"/coordinator/referrals/{referral.id}"),
        (world.partner, f"/named-lead/referrals/{referral.id}"),
    ):
        async with signed_in(browser, db, settings, person) as page:
            problems += await _messages_and_handover(page, base, prefix, handover=person is not world.partner)

    # The officer hands it over, and sees where it went.
    async with signed_in(browser, db, settings, world.officer) as page:
        await page.goto(f"{base}/referrals/{referral.id}/handover")
        await page.locator(".govuk-radios__input").first.check()
        await page.get_by_role("button", name="Hand over").click()
        assert await page.locator(".govuk-panel").count() == 1
        problems += [f"handed over: {p}" for p in await serious_violations(page)]
    assert problems == []


async def _messages_and_handover(page: Page, base: str, prefix: str, *, handover: bool) -> list[str]:
    """A referral's messages (one refused, one sent) and, where the person may, its handover page and error."""
    problems: list[str] = []
    await page.goto(f"{base}{prefix}/messages")
    assert "Messages" in await page.title()
    problems += [f"{prefix}/messages: {p}" for p in await serious_violations(page)]
    # A message with a phone number in it: refused beside its field.
    await page.locator("textarea").first.fill("Call 07700 900123")
    await page.get_by_role("button", name="Send message").first.click()
    assert await page.locator(".govuk-error-summary").count() == 1
    problems += [f"{prefix}/messages refused: {p}" for p in await serious_violations(page)]
    await page.locator("textarea").first.fill("The viewing can be on Tuesday")
    await page.get_by_role("button", name="Send message").first.click()
    assert await page.locator(".govuk-notification-banner").count() == 1
    problems += [f"{prefix}/messages sent: {p}" for p in await serious_violations(page)]

    if handover:
        await page.goto(f"{base}{prefix}/handover")
        problems += [f"{prefix}/handover: {p}" for p in await serious_violations(page)]
        await page.get_by_role("button", name="Hand over").click()  # no one chosen
        assert await page.locator(".govuk-error-summary").count() == 1
        problems += [f"{prefix}/handover refused: {p}" for p in await serious_violations(page)]
    return problems
