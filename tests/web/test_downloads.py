"""Downloads: a partner's statement as CSV and XLSX, the same entries as its page, audited, in each scheme."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from reciprocal.audit.models import AuditEvent
from reciprocal.portals.coordinator import listing
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action
from reciprocal.settings import Settings
from reciprocal.statements.services import this_month
from support.scheduled import ADDRESS, CANARIES
from support.web import Client, act_as
from support.world import World


async def moved(world: World) -> str:
    referral = await world.moved(
        replace(world.domestic_abuse(), **CANARIES), world.partner, world.home(), moved_on=date(2026, 11, 2)
    )
    assert referral.reference
    return referral.reference


def statement(world: World) -> str:
    return f"/s/{world.scheme.slug}/ledger/partners/{world.landlord.organisation_id}?month={this_month().key}"


async def test_a_statement_downloads_as_csv_and_xlsx_with_its_entries(
    client: Client, each_world: World, settings: Settings
) -> None:
    world = each_world
    reference = await moved(world)
    await act_as(client, world.db, settings, world.coordinator, world.scheme.slug)
    page = await client.get(statement(world))
    assert page.status_code == 200
    assert "format=csv" in page.text
    assert "format=xlsx" in page.text

    got = await client.get(statement(world) + "&format=csv")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert got.headers["content-disposition"].startswith(
        f'attachment; filename="{world.scheme.slug}-statement-{this_month().key}'
    )
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Recorded", "Reference", "From"]
    assert [row[1] for row in rows[1:]] == [reference]
    assert rows[1][6] == "-1"  # the landlord whose tenant left owes one

    xlsx = await client.get(statement(world) + "&format=xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book.active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][1] == reference
    assert values[1][6] == -1

    for body in (got.content.decode("utf-8-sig"), "".join(str(v) for row in values for v in row)):
        for canary in [*CANARIES.values(), ADDRESS]:
            assert canary not in body

    async with world.db.tenant_session(world.scheme.id) as session:
        downloads = list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "export.downloaded")))
    assert sorted(event.details["format"] for event in downloads) == ["csv", "xlsx"]
    assert {event.actor_user_id for event in downloads} == {world.coordinator.user_id}


async def test_an_unknown_format_is_not_found_and_another_partners_statement_is_not_a_leads(
    client: Client, world: World, settings: Settings
) -> None:
    await moved(world)
    await act_as(client, world.db, settings, world.coordinator)
    assert (await client.get(statement(world) + "&format=pdf")).status_code == 404
    await act_as(client, world.db, settings, world.partner)
    assert (await client.get(statement(world) + "&format=csv")).status_code == 404


async def test_the_balances_download_as_the_page_shows_them_and_a_lead_gets_only_their_own(
    client: Client, each_world: World, settings: Settings
) -> None:
    world = each_world
    await moved(world)
    ledger = f"/s/{world.scheme.slug}/ledger?format=csv"
    await act_as(client, world.db, settings, world.coordinator, world.scheme.slug)
    rows = list(csv.reader(io.StringIO((await client.get(ledger)).content.decode("utf-8-sig"))))
    assert rows[0] == ["Partner", "Bedrooms", "Owed", "Owing", "Net"]
    nets = {row[0]: int(row[4]) for row in rows[1:]}
    assert sorted(nets.values()) == [-1, 1]
    assert sum(nets.values()) == 0

    await act_as(client, world.db, settings, world.partner, world.scheme.slug)
    rows = list(csv.reader(io.StringIO((await client.get(ledger)).content.decode("utf-8-sig"))))
    assert [int(row[4]) for row in rows[1:]] == [1]


async def test_the_coordinators_list_downloads_every_referral_its_filters_find_not_one_page(
    client: Client, each_world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = each_world
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    made = [await world.submitted(world.domestic_abuse()) for _ in range(3)]
    withdrawn = await world.run(
        referrals.act, world.coordinator, made[0].id, Action.withdraw, version=made[0].version, note="x"
    )
    await act_as(client, world.db, settings, world.coordinator, world.scheme.slug)
    base = f"/s/{world.scheme.slug}/coordinator/referrals?state=submitted"
    page = await client.get(base)
    assert f'href="{base}&amp;format=csv"' in page.text
    got = await client.get(base + "&format=csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == list(listing.COLUMNS)
    assert sorted(row[0] for row in rows[1:]) == sorted(str(r.reference) for r in made[1:])
    assert withdrawn.reference not in got.text
    everything = await client.get(f"/s/{world.scheme.slug}/coordinator/referrals?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(everything.content)).active
    assert sheet is not None
    assert sorted(row[0].value for row in sheet.iter_rows(min_row=2)) == sorted(str(r.reference) for r in made)


async def test_a_named_leads_history_downloads_whole(client: Client, each_world: World, settings: Settings) -> None:
    world = each_world
    reference = await moved(world)
    await act_as(client, world.db, settings, world.partner, world.scheme.slug)
    got = await client.get(f"/s/{world.scheme.slug}/named-lead/history?format=csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["Date", "Reference", "What you did", "What became of it"]
    assert [row[1] for row in rows[1:]] == [reference]
