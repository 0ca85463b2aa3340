"""A domestic abuse referral goes from draft to move in a real browser, each person in their own browser.

A nominating officer at Safe Steps London makes and submits the referral; the coordinator checks it and sends
it for approval; Camden Council's named lead approves it; the coordinator circulates it; Islington Council's
named lead offers a flat; the coordinator arranges the viewing, records the acceptance and the move; the
officer sees the move, and the ledger shows Camden owing a property and Islington owed one.

Everyone is signed in by a session cookie (the sign-in journeys have their own tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, expect

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.kernel.dates import UK_TIME
from reciprocal.settings import Settings
from support.browser import SERIOUS
from support.web import new_member_session

SCHEME = "pan-london"
SAFEGUARDING = "An independent domestic violence adviser supports the applicant, and a MARAC referral is made."
CASE_REFERENCE = "SSL-DA-0042"
ADDRESS = "Flat 3, 27 Canonbury Lane, London"


DEMO = True  # the browser signs in: see the settings fixture


@dataclass
class Person:
    """One person at their own browser: a context of its own, signed in, its console watched."""

    name: str
    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)


@dataclass
class Office:
    """Where everyone works: the scheme on the live server, and a browser each person gets a context of."""

    browser: Browser
    live_server: str
    db: Database
    settings: Settings
    people: list[Person] = field(default_factory=list)

    async def person(self, email: str, name: str, organisation: str, role: Role) -> Person:
        """A new member of `organisation` in `role`, signed in in a browser context of their own."""
        _, token = await new_member_session(self.db, self.settings, SCHEME, email, [(organisation, role)], name=name)
        context = await self.browser.new_context()
        await context.add_cookies(
            [
                {
                    "name": SESSION_COOKIE,
                    "value": token,
                    "domain": "127.0.0.1",
                    "path": f"/s/{SCHEME}/",
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        page = await context.new_page()
        someone = Person(name, context, page)

        def on_console(message: ConsoleMessage) -> None:
            url = message.location.get("url", "")
            if message.type == "error" and url.startswith(self.live_server):
                someone.errors.append(f"{name}: {message.text} ({url})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: someone.errors.append(f"{name}: {error}"))
        self.people.append(someone)
        return someone

    @property
    def errors(self) -> list[str]:
        return [error for someone in self.people for error in someone.errors]

    async def close(self) -> None:
        for someone in self.people:
            await someone.context.close()


def _known(rule: str, node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's conditional reveal sets aria-expanded on a radio, which ARIA does not allow: the
    Design System keeps it on purpose, as screen readers announce it (alphagov/govuk-frontend#979)."""
    html, summary = node["html"], node.get("failureSummary", "")
    return (
        rule == "aria-allowed-attr"
        and 'class="govuk-radios__input"' in html
        and 'aria-controls="conditional-' in html
        and re.findall(r"ARIA attributes? (?:is|are) not allowed: (.*)", summary)
        in (
            ['aria-expanded="false"'],
            ['aria-expanded="true"'],
        )
    )


async def accessible(page: Page) -> None:
    """No serious or critical axe violations, but the one GOV.UK Frontend keeps; else which elements break what."""
    results = await Axe().run(page)
    found = [
        f"{v['id']} ({v['impact']}): {node['html']}: {node.get('failureSummary', '')}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
        for node in v["nodes"]
        if not _known(v["id"], node)
    ]
    assert found == [], f"{page.url}:\n" + "\n".join(found)


async def h1(page: Page) -> str:
    return (await page.get_by_role("heading", level=1).inner_text()).strip()


def banner(page: Page) -> Locator:
    """The notification banner saying what has just been done."""
    return page.locator(".govuk-notification-banner")


def group(page: Page, legend: str) -> Locator:
    """A fieldset, by its legend."""
    return page.get_by_role("group", name=legend, exact=True)


async def answer(page: Page, task: str, slug: str) -> None:
    """Open a task from the task list, answered by the caller, then saved back to the task list."""
    await page.get_by_role("link", name=task, exact=True).click()
    await page.wait_for_url(f"**/{slug}")


async def save(page: Page, task_list: str) -> None:
    await page.get_by_role("button", name="Save and continue").click()
    await page.wait_for_url(task_list)
    # The page saved: back on the task list, not the question page again with an error summary.
    await expect(page.get_by_role("heading", level=1, name="Make a referral")).to_be_visible()


def row_status(page: Page, task: str) -> Locator:
    """The status of one task on the task list."""
    return page.locator(".govuk-task-list__item", has=page.get_by_role("link", name=task, exact=True)).locator(
        ".govuk-task-list__status"
    )


async def test_a_domestic_abuse_referral_goes_from_draft_to_move_in_the_browser(
    browser: Browser, live_server: str, db: Database, settings: Settings
) -> None:
    base = f"{live_server}/s/{SCHEME}"
    office = Office(browser, live_server, db, settings)
    officer = await office.person(
        "ana.ferreira@safesteps.example", "Ana Ferreira", "safe-steps-london", Role.nominating_officer
    )
    coordinator = await office.person("sam.okafor@coordination.example", "Sam Okafor", "coordinator", Role.coordinator)
    camden = await office.person("priya.shah@camden.example", "Priya Shah", "camden-council", Role.named_lead)
    islington = await office.person("tom.baker@islington.example", "Tom Baker", "islington-council", Role.named_lead)
    today = datetime.now(UK_TIME).date()

    # --- The nominating officer starts a referral and answers its questions. -----------------------------
    page = officer.page
    await page.goto(f"{base}/home")
    await page.wait_for_url(f"{base}/officer/")
    signed_in = "Signed in as Ana Ferreira, nominating officer for Safe Steps London"
    await expect(page.get_by_text(signed_in)).to_be_visible()
    await page.get_by_role("button", name="Start a referral").click()
    await page.wait_for_url(re.compile(rf"{re.escape(base)}/referrals/[0-9a-f-]{{36}}$"))
    task_list = page.url
    assert await h1(page) == "Make a referral"
    await expect(page.get_by_text("You have completed 0 of 6 required sections.")).to_be_visible()
    await accessible(page)

    await answer(page, "Consent", "consent")
    await page.get_by_label("The applicant has consented to this referral").check()
    await save(page, task_list)
    await expect(row_status(page, "Consent")).to_have_text("Completed")

    await answer(page, "Tenancy and current home", "eligibility")
    await (
        group(page, "What tenancy does the applicant have?")
        .get_by_label("Secure tenancy with a council", exact=True)
        .check()
    )
    await page.get_by_label("Who is the applicant's current landlord?").select_option(label="Camden Council")
    await page.get_by_label("Which borough does the applicant live in now?").select_option(label="Camden")
    await save(page, task_list)
    await expect(row_status(page, "Tenancy and current home")).to_have_text("Completed")

    await answer(page, "Household", "household")
    await page.get_by_label("How many adults?").fill("1")
    await page.get_by_label("How old are the children?").fill("4, 9")
    await page.get_by_label("How many bedrooms does the household need?").fill("2")
    await save(page, task_list)
    await expect(row_status(page, "Household")).to_have_text("Completed")

    await answer(page, "Type of risk", "risk-type")
    await page.get_by_label("Domestic abuse", exact=True).check()
    await save(page, task_list)
    await expect(row_status(page, "Type of risk")).to_have_text("Completed")

    await answer(page, "Risk boroughs and safe boroughs", "areas")
    at_risk = group(page, "Where would the applicant be at risk?")
    for borough in ("Camden", "Barnet"):
        await at_risk.get_by_label(borough, exact=True).check()
    safe = group(page, "Where could the applicant live safely?")
    for borough in ("Islington", "Brent", "Hackney", "Lewisham", "Southwark"):
        await safe.get_by_label(borough, exact=True).check()
    await save(page, task_list)
    await expect(row_status(page, "Risk boroughs and safe boroughs")).to_have_text("Completed")

    await answer(page, "Safeguarding and resettlement support", "support")
    await page.get_by_label("What safeguarding measures and support are in place?").fill(SAFEGUARDING)
    await save(page, task_list)
    await expect(row_status(page, "Safeguarding and resettlement support")).to_have_text("Completed")

    await answer(page, "Your case reference", "case-reference")
    await page.get_by_label("What is your case reference? (optional)").fill(CASE_REFERENCE)
    await save(page, task_list)
    await expect(row_status(page, "Your case reference")).to_have_text("Completed")

    await expect(page.get_by_text("You have completed 6 of 6 required sections")).to_be_visible()
    await expect(page.get_by_text("Everything the scheme's criteria ask for is answered.")).to_be_visible()
    await accessible(page)

    # Check the answers, then submit.
    await page.get_by_role("button", name="Check your answers").click()
    await page.wait_for_url(f"{task_list}/check")
    assert await h1(page) == "Check your answers before submitting the referral"
    answers = page.get_by_role("main")
    for shown in (
        "The applicant has consented",
        "Secure tenancy with a council",
        "Camden Council",
        "4, 9",
        "Domestic abuse",
        SAFEGUARDING,
        CASE_REFERENCE,
    ):
        await expect(answers).to_contain_text(shown)
    risk_row = page.locator(".govuk-summary-list__row", has_text="Risk boroughs")
    await expect(risk_row.locator(".govuk-summary-list__value")).to_have_text(re.compile(r"^\s*Barnet\s*Camden\s*$"))
    safe_row = page.locator(".govuk-summary-list__row", has_text="Safe boroughs")
    await expect(safe_row.locator(".govuk-summary-list__value")).to_have_text(
        re.compile(r"^\s*Brent\s*Hackney\s*Islington\s*Lewisham\s*Southwark\s*$")
    )
    await accessible(page)
    await page.get_by_role("button", name="Submit referral").click()
    await page.wait_for_url(f"{task_list}/submitted")
    await expect(page.get_by_role("heading", name="Referral submitted")).to_be_visible()
    reference = (await page.locator(".govuk-panel__body strong").inner_text()).strip()
    assert re.fullmatch(rf"PL-{today.year}-\d+", reference), reference
    await accessible(page)

    # --- The coordinator finds it in the work queue and sends it for the landlord's approval. -------------
    page = coordinator.page
    await page.goto(f"{base}/home")
    await page.wait_for_url(f"{base}/coordinator/")
    await page.get_by_role("link", name="1 new to check").click()
    await page.wait_for_url(f"{base}/coordinator/referrals?state=submitted")
    await page.get_by_role("link", name=reference, exact=True).click()
    await page.wait_for_url(re.compile(rf"{re.escape(base)}/coordinator/referrals/[0-9a-f-]{{36}}$"))
    coordinator_referral = page.url
    assert await h1(page) == reference
    await expect(page.locator("main .govuk-tag").first).to_have_text("Submitted")
    await expect(page.get_by_role("table", name="Criteria check, rule by rule")).not_to_contain_text("Fail")
    await accessible(page)
    await page.get_by_role("button", name="Send for landlord approval").click()
    await page.wait_for_url(f"{coordinator_referral}?done=request-approval")
    await expect(banner(page)).to_contain_text("Sent to the current landlord for approval")

    # --- Camden Council's named lead approves their tenant's referral. -----------------------------------
    page = camden.page
    await page.goto(f"{base}/home")
    await page.wait_for_url(f"{base}/named-lead/")
    await (
        page.get_by_role("table", name=re.compile("waiting for approval"))
        .get_by_role("link", name=reference, exact=True)
        .click()
    )
    await page.wait_for_url(re.compile(rf"{re.escape(base)}/named-lead/approvals/[0-9a-f-]{{36}}$"))
    assert await h1(page) == f"Referral {reference}"
    await expect(page.get_by_text("Meets the scheme's criteria")).to_be_visible()
    await accessible(page)
    await group(page, "Do you approve this referral?").get_by_label("Approve", exact=True).check()
    approval = page.url
    # The decision is saved and the same page drawn again (a redirect to itself): wait for that load.
    async with page.expect_navigation(url=approval):
        await page.get_by_role("button", name="Save decision").click()
    await expect(banner(page)).to_contain_text("Approved. The coordinator will circulate this referral")
    await expect(page.get_by_role("button", name="Save decision")).to_have_count(0)

    # --- The coordinator releases the batch. ------------------------------------------------------------
    page = coordinator.page
    await page.goto(f"{base}/coordinator/")
    await page.get_by_role("link", name="Next batch to circulate").click()
    await page.wait_for_url(f"{base}/coordinator/batch")
    batch = page.get_by_role("table", name=re.compile("in the batch"))
    await expect(batch).to_contain_text(reference)
    await expect(batch).to_contain_text("Islington Council")
    await page.get_by_role("button", name="Release this batch").click()
    await page.wait_for_url(f"{base}/coordinator/batch?released=1")
    await expect(banner(page)).to_contain_text("Batch released: 1 referral is now circulating")

    # --- Islington Council's named lead finds it among new referrals and offers a flat. -----------------
    page = islington.page
    await page.goto(f"{base}/home")
    await page.wait_for_url(f"{base}/named-lead/")
    new_referrals = page.get_by_role("table", name=re.compile("New anonymised referrals"))
    await expect(new_referrals.get_by_role("row", name=re.compile(re.escape(reference)))).to_contain_text(
        "1 adult and 2 children, aged 4 and 9"
    )
    await new_referrals.get_by_role("link", name=reference, exact=True).click()
    await page.wait_for_url(re.compile(rf"{re.escape(base)}/named-lead/referrals/[0-9a-f-]{{36}}$"))
    circulated = page.url
    assert await h1(page) == f"Referral {reference}"
    summary = page.get_by_role("main")
    await expect(summary).to_contain_text("2 bedrooms")
    # Anonymised: neither the officer's agency, their case reference nor the safeguarding text reach partners.
    for hidden in ("Safe Steps London", CASE_REFERENCE, SAFEGUARDING):
        await expect(summary).not_to_contain_text(hidden)
    await accessible(page)

    await page.get_by_role("button", name="Offer a property").click()
    await page.get_by_label("Borough the property is in").select_option(label="Islington")
    await page.get_by_label("Number of bedrooms").fill("2")
    await page.get_by_label("Floor (optional)").fill("1")
    available = today + timedelta(days=14)
    when = group(page, "Available from")
    await when.get_by_label("Day").fill(str(available.day))
    await when.get_by_label("Month").fill(str(available.month))
    await when.get_by_label("Year").fill(str(available.year))
    await page.get_by_label("Address", exact=True).fill(ADDRESS)
    async with page.expect_navigation(url=f"{circulated}?done=offered"):
        await page.get_by_role("button", name="Offer the property").click()
    on = f"{available.day} {available:%B %Y}"
    await expect(banner(page)).to_contain_text(f"You offered 2 bedrooms in Islington, available from {on}")
    await expect(page.get_by_role("button", name="Offer a property")).to_have_count(0)
    await accessible(page)

    # --- The coordinator arranges the viewing, records the acceptance, then the move. -------------------
    page = coordinator.page
    await page.goto(coordinator_referral)
    await expect(page.get_by_role("main")).to_contain_text("Islington Council")
    await page.get_by_role("button", name="Arrange viewing").click()
    await page.wait_for_url(f"{coordinator_referral}?done=viewing")
    await expect(banner(page)).to_contain_text("Viewing arranged")
    await page.get_by_role("button", name="Record acceptance").click()
    await page.wait_for_url(f"{coordinator_referral}?done=accept")
    await expect(banner(page)).to_contain_text("Acceptance recorded")
    moved = group(page, "Record the move: when did the applicant move?")
    await moved.get_by_label("Day").fill(str(today.day))
    await moved.get_by_label("Month").fill(str(today.month))
    await moved.get_by_label("Year").fill(str(today.year))
    await page.get_by_label("Bedrooms in the new home").fill("2")
    await accessible(page)
    await page.get_by_role("button", name="Record move").click()
    await page.wait_for_url(f"{coordinator_referral}?done=move")
    await expect(banner(page)).to_contain_text("Move recorded: the ledger is updated")

    # --- The officer's list of all their referrals shows it as moved (the home lists only those in hand). ---
    page = officer.page
    await page.goto(f"{base}/officer/referrals")
    moved_table = page.get_by_role("table", name="Referrals, newest first")
    row = moved_table.get_by_role("row", name=re.compile(re.escape(reference)))
    await expect(row).to_contain_text(CASE_REFERENCE)
    await expect(row).to_contain_text("The applicant has moved")
    await accessible(page)

    # --- The ledger: Camden Council owes one two-bedroom property, Islington Council is owed one. --------
    page = coordinator.page
    await page.goto(f"{base}/coordinator/")
    await page.get_by_role("link", name="Ledger: who owes whom").click()
    await page.wait_for_url(f"{base}/ledger")
    ledger = page.get_by_role("table", name="Balances of 2 partners, by bedroom class")
    camden_row = ledger.get_by_role("row", name=re.compile("Camden Council"))
    await expect(camden_row.get_by_role("cell")).to_have_text(["2 bedrooms", "0", "1", "Owes 1"])
    islington_row = ledger.get_by_role("row", name=re.compile("Islington Council"))
    await expect(islington_row.get_by_role("cell")).to_have_text(["2 bedrooms", "1", "0", "Owed 1"])
    await accessible(page)

    assert office.errors == []
    await office.close()
