"""A person with a browser reaches the schemes, and the pages meet accessibility rules."""

from __future__ import annotations

from playwright.async_api import Browser

from support.browser import serious_violations


async def test_a_visitor_finds_a_scheme_and_its_criteria(browser: Browser, live_server: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    await page.goto(live_server + "/")
    assert await page.title() == "Managed housing reciprocal schemes – Reciprocal"
    assert await serious_violations(page) == []

    await page.get_by_role("link", name="Pan London Housing Reciprocal").click()
    await page.wait_for_url("**/s/pan-london/")
    assert await page.get_by_role("heading", level=1).inner_text() == "Pan London Housing Reciprocal"
    # GOV.UK Frontend's script ran under our Content-Security-Policy (no inline script needed).
    assert "govuk-frontend-supported" in (await page.get_attribute("body", "class") or "")
    assert await serious_violations(page) == []

    await page.get_by_role("link", name="Read the scheme's criteria").click()
    await page.wait_for_url("**/s/pan-london/criteria")
    table = page.get_by_role("table", name="Rules for each type of risk")
    assert "Serious violence" in await table.inner_text()
    kept = page.get_by_role("table", name="Pan London Housing Reciprocal keeps")
    assert "Closed referrals" in await kept.inner_text()
    assert await serious_violations(page) == []

    # htmx keeps no copy of pages in the browser's storage.
    stored = await page.evaluate("() => Object.keys(window.localStorage).length")
    assert stored == 0
    assert errors == []
    await context.close()


async def test_not_found_page_is_accessible(browser: Browser, live_server: str) -> None:
    page = await browser.new_page()
    response = await page.goto(live_server + "/s/atlantis/")
    assert response is not None
    assert response.status == 404
    assert await page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert await serious_violations(page) == []
    await page.close()
