"""The issue's "done when", on the demo's own data: the coordinator finds a moved referral by its reference,
downloads the report as XLSX and sees the funnel, the trends and the map; a funder sees the reports only."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from reciprocal.db.bootstrap import refresh_statistics
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.secrets import Keys
from reciprocal.provisioning.demo import load_demo
from reciprocal.provisioning.demo_seeder import demo_actor
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import State
from reciprocal.settings import Settings
from support import DatabaseUnderTest, demo_scheme, scheme_id, visible_text
from support.web import Client, act_as

ISSUER = "http://127.0.0.1:8001"


@pytest.fixture
def keys(settings: Settings) -> Keys:
    return Keys(settings.require_secret_key())


async def test_the_coordinator_and_the_funder_use_the_demos_year(
    client: Client, db: Database, database: DatabaseUnderTest, settings: Settings, keys: Keys
) -> None:
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    await refresh_statistics(database.owner)  # as `reciprocal demo` does once it has loaded the demo
    tid = await scheme_id(db, "pan-london")
    async with db.tenant_session(tid) as session:
        moved = await session.scalar(
            select(Referral).where(Referral.state == State.moved).order_by(Referral.submitted_at).limit(1)
        )
        coordinator = await demo_actor(session, tid, "sam.okafor@coordination.example", "coordinator", Role.coordinator)
        funder = await demo_actor(session, tid, "ruth.adeyemi@steering.example", "coordinator", Role.funder)
    assert moved is not None
    assert moved.reference

    await act_as(client, db, settings, coordinator)
    found = await client.get(
        "/s/pan-london/search", params={"reference": moved.reference.lower()}, follow_redirects=False
    )
    assert found.status_code == 303
    assert found.headers["location"] == f"/s/pan-london/coordinator/referrals/{moved.id}"
    page = await client.get(found.headers["location"])
    assert page.status_code == 200
    assert "Moved" in visible_text(page.text)

    report = await client.get("/s/pan-london/reports")
    assert report.status_code == 200
    text = visible_text(report.text)
    for part in ("From enquiry to move", "Each month", "Demand: safe boroughs", "Supply: moves"):
        assert part in text
    xlsx = await client.get("/s/pan-london/reports?format=xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    headlines = {row[0].value: row[1].value for row in book["Headlines"].iter_rows(min_row=2)}
    assert isinstance(headlines["Moves"], int)
    assert headlines["Moves"] >= 5
    assert isinstance(headlines["Enquiries"], int)
    assert headlines["Enquiries"] > headlines["Referrals submitted"]

    await act_as(client, db, settings, funder)
    home = await client.get("/s/pan-london/home", follow_redirects=False)
    assert home.status_code in (302, 303)
    assert home.headers["location"].startswith("/s/pan-london/reports")
    assert (await client.get("/s/pan-london/reports")).status_code == 200
    for elsewhere in (
        f"/s/pan-london/coordinator/referrals/{moved.id}",
        "/s/pan-london/coordinator/",
        "/s/pan-london/ledger",
        f"/s/pan-london/search?reference={moved.reference}",
    ):
        assert (await client.get(elsewhere, follow_redirects=False)).status_code in (403, 404), elsewhere
