"""The areas' maps on the reports page (/s/{scheme}/reports): demand and supply per area, as maps and tables,
in both schemes."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date, timedelta
from html import unescape

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.services import current_criteria, publish_criteria
from reciprocal.identity.models import Role
from reciprocal.kernel.dates import today
from reciprocal.referrals import services as referrals
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, act_as, act_as_new_member
from support.world import County, World

ROW = re.compile(r'<th scope="row"[^>]*>([^<]*)</th>\s*<td[^>]*>([^<]*)</td>')


def section(html: str, key: str) -> str:
    found = re.search(rf'<section class="app-tile-map" aria-labelledby="{key}-heading">(.*?)</section>', html, re.S)
    assert found, f"no {key} map on the page"
    return found[1]


def table(html: str, key: str) -> dict[str, str]:
    """The map's table: area name (and the total's row) -> the figure as shown."""
    return {unescape(name): unescape(value) for name, value in ROW.findall(section(html, key))}


def tile_labels(html: str, key: str) -> list[str]:
    """Each tile's tooltip title in the map's SVG: "Camden: 5"."""
    svg = re.search(r"<svg class=\"app-tile-map__svg\".*?</svg>", section(html, key), re.S)
    assert svg
    return [unescape(t) for t in re.findall(r"<g [^>]*><title>([^<]*)</title>", svg[0])]


def url(world: World) -> str:
    return f"/s/{world.scheme.slug}/reports"


async def live_referrals(world: World) -> None:
    """Five live referrals naming the same safe areas (four circulating, one under offer), and one only
    submitted, which is not live and not counted."""
    answers = world.domestic_abuse()
    for _ in range(4):
        await world.circulating(answers)
    await world.offered(answers)
    await world.submitted(replace(answers))


async def test_demand_and_supply_per_area_as_hand_counted(
    client: Client, each_world: World, settings: Settings
) -> None:
    w = each_world
    await live_referrals(w)
    await act_as(client, w.db, settings, w.coordinator, w.scheme.slug)
    page = await client.get(url(w))
    assert page.status_code == 200, page.text

    safe = {
        World: ["Brent", "Hackney", "Islington", "Lewisham", "Southwark"],
        County: ["East Cambridgeshire", "Huntingdonshire", "Peterborough", "South Cambridgeshire"],
    }[type(w)]
    demand = table(page.text, "demand-safe-areas")
    assert len(demand) == {World: 33, County: 6}[type(w)] + 1, "every area once, and the total"
    for name, figure in demand.items():
        if name.startswith("All "):
            assert figure == str(5 * len(safe))
        else:
            assert figure == ("5" if name in safe else "0"), name
    labels = tile_labels(page.text, "demand-safe-areas")
    assert sorted(labels) == sorted(f"{n}: {v}" for n, v in demand.items() if not n.startswith("All "))

    # One offer, made today, in the partner's area: fewer than 5, and the total would give it away.
    offered_in = {World: "Islington", County: "South Cambridgeshire"}[type(w)]
    offers = table(page.text, "supply-offers")
    assert offers[offered_in] == "fewer than 5"
    assert offers[next(n for n in offers if n.startswith("All "))] == "withheld"
    assert all(v == "0" for n, v in offers.items() if n != offered_in and not n.startswith("All "))
    offers_svg = section(page.text, "supply-offers")
    assert f"<title>{offered_in}: fewer than 5</title>" in offers_svg
    assert ">1<" not in offers_svg, "the one offer is never drawn as a number"

    text = visible_text(page.text)
    assert "Supply: offers made" in text
    assert "Key" in text


async def test_one_schemes_moves_are_never_on_anothers_map(client: Client, world: World, settings: Settings) -> None:
    county = await County(world.db).build()
    await world.moved(world.domestic_abuse(), world.islington, world.islington_flat(), moved_on=_today())
    await act_as(client, world.db, settings, county.coordinator, county.scheme.slug)
    page = await client.get(url(county))
    moves = table(page.text, "supply-moves")
    assert set(moves.values()) == {"0"}
    assert "Islington" not in page.text

    await act_as(client, world.db, settings, world.coordinator)
    london = table((await client.get(url(world))).text, "supply-moves")
    assert london["Islington"] == "fewer than 5"


async def _no_debt_cap(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    published = await current_criteria(session, tenant_id)
    assert published is not None
    await publish_criteria(session, tenant_id, msgspec.structs.replace(published.criteria, partner_debt_cap=99))


def _today() -> date:
    return today()


async def test_a_funder_opens_the_report_and_a_named_lead_cannot(
    client: Client, each_world: World, settings: Settings
) -> None:
    w = each_world
    slug = w.scheme.slug
    await act_as_new_member(client, w.db, settings, slug, "funder@steering.example", [("coordinator", Role.funder)])
    page = await client.get(url(w))
    assert page.status_code == 200
    assert "Demand: safe" in visible_text(page.text)

    await act_as(client, w.db, settings, w.partner, slug)
    refused = await client.get(url(w))
    assert refused.status_code == 403


async def test_a_wrong_period_is_named_and_the_page_still_answers(
    client: Client, each_world: World, settings: Settings
) -> None:
    w = each_world
    await act_as(client, w.db, settings, w.coordinator, w.scheme.slug)
    page = await client.get(
        url(w),
        params={
            "period": "between",
            "from-day": "31",
            "from-month": "2",
            "from-year": "2026",
            "to-day": "x",
            "to-month": "",
            "to-year": "",
        },
    )
    assert page.status_code == 400
    text = visible_text(page.text)
    assert "There is a problem" in text
    assert "The start date must be a real date" in text
    assert "Enter the end date, with a day, month and year" in text
    assert 'href="#from-day"' in page.text

    backwards = await client.get(
        url(w),
        params={
            "period": "between",
            "from-day": "1",
            "from-month": "6",
            "from-year": "2026",
            "to-day": "1",
            "to-month": "5",
            "to-year": "2026",
        },
    )
    assert backwards.status_code == 400
    assert "The end date must be the same as or after the start date" in visible_text(backwards.text)

    chosen = await client.get(
        url(w),
        params={
            "period": "between",
            "from-day": "1",
            "from-month": "4",
            "from-year": "2025",
            "to-day": "31",
            "to-month": "3",
            "to-year": "2026",
        },
    )
    assert chosen.status_code == 200
    assert "Supply: moves, 1 April 2025 to 31 March 2026" in visible_text(chosen.text)


async def test_the_officer_sees_where_households_of_that_size_were_housed(
    client: Client, each_world: World, settings: Settings
) -> None:
    w = each_world
    answers = w.domestic_abuse()
    home = w.home()
    area = {World: "Islington", County: "South Cambridgeshire"}[type(w)]
    like = f"needing {answers.bedrooms_needed} bedrooms"
    await w.run(_no_debt_cap, w.scheme.id)  # one landlord's tenants move seven times here
    draft = await w.run(referrals.start_referral, w.officer)
    draft = await w.run(referrals.save_draft, w.officer, draft.id, answers, version=draft.version)
    page_url = f"/s/{w.scheme.slug}/referrals/{draft.id}/areas"
    await act_as(client, w.db, settings, w.officer, w.scheme.slug)

    await w.moved(answers, w.partner, home, moved_on=_today())
    text = visible_text((await client.get(page_url)).text)
    assert f"{area} Housed fewer than 5 households {like} here in the last year" in text

    # A bigger home is not a household of this size; a move more than a year ago is not the last year.
    bigger = replace(answers, bedrooms_needed=(answers.bedrooms_needed or 0) + 1)
    await w.moved(bigger, w.partner, replace(home, bedrooms=home.bedrooms + 1), moved_on=_today())
    await w.moved(answers, w.partner, home, moved_on=_today() - timedelta(days=400))
    for _ in range(4):
        await w.moved(answers, w.partner, home, moved_on=_today())
    page = await client.get(page_url)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert f"{area} Housed 5 households {like} here in the last year" in text
    assert f"households {like} housed here in the last year" in text, "the other areas say none"
    assert f"See on a map where households {like} were housed" in text
    assert f"<title>{area}: 5</title>" in page.text

    # Before the bedrooms are answered, households of the same size are counted instead.
    unsized = replace(answers, bedrooms_needed=None)
    draft = await w.run(referrals.start_referral, w.officer)
    draft = await w.run(referrals.save_draft, w.officer, draft.id, unsized, version=draft.version)
    people = answers.adults + len(answers.children_ages)
    text = visible_text((await client.get(f"/s/{w.scheme.slug}/referrals/{draft.id}/areas")).text)
    assert f"{area} Housed 6 households of {people} people here in the last year" in text
