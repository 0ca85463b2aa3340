"""Helpers for the browser tests: what axe finds wrong with a page."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

SERIOUS = {"serious", "critical"}
"""The axe impacts a page must not have."""


async def serious_violations(page: Page) -> list[str]:
    """The serious or critical axe violations on `page`, each as its rule, help and how many elements break it."""
    results = await Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} elements)"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]
