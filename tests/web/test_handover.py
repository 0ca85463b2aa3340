"""Handing a referral over to another nominating officer of its agency, in each scheme: access moves with it (the
officer before loses it, the new one gains it), it is audited by ids, the new officer is told, and an officer who is
not one of the agency's active officers in the scheme cannot be chosen (a field error, nothing changed)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from people import actor
from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role, User, UserStatus
from reciprocal.identity.services import Actor
from reciprocal.notifications.models import Notice
from reciprocal.partners.models import Organisation, OrganisationKind
from reciprocal.referrals import handover
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.settings import Settings
from smtp_server import Inbox
from support import DatabaseUnderTest, visible_text
from support.scheduled import Jobs
from support.web import Client, act_as, post, version_in
from support.world import County, World

AGENCY = {"pan-london": "safe-steps-london", "cambridgeshire": "county-refuge-support"}
"""Each world's referring agency (its officer's organisation)."""
FIELD_ERROR = "Select a nominating officer of the referring agency from the list"


@pytest.fixture
def mail(database: DatabaseUnderTest, db: Database, inbox: Inbox) -> Jobs:
    return Jobs(database, db, inbox)


async def _colleague(w: World, name: str = "Cleo Colleague") -> Actor:
    colleague = await actor(w.db, w.scheme.slug, AGENCY[w.scheme.slug], Role.nominating_officer)
    async with w.db.tenant_session(w.scheme.id) as session, session.begin():
        await session.execute(update(User).where(User.id == colleague.user_id).values(display_name=name))
    return colleague


async def _events(w: World, referral_id: uuid.UUID) -> list[AuditEvent]:
    async with w.db.tenant_session(w.scheme.id) as session:
        return list(
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.subject_id == referral_id, AuditEvent.action == handover.HANDED_OVER
                )
            )
        )


async def test_an_officer_hands_their_referral_over_and_access_moves_with_it(
    each_world: World, client: Client, db: Database, settings: Settings, mail: Jobs
) -> None:
    w = each_world
    slug = w.scheme.slug
    colleague = await _colleague(w)
    referral = await w.submitted(w.domestic_abuse())
    page = f"/s/{slug}/referrals/{referral.id}"
    await act_as(client, db, settings, w.officer, slug)
    assert referral.reference in visible_text((await client.get(f"/s/{slug}/officer/")).text)
    assert "Hand over to another nominating officer" in visible_text((await client.get(page)).text)

    form = await client.get(f"{page}/handover")
    assert form.status_code == 200
    assert "Cleo Colleague" in visible_text(form.text)
    assert f'value="{w.officer.user_id}"' not in form.text  # not to themselves
    done = await post(client, f"{page}/handover", {"version": version_in(form.text), "officer": str(colleague.user_id)})
    assert done.status_code == 303
    landed = visible_text((await client.get(done.headers["location"])).text)
    assert f"{referral.reference} is now with Cleo Colleague" in landed

    # The officer before no longer sees it: not on their home, not in the list of all, its page a 404.
    for listing in (f"/s/{slug}/officer/", f"/s/{slug}/officer/referrals"):
        assert referral.reference not in visible_text((await client.get(listing)).text)
    for path in ("", "/handover", "/messages"):
        assert (await client.get(f"{page}{path}")).status_code == 404
    # The new officer does.
    await act_as(client, db, settings, colleague, slug)
    assert referral.reference in visible_text((await client.get(f"/s/{slug}/officer/")).text)
    assert (await client.get(page)).status_code == 200

    # Audited by ids: who did it, from whom, to whom.
    [event] = await _events(w, referral.id)
    assert (event.actor_user_id, event.actor_role) == (w.officer.user_id, Role.nominating_officer.value)
    assert event.details == {"from_officer": str(w.officer.user_id), "to_officer": str(colleague.user_id)}
    # The new officer is told, by email and in "What's new"; nobody else is.
    told = f"Referral {referral.reference} was handed over to you"
    assert await mail.told() == {colleague.email: [told]}
    async with db.tenant_session(w.scheme.id) as session:
        notices = list(await session.scalars(select(Notice).where(Notice.event_id == event.id)))
    assert [(n.user_id, n.kind, n.path) for n in notices] == [
        (colleague.user_id, "handed_over", f"/referrals/{referral.id}")
    ]
    assert told in visible_text((await client.get(f"/s/{slug}/whats-new")).text)


async def test_the_coordinator_hands_a_referral_over_and_a_draft_is_not_theirs_to(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    colleague = await _colleague(w)
    referral = await w.submitted(w.domestic_abuse())
    page = f"/s/{slug}/coordinator/referrals/{referral.id}"
    await act_as(client, db, settings, w.coordinator, slug)
    form = await client.get(f"{page}/handover")
    done = await post(client, f"{page}/handover", {"version": version_in(form.text), "officer": str(colleague.user_id)})
    assert done.status_code == 303
    landed = (await client.get(done.headers["location"])).text
    assert "Handed over: the new nominating officer has been told" in visible_text(landed)
    assert "Handed over to another nominating officer" in visible_text(landed)  # on the timeline
    assert f"From {w.officer.display_name} to Cleo Colleague" in visible_text(landed)
    assert (await w.referral(referral.id)).officer_id == colleague.user_id
    [event] = await _events(w, referral.id)
    assert event.actor_user_id == w.coordinator.user_id

    draft = await w.run(referrals.start_referral, w.officer)
    assert (await client.get(f"/s/{slug}/coordinator/referrals/{draft.id}/handover")).status_code == 404
    refused = await post(
        client,
        f"/s/{slug}/coordinator/referrals/{draft.id}/handover",
        {"version": "1", "officer": str(colleague.user_id)},
    )
    assert refused.status_code == 404
    assert (await w.referral(draft.id)).officer_id == w.officer.user_id


async def test_only_an_active_officer_of_the_agency_in_the_scheme_can_be_chosen(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    other_scheme = await (County(db) if type(w) is World else World(db)).build()
    async with db.tenant_session(w.scheme.id) as session, session.begin():
        session.add(
            Organisation(tenant_id=w.scheme.id, code="other-agency", name="Other Agency", kind=OrganisationKind.agency)
        )
    elsewhere = await actor(db, slug, "other-agency", Role.nominating_officer)
    suspended = await _colleague(w, "Sid Suspended")
    async with db.tenant_session(w.scheme.id) as session, session.begin():
        await session.execute(update(User).where(User.id == suspended.user_id).values(status=UserStatus.suspended))
    referral = await w.submitted(w.domestic_abuse())
    page = f"/s/{slug}/referrals/{referral.id}"
    await act_as(client, db, settings, w.officer, slug)
    form = await client.get(f"{page}/handover")
    assert "Sid Suspended" not in visible_text(form.text)
    assert "no other nominating officer" in visible_text(form.text)

    for chosen in (
        str(elsewhere.user_id),  # another agency's officer
        str(other_scheme.officer.user_id),  # another scheme's
        str(suspended.user_id),  # suspended
        str(w.landlord.user_id),  # a named lead
        str(w.officer.user_id),  # the officer holding it
        "not-an-id",
    ):
        refused = await post(client, f"{page}/handover", {"version": str(referral.version), "officer": chosen})
        assert refused.status_code == 400, chosen
        text = visible_text(refused.text)
        assert "There is a problem" in text
        assert FIELD_ERROR in text
        assert 'href="#officer"' in refused.text
    missing = await post(client, f"{page}/handover", {"version": str(referral.version), "officer": ""})
    assert missing.status_code == 400
    assert "Select the nominating officer to hand the referral over to" in visible_text(missing.text)

    kept: Referral = await w.referral(referral.id)
    assert (kept.officer_id, kept.version) == (w.officer.user_id, referral.version)
    assert await _events(w, referral.id) == []
    # Another scheme's officer finds nothing to hand over.
    await act_as(client, db, settings, other_scheme.officer, other_scheme.scheme.slug)
    crafted = f"/s/{other_scheme.scheme.slug}/referrals/{referral.id}/handover"
    assert (await client.get(crafted)).status_code == 404


async def test_a_draft_handed_over_is_the_new_officers_to_finish_or_delete(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    colleague = await _colleague(w)
    draft = await w.run(referrals.start_referral, w.officer)
    page = f"/s/{slug}/referrals/{draft.id}"
    await act_as(client, db, settings, w.officer, slug)
    assert "Hand over this draft to another nominating officer" in visible_text((await client.get(page)).text)
    form = await client.get(f"{page}/handover")
    done = await post(client, f"{page}/handover", {"version": version_in(form.text), "officer": str(colleague.user_id)})
    assert done.status_code == 303
    assert "The draft is now with Cleo Colleague" in visible_text((await client.get(done.headers["location"])).text)
    assert (await client.get(f"{page}/delete")).status_code == 404

    await act_as(client, db, settings, colleague, slug)
    confirm = await client.get(f"{page}/delete")
    assert "Are you sure you want to delete the draft referral" in visible_text(confirm.text)
    gone = await post(client, f"{page}/delete", {"version": version_in(confirm.text)})
    assert gone.status_code == 303
    assert (await client.get(page)).status_code == 404
