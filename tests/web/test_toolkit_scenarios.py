"""The toolkit's two scenarios end to end, through HTTP: each role signed in, every form sent as a browser would.

Each step opens the page a person would, reads the form's action and hidden fields (`_csrf_token`, `version`)
from its HTML, picks options by the words on their labels, and sends the form. What is asserted is what the
next person reads on their own pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser

from httpx import Response

from people import actor
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.dates import UK_TIME, govuk_date
from reciprocal.settings import Settings
from support import visible_text
from support.web import LONDON, Client, act_as

SCHEME = f"/s/{LONDON}"
COORDINATOR = f"{SCHEME}/coordinator"
NAMED_LEAD = f"{SCHEME}/named-lead"


# --- a browser's forms ----------------------------------------------------------------------------------


@dataclass
class Control:
    """One control of a form: what a browser would send for it, and the words a person reads beside it."""

    kind: str
    """An input's type (`hidden`, `text`, `checkbox`, `radio`...), or `option` or `textarea`."""
    name: str
    value: str
    id: str = ""
    selected: bool = False
    """A checked box or radio, a selected option."""
    label: str = ""


@dataclass
class Form:
    action: str
    method: str
    controls: list[Control] = field(default_factory=list)

    def hidden(self, name: str) -> str:
        found = [c.value for c in self.controls if c.kind == "hidden" and c.name == name]
        assert len(found) == 1, f"{self.action} carries {len(found)} hidden {name} fields"
        return found[0]

    def choice(self, name: str, label: str) -> str:
        """The value of the option, box or radio of `name` labelled `label`, as a person picks it."""
        found = [
            c.value
            for c in self.controls
            if c.name == name and c.kind in ("option", "checkbox", "radio") and c.label == label
        ]
        labels = sorted(c.label for c in self.controls if c.name == name and c.kind in ("option", "checkbox", "radio"))
        assert len(found) == 1, f"no single {label!r} among {name}'s choices on {self.action}: {labels}"
        return found[0]

    def defaults(self) -> dict[str, list[str]]:
        """What a browser sends for the form untouched: hidden fields, typed values, what is checked."""
        sent: dict[str, list[str]] = {}
        selects: dict[str, list[Control]] = {}
        for control in self.controls:
            if not control.name:
                continue
            typed = control.kind in ("hidden", "text", "number", "email", "textarea")
            if typed or (control.kind in ("checkbox", "radio") and control.selected):
                sent.setdefault(control.name, []).append(control.value)
            elif control.kind == "option":
                selects.setdefault(control.name, []).append(control)
        for name, options in selects.items():
            chosen = [o for o in options if o.selected] or options[:1]
            sent.setdefault(name, []).append(chosen[0].value)
        return sent


class Choose:
    """Pick the options, boxes or radios labelled with these words, unpicking any others of the name."""

    def __init__(self, *labels: str) -> None:
        self.labels = labels


Answers = dict[str, "str | Choose"]


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.labels: dict[str, str] = {}
        self._form: Form | None = None
        self._select = ""
        self._text: Control | None = None
        """The option or textarea whose words are being read."""
        self._label: str | None = None
        self._label_words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "label":
            self._label, self._label_words = a.get("for", ""), []
        if self._form is None:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            checked = "checked" in a
            self._form.controls.append(Control(kind, a.get("name", ""), a.get("value", ""), a.get("id", ""), checked))
        elif tag == "select":
            self._select = a.get("name", "")
        elif tag == "option":
            self._text = Control("option", self._select, a.get("value", ""), selected="selected" in a)
            self._form.controls.append(self._text)
        elif tag == "textarea":
            self._text = Control("textarea", a.get("name", ""), "", a.get("id", ""))
            self._form.controls.append(self._text)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag in ("option", "textarea"):
            self._text = None
        elif tag == "select":
            self._select = ""
        elif tag == "label" and self._label is not None:
            self.labels[self._label] = " ".join(" ".join(self._label_words).split())
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label_words.append(data)
        if self._text is not None:
            if self._text.kind == "option":
                self._text.label = " ".join(f"{self._text.label} {data}".split())
            else:
                self._text.value += data


def forms_on(page: Response) -> list[Form]:
    reader = _FormReader()
    reader.feed(page.text)
    reader.close()
    for form in reader.forms:
        for control in form.controls:
            if control.kind in ("checkbox", "radio"):
                control.label = reader.labels.get(control.id, "")
            elif control.kind == "textarea" and control.value.startswith("\n"):
                control.value = control.value[1:]  # as HTML drops the newline after <textarea>
    return reader.forms


def form_on(page: Response, action: str) -> Form:
    """The page's one form sent to `action`, which must be a post carrying the CSRF token."""
    found = [f for f in forms_on(page) if f.action == action]
    assert len(found) == 1, (action, [f.action for f in forms_on(page)])
    form = found[0]
    assert form.method == "post"
    assert form.hidden("_csrf_token"), "every form carries the CSRF token"
    return form


async def send(client: Client, page: Response, action: str, answers: Answers | None = None) -> Response:
    """Fill in the page's form for `action` as a person would, and send it as their browser would."""
    form = form_on(page, action)
    data = form.defaults()
    for name, answer in (answers or {}).items():
        if isinstance(answer, Choose):
            data[name] = [form.choice(name, label) for label in answer.labels]
        else:
            data[name] = [answer]
    return await client.post(form.action, data=data, follow_redirects=False)


async def open_page(client: Client, path: str) -> Response:
    page = await client.get(path)
    assert page.status_code == 200, (path, page.status_code, visible_text(page.text)[:300])
    return page


async def followed(client: Client, sent: Response, to: str | None = None) -> Response:
    """The page a form's redirect leads to (checking where, if `to` is given)."""
    assert sent.status_code == 303, (sent.request.url, sent.status_code, visible_text(sent.text)[:600])
    location = sent.headers["location"]
    if to is not None:
        assert location == to
    return await open_page(client, location)


async def text_of(client: Client, path: str) -> str:
    return visible_text((await open_page(client, path)).text)


# --- who takes part ---------------------------------------------------------------------------------------


@dataclass
class Cast:
    officer: Actor
    coordinator: Actor
    landlord: Actor
    """A named lead of Camden Council, the applicant's current landlord."""
    offering: Actor
    """A named lead of the partner that offers the home."""
    assessor: Actor

    @classmethod
    async def build(cls, db: Database, offering_org: str) -> Cast:
        return cls(
            officer=await actor(db, LONDON, "safe-steps-london", Role.nominating_officer),
            coordinator=await actor(db, LONDON, "coordinator", Role.coordinator),
            landlord=await actor(db, LONDON, "camden-council", Role.named_lead),
            offering=await actor(db, LONDON, offering_org, Role.named_lead),
            assessor=await actor(db, LONDON, "youth-futures", Role.risk_assessor),
        )


@dataclass
class Browser:
    client: Client
    db: Database
    settings: Settings

    async def sign_in(self, person: Actor) -> None:
        """From now on the browser is `person`'s: their own session cookie, as after signing in."""
        await act_as(self.client, self.db, self.settings, person)


# --- the steps each role takes, through its pages ---------------------------------------------------------


async def start_referral(client: Client) -> str:
    home = await open_page(client, f"{SCHEME}/officer/")
    started = await send(client, home, f"{SCHEME}/referrals/new")
    assert started.status_code == 303
    base = started.headers["location"]
    assert re.fullmatch(rf"{SCHEME}/referrals/[0-9a-f-]{{36}}", base)
    return str(base)


async def answer(client: Client, base: str, page: str, answers: Answers) -> None:
    """Open a question page from the task list's link, answer it, and come back to the task list."""
    tasks = await open_page(client, base)
    assert f'href="{base}/{page}"' in tasks.text, f"the task list links to {page}"
    question = await open_page(client, f"{base}/{page}")
    saved = await send(client, question, f"{base}/{page}", answers)
    assert saved.status_code == 303, (page, saved.status_code, visible_text(saved.text)[:600])
    assert saved.headers["location"] == base


async def submit(client: Client, base: str) -> str:
    """Check the answers and submit: the reference the confirmation gives."""
    check = await open_page(client, f"{base}/check")
    assert "Submit referral" in visible_text(check.text)
    confirmation = visible_text(
        (await followed(client, await send(client, check, f"{base}/check"), f"{base}/submitted")).text
    )
    found = re.search(r"Referral submitted Its reference number is (PL-\d{4}-\d{4})", confirmation)
    assert found, confirmation
    return found[1]


async def coordinator_step(client: Client, referral: str, step: str, answers: Answers | None = None) -> Response:
    """Open the referral's page as the coordinator and send one of its forms."""
    page = await open_page(client, f"{COORDINATOR}/referrals/{referral}")
    return await send(client, page, f"{COORDINATOR}/referrals/{referral}/{step}", answers)


async def coordinator_done(client: Client, referral: str, step: str, answers: Answers | None = None) -> str:
    sent = await coordinator_step(client, referral, step, answers)
    return visible_text((await followed(client, sent, f"{COORDINATOR}/referrals/{referral}?done={step}")).text)


async def approve(client: Client, referral: str, reference: str, bedrooms: str) -> None:
    """The landlord's named lead finds the referral waiting on their home, opens it and approves it."""
    home = await open_page(client, f"{NAMED_LEAD}/")
    waiting = visible_text(home.text).split("Approvals waiting for you", 1)[1].split("New referrals", 1)[0]
    assert f"{reference} {bedrooms} today" in waiting
    path = f"{NAMED_LEAD}/approvals/{referral}"
    assert f'href="{path}"' in home.text
    page = await open_page(client, path)
    assert "Do you approve this referral?" in visible_text(page.text)
    decided = await send(client, page, path, {"decision": Choose("Approve")})
    approved = visible_text((await followed(client, decided, path)).text)
    assert "Approved. The coordinator will circulate this referral to partners with the next batch." in approved
    assert "Do you approve this referral?" not in approved


async def release_batch(client: Client, reference: str, *reaches: str) -> None:
    batch = await open_page(client, f"{COORDINATOR}/batch")
    text = visible_text(batch.text)
    assert "1 referral in the batch" in text
    assert reference in text
    for words in reaches:
        assert words in text, words
    released = await send(client, batch, f"{COORDINATOR}/batch")
    after = visible_text((await followed(client, released, f"{COORDINATOR}/batch?released=1")).text)
    assert "Batch released: 1 referral is now circulating" in after
    assert "No referrals ready to circulate" in after


@dataclass(frozen=True)
class Home:
    """The property a named lead offers."""

    area: str
    bedrooms: str
    address: str
    features: str = "Lift to all floors"

    @property
    def available_from(self) -> datetime:
        return datetime.now(UK_TIME) + timedelta(days=14)


async def offer(client: Client, referral: str, reference: str, home: Home, *, household: str) -> None:
    """The named lead finds the referral as new on their home, opens it, and offers the home."""
    page = visible_text((await open_page(client, f"{NAMED_LEAD}/")).text)
    new = page.split("New referrals for your boroughs", 1)[1].split("Your open offers", 1)[0]
    assert f"{reference} {household}" in new, new
    circulated = await open_page(client, f"{NAMED_LEAD}/referrals/{referral}")
    assert f"Referral {reference}" in visible_text(circulated.text)
    offer_path = f"{NAMED_LEAD}/referrals/{referral}/offer"
    assert f'href="{offer_path}"' in circulated.text, "the referral's page links to the offer form"
    form_page = await open_page(client, offer_path)
    assert form_on(form_page, offer_path).defaults()["bedrooms"] == [home.bedrooms], "bedrooms needed, to start"
    when = home.available_from
    made = await send(
        client,
        form_page,
        offer_path,
        {
            "area_id": Choose(home.area),
            "floor": "3",
            "accessibility": home.features,
            "available_from-day": str(when.day),
            "available_from-month": str(when.month),
            "available_from-year": str(when.year),
            "address": home.address,
        },
    )
    after = visible_text((await followed(client, made, f"{NAMED_LEAD}/referrals/{referral}?done=offered")).text)
    rooms = f"{home.bedrooms} bedroom" + ("s" if home.bedrooms != "1" else "")
    assert f"You offered {rooms} in {home.area}, available from {govuk_date(when.date())}" in after
    assert "Offer a property" not in after


async def record_move(client: Client, referral: str, bedrooms: str) -> str:
    page = await open_page(client, f"{COORDINATOR}/referrals/{referral}")
    assert form_on(page, f"{COORDINATOR}/referrals/{referral}/move").defaults()["bedrooms"] == [bedrooms]
    today = datetime.now(UK_TIME).date()
    moved = await send(
        client,
        page,
        f"{COORDINATOR}/referrals/{referral}/move",
        {"moved_day": str(today.day), "moved_month": str(today.month), "moved_year": str(today.year)},
    )
    return visible_text((await followed(client, moved, f"{COORDINATOR}/referrals/{referral}?done=move")).text)


def timeline(page: Response) -> list[str]:
    """The timeline's entries, newest first, each as its title and byline read."""
    items = re.findall(r'<div class="moj-timeline__item">(.*?)<p class="moj-timeline__date">', page.text, re.DOTALL)
    return [visible_text(f"<body>{item}") for item in items]


def ledger_rows(text: str) -> str:
    return text.split("by bedroom class", 1)[1]


# --- scenario 1 -------------------------------------------------------------------------------------------


async def test_a_domestic_abuse_referral_from_first_question_to_the_move_and_the_ledger(
    client: Client, db: Database, settings: Settings
) -> None:
    cast = await Cast.build(db, "islington-council")
    browser = Browser(client, db, settings)

    # The Safe Steps London officer answers every question page, then submits.
    await browser.sign_in(cast.officer)
    assert "None of your referrals needs you now" in await text_of(client, f"{SCHEME}/officer/")
    base = await start_referral(client)
    referral = base.rsplit("/", 1)[1]
    tasks = await text_of(client, base)
    assert "Risk assessor" not in tasks, "domestic abuse needs no risk assessor"
    await answer(client, base, "consent", {"consent": Choose("The applicant has consented to this referral")})
    await answer(
        client,
        base,
        "eligibility",
        {
            "tenancy_type": Choose("Secure tenancy with a council"),
            "current_landlord_id": Choose("Camden Council"),
            "current_area_id": Choose("Camden"),
        },
    )
    await answer(client, base, "household", {"adults": "1", "children_ages": "3, 7", "bedrooms_needed": "2"})
    await answer(client, base, "needs", {"access_needs": "Step-free access"})
    await answer(client, base, "risk-type", {"risk_type": Choose("Domestic abuse")})
    await answer(
        client,
        base,
        "areas",
        {
            "risk_area_ids": Choose("Camden", "Barnet"),
            "safe_area_ids": Choose("Islington", "Brent", "Hackney", "Lewisham", "Southwark"),
        },
    )
    await answer(
        client,
        base,
        "support",
        {"safeguarding_measures": "IDVA support in place", "resettlement_support": "Floating support agreed"},
    )
    await answer(client, base, "monitoring", {"gender": Choose("Woman"), "lone_parent": Choose("Yes")})
    await answer(client, base, "case-reference", {"case_reference": "SS-2291"})
    assert "You have completed 6 of 6 required sections" in await text_of(client, base)
    check = await text_of(client, f"{base}/check")
    assert "Safe boroughs Brent Hackney Islington Lewisham Southwark" in check
    reference = await submit(client, base)
    home = await text_of(client, f"{SCHEME}/officer/")
    assert f"{reference} SS-2291 The coordinator is checking it" in home

    # The coordinator checks it against the criteria and sends it to Camden for approval.
    await browser.sign_in(cast.coordinator)
    queue = await open_page(client, f"{COORDINATOR}/referrals?state=submitted")
    assert f'href="{COORDINATOR}/referrals/{referral}"' in queue.text
    page = await text_of(client, f"{COORDINATOR}/referrals/{referral}")
    assert "Safe boroughs Brent, Hackney, Islington, Lewisham and Southwark" in page
    assert "Name at least 5 safe boroughs Pass" in page
    assert "Fail" not in page
    assert "Sent to the current landlord for approval" in await coordinator_done(client, referral, "request-approval")

    # Camden's named lead approves their tenant's referral.
    await browser.sign_in(cast.landlord)
    await approve(client, referral, reference, "2 bedrooms")

    # The coordinator releases the batch: it reaches the partners with homes in the safe boroughs.
    await browser.sign_in(cast.coordinator)
    await release_batch(
        client,
        reference,
        "Islington Council: has homes in Islington",
        "Thameside Homes: has homes in Lewisham and Southwark",
    )

    # Islington's named lead sees it as new and offers a 2-bedroom home in Islington.
    flat = Home(area="Islington", bedrooms="2", address="Flat 3, 22 Example Road")
    await browser.sign_in(cast.offering)
    await offer(client, referral, reference, flat, household="1 adult and 2 children")

    # The coordinator arranges the viewing: the officer now sees the address and whom to contact.
    await browser.sign_in(cast.coordinator)
    page = await text_of(client, f"{COORDINATOR}/referrals/{referral}")
    assert "Offered by Islington Council" in page
    assert flat.address not in page
    viewing = await coordinator_done(client, referral, "viewing")
    assert "Viewing arranged: the nominating officer and the named lead can now see each other's contacts" in viewing
    await browser.sign_in(cast.officer)
    officer_page = await text_of(client, base)
    assert f"Address {flat.address}" in officer_page
    assert f"Named lead {cast.offering.display_name}, Islington Council, {cast.offering.email}" in officer_page
    assert "Where Islington, a property of Islington Council" in officer_page

    # The applicant accepts and moves; the coordinator records both.
    await browser.sign_in(cast.coordinator)
    assert "Acceptance recorded" in await coordinator_done(client, referral, "accept")
    assert "Move recorded: the ledger is updated" in await record_move(client, referral, "2")

    # Camden, whose tenant moved, owes a 2-bedroom home; Islington, which housed her, is owed one.
    ledger = ledger_rows(await text_of(client, f"{SCHEME}/ledger"))
    assert "Camden Council 2 bedrooms 0 1 Owes 1" in ledger
    assert "Islington Council 2 bedrooms 1 0 Owed 1" in ledger

    # The officer's home no longer lists it (nothing more needs them); the list of all their referrals has it moved.
    await browser.sign_in(cast.officer)
    home = await text_of(client, f"{SCHEME}/officer/")
    assert reference not in home
    every = await text_of(client, f"{SCHEME}/officer/referrals")
    assert f"{reference} SS-2291 The applicant has moved" in every
    moved = await text_of(client, base)
    assert "The applicant has moved." in moved
    assert flat.address not in moved, "the address is forgotten once the applicant has moved"

    # Islington's named lead sees their own account only: owed one 2-bedroom home.
    await browser.sign_in(cast.offering)
    own = ledger_rows(await text_of(client, f"{SCHEME}/ledger"))
    assert "Islington Council 2 bedrooms 1 0 Owed 1" in own
    assert "Camden" not in own
    assert "In all, the scheme owes Islington Council 1 property." in await text_of(client, f"{NAMED_LEAD}/")

    # The coordinator's page for the referral tells its whole story, newest first, each step by whom.
    await browser.sign_in(cast.coordinator)
    story = [e for e in timeline(await open_page(client, f"{COORDINATOR}/referrals/{referral}")) if "Viewed" not in e]
    coordination = "Coordinator, coordinator, Pan London Reciprocal Coordination Team"
    assert story == [
        f"Move recorded by {coordination}",
        f"Offer accepted by {coordination}",
        f"Viewing arranged by {coordination}",
        "Property offered by Named Lead, named lead, Islington Council",
        f"Circulated to partners by {coordination}",
        "Approved by Named Lead, named lead, Camden Council",
        f"Sent for landlord approval by {coordination}",
        "Submitted by Nominating Officer, nominating officer, Safe Steps London",
        "Referral started by Nominating Officer, nominating officer, Safe Steps London",
    ]


# --- scenario 2 -------------------------------------------------------------------------------------------


async def officer_done(client: Client, base: str, step: str, answers: Answers | None = None) -> str:
    """Open the referral's page as its nominating officer and send one of its offer forms."""
    page = await open_page(client, base)
    sent = await send(client, page, f"{base}/offers/{step}", answers)
    return visible_text((await followed(client, sent, f"{base}?done={step}")).text)


async def test_a_serious_violence_referral_gets_three_offers_the_officer_chooses_one_then_its_risk_assessment(
    client: Client, db: Database, settings: Settings
) -> None:
    cast = await Cast.build(db, "hackney-council")
    islington = await actor(db, LONDON, "islington-council", Role.named_lead)
    southwark = await actor(db, LONDON, "southwark-council", Role.named_lead)
    browser = Browser(client, db, settings)

    # The officer names the risk boroughs and a risk assessor; serious violence needs no safe boroughs.
    await browser.sign_in(cast.officer)
    base = await start_referral(client)
    referral = base.rsplit("/", 1)[1]
    await answer(client, base, "consent", {"consent": Choose("The applicant has consented to this referral")})
    await answer(
        client,
        base,
        "eligibility",
        {
            "tenancy_type": Choose("Secure tenancy with a council"),
            "current_landlord_id": Choose("Camden Council"),
            "current_area_id": Choose("Camden"),
        },
    )
    await answer(client, base, "household", {"adults": "1", "bedrooms_needed": "1"})
    await answer(client, base, "needs", {})
    await answer(client, base, "risk-type", {"risk_type": Choose("Serious violence")})
    await answer(client, base, "areas", {"risk_area_ids": Choose("Camden", "Barnet")})
    assert "Risk assessor Not started" in await text_of(client, base)
    await answer(
        client,
        base,
        "risk-assessor",
        {"risk_assessor_id": Choose(f"{cast.assessor.display_name}, Youth Futures Violence Reduction Service")},
    )
    await answer(client, base, "support", {"safeguarding_measures": "Police markers and a safety plan in place"})
    await answer(client, base, "case-reference", {"case_reference": "YF-0815"})
    check = await text_of(client, f"{base}/check")
    assert "Youth Futures Violence Reduction Service" in check
    reference = await submit(client, base)

    await browser.sign_in(cast.coordinator)
    page = await text_of(client, f"{COORDINATOR}/referrals/{referral}")
    assert "Risk type Serious violence" in page
    assert "Offers capped" not in page, "serious violence does not cap offers"
    assert f"Risk assessor {cast.assessor.display_name}" in page
    assert "Risk assessor required Pass" in page
    assert "Fail" not in page
    await coordinator_done(client, referral, "request-approval")

    await browser.sign_in(cast.landlord)
    await approve(client, referral, reference, "1 bedroom")

    # Naming no safe boroughs, it reaches every partner with homes outside the risk boroughs.
    await browser.sign_in(cast.coordinator)
    await release_batch(
        client,
        reference,
        "None named: every borough outside its risk boroughs (Barnet and Camden)",
        "Hackney Council: has homes in Hackney",
    )

    # "A number of property offers are received": Islington, Southwark and Hackney each offer a 1-bedroom home,
    # one after the other, each still finding the referral open for offers.
    homes = [
        (islington, Home(area="Islington", bedrooms="1", address="Flat 1, 8 Specimen Street")),
        (southwark, Home(area="Southwark", bedrooms="1", address="Flat 4, 17 Exemplar Row")),
        (cast.offering, Home(area="Hackney", bedrooms="1", address="Flat 9, 5 Sample Lane")),
    ]
    for lead, home in homes:
        await browser.sign_in(lead)
        await offer(client, referral, reference, home, household="1 adult")
    flat = homes[2][1]

    # The coordinator sees the three side by side, and waits for the officer's choice: no viewing to arrange yet.
    await browser.sign_in(cast.coordinator)
    page = await open_page(client, f"{COORDINATOR}/referrals/{referral}")
    text = visible_text(page.text)
    assert "3 offers stand side by side" in text
    for landlord, area in (("Islington Council", "Islington"), ("Southwark Council", "Southwark")):
        assert f"{landlord} {area} 1 bedroom Floor 3" in text
    assert f'action="{COORDINATOR}/referrals/{referral}/viewing"' not in page.text
    assert all(home.address not in text for _, home in homes)

    # The officer reviews them with her client: area, bedrooms, floor, features, date; never an address yet.
    await browser.sign_in(cast.officer)
    home = await text_of(client, f"{SCHEME}/officer/")
    assert f"{reference} YF-0815 3 offers to review with the applicant: choose one to pursue" in home
    review = await text_of(client, base)
    assert "Offers to review with the applicant" in review
    assert "3 properties are offered." in review
    for number, (_, home) in enumerate(homes, start=1):
        assert f"Property {number}: {home.area}" in review
        assert f"Where {home.area}, a property of {home.area} Council" in review
    assert "Floor Floor 3 Features Lift to all floors" in review
    assert all(home.address not in review for _, home in homes)
    # Choosing none is said next to the question, and changes nothing.
    page = await open_page(client, base)
    unanswered = await send(client, page, f"{base}/offers/choose-offer")
    assert unanswered.status_code == 400
    assert "Select the property the applicant wants to pursue" in visible_text(unanswered.text)
    chosen = await officer_done(
        client, base, "choose-offer", {"offer_id": Choose("Property 3: Hackney, 1 bedroom, Hackney Council")}
    )
    assert "You chose the property to pursue" in chosen
    assert "Offers to review" not in chosen
    assert "Where Hackney, a property of Hackney Council" in chosen
    assert "Islington" not in chosen.split("The offer", 1)[1].split("Your answers", 1)[0]

    # The partners not chosen are released: their pages say so, and their history keeps what became of it.
    for lead, home in homes[:2]:
        await browser.sign_in(lead)
        released = await text_of(client, f"{NAMED_LEAD}/referrals/{referral}")
        assert "The applicant chose another property: this offer is released." in released
        assert home.address not in released
        history = await text_of(client, f"{NAMED_LEAD}/history")
        what = f"{reference} Offered a 1-bedroom home in {home.area}"
        assert f"{what} Released: the applicant chose another property" in history

    # The coordinator puts the officer in touch with Hackney's named lead. The risk assessment is requested: it
    # shows on the referral and on the work queue before it ever blocks the acceptance.
    await browser.sign_in(cast.coordinator)
    page = await text_of(client, f"{COORDINATOR}/referrals/{referral}")
    assert "Offered by Hackney Council" in page
    assert "Risk assessment Requested: the risk assessor has not yet recorded it" in page
    queue = await text_of(client, f"{COORDINATOR}/")
    assert "Risk assessments outstanding 1 offer waits" in queue
    assert f"{reference} today" in queue.split("Risk assessments outstanding", 1)[1]
    await coordinator_done(client, referral, "viewing")
    await browser.sign_in(cast.offering)
    linked = await text_of(client, f"{NAMED_LEAD}/referrals/{referral}")
    assert f"arrange the viewing: {cast.officer.display_name}, Safe Steps London, {cast.officer.email}" in linked

    # The officer gives the viewing's date and its outcome, then records the applicant's decision to accept.
    await browser.sign_in(cast.officer)
    officer_page = await text_of(client, base)
    assert f"Address {flat.address}" in officer_page
    today = datetime.now(UK_TIME).date()
    when = {"viewing_day": str(today.day), "viewing_month": str(today.month), "viewing_year": str(today.year)}
    assert "The viewing's date is recorded" in await officer_done(client, base, "viewing-date", when)
    viewed = await officer_done(
        client, base, "viewing-outcome", {"outcome": Choose("The applicant viewed the property")}
    )
    assert f"Date {govuk_date(today)} Outcome The applicant viewed the property" in viewed
    decided = await officer_done(client, base, "decision", {"decision": Choose("The applicant accepts the offer")})
    assert "The applicant's decision is recorded: the coordinator will confirm it" in decided

    # The coordinator's confirmation before the risk assessor's view is refused in words, not a server error.
    await browser.sign_in(cast.coordinator)
    page = await text_of(client, f"{COORDINATOR}/referrals/{referral}")
    assert "The nominating officer recorded the applicant's decision: The applicant accepts the offer." in page
    assert f"Viewing {govuk_date(today)}: The applicant viewed the property" in page
    refused = await coordinator_step(client, referral, "confirm-decision")
    assert refused.status_code == 409
    text = visible_text(refused.text)
    assert "There is a problem" in text
    assert "The offer cannot be accepted before the risk assessment is recorded." in text
    page_after = await open_page(client, f"{COORDINATOR}/referrals/{referral}")
    assert "Confirm the decision" in visible_text(page_after.text), "still to do once the assessment is in"
    assert not any(e.startswith("Offer accepted") for e in timeline(page_after))

    # The named risk assessor finds the request and records no specific risk in Hackney.
    await browser.sign_in(cast.assessor)
    requests = await text_of(client, f"{SCHEME}/risk-assessor/")
    assert f"{reference} Serious violence Hackney To do" in requests
    assert "Islington" not in requests
    assert "Southwark" not in requests
    path = f"{SCHEME}/risk-assessor/assessments/{referral}"
    assessment = await open_page(client, path)
    assert "Offered borough Hackney" in visible_text(assessment.text)
    recorded = await send(client, assessment, path, {"outcome": Choose("No specific risk identified")})
    assert "No specific risk identified: recorded" in visible_text((await followed(client, recorded, path)).text)

    # Now the coordinator confirms the officer's record of the acceptance, and records the move.
    await browser.sign_in(cast.coordinator)
    page = await text_of(client, f"{COORDINATOR}/referrals/{referral}")
    assert "Risk assessment Recorded: no specific risk identified" in page
    assessed = "Risk assessment recorded by Risk Assessor, risk assessor, Youth Futures Violence Reduction Service"
    assert re.search(rf"{assessed} .*? No specific risk identified", page), "the timeline says what was found"
    assert "Risk assessments outstanding No offer is waiting for a risk assessment." in await text_of(
        client, f"{COORDINATOR}/"
    )
    assert "Decision confirmed" in await coordinator_done(client, referral, "confirm-decision")
    assert "Move recorded: the ledger is updated" in await record_move(client, referral, "1")

    ledger = ledger_rows(await text_of(client, f"{SCHEME}/ledger"))
    assert "Camden Council 1 bedroom 0 1 Owes 1" in ledger
    assert "Hackney Council 1 bedroom 1 0 Owed 1" in ledger
    assert "Islington Council 1 bedroom" not in ledger

    # The story runs: three offers, the officer's choice, viewing, its date and outcome, the decision, the
    # assessment, the confirmed acceptance and the move; the refused confirmation left nothing behind.
    story = [e for e in timeline(await open_page(client, f"{COORDINATOR}/referrals/{referral}")) if "Viewed" not in e]
    coordination = "Coordinator, coordinator, Pan London Reciprocal Coordination Team"
    officer = "Nominating Officer, nominating officer, Safe Steps London"
    offered = "Property offered, for the nominating officer to choose from by Named Lead, named lead"
    assert story[:11] == [
        f"Move recorded by {coordination}",
        f"Offer accepted by {coordination}",
        assessed,
        f"Applicant's decision recorded by {officer}",
        f"Viewing recorded by {officer}",
        f"Viewing recorded by {officer}",
        f"Viewing arranged by {coordination}",
        f"Offer chosen by the nominating officer: the others released by {officer}",
        f"{offered}, Hackney Council",
        f"{offered}, Southwark Council",
        f"{offered}, Islington Council",
    ]

    await browser.sign_in(cast.officer)
    assert f"{reference} YF-0815 The applicant has moved" in await text_of(client, f"{SCHEME}/officer/referrals")
