"""The scheme admin edits the criteria: validation, a preview of what changes, versions, each scheme its own."""

from __future__ import annotations

import asyncio
from html.parser import HTMLParser

import msgspec
import pytest
from sqlalchemy import func, select

from people import actor, area_ids, organisation_id, scheme
from reciprocal.audit.models import AuditEvent
from reciprocal.criteria.models import CriteriaVersion
from reciprocal.criteria.schemas import Criteria, diff
from reciprocal.criteria.services import StaleVersion, criteria_at, current_criteria, publish_edit
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, User
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.settings import REPO_ROOT, Settings
from support import visible_text
from support.web import LONDON, Client, Fields, act_as_new_member, post

COUNTY = "cambridgeshire"
DA = "risk-domestic_abuse-"
"""The field names of the domestic abuse type of risk."""


# Helpers: a signed-in admin, and a browser's way with forms.


async def sign_in(client: Client, db: Database, settings: Settings, slug: str, role: Role = Role.scheme_admin) -> User:
    """Sign the client in as a new member of the scheme's coordinator holding `role`."""
    email, name = f"{role.value}@{slug}.example", role.value.replace("_", " ").title()
    user, _ = await act_as_new_member(client, db, settings, slug, email, [("coordinator", role)], name=name)
    return user


class _FormReader(HTMLParser):
    """The fields a browser would send from the form posting to `action`: ticked boxes only, textareas too."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: Fields = []
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif self.inside and tag == "input" and a.get("name") and a["name"] != "_csrf_token":
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value", "")))
        elif self.inside and tag == "textarea":
            self.textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            name, value = self.fields.pop()
            self.fields.append((name, value + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, value = self.fields.pop()
            # A browser drops the one newline that starts a textarea's content.
            self.fields.append((name, value.removeprefix("\n")))
            self.textarea = None


def form_fields(html: str, action: str) -> Fields:
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.fields, f"no form posting to {action}"
    return reader.fields


def changed(fields: Fields, values: dict[str, str | None]) -> Fields:
    """`fields` with some replaced, as a person would change them; `None` removes one (a box unticked)."""
    kept = [(k, v) for k, v in fields if k not in values]
    return kept + [(k, v) for k, v in values.items() if v is not None]


def edit_url(slug: str) -> str:
    return f"/s/{slug}/admin/criteria/edit"


def publish_url(slug: str) -> str:
    return f"/s/{slug}/admin/criteria/publish"


async def edit_form(client: Client, slug: str) -> Fields:
    page = await client.get(edit_url(slug))
    assert page.status_code == 200
    return form_fields(page.text, edit_url(slug))


async def version_count(db: Database, slug: str) -> int:
    tenant = (await scheme(db, slug)).id
    async with db.tenant_session(tenant) as session:
        return await session.scalar(select(func.count()).select_from(CriteriaVersion)) or 0


async def current(db: Database, slug: str) -> tuple[int, Criteria]:
    tenant = (await scheme(db, slug)).id
    async with db.tenant_session(tenant) as session:
        published = await current_criteria(session, tenant)
    assert published is not None
    return published.version, published.criteria


async def published_events(db: Database, slug: str) -> list[AuditEvent]:
    tenant = (await scheme(db, slug)).id
    async with db.tenant_session(tenant) as session:
        return list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "criteria.published")))


# Edit, preview, publish.


async def test_edit_preview_and_publish_a_new_version_the_public_page_shows(
    client: Client, db: Database, settings: Settings
) -> None:
    admin = await sign_in(client, db, settings, LONDON)
    listing = await client.get("/s/pan-london/admin/criteria")
    assert listing.status_code == 200
    text = visible_text(listing.text)
    assert "Version 1 is in force" in text
    assert "Loaded from the scheme's configuration" in text
    assert "1 version" in text

    fields = await edit_form(client, LONDON)
    assert (f"{DA}min_safe_areas", "5") in fields
    assert (f"{DA}offers_cap", "1") in fields
    assert ("risk-serious_violence-offers_cap", "") in fields
    assert (
        "tenancy_types",
        "secure: Secure tenancy with a council\nassured: Assured tenancy with a housing association",
    ) in fields
    assert ("allowed_reasons", "risk") in fields
    assert ("base_version", "1") in fields

    edited = changed(fields, {f"{DA}min_safe_areas": "4", "partner_debt_cap": "2", "circulation_days": "14"})
    preview = await post(client, edit_url(LONDON), edited)
    assert preview.status_code == 200, visible_text(preview.text)
    said = visible_text(preview.text)
    assert "What changes from version 1" in said
    assert "Domestic abuse: safe boroughs required changes from 5 to 4" in said
    assert "Partner debt cap changes from 3 to 2" in said
    assert "Circulation to partners changes from every 7 days to every 14 days" in said
    assert "Sexual violence" not in said.split("What changes", 1)[1].split("Publish version 2", 1)[0]
    assert "Publish version 2" in said
    # The form below keeps the edits, to change them again.
    assert (f"{DA}min_safe_areas", "4") in form_fields(preview.text, edit_url(LONDON))
    assert await version_count(db, LONDON) == 1  # nothing is saved by a preview

    published = await post(client, publish_url(LONDON), form_fields(preview.text, publish_url(LONDON)))
    assert published.status_code == 303
    assert published.headers["location"] == "/s/pan-london/admin/criteria?done=published"
    version, criteria = await current(db, LONDON)
    assert version == 2
    assert criteria.partner_debt_cap == 2
    assert criteria.circulation_days == 14
    assert [r.min_safe_areas for r in criteria.risk_types][:2] == [4, 5]
    [event] = await published_events(db, LONDON)
    assert event.actor_user_id == admin.id
    assert event.actor_role == "scheme_admin"
    assert event.actor_organisation_id == await organisation_id(db, event.tenant_id, "coordinator")
    assert event.details == {"version": 2, "base_version": 1}

    after = visible_text((await client.get(published.headers["location"])).text)
    assert "Version 2 published." in after
    assert "Version 2 is in force" in after
    assert "2 versions" in after
    assert "Scheme Admin, Pan London Reciprocal Coordination Team" in after
    assert "Domestic abuse: safe boroughs required changes from 5 to 4" in after

    public = visible_text((await client.get("/s/pan-london/criteria")).text)
    assert "Version 2, published" in public
    assert "Yes, at least 4" in public
    assert "owes more than 2 properties" in public
    # The other scheme is untouched.
    assert await version_count(db, COUNTY) == 1


async def test_the_edit_page_states_its_scope(client: Client, db: Database, settings: Settings) -> None:
    await sign_in(client, db, settings, LONDON)
    page = visible_text((await client.get(edit_url(LONDON))).text)
    assert "You are editing version 1" in page
    assert "The scheme has 33 boroughs" in page
    assert "Adding or removing a type of risk is done in the scheme's configuration" in page


async def test_a_label_and_a_box_change_is_described_and_published(
    client: Client, db: Database, settings: Settings
) -> None:
    await sign_in(client, db, settings, LONDON)
    fields = await edit_form(client, LONDON)
    edited = changed(
        fields,
        {
            "risk-stalking-label": "Stalking and harassment",
            "risk-stalking-offers_cap": "",
            "risk-serious_violence-risk_assessor_required": None,
            "duty_to_house": None,
            "allowed_reasons": None,
            "tenancy_types": "secure: Secure tenancy with a council\nflexible: Flexible tenancy",
        },
    )
    edited.append(("allowed_reasons", "unmet_need"))
    preview = visible_text((await post(client, edit_url(LONDON), edited)).text)
    for change in (
        "Stalking: name changes to “Stalking and harassment”",
        "Stalking: offers cap changes from 1 to no cap",
        "Serious violence: a risk assessor is no longer required",
        "Tenancy type added: Flexible tenancy (flexible)",
        "Tenancy type removed: Assured tenancy with a housing association (assured)",
        "People a housing partner has accepted a duty to house can no longer be referred",
        "An offer may no longer be refused because of a risk declared in the referral",
    ):
        assert change in preview
    response = await post(client, publish_url(LONDON), edited)
    assert response.status_code == 303
    _, criteria = await current(db, LONDON)
    stalking = next(r for r in criteria.risk_types if r.key == "stalking")
    assert stalking.label == "Stalking and harassment"
    assert stalking.offers_cap is None
    assert [t.key for t in criteria.eligibility.tenancy_types] == ["secure", "flexible"]
    assert criteria.refusal.allowed_reasons == ["unmet_need"]
    assert not criteria.eligibility.duty_to_house


# Validation: the field and the problem, and nothing changes.


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {f"{DA}min_safe_areas": "four"},
            f"{DA}min_safe_areas",
            "The number of safe boroughs for Domestic abuse must be a whole number, like 3",
        ),
        (
            {f"{DA}min_safe_areas": "-1"},
            f"{DA}min_safe_areas",
            "The number of safe boroughs for Domestic abuse must be 0 or more",
        ),
        ({f"{DA}min_safe_areas": ""}, f"{DA}min_safe_areas", "Enter the number of safe boroughs for Domestic abuse"),
        ({f"{DA}min_safe_areas": "34"}, f"{DA}min_safe_areas", "must be 33 or fewer: the scheme has 33 boroughs"),
        ({f"{DA}offers_cap": "0"}, f"{DA}offers_cap", "The offers cap for Domestic abuse must be 1 or more"),
        ({f"{DA}offers_cap": "1.5"}, f"{DA}offers_cap", "The offers cap for Domestic abuse must be a whole number"),
        ({f"{DA}label": "  "}, f"{DA}label", "Enter a name for Domestic abuse"),
        ({"partner_debt_cap": "-2"}, "partner_debt_cap", "The partner debt cap must be 0 or more"),
        ({"partner_debt_cap": "lots"}, "partner_debt_cap", "The partner debt cap must be a whole number"),
        ({"reminder_days": "0"}, "reminder_days", "before a reminder must be 1 or more"),
        ({"circulation_days": "9999"}, "circulation_days", "must be 3650 or fewer"),
        ({"inactivity_days": "14"}, "inactivity_days", "must be more than the days before a reminder"),
        ({"tenancy_types": "secure Secure tenancy"}, "tenancy_types", "Tenancy types, line 1: must be a key"),
        ({"tenancy_types": "Secure: Secure tenancy"}, "tenancy_types", "key “Secure” must start with a letter"),
        ({"tenancy_types": "a: A\na: B"}, "tenancy_types", "Tenancy types, line 2: key “a” is listed twice"),
        ({"tenancy_types": "", "duty_to_house": None}, "tenancy_types", "Name at least one tenancy type"),
        ({"allowed_reasons": "bribery"}, "allowed_reasons", "Select reasons from the list"),
    ],
)
async def test_invalid_values_name_the_field_and_change_nothing(
    client: Client, db: Database, settings: Settings, values: dict[str, str | None], field: str, message: str
) -> None:
    await sign_in(client, db, settings, LONDON)
    fields = changed(await edit_form(client, LONDON), values)
    for url in (edit_url(LONDON), publish_url(LONDON)):
        response = await post(client, url, fields)
        assert response.status_code == 400, (url, visible_text(response.text))
        assert "<title>Error: Edit criteria" in response.text
        summary = response.text.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
        assert f'href="#{field}"' in summary
        assert message in visible_text(f"<body>{summary}")
        inline = response.text.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
        assert message in visible_text(f"<body>{inline}")
        assert f'id="{field}"' in response.text  # the summary's link has somewhere to go
        assert "Publish version" not in response.text
    assert await version_count(db, LONDON) == 1
    assert await published_events(db, LONDON) == []


async def test_invalid_form_keeps_what_was_entered(client: Client, db: Database, settings: Settings) -> None:
    await sign_in(client, db, settings, LONDON)
    fields = changed(await edit_form(client, LONDON), {"partner_debt_cap": "two", "reminder_days": "<b>7</b>"})
    response = await post(client, edit_url(LONDON), fields)
    assert response.status_code == 400
    again = form_fields(response.text, edit_url(LONDON))
    assert ("partner_debt_cap", "two") in again
    assert ("reminder_days", "<b>7</b>") in again
    assert "&lt;b&gt;7&lt;/b&gt;" in response.text


async def test_every_problem_is_listed_in_the_order_of_the_page(
    client: Client, db: Database, settings: Settings
) -> None:
    await sign_in(client, db, settings, LONDON)
    fields = changed(
        await edit_form(client, LONDON),
        {"inactivity_days": "3", "partner_debt_cap": "x", "risk-serious_violence-offers_cap": "none", f"{DA}label": ""},
    )
    response = await post(client, edit_url(LONDON), fields)
    assert response.status_code == 400
    summary = response.text.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    hrefs = [part.split('"', 1)[0] for part in summary.split('href="#')[1:]]
    assert hrefs == [
        f"{DA}label",
        "risk-serious_violence-offers_cap",
        "partner_debt_cap",
        "inactivity_days",
    ]


def test_the_same_criteria_differ_in_nothing_and_order_alone_is_named() -> None:
    criteria = read_scheme_folder(REPO_ROOT / "tenants" / LONDON).criteria
    assert diff(criteria, criteria, "borough") == []
    tenancies = criteria.eligibility.tenancy_types
    reordered = msgspec.structs.replace(
        criteria, eligibility=msgspec.structs.replace(criteria.eligibility, tenancy_types=tenancies[::-1])
    )
    assert diff(criteria, reordered, "borough") == ["Tenancy types are listed in a new order"]


# Nothing to publish, and someone else publishing first.


async def test_no_change_previews_and_publishes_nothing(client: Client, db: Database, settings: Settings) -> None:
    await sign_in(client, db, settings, LONDON)
    fields = await edit_form(client, LONDON)
    preview = await post(client, edit_url(LONDON), fields)
    assert preview.status_code == 200
    said = visible_text(preview.text)
    assert "Your answers are the same as version 1, so there is nothing to publish" in said
    assert "Publish version" not in said

    response = await post(client, publish_url(LONDON), fields)
    assert response.status_code == 303
    assert response.headers["location"] == "/s/pan-london/admin/criteria?done=unchanged"
    page = visible_text((await client.get(response.headers["location"])).text)
    assert "Nothing was published: the criteria you sent are the same as version 1" in page
    assert await version_count(db, LONDON) == 1
    assert await published_events(db, LONDON) == []


async def test_a_stale_publish_is_refused(client: Client, db: Database, settings: Settings) -> None:
    await sign_in(client, db, settings, LONDON)
    fields = await edit_form(client, LONDON)
    mine = changed(fields, {"partner_debt_cap": "1"})
    theirs = changed(fields, {"reminder_days": "7"})
    preview = await post(client, edit_url(LONDON), mine)
    to_publish = form_fields(preview.text, publish_url(LONDON))
    # Another admin publishes first, from the same version.
    assert (await post(client, publish_url(LONDON), theirs)).status_code == 303
    assert (await current(db, LONDON))[0] == 2

    refused = await post(client, publish_url(LONDON), to_publish)
    assert refused.status_code == 409
    said = visible_text(refused.text)
    assert "Version 2 was published while you were editing, so nothing was published" in said
    assert 'href="#base_version"' in refused.text
    assert await version_count(db, LONDON) == 2
    version, criteria = await current(db, LONDON)
    assert (version, criteria.partner_debt_cap, criteria.reminder_days) == (2, 3, 7)
    # What publishing it now would do is shown against version 2, including undoing the other change.
    assert "Partner debt cap changes from 3 to 1" in said
    assert "Reminder after no update changes from 7 days to 14 days" in said
    assert "Publish version 3" in said
    assert ("base_version", "2") in form_fields(refused.text, publish_url(LONDON))

    # A preview from the old version is told too.
    stale_preview = await post(client, edit_url(LONDON), mine)
    assert stale_preview.status_code == 409
    assert "Version 2 was published while you were editing" in visible_text(stale_preview.text)


async def test_two_publishes_from_one_version_at_once_make_one_version(db: Database) -> None:
    """The moment between checking the base version and writing the next one: the database decides."""
    london = await scheme(db, LONDON)
    first = await actor(db, LONDON, "coordinator", Role.scheme_admin)
    second = await actor(db, LONDON, "coordinator", Role.scheme_admin)
    _, base = await current(db, LONDON)
    async with db.tenant_session(london.id) as one, one.begin():
        assert await publish_edit(one, first, msgspec.structs.replace(base, partner_debt_cap=1), base_version=1) == 2

        async def publish_second() -> int | None:
            async with db.tenant_session(london.id) as two, two.begin():
                edit = msgspec.structs.replace(base, partner_debt_cap=2)
                return await publish_edit(two, second, edit, base_version=1)

        racing = asyncio.create_task(publish_second())
        await asyncio.sleep(0.3)  # it has seen version 1 and waits on the first one's version 2
        assert not racing.done()
    with pytest.raises(StaleVersion):
        await racing
    version, criteria = await current(db, LONDON)
    assert (version, criteria.partner_debt_cap) == (2, 1)
    assert [e.actor_user_id for e in await published_events(db, LONDON)] == [first.user_id]


async def test_a_referral_submitted_before_keeps_its_version(client: Client, db: Database, settings: Settings) -> None:
    london = await scheme(db, LONDON)
    officer = await actor(db, LONDON, "safe-steps-london", Role.nominating_officer)
    camden, islington, brent, hackney, lewisham, southwark, barnet = await area_ids(
        db, london.id, "camden", "islington", "brent", "hackney", "lewisham", "southwark", "barnet"
    )
    answers = ReferralAnswers(
        consent=True,
        tenancy_type="secure",
        current_landlord_id=await organisation_id(db, london.id, "camden-council"),
        current_area_id=camden,
        adults=1,
        children_ages=(3,),
        bedrooms_needed=2,
        risk_type="domestic_abuse",
        risk_area_ids=frozenset({camden, barnet}),
        safe_area_ids=frozenset({islington, brent, hackney, lewisham, southwark}),
        safeguarding_measures="IDVA support in place",
    )

    async def submitted() -> Referral:
        async with db.tenant_session(london.id) as session, session.begin():
            draft = await referrals.start_referral(session, officer)
            draft = await referrals.save_draft(session, officer, draft.id, answers, version=draft.version)
            return await referrals.submit(session, officer, london, draft.id, version=draft.version)

    before = await submitted()
    assert before.criteria_version == 1

    await sign_in(client, db, settings, LONDON)
    edited = changed(await edit_form(client, LONDON), {f"{DA}min_safe_areas": "6"})
    assert (await post(client, publish_url(LONDON), edited)).status_code == 303

    async with db.tenant_session(london.id) as session:
        kept = await session.get(Referral, (london.id, before.id))
        assert kept is not None
        assert kept.criteria_version == 1
        old = await criteria_at(session, london.id, 1)
        new = await criteria_at(session, london.id, 2)
    assert diff(old, new, "borough") == ["Domestic abuse: safe boroughs required changes from 5 to 6"]
    # The same answers, submitted now, are checked against version 2, which asks for six.
    with pytest.raises(referrals.InvalidReferral):
        await submitted()


# Who may, and where.


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.scheme_admin])
async def test_other_roles_are_refused(client: Client, db: Database, settings: Settings, role: Role) -> None:
    await sign_in(client, db, settings, LONDON, role)
    for url in ("/s/pan-london/admin/criteria", edit_url(LONDON)):
        assert (await client.get(url, follow_redirects=False)).status_code == 403, url
    for url in (edit_url(LONDON), publish_url(LONDON)):
        response = await post(client, url, {"base_version": "1", "partner_debt_cap": "0"})
        assert response.status_code == 403, url
    assert await version_count(db, LONDON) == 1


async def test_strangers_are_sent_to_sign_in(client: Client, db: Database) -> None:
    for url in ("/s/pan-london/admin/criteria", edit_url(LONDON)):
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/s/pan-london/sign-in"
    refused = await post(client, publish_url(LONDON), {"base_version": "1"})
    assert (refused.status_code, refused.headers["location"]) == (303, "/s/pan-london/sign-in")
    assert await version_count(db, LONDON) == 1


async def test_each_schemes_admin_edits_only_its_own(client: Client, db: Database, settings: Settings) -> None:
    await sign_in(client, db, settings, COUNTY)
    fields = await edit_form(client, COUNTY)
    assert ("risk-domestic_abuse-min_safe_areas", "2") in fields
    assert not any(name.startswith("risk-stalking-") for name, _ in fields)
    page = visible_text((await client.get(edit_url(COUNTY))).text)
    assert "The scheme has 6 districts" in page
    # Its own number of districts bounds the safe districts, not London's boroughs.
    too_many = await post(client, edit_url(COUNTY), changed(fields, {f"{DA}min_safe_areas": "7"}))
    assert too_many.status_code == 400
    assert "must be 6 or fewer: the scheme has 6 districts" in visible_text(too_many.text)

    edited = changed(fields, {f"{DA}min_safe_areas": "3", "partner_debt_cap": "1"})
    preview = visible_text((await post(client, edit_url(COUNTY), edited)).text)
    assert "Domestic abuse: safe districts required changes from 2 to 3" in preview
    assert "Partner debt cap changes from 2 to 1" in preview
    assert (await post(client, publish_url(COUNTY), edited)).status_code == 303
    assert (await current(db, COUNTY))[0] == 2
    assert (await current(db, LONDON))[0] == 1
    assert (await current(db, LONDON))[1].partner_debt_cap == 3
    assert "Version 1, published" in visible_text((await client.get("/s/pan-london/criteria")).text)
    assert "Version 2, published" in visible_text((await client.get("/s/cambridgeshire/criteria")).text)

    # The county admin's session means nothing at London's admin pages, and changes nothing there.
    assert (await client.get("/s/pan-london/admin/criteria", follow_redirects=False)).status_code == 303
    refused = await post(client, publish_url(LONDON), changed(fields, {"base_version": "1"}))
    assert (refused.status_code, refused.headers["location"]) == (303, "/s/pan-london/sign-in")
    assert await version_count(db, LONDON) == 1
    assert await published_events(db, LONDON) == []
    assert [e.details["version"] for e in await published_events(db, COUNTY)] == [2]


async def test_the_admin_home_links_to_the_criteria_pages(client: Client, db: Database, settings: Settings) -> None:
    await sign_in(client, db, settings, LONDON)
    home = await client.get("/s/pan-london/admin/")
    assert home.status_code == 200
    assert 'href="/s/pan-london/admin/criteria"' in home.text
    versions = await client.get("/s/pan-london/admin/criteria")
    assert 'href="/s/pan-london/admin/criteria/edit"' in versions.text
