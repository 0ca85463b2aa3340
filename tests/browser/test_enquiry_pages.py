"""The checker, the coordinator's enquiry log and the "moved through another pathway" forms in a real browser,
each page checked with axe, errors included."""

from __future__ import annotations

from playwright.async_api import Browser, BrowserContext, Page

from reciprocal.identity.models import User
from reciprocal.identity.services import SESSION_COOKIE, Actor
from reciprocal.settings import Settings
from support import session_token
from support.browser import serious_violations
from support.world import World

DEMO = True  # the browser signs in: see the settings fixture


async def signed_in(browser: Browser, world: World, settings: Settings, person: Actor) -> BrowserContext:
    async with world.db.tenant_session(world.scheme.id) as session:
        user = await session.get(User, (person.tenant_id, person.user_id))
    assert user is not None
    token = await session_token(world.db, world.scheme.slug, user, settings)
    context = await browser.new_context()
    cookie = {"name": SESSION_COOKIE, "value": token, "domain": "127.0.0.1", "path": f"/s/{world.scheme.slug}/"}
    await context.add_cookies([{**cookie, "httpOnly": True, "sameSite": "Lax"}])  # type: ignore[list-item]
    return context


async def accessible(page: Page) -> None:
    assert await serious_violations(page) == [], page.url


async def test_the_checker_in_a_browser(browser: Browser, live_server: str, world: World) -> None:
    page = await browser.new_page()
    await page.goto(f"{live_server}/s/pan-london/criteria")
    assert await page.get_by_role("heading", name="Other pathways").is_visible()
    await page.get_by_role("link", name="Could this scheme help my client?").click()
    await page.wait_for_url("**/s/pan-london/check")
    await accessible(page)

    await page.get_by_role("button", name="Check").click()
    assert await page.get_by_role("heading", name="There is a problem").is_visible()
    await accessible(page)

    await page.get_by_label("Domestic abuse").check()
    await page.get_by_label("Secure tenancy with a council").check()
    await page.get_by_role("group", name="Could you name enough safe boroughs").get_by_label("Yes").check()
    await page.get_by_role("button", name="Check").click()
    await page.wait_for_url("**/check/answer**")
    assert await page.get_by_role("heading", level=1).inner_text() == "The scheme could help your client"
    await accessible(page)
    await page.close()


async def test_the_enquiry_log_and_the_pathway_forms_in_a_browser(
    browser: Browser, live_server: str, world: World, settings: Settings
) -> None:
    referral = await world.offered(world.domestic_abuse())
    context = await signed_in(browser, world, settings, world.coordinator)
    page = await context.new_page()
    await page.goto(f"{live_server}/s/pan-london/coordinator/")
    await page.get_by_role("link", name="Enquiries", exact=True).click()
    await page.wait_for_url("**/coordinator/enquiries")
    await accessible(page)
    await page.get_by_role("button", name="Log an enquiry").click()
    await page.wait_for_url("**/coordinator/enquiries/new")
    await accessible(page)
    await page.get_by_role("button", name="Log the enquiry").click()
    assert await page.get_by_role("heading", name="There is a problem").is_visible()
    await accessible(page)
    await page.get_by_label("Phone").check()
    await page.get_by_label("What risk does the client face?").select_option("stalking")
    await page.get_by_label("What kind of agency asked?").select_option("police")
    await page.get_by_label("Advice given").check()
    await page.get_by_role("button", name="Log the enquiry").click()
    await page.wait_for_url("**/coordinator/enquiries?done=logged")
    assert "Stalking" in await page.get_by_role("table").inner_text()
    await accessible(page)

    await page.goto(f"{live_server}/s/pan-london/coordinator/referrals/{referral.id}")
    await page.get_by_text("Moved through another pathway").click()
    await page.get_by_role("button", name="Close the referral").click()
    assert await page.get_by_role("heading", name="There is a problem").is_visible()
    await accessible(page)
    await context.close()

    officer = await signed_in(browser, world, settings, world.officer)
    page = await officer.new_page()
    await page.goto(f"{live_server}/s/pan-london/referrals/{referral.id}")
    await page.get_by_text("Where else the applicant is registered", exact=True).click()
    await page.get_by_role("checkbox", name="Housing Moves").check()
    await accessible(page)
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url(f"**/referrals/{referral.id}")
    await page.get_by_text("The applicant moved through another pathway").click()
    await accessible(page)
    await page.get_by_role("radio", name="Housing Moves").check()
    await page.get_by_role("button", name="Close the referral").click()
    await page.wait_for_url(f"**/referrals/{referral.id}")
    assert "moved through another pathway" in await page.locator("main").inner_text()
    await accessible(page)
    await officer.close()
