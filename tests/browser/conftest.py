"""Headless Chromium (Debian's) driven by Playwright against the app served on loopback."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from reciprocal.settings import Settings
from support import make_settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def settings(live_url: str, request: pytest.FixtureRequest) -> Settings:
    """The live server's settings: in demo mode where the test module says DEMO = True."""
    # NOTE: the live server is plain http on loopback: outside demo mode its cookies are Secure and the
    # browser would never send them back, so a module whose browser signs in asks for demo mode.
    return make_settings(demo=getattr(request.module, "DEMO", False), base_url=live_url)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium was found: apt-get install -y chromium")
        pytest.skip("no Chromium on this machine (apt-get install -y chromium); set REQUIRE_BROWSER=1 to fail")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()
