"""A named lead signs in through their council's own provider in a real browser, and signs out again.

The setup is the demo's own (reciprocal.provisioning.demo): the people of tenants/pan-london/demo.toml, and
oidc-provider-mock on loopback registered as Camden Council's provider.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, expect

from reciprocal.db.engine import Database
from reciprocal.identity.secrets import Keys
from reciprocal.provisioning.demo import load_demo, local_provider
from reciprocal.settings import Settings
from support import demo_scheme
from support.browser import serious_violations

NAMED_LEAD = "priya.shah@camden.example"
"""Camden Council's named lead in demo.toml: the README tells people to type this address."""


DEMO = True  # the browser signs in: see the settings fixture


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo's provider on a free port. authlib (ours and the provider's) refuses plain http without the flag."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with local_provider(0, [demo_scheme("pan-london")]) as address:
        yield address


async def test_a_named_lead_signs_in_through_their_council_and_out_again(
    browser: Browser, live_server: str, issuer: str, db: Database, settings: Settings
) -> None:
    await load_demo(db, demo_scheme("pan-london"), Keys(settings.require_secret_key()), issuer=issuer)
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    # Ours only: the provider's pages fetch styles from a CDN this machine cannot reach.
    page.on("pageerror", lambda error: errors.append(str(error)) if page.url.startswith(live_server) else None)
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and message.location.get("url", "").startswith(live_server)
            else None
        ),
    )

    await page.goto(live_server + "/s/pan-london/")
    await page.get_by_role("button", name="Sign in").or_(page.get_by_role("link", name="Sign in")).first.click()
    await page.wait_for_url("**/s/pan-london/sign-in")
    assert await serious_violations(page) == []
    await page.get_by_label("What is your work email address?").fill(NAMED_LEAD)
    await page.get_by_role("button", name="Continue").click()

    # Camden's provider: sign in there as the subject it knows by that address.
    await page.wait_for_url(f"{issuer}/oauth2/authorize?**")
    await page.locator("input[name=sub]").fill(NAMED_LEAD)
    await page.get_by_role("button", name="Authorize", exact=True).click()

    await page.wait_for_url("**/s/pan-london/named-lead/")
    await expect(page.get_by_role("link", name="Your work")).to_be_visible()
    await expect(page.get_by_text("Signed in as Priya Shah, named lead for Camden Council")).to_be_visible()
    assert await serious_violations(page) == []

    await page.get_by_role("button", name="Sign out").click()
    # The provider is asked to end its session too, then sends the browser back to the scheme.
    await page.wait_for_url(f"{issuer}/oauth2/end_session?**")
    await page.get_by_role("button", name="End session").click()
    await page.wait_for_url(lambda url: url.startswith(live_server + "/s/pan-london/?"))
    await expect(page.get_by_text("Signed in as")).to_have_count(0)
    await page.goto(live_server + "/s/pan-london/named-lead/")
    await page.wait_for_url("**/s/pan-london/sign-in")
    assert errors == []
    await context.close()
