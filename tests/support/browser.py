"""Helpers for the browser tests: a page signed in as someone, and what axe finds wrong with a page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page

from reciprocal.db.engine import Database
from reciprocal.identity.services import SESSION_COOKIE, Actor
from reciprocal.settings import Settings
from support.web import token_for

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


@asynccontextmanager
async def signed_in(
    browser: Browser, db: Database, settings: Settings, person: Actor, slug: str = "pan-london"
) -> AsyncIterator[Page]:
    """A page in a browser context of its own, signed in as `person` (their session cookie under /s/`slug`/)."""
    context = await browser.new_context()
    token = await token_for(db, settings, person, slug)
    cookie = {"name": SESSION_COOKIE, "value": token, "domain": "127.0.0.1", "path": f"/s/{slug}/"}
    await context.add_cookies([cookie])  # type: ignore[list-item]
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def violations_on(page: Page, base: str, paths: list[str]) -> list[str]:
    """Each of `paths` (under `base`) opened, signed in: its serious axe violations, each named by its path."""
    problems: list[str] = []
    for path in paths:
        await page.goto(base + path)
        assert "Sign in" not in await page.title(), path
        problems += [f"{path}: {problem}" for problem in await serious_violations(page)]
    return problems
