"""A nominating officer deletes a draft: only their own, only while a draft, and then every row of it is gone."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass

import pytest
from httpx import Response
from sqlalchemy import func, select

from people import actor, area_ids, organisation_id, scheme
from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.dates import govuk_date
from reciprocal.partners.models import Organisation, OrganisationKind
from reciprocal.referrals import drafts
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import MonitoringAnswers, Referral, ReferralArea
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action, State, TransitionRefused
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, act_as, post, version_in

CASE_REFERENCE = "DRAFT-SECRET-5512"
PETS = "PETS-SECRET-two rabbits"
MONITORING = "MONITOR-SECRET-77"
"""Canaries: what the draft said, which the audit trail must never carry."""

STALE_TITLE = "This referral was changed by someone else"
CANNOT = "You cannot delete this referral"


@dataclass(frozen=True)
class Place:
    """A scheme, its referring agency, and a referral its criteria accept."""

    slug: str
    agency: str
    landlord: str
    home: str
    risk: tuple[str, ...]
    safe: tuple[str, ...]


LONDON = Place(
    "pan-london",
    "safe-steps-london",
    "camden-council",
    "camden",
    ("camden", "barnet"),
    ("islington", "brent", "hackney", "lewisham", "southwark"),
)
COUNTY = Place(
    "cambridgeshire",
    "county-refuge-support",
    "cambridge-city-council",
    "cambridge",
    ("cambridge",),
    ("fenland", "peterborough"),
)
PLACES = [pytest.param(LONDON, id="pan-london"), pytest.param(COUNTY, id="cambridgeshire")]


@dataclass
class Office:
    """One scheme's officer at the HTTP end, and the database behind them."""

    client: Client
    db: Database
    settings: Settings
    place: Place
    tenant: uuid.UUID

    @property
    def home(self) -> str:
        return f"/s/{self.place.slug}/officer/"

    async def person(self, role: Role = Role.nominating_officer, org: str | None = None) -> Actor:
        return await actor(self.db, self.place.slug, org or self.place.agency, role)

    async def sign_in(self, person: Actor) -> None:
        await act_as(self.client, self.db, self.settings, person, self.place.slug)

    async def post(self, path: str, data: dict[str, str] | None = None) -> Response:
        return await post(self.client, path, data, csrf_from=f"/s/{self.place.slug}/")

    async def run(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        async with self.db.tenant_session(self.tenant) as session, session.begin():
            return await fn(session, *args, **kwargs)

    async def answers(self) -> ReferralAnswers:
        p = self.place
        home, *rest = await area_ids(self.db, self.tenant, p.home, *p.risk, *p.safe)
        risk, safe = rest[: len(p.risk)], rest[len(p.risk) :]
        return ReferralAnswers(
            consent=True,
            tenancy_type="secure",
            current_landlord_id=await organisation_id(self.db, self.tenant, p.landlord),
            current_area_id=home,
            adults=1,
            children_ages=(4,),
            bedrooms_needed=2,
            pets=PETS,
            risk_type="domestic_abuse",
            risk_area_ids=frozenset(risk),
            safe_area_ids=frozenset(safe),
            safeguarding_measures="IDVA support in place",
            resettlement_support="Floating support agreed",
        )

    async def draft(self, officer: Actor) -> Referral:
        """A draft of `officer`'s with every answer, areas, monitoring answers and a case reference."""
        started = await self.run(referrals.start_referral, officer)
        return await self.run(
            referrals.save_draft,
            officer,
            started.id,
            await self.answers(),
            version=started.version,
            case_reference=CASE_REFERENCE,
            monitoring={"ethnicity": MONITORING},
        )

    async def referral(self, referral_id: uuid.UUID) -> Referral | None:
        async with self.db.tenant_session(self.tenant) as session:
            return await session.get(Referral, (self.tenant, referral_id))

    def base(self, referral_id: uuid.UUID) -> str:
        return f"/s/{self.place.slug}/referrals/{referral_id}"


async def _office(client: Client, db: Database, settings: Settings, place: Place) -> Office:
    return Office(client, db, settings, place, (await scheme(db, place.slug)).id)


async def _rows(office: Office, referral_id: uuid.UUID) -> dict[str, int]:
    """How many rows the referral has left in each of its tables."""
    async with office.db.tenant_session(office.tenant) as session:
        counts = {}
        for model in (Referral, ReferralArea, MonitoringAnswers):
            column = model.id if model is Referral else model.referral_id  # type: ignore[attr-defined]
            counts[model.__tablename__] = int(
                await session.scalar(
                    select(func.count()).where(model.tenant_id == office.tenant, column == referral_id)
                )
                or 0
            )
    return counts


def delete_button(html: str) -> bool:
    return bool(re.search(r'class="govuk-button govuk-button--warning"[^>]*>\s*Delete draft', html))


@pytest.mark.parametrize("place", PLACES)
async def test_the_officer_deletes_their_draft_and_it_is_gone(
    client: Client, db: Database, settings: Settings, place: Place
) -> None:
    office = await _office(client, db, settings, place)
    officer = await office.person()
    draft = await office.draft(officer)
    base = office.base(draft.id)
    started = govuk_date(draft.created_at)
    await office.sign_in(officer)
    assert (await office.run(drafts.deleted_draft, officer, draft.id)) is None

    tasks = await client.get(base)
    assert f'href="{base}/delete"' in tasks.text
    assert "Delete this draft" in visible_text(tasks.text)

    confirm = await client.get(f"{base}/delete")
    assert confirm.status_code == 200
    text = visible_text(confirm.text)
    assert (
        f"Are you sure you want to delete the draft referral started {started}, your reference {CASE_REFERENCE}?"
        in text
    )
    assert "You cannot undo this." in text
    assert "Nothing in this draft has been sent to anyone" in text
    assert delete_button(confirm.text)
    assert f'<a class="govuk-link" href="{base}">Cancel</a>' in confirm.text
    assert f'action="{base}/delete"' in confirm.text
    assert 'name="_csrf_token"' in confirm.text
    assert await _rows(office, draft.id) == {
        "referrals": 1,
        "referral_areas": len(place.risk) + len(place.safe),
        "referral_monitoring": 1,
    }

    deleted = await office.post(f"{base}/delete", {"version": version_in(confirm.text)})
    assert deleted.status_code == 303
    assert (
        deleted.headers["location"] == f"/s/{place.slug}/officer?deleted={draft.id}"
    )  # the home, as its route names it
    assert await _rows(office, draft.id) == {"referrals": 0, "referral_areas": 0, "referral_monitoring": 0}

    landed = await client.get(deleted.headers["location"])
    assert "govuk-notification-banner--success" in landed.text
    landed_text = visible_text(landed.text)
    assert f"Draft referral started {started} deleted" in landed_text
    assert CASE_REFERENCE not in landed.text
    assert "None of your referrals needs you now" in landed_text
    # Shown once: the home on its own announces nothing.
    again = await client.get(office.home)
    assert "govuk-notification-banner" not in again.text

    for page in ("", "/delete", "/household", "/check"):
        assert (await client.get(f"{base}{page}")).status_code == 404, page
    assert (await office.post(f"{base}/delete", {"version": version_in(confirm.text)})).status_code == 404


@pytest.mark.parametrize("place", PLACES)
async def test_the_audit_trail_says_who_deleted_which_draft_and_nothing_it_said(
    client: Client, db: Database, settings: Settings, place: Place
) -> None:
    office = await _office(client, db, settings, place)
    officer = await office.person()
    draft = await office.draft(officer)
    await office.sign_in(officer)
    confirm = await client.get(f"{office.base(draft.id)}/delete")
    assert (
        await office.post(f"{office.base(draft.id)}/delete", {"version": version_in(confirm.text)})
    ).status_code == 303

    async with db.tenant_session(office.tenant) as session:
        events = list(await session.scalars(select(AuditEvent).where(AuditEvent.tenant_id == office.tenant)))
    (event,) = [e for e in events if e.action == drafts.DELETED]
    assert event.subject_type == "referral"
    assert event.subject_id == draft.id
    assert event.actor_user_id == officer.user_id
    assert event.actor_organisation_id == officer.organisation_id
    assert event.actor_role == Role.nominating_officer.value
    assert event.details == {}
    # Nothing the draft said, in any event of the scheme's trail.
    trail = json.dumps([[e.action, e.subject_type, e.details] for e in events])
    for secret in (CASE_REFERENCE, PETS, MONITORING):
        assert secret not in trail


@pytest.mark.parametrize("place", PLACES)
async def test_a_colleague_at_the_same_agency_cannot_delete_it(
    client: Client, db: Database, settings: Settings, place: Place
) -> None:
    office = await _office(client, db, settings, place)
    draft = await office.draft(await office.person())
    base = office.base(draft.id)
    await office.sign_in(await office.person())

    # A referral is its own officer's (handed over, it is the new one's): a colleague finds nothing to delete.
    assert (await client.get(base)).status_code == 404
    assert (await client.get(f"{base}/delete")).status_code == 404
    refused = await office.post(f"{base}/delete", {"version": str(draft.version)})
    assert refused.status_code == 404
    kept = await office.referral(draft.id)
    assert kept is not None
    assert (kept.state, kept.version) == (State.draft, draft.version)


@pytest.mark.parametrize("place", PLACES)
async def test_another_agencys_officer_finds_nothing_to_delete(
    client: Client, db: Database, settings: Settings, place: Place
) -> None:
    office = await _office(client, db, settings, place)
    draft = await office.draft(await office.person())
    base = office.base(draft.id)
    # Cambridgeshire has one referring agency: a second one joins it here.
    async with db.tenant_session(office.tenant) as session, session.begin():
        session.add(
            Organisation(
                tenant_id=office.tenant, code="other-agency", name="Other Agency", kind=OrganisationKind.agency
            )
        )
    await office.sign_in(await office.person(org="other-agency"))

    page = await client.get(f"{base}/delete")
    assert page.status_code == 404
    assert CASE_REFERENCE not in page.text
    assert (await office.post(f"{base}/delete", {"version": str(draft.version)})).status_code == 404
    assert await _rows(office, draft.id) == {
        "referrals": 1,
        "referral_areas": len(place.risk) + len(place.safe),
        "referral_monitoring": 1,
    }


@pytest.mark.parametrize("place", PLACES)
async def test_a_submitted_or_returned_referral_cannot_be_deleted(
    client: Client, db: Database, settings: Settings, place: Place
) -> None:
    office = await _office(client, db, settings, place)
    officer = await office.person()
    coordinator = await office.person(Role.coordinator, "coordinator")
    draft = await office.draft(officer)
    submitted = await office.run(
        referrals.submit, officer, await scheme(db, place.slug), draft.id, version=draft.version
    )
    assert submitted.state == State.submitted
    base = office.base(draft.id)
    await office.sign_in(officer)

    assert "Delete this draft" not in visible_text((await client.get(base)).text)
    page = await client.get(f"{base}/delete")
    assert page.status_code == 200
    assert "A referral that is submitted cannot be deleted: only a draft can." in visible_text(page.text)
    assert not delete_button(page.text)
    refused = await office.post(f"{base}/delete", {"version": str(submitted.version)})
    assert refused.status_code == 409
    assert "A referral that is submitted cannot be deleted: only a draft can." in visible_text(refused.text)
    kept = await office.referral(draft.id)
    assert kept is not None
    assert (kept.state, kept.version) == (State.submitted, submitted.version)

    # Returned for information, it is the officer's to change again, but it has been sent: not deleted either.
    returned = await office.run(
        referrals.act, coordinator, draft.id, Action.return_for_information, version=kept.version, note="Say more."
    )
    tasks = await client.get(base)
    assert "Update and resubmit the referral" in visible_text(tasks.text)
    assert "Delete this draft" not in visible_text(tasks.text)
    refused = await office.post(f"{base}/delete", {"version": str(returned.version)})
    assert refused.status_code == 409
    assert "A referral that is returned for information cannot be deleted" in visible_text(refused.text)
    assert (await office.referral(draft.id)) is not None


@pytest.mark.parametrize("place", PLACES)
async def test_a_page_opened_before_the_draft_changed_deletes_nothing(
    client: Client, db: Database, settings: Settings, place: Place
) -> None:
    office = await _office(client, db, settings, place)
    officer = await office.person()
    draft = await office.draft(officer)
    base = office.base(draft.id)
    await office.sign_in(officer)
    old = version_in((await client.get(f"{base}/delete")).text)

    # Changed in another tab after the page was opened.
    answers = await office.run(referrals.answers_of, await office.referral(draft.id))
    changed = await office.run(referrals.save_draft, officer, draft.id, answers, version=draft.version)
    stale = await office.post(f"{base}/delete", {"version": old})
    assert stale.status_code == 409
    text = visible_text(stale.text)
    assert STALE_TITLE in text
    assert referrals.STALE in text
    assert version_in(stale.text) == str(changed.version) != old
    assert delete_button(stale.text)  # asked again, as the draft is now
    assert (await office.referral(draft.id)) is not None

    for mangled in ("", "abc", "\u00b2", "9" * 20):
        response = await office.post(f"{base}/delete", {"version": mangled})
        assert response.status_code == 409, mangled
        assert STALE_TITLE in visible_text(response.text)
    assert (await office.referral(draft.id)) is not None

    # Confirmed again from the page as it is now: deleted.
    assert (await office.post(f"{base}/delete", {"version": version_in(stale.text)})).status_code == 303
    assert (await office.referral(draft.id)) is None


@pytest.mark.parametrize(("here", "there"), [(LONDON, COUNTY), (COUNTY, LONDON)], ids=["london-draft", "county-draft"])
async def test_a_draft_cannot_be_deleted_through_another_schemes_address(
    client: Client, db: Database, settings: Settings, here: Place, there: Place
) -> None:
    home = await _office(client, db, settings, here)
    draft = await home.draft(await home.person())
    elsewhere = await _office(client, db, settings, there)
    await elsewhere.sign_in(await elsewhere.person())

    address = f"/s/{there.slug}/referrals/{draft.id}/delete"
    assert (await client.get(address)).status_code == 404
    assert (await elsewhere.post(address, {"version": str(draft.version)})).status_code == 404
    assert (await home.referral(draft.id)) is not None
    # Nor does the other scheme's home announce it.
    assert "govuk-notification-banner" not in (await client.get(f"{elsewhere.home}?deleted={draft.id}")).text


@pytest.mark.parametrize("place", PLACES)
async def test_a_crafted_address_announces_nothing(
    client: Client, db: Database, settings: Settings, place: Place
) -> None:
    office = await _office(client, db, settings, place)
    officer = await office.person()
    kept = await office.draft(officer)
    gone = await office.draft(officer)
    await office.run(drafts.delete_draft, officer, gone.id, version=gone.version)

    # A draft not deleted, an id that is nobody's, a draft another officer deleted: no banner for any.
    colleague = await office.person()
    await office.sign_in(colleague)
    for referral_id in (kept.id, uuid.uuid4(), gone.id):
        page = await client.get(f"{office.home}?deleted={referral_id}")
        assert page.status_code == 200
        assert "govuk-notification-banner" not in page.text
    assert (await client.get(f"{office.home}?deleted=not-an-id")).status_code == 400
    # The officer who deleted it is told.
    await office.sign_in(officer)
    page = await client.get(f"{office.home}?deleted={gone.id}")
    assert f"Draft referral started {govuk_date(gone.created_at)} deleted" in visible_text(page.text)


@pytest.mark.parametrize("place", PLACES)
async def test_a_deletion_and_a_submission_at_once_do_not_both_happen(
    client: Client, db: Database, settings: Settings, place: Place
) -> None:
    office = await _office(client, db, settings, place)
    officer = await office.person()
    where = await scheme(db, place.slug)

    # The deletion holds the row: the submission waits for it, then finds nothing.
    first = await office.draft(officer)
    async with db.tenant_session(office.tenant) as session, session.begin():
        await drafts.delete_draft(session, officer, first.id, version=first.version)
        submitting = asyncio.create_task(office.run(referrals.submit, officer, where, first.id, version=first.version))
        await asyncio.sleep(0.3)
        assert not submitting.done(), "the submission waits for the deletion's lock"
    with pytest.raises(referrals.ReferralNotFound):
        await submitting
    assert (await office.referral(first.id)) is None

    # The submission holds the row: the deletion waits for it, then finds it submitted.
    second = await office.draft(officer)
    async with db.tenant_session(office.tenant) as session, session.begin():
        await referrals.submit(session, officer, where, second.id, version=second.version)
        deleting = asyncio.create_task(office.run(drafts.delete_draft, officer, second.id, version=second.version))
        await asyncio.sleep(0.3)
        assert not deleting.done(), "the deletion waits for the submission's lock"
    with pytest.raises(TransitionRefused, match="submitted cannot be deleted"):
        await deleting
    submitted = await office.referral(second.id)
    assert submitted is not None
    assert submitted.state == State.submitted
