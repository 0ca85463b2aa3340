"""On a phone 375 px wide, no signed-in page scrolls sideways: wide tables scroll in their own region.

Every role's home and main pages are drawn with work on them (referrals awaiting approval, circulating,
under offer with a risk assessment asked for, being viewed, moved), in both demo schemes: Pan London names
boroughs, Cambridgeshire and Peterborough names districts with longer names. A page fails when the document
is wider than the window; the message names what sticks out furthest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import pytest
from playwright.async_api import Browser, BrowserContext

from people import actor
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, User
from reciprocal.identity.services import SESSION_COOKIE, Actor
from reciprocal.operations import services as operations
from reciprocal.portals.operator.controllers import OPERATOR_COOKIE, OPERATOR_PATH
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.fit import Property
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action
from reciprocal.settings import Settings
from support import session_token
from support.world import KEYS, County, World

DEMO = True  # the browser signs in: see the settings fixture

PHONE = {"width": 375, "height": 800}

CASE_REFERENCE = "SAFESTEPSREFUGE2026DOMESTICABUSE000042"
"""An officer's case reference typed without a space: as long an unbroken word as a page may be given."""


def long_email(domain: str) -> str:
    """A work address with nowhere to break it but the letters (no hyphen, no space)."""
    return f"anastasia.featherstonehaugh.caseworker@{domain}.example"


STICKING_OUT = """() => {
  // What lies beyond the window's right edge, leaving out what a box that clips or scrolls on its own (a
  // table in .app-table-wrapper) holds: each the outermost of its kind, furthest out first. A box holds an
  // element when it is on the element's chain of containing blocks: absolutely positioned text (GOV.UK's
  // visually hidden text) escapes a scrolling box that is not positioned.
  const edge = window.innerWidth;
  const held = (el) => {
    let position = getComputedStyle(el).position;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (position === "fixed") return false;
      if (position === "absolute" && style.position === "static") continue;
      if (style.overflowX !== "visible") return true;
      position = style.position;
    }
    return false;
  };
  // Elements, and the text in them: a word too long for its line spills out of a box that stays in the window.
  const boxes = [];
  for (const el of document.body.querySelectorAll("*")) boxes.push([el, el.getBoundingClientRect().right]);
  const text = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = text.nextNode(); node; node = text.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = node.parentElement;
    // Text its own box clips (GOV.UK's visually hidden text) spills nowhere.
    if (box && getComputedStyle(box).overflowX === "visible") boxes.push([box, range.getBoundingClientRect().right]);
  }
  const found = [];
  for (const [el, right] of boxes) {
    if (right <= edge + 0.5 || held(el) || found.some((f) => f.el.contains(el) && f.right >= right)) continue;
    found.push({el, right});
  }
  found.sort((a, b) => b.right - a.right);
  const name = (el) =>
    el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + [...el.classList].map((c) => "." + c).join("");
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: edge,
    sticking: found.slice(0, 3).map(({el, right}) =>
      `${name(el)} to ${Math.round(right)} px ("${el.textContent.replace(/\\s+/g, " ").trim().slice(0, 70)}")`),
  };
}"""


async def sideways(context: BrowserContext, url: str) -> str | None:
    """Why `url` scrolls sideways in `context`, or None when it fits the window."""
    page = await context.new_page()
    try:
        response = await page.goto(url)
        assert response is not None
        if response.status != 200:
            return f"{url}: status {response.status}"
        found = await page.evaluate(STICKING_OUT)
        assert found["innerWidth"] == PHONE["width"]
        if found["scrollWidth"] <= found["innerWidth"]:
            return None
        return (
            f"{url}: {found['scrollWidth']} px wide in a {found['innerWidth']} px window; sticking out: "
            + "; ".join(found["sticking"])
        )
    finally:
        await page.close()


async def phone(browser: Browser, cookie: str, token: str, path: str) -> BrowserContext:
    """A browser 375 px wide, sending the session `token` as `cookie` under `path`."""
    context = await browser.new_context(viewport=PHONE)
    await context.add_cookies(
        [{"name": cookie, "value": token, "domain": "127.0.0.1", "path": path, "httpOnly": True, "sameSite": "Lax"}]
    )
    return context


@dataclass
class Cast:
    """A scheme's cast, and the referrals that put work on each of their pages."""

    world: World
    landlord: Actor
    """The named lead of the applicants' landlord: approves their referrals, owes for their moves."""
    partner: Actor
    """A named lead covering the safe areas: offers there, is owed for the moves."""
    answers: ReferralAnswers
    home: Property
    """What the partner offers, in a safe area."""

    async def referrals(self) -> dict[str, Referral]:
        """One referral at each stage a page shows: each is a new one, so every list has several rows."""
        w = self.world
        draft = await w.run(referrals.start_referral, w.officer)
        draft = await w.run(
            referrals.save_draft,
            w.officer,
            draft.id,
            self.answers,
            version=draft.version,
            case_reference=CASE_REFERENCE,
        )
        awaiting = await w.submitted(self.answers)
        awaiting = await w.run(
            referrals.act, w.coordinator, awaiting.id, Action.request_approval, version=awaiting.version
        )
        assessed = replace(
            self.answers, risk_type="serious_violence", safe_area_ids=frozenset(), risk_assessor_id=w.assessor.user_id
        )
        offered = await self.offered(assessed)
        viewing = await self.offered(self.answers)
        await w.run(offers.arrange_viewing, w.coordinator, viewing.id, version=viewing.version)
        await w.moved(self.answers, self.partner, self.home, approver=self.landlord)
        circulating = await w.circulating(self.answers, approver=self.landlord)
        return {
            "draft": draft,
            "awaiting": awaiting,
            "offered": offered,
            "viewing": await w.referral(viewing.id),
            "circulating": circulating,
        }

    async def offered(self, answers: ReferralAnswers) -> Referral:
        w = self.world
        referral = await w.circulating(answers, approver=self.landlord)
        await w.run(offers.make_offer, self.partner, KEYS, referral.id, self.home, version=referral.version)
        return await w.chosen(referral.id)  # the county caps no offers: its officer chooses this one


async def pan_london(db: Database) -> Cast:
    world = await World(db).build()
    # The officer whose address the offering named lead is shown once the coordinator links them.
    world.officer = await actor(
        db, "pan-london", "safe-steps-london", Role.nominating_officer, email=long_email("safestepslondon")
    )
    return Cast(world, world.landlord, world.partner, world.domestic_abuse(), world.home())


async def cambridgeshire(db: Database) -> Cast:
    world = await County(db).build()
    world.officer = await actor(
        db, "cambridgeshire", "county-refuge-support", Role.nominating_officer, email=long_email("countyrefugesupport")
    )
    return Cast(world, world.landlord, world.partner, world.domestic_abuse(), world.home())


async def token_for(db: Database, settings: Settings, slug: str, person: Actor) -> str:
    async with db.tenant_session(person.tenant_id) as session:
        user = await session.get(User, (person.tenant_id, person.user_id))
    assert user is not None
    return await session_token(db, slug, user, settings)


@pytest.mark.parametrize("build", [pan_london, cambridgeshire], ids=["pan-london", "cambridgeshire"])
async def test_no_signed_in_page_scrolls_sideways_on_a_phone(
    browser: Browser, live_server: str, db: Database, settings: Settings, build: Callable[[Database], Awaitable[Cast]]
) -> None:
    cast = await build(db)
    w = cast.world
    slug = w.scheme.slug
    found = await cast.referrals()
    admin = await actor(db, slug, "coordinator", Role.scheme_admin)
    partner_org = cast.partner.organisation_id
    pages: list[tuple[Actor, list[str]]] = [
        (
            w.officer,
            [
                "officer/",
                f"referrals/{found['draft'].id}",
                f"referrals/{found['draft'].id}/areas",
                f"referrals/{found['viewing'].id}",
            ],
        ),
        (
            w.coordinator,
            [
                "coordinator/",
                "coordinator/referrals",
                "coordinator/referrals?risk=domestic_abuse&submitted-from-day=1&submitted-from-month=1"
                "&submitted-from-year=2026",
                "coordinator/batch",
                "coordinator/enquiries",
                "coordinator/enquiries/new",
                "reports",
                f"search?reference={found['viewing'].reference[:4]}",
                f"coordinator/referrals/{found['viewing'].id}",
                "ledger",
                f"ledger/partners/{partner_org}",
            ],
        ),
        (cast.landlord, ["named-lead/", f"named-lead/approvals/{found['awaiting'].id}"]),
        (
            cast.partner,
            [
                "named-lead/",
                "named-lead/referrals/",
                f"named-lead/referrals/{found['circulating'].id}",
                f"named-lead/referrals/{found['circulating'].id}/offer",
                f"named-lead/referrals/{found['viewing'].id}",
                "named-lead/history",
                "ledger",
            ],
        ),
        (w.assessor, ["risk-assessor/", f"risk-assessor/assessments/{found['offered'].id}"]),
        (
            admin,
            [
                "admin/",
                "admin/users",
                f"admin/users/{w.officer.user_id}",
                "admin/organisations",
                f"admin/organisations/{partner_org}/sign-in",
                "admin/criteria",
            ],
        ),
    ]
    problems: list[str] = []
    for person, paths in pages:
        token = await token_for(db, settings, slug, person)
        context = await phone(browser, SESSION_COOKIE, token, f"/s/{slug}/")
        for path in paths:
            if problem := await sideways(context, f"{live_server}/s/{slug}/{path}"):
                problems.append(f"{person.role.value}: {problem}")
        await context.close()
    assert problems == [], "\n".join(problems)


async def test_the_operators_overview_does_not_scroll_sideways_on_a_phone(
    browser: Browser, live_server: str, db: Database, settings: Settings
) -> None:
    cast = await pan_london(db)
    await cast.referrals()
    async with db.session() as session, session.begin():
        operator = await operations.add_operator(session, "ops@narrow.example", "Olu Operations")
        token = await operations.start_session(session, operator, settings)
    context = await phone(browser, OPERATOR_COOKIE, token, OPERATOR_PATH)
    problem = await sideways(context, f"{live_server}{OPERATOR_PATH}")
    await context.close()
    assert problem is None, problem
