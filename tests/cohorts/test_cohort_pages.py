"""The hand-over through the portals: the operator asks and carries it out, each admin agrees in their own
scheme's pages, all three see the report (page and CSV), and a handed-on referral is found, in the receiving
scheme, by its former reference and shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import update

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.secrets import Keys
from reciprocal.operations import services as operations
from reciprocal.operations.models import Operator
from reciprocal.portals.operator.controllers import OPERATOR_COOKIE
from reciprocal.provisioning.demo import load_demo
from reciprocal.provisioning.demo_seeder import demo_actor
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import ACTIVE
from reciprocal.settings import Settings
from support import add_member, demo_scheme, make_settings, scheme_id, visible_text
from support.cohorts import ISSUER, SUCCESSOR, admin, successor
from support.web import Client, act_as, post

CANARY = "Canary-Cohort-7Q"
"""Planted in the cohort's case content."""


@pytest.fixture
def keys(settings: Settings) -> Keys:
    return Keys(settings.require_secret_key())


async def as_operator(client: Client, db: Database) -> None:
    async with db.session() as session, session.begin():
        made = await operations.add_operator(session, "ops@service.example", "Olu Operations")
    async with db.session() as session, session.begin():
        fresh = await session.get(Operator, made.id)
        assert fresh is not None
        token = await operations.start_session(session, fresh, make_settings())
    client.cookies.set(OPERATOR_COOKIE, token, path="/operator/")


async def test_the_operator_and_both_admins_hand_the_cohort_over_in_the_portals(
    client: Client, db: Database, settings: Settings, keys: Keys, tmp_path: Path
) -> None:
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    await successor(db, tmp_path)
    london_admin, gla_admin = await admin(db, "pan-london"), await admin(db, SUCCESSOR)
    # Case content planted in every live referral of the cohort: no hand-over page or download may show it.
    london = await scheme_id(db, "pan-london")
    async with db.tenant_session(london) as session, session.begin():
        await session.execute(
            update(Referral)
            .where(Referral.risk_type == "domestic_abuse", Referral.state.in_(ACTIVE))
            .values(pets=CANARY, access_needs=CANARY, safeguarding_measures=CANARY, officer_case_reference=CANARY)
        )
    await as_operator(client, db)

    page = await client.get("/operator/cohorts")
    assert page.status_code == 200
    same = await post(
        client,
        "/operator/cohorts",
        {"from_scheme": "pan-london", "to_scheme": "pan-london", "risk_type": "domestic_abuse"},
        csrf_from="/operator/cohorts",
    )
    assert same.status_code == 400
    assert "Select another scheme on the service to hand the cohort to" in visible_text(same.text)
    asked = await post(
        client,
        "/operator/cohorts",
        {"from_scheme": "pan-london", "to_scheme": SUCCESSOR, "risk_type": "domestic_abuse"},
        csrf_from="/operator/cohorts",
    )
    assert asked.status_code == 303
    where = asked.headers["location"]
    early = await post(client, f"{where}/hand-over", {}, csrf_from=where)
    assert early.status_code == 400
    assert "Both schemes' admins must agree" in visible_text(early.text)
    handover_id = where.rsplit("/", 1)[-1]

    for person, slug in ((london_admin, "pan-london"), (gla_admin, SUCCESSOR)):
        await act_as(client, db, settings, person, slug)
        listed = await client.get(f"/s/{slug}/admin/cohorts")
        assert "Domestic abuse referrals from Pan London Housing Reciprocal to GLA Domestic Abuse" in visible_text(
            listed.text
        )
        mine = f"/s/{slug}/admin/cohorts/{handover_id}"
        agreed = await post(client, f"{mine}/agree", {}, csrf_from=mine)
        assert agreed.status_code == 303
    outsider = await admin(db, "cambridgeshire")
    await act_as(client, db, settings, outsider, "cambridgeshire")
    assert (await client.get(f"/s/cambridgeshire/admin/cohorts/{handover_id}")).status_code == 404

    done = await post(client, f"{where}/hand-over", {}, csrf_from=where)
    assert done.status_code == 303
    report = visible_text((await client.get(where)).text)
    moved = re.findall(r"(PL-\d{4}-\d{4}) (GLA-\d{4}-\d{4})", report)
    assert moved, report
    assert "Its landlord has no counterpart in the receiving scheme" in report
    assert "Balances in Pan London Housing Reciprocal at the hand-over" in report
    csv = await client.get(where, params={"format": "csv"})
    assert csv.status_code == 200
    assert moved[0][1] in csv.text
    for shown in (report, csv.text, visible_text((await client.get("/operator/cohorts")).text)):
        assert CANARY not in shown

    await act_as(client, db, settings, gla_admin, SUCCESSOR)
    admin_csv = await client.get(f"/s/{SUCCESSOR}/admin/cohorts/{handover_id}", params={"format": "csv"})
    assert admin_csv.status_code == 200
    assert moved[0][0] in admin_csv.text
    assert CANARY not in admin_csv.text
    assert CANARY not in (await client.get(f"/s/{SUCCESSOR}/admin/cohorts/{handover_id}")).text

    # In the receiving scheme the coordinator finds it by its old reference, and its page says so.
    gla = await scheme_id(db, SUCCESSOR)
    await add_member(db, SUCCESSOR, "coordinator@gla.example", [("coordinator", Role.coordinator)])
    async with db.tenant_session(gla) as session:
        coordinator = await demo_actor(session, gla, "coordinator@gla.example", "coordinator", Role.coordinator)
    await act_as(client, db, settings, coordinator, SUCCESSOR)
    found = await client.get(f"/s/{SUCCESSOR}/search", params={"reference": moved[0][0].lower()})
    assert found.status_code == 200
    shown = visible_text(found.text)
    assert moved[0][1] in shown
    assert f"Formerly {moved[0][0]}" in shown
