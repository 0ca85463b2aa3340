"""The reports page through HTTP: figures worked out by hand, small numbers withheld, schemes apart, and the
funder who sees the reports and nothing else."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest

from people import organisation_id
from reciprocal.db.engine import Database
from reciprocal.enquiries.models import Channel, Enquiry
from reciprocal.identity.models import Role
from reciprocal.kernel import clock
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import Action
from reciprocal.reports.suppression import FEWER, WITHHELD
from reciprocal.settings import Settings
from support import scheme_id, visible_text
from support.web import Client, act_as, act_as_new_member, post
from support.world import KEYS, County, World

MARCH = "?period=month&month=3&month-year=2026"
SECOND = datetime(2026, 3, 2, 10, tzinfo=UTC)
"""When the fixture's referrals are submitted (Monday 2 March 2026, 10am: GMT, so UTC is the UK's clock)."""


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


async def submitted(w: World, when: datetime, monitoring: dict[str, str] | None = None) -> Referral:
    with clock.as_of(when):
        draft = await w.run(referrals.start_referral, w.officer)
        draft = await w.run(
            referrals.save_draft, w.officer, draft.id, w.domestic_abuse(), version=draft.version, monitoring=monitoring
        )
        return await w.run(referrals.submit, w.officer, w.scheme, draft.id, version=draft.version)


async def moved(w: World, i: int, referral: Referral) -> None:
    """`referral`, submitted on 2 March, approved i days later, circulated a day after that, offered 2 days
    after that and moved on 25 March: submitted to approved i days, then 1 day, then 2 days, then 20 - i days.
    (Every referral is submitted before any moves: moves put Camden in debt, and its next referrals on hold.)"""
    with clock.as_of(at(2 + i, 9)):
        referral = await w.run(
            referrals.act, w.coordinator, referral.id, Action.request_approval, version=referral.version
        )
    with clock.as_of(at(2 + i)):
        referral = await w.run(referrals.act, w.landlord, referral.id, Action.approve, version=referral.version)
    with clock.as_of(at(3 + i)):
        await w.run(referrals.circulate_batch, w.coordinator)
    referral = await w.referral(referral.id)
    home = replace(w.home(), available_from=date(2026, 3, 1))
    with clock.as_of(at(5 + i)):
        await w.run(offers.make_offer, w.partner, KEYS, referral.id, home, version=referral.version)
        await w.chosen(referral.id)  # the county caps no offers: its officer chooses this one
    for step in (offers.arrange_viewing, offers.accept):
        referral = await w.referral(referral.id)
        with clock.as_of(at(6 + i)):
            await w.run(step, w.coordinator, referral.id, version=referral.version)
    referral = await w.referral(referral.id)
    with clock.as_of(at(25)):
        await w.run(
            offers.record_move,
            w.coordinator,
            referral.id,
            moved_on=date(2026, 3, 25),
            bedrooms=home.bedrooms,
            version=referral.version,
        )


async def enquiries(w: World, n: int) -> None:
    async with w.db.tenant_session(w.scheme.id) as session, session.begin():
        for k in range(n):
            session.add(
                Enquiry(
                    tenant_id=w.scheme.id, received_at=at(3) + timedelta(hours=k), channel=Channel.phone, outcome="x"
                )
            )


async def london_history(w: World) -> None:
    """Pan London's March 2026, by hand: 7 enquiries; 9 referrals submitted (6 moved, 3 not yet approved), 3 of
    them lone mothers; 6 approved, circulated, offered and moved, each household 1 adult and 2 children (18
    people), all Camden tenants housed by Islington. And one referral submitted in February: not counted."""
    await enquiries(w, 7)
    lone = {"lone_parent": "yes", "gender": "woman"}
    to_move = [await submitted(w, SECOND, lone if i <= 3 else {"lone_parent": "no"}) for i in range(1, 7)]
    for _ in range(3):
        await submitted(w, at(10), {"lone_parent": "no"})
    await submitted(w, datetime(2026, 2, 10, 10, tzinfo=UTC))
    for i, referral in enumerate(to_move, start=1):
        await moved(w, i, referral)


async def county_history(w: World) -> None:
    """Cambridgeshire's March 2026: no enquiries; 6 submitted, 5 moved (2 adults and 4 children each: 30 people),
    no monitoring answers."""
    to_move = [await submitted(w, SECOND) for _ in range(5)]
    await submitted(w, at(10))
    for i, referral in enumerate(to_move, start=1):
        await moved(w, i, referral)


def headlines(text: str) -> str:
    return text[text.index("In March 2026") : text.index("From enquiry to move")]


async def test_the_coordinator_sees_the_figures_worked_out_by_hand(
    client: Client, db: Database, settings: Settings
) -> None:
    london = await World(db).build()
    county = await County(db).build()
    await london_history(london)
    await county_history(county)

    await act_as(client, db, settings, london.coordinator)
    page = await client.get(f"/s/pan-london/reports{MARCH}")
    assert page.status_code == 200
    text = visible_text(page.text)
    top = headlines(text)
    for line in (
        "7 enquiries",
        "9 referrals submitted",
        "6 approved by their landlord",
        "6 circulated to partners",
        "6 offers of a property",
        "6 moves",
        "18 adults and children moved",
    ):
        assert line in top
    # Stage times: submitted to approved took 1 to 6 days; the first offer to the move 19 down to 14 days.
    assert "Submitted to approved by the landlord (6 referrals) 3.5 days 5.5 days" in text
    assert "Approved to circulated (6 referrals) 1 day 1 day" in text
    assert "Circulated to first offer (6 referrals) 2 days 2 days" in text
    assert "First offer to move (6 referrals) 16.5 days 18.5 days" in text
    assert "Islington 6 Kensington and Chelsea 0" in text  # moves by area moved to: the supply map's table
    assert "All boroughs 6" in text
    assert "100% fleeing domestic abuse" in text

    # The canary: 3 lone parents (all women) must never show as 3, nor be worked back from the 9.
    assert "Lone parent Referrals Share Yes fewer than 5 withheld No withheld withheld Total 9" in text
    assert "withheld lone female parents (fewer than 5)" in text
    assert not re.search(r"\b3 lone|Yes 3\b|\b33%", text)

    # The county's own figures, and none of London's.
    await act_as(client, db, settings, county.coordinator, "cambridgeshire")
    text = visible_text((await client.get(f"/s/cambridgeshire/reports{MARCH}")).text)
    top = headlines(text)
    assert "0 enquiries" in top
    assert "6 referrals submitted" in top
    assert "5 moves" in top
    assert "30 adults and children moved" in top
    for london in ("18 adults", "7 enquiries", "Islington", "Camden"):
        assert london not in text
    assert "Not answered 6 100%" in text


async def test_a_small_scheme_shows_no_small_number(client: Client, db: Database, settings: Settings) -> None:
    """Three moves in a month: every count of them, and the total a breakdown would give them back from, withheld."""
    w = await World(db).build()
    for i, referral in enumerate([await submitted(w, SECOND) for _ in range(3)], start=1):
        await moved(w, i, referral)
    await act_as(client, db, settings, w.coordinator)
    text = visible_text((await client.get(f"/s/pan-london/reports{MARCH}")).text)
    top = headlines(text)
    assert "fewer than 5 moves" in top
    assert "fewer than 5 referrals submitted" in top
    assert "withheld adults and children moved" in top
    assert not re.search(r"\b3 (moves|referrals)\b", text)
    assert "Submitted to approved by the landlord (fewer than 5 referrals) withheld withheld" in text
    # The chart draws no bar for a withheld value, and says so in words.
    funnel = page_svg((await client.get(f"/s/pan-london/reports{MARCH}")).text, "funnel")
    assert "fewer than 5" in funnel


def page_svg(html: str, chart: str) -> str:
    found = re.search(rf'<svg[^>]*aria-labelledby="{chart}-title {chart}-desc".*?</svg>', html, re.S)
    assert found, chart
    return found.group(0)


async def test_a_period_typed_wrong_names_the_field(client: Client, db: Database, settings: Settings) -> None:
    w = await World(db).build()
    await act_as(client, db, settings, w.coordinator)
    for query, field, words in (
        ("?period=month&month=13&month-year=2026", "month", "Select a month"),
        ("?period=month&month=3&month-year=20x6", "month-year", "Enter a year from 2000"),
        ("?period=between&from-day=31&from-month=2&from-year=2026&to-day=1&to-month=3&to-year=2026", "from-day", ""),
        ("?period=between&from-day=1&from-month=3&from-year=2026&to-day=1&to-month=2&to-year=2026", "to-day", ""),
        ("?period=fortnight", "period", "Select a period"),
    ):
        page = await client.get(f"/s/pan-london/reports{query}")
        assert page.status_code == 400, query
        assert "There is a problem" in page.text
        assert f'href="#{field}"' in page.text, query
        assert words in visible_text(page.text)
        assert "From enquiry to move" not in page.text


async def test_the_default_is_the_last_12_months(client: Client, db: Database, settings: Settings) -> None:
    w = await World(db).build()
    await act_as(client, db, settings, w.coordinator)
    text = visible_text((await client.get("/s/pan-london/reports")).text)
    assert "Reports for the 12 months to" in text
    assert "From enquiry to move" in text


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_a_funder_sees_the_reports_and_nothing_else(
    client: Client, db: Database, settings: Settings, slug: str
) -> None:
    w = await (World(db) if slug == "pan-london" else County(db)).build()
    referral = await submitted(w, SECOND)
    await act_as_new_member(client, db, settings, slug, "funder@steering.example", [("coordinator", Role.funder)])
    home = await client.get(f"/s/{slug}/home", follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == f"/s/{slug}/reports/"
    page = await client.get(f"/s/{slug}/reports")
    assert page.status_code == 200
    assert "funder for" in visible_text(page.text)
    assert referral.reference is not None
    assert referral.reference not in page.text
    for path in (
        f"/s/{slug}/coordinator/",
        f"/s/{slug}/coordinator/referrals/{referral.id}",
        f"/s/{slug}/ledger",
        f"/s/{slug}/officer/",
        f"/s/{slug}/named-lead/",
    ):
        refused = await client.get(path, follow_redirects=False)
        assert refused.status_code in (403, 404), path


async def test_the_reports_page_is_the_coordinators_and_funders_only(
    client: Client, db: Database, settings: Settings
) -> None:
    w = await World(db).build()
    for person in (w.officer, w.landlord, w.assessor):
        await act_as(client, db, settings, person)
        assert (await client.get("/s/pan-london/reports")).status_code == 403


async def test_the_scheme_admin_grants_the_funder_role_where_it_fits(
    client: Client, db: Database, settings: Settings
) -> None:
    await act_as_new_member(
        client, db, settings, "pan-london", "admin@pan-london.example", [("coordinator", Role.scheme_admin)]
    )
    invite = await client.get("/s/pan-london/admin/users/invite")
    assert "Funder" in visible_text(invite.text)
    coordinator = await organisation_id(db, await scheme_id(db, "pan-london"), "coordinator")
    camden = await organisation_id(db, await scheme_id(db, "pan-london"), "camden-council")
    refused = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {"email": "f@camden.example", "name": "F", "organisation": str(camden), "roles": "funder"},
    )
    assert refused.status_code == 400
    assert "Camden Council is a council, so they cannot be a funder there" in visible_text(refused.text)
    granted = await post(
        client,
        "/s/pan-london/admin/users/invite",
        {"email": "steering@funder.example", "name": "Steering", "organisation": str(coordinator), "roles": "funder"},
    )
    assert granted.status_code == 303


async def test_the_report_downloads_whole_with_the_pages_suppression(
    client: Client, db: Database, settings: Settings
) -> None:
    london = await World(db).build()
    county = await County(db).build()
    await london_history(london)
    await county_history(county)
    await act_as(client, db, settings, london.coordinator)
    page = await client.get(f"/s/pan-london/reports{MARCH}")
    assert "format=xlsx" in page.text

    xlsx = await client.get(f"/s/pan-london/reports{MARCH}&format=xlsx")
    assert xlsx.status_code == 200
    assert 'filename="pan-london-report-2026-03-01-to-2026-03-31' in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "Headlines"
    cells = {sheet: [[c.value for c in row] for row in book[sheet].iter_rows()] for sheet in book.sheetnames}
    assert [row[1] for row in cells["Headlines"] if str(row[0]).lower() in ("moves", "adults and children moved")] == [
        6,
        18,
    ]
    lone = next(rows for sheet, rows in cells.items() if rows[0][0] == "Lone parent")
    assert lone[1][:3] == ["Yes", FEWER, WITHHELD]
    every = " ".join(str(v) for rows in cells.values() for row in rows for v in row)
    assert "Cambridge" not in every
    assert any(sheet.startswith("Supply  moves") for sheet in book.sheetnames), book.sheetnames

    csv_text = (await client.get(f"/s/pan-london/reports{MARCH}&format=csv")).content.decode("utf-8-sig")
    assert "Yes,fewer than 5,withheld" in csv_text
    assert not re.search(r"Yes,3\b", csv_text)

    await act_as_new_member(
        client, db, settings, "pan-london", "funder@steering.example", [("coordinator", Role.funder)], replace=True
    )
    assert (await client.get(f"/s/pan-london/reports{MARCH}&format=csv")).status_code == 200
