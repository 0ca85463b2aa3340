"""The coordinator's list of every referral: every state, the MOJ filters, sorting, pages by cursor, and a
referral's page still there once it has ended (two schemes)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reciprocal.db.engine import Database
from reciprocal.portals.coordinator import listing
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, sign_in
from support.world import County, World


def _base(world: World) -> str:
    return f"/s/{world.scheme.slug}/coordinator/referrals"


async def test_every_state_is_listed_and_each_filter_narrows_it(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    world = each_world
    checking = await world.submitted(world.domestic_abuse())
    ended = await world.submitted(world.domestic_abuse())
    ended = await world.run(
        referrals.act, world.coordinator, ended.id, Action.withdraw, version=ended.version, note="x"
    )
    circulating = await world.circulating(world.domestic_abuse())
    other_risk = await world.submitted(
        replace(world.domestic_abuse(), risk_type="serious_violence", risk_assessor_id=world.assessor.user_id)
    )
    refs = {r.reference for r in (checking, ended, circulating, other_risk)}
    assert None not in refs
    await sign_in(client, db, settings, world.coordinator, world.scheme.slug)
    base = _base(world)

    everything = await client.get(base)
    assert everything.status_code == 200
    text = visible_text(everything.text)
    assert "4 referrals" in text
    assert all(ref in text for ref in refs if ref)
    assert "Withdrawn" in text

    withdrawn = visible_text((await client.get(base, params={"state": "withdrawn"})).text)
    assert str(ended.reference) in withdrawn
    assert str(checking.reference) not in withdrawn
    assert "Remove this filter: Withdrawn" in withdrawn

    violence = visible_text((await client.get(base, params={"risk": "serious_violence"})).text)
    assert "1 referral " in violence
    assert str(other_risk.reference) in violence

    # The work queue's links: one stage chosen, as a removable tag whose link drops it.
    queue = await client.get(base, params={"state": "submitted"})
    ticked = (
        r'<input class="govuk-checkboxes__input" id="state-?\d*" name="state" type="checkbox" value="submitted" checked'
    )
    assert re.search(ticked, queue.text)
    assert f'href="{base}"' in queue.text  # removing the only filter

    landlord = world.domestic_abuse().current_landlord_id
    by_landlord = visible_text((await client.get(base, params={"landlord": str(landlord)})).text)
    assert "4 referrals" in by_landlord
    safe_area = sorted(world.domestic_abuse().safe_area_ids)[0]
    by_area = visible_text((await client.get(base, params={"area": str(safe_area), "state": "circulating"})).text)
    assert "1 referral " in by_area
    assert str(circulating.reference) in by_area

    assert checking.submitted_at is not None
    day = checking.submitted_at
    dated = {"submitted-from-day": str(day.day), "submitted-from-month": str(day.month)}
    dated["submitted-from-year"] = str(day.year + 1)
    later = visible_text((await client.get(base, params=dated)).text)
    assert "No referrals here" in later


async def test_wrong_dates_are_named_and_change_nothing(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    world = each_world
    mine = await world.submitted(world.domestic_abuse())
    await sign_in(client, db, settings, world.coordinator, world.scheme.slug)
    wrong = await client.get(
        _base(world),
        params={
            "submitted-from-day": "31",
            "submitted-from-month": "2",
            "submitted-from-year": "2026",
            "submitted-to-day": "1",
            "submitted-to-month": "",
            "submitted-to-year": "2026",
            "state": "nonsense",
        },
    )
    assert wrong.status_code == 400
    text = visible_text(wrong.text)
    assert "There is a problem" in text
    assert 'href="#submitted-from-day"' in wrong.text
    assert "Submitted from must be a real date" in text
    assert "Submitted to must include a day, month and year" in text
    assert "Select statuses from the list" in text
    assert 'value="31"' in wrong.text  # what was typed stays
    assert str(mine.reference) in text  # the list, unfiltered by the wrong dates
    backwards = await client.get(
        _base(world),
        params={
            "submitted-from-day": "2",
            "submitted-from-month": "3",
            "submitted-from-year": "2026",
            "submitted-to-day": "1",
            "submitted-to-month": "3",
            "submitted-to-year": "2026",
        },
    )
    assert "Submitted to must be the same as or after submitted from" in visible_text(backwards.text)


async def test_sorted_by_any_column_and_paged_by_cursor(
    client: Client, db: Database, settings: Settings, each_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = each_world
    made = [await world.submitted(world.domestic_abuse()) for _ in range(5)]
    references = [str(r.reference) for r in made]
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    await sign_in(client, db, settings, world.coordinator, world.scheme.slug)
    base = _base(world)

    def shown(html: str) -> list[str]:
        return [ref for ref in re.findall(r'/coordinator/referrals/[0-9a-f-]{36}">([^<]+)</a>', html)]

    first = await client.get(base, params={"sort": "reference", "order": "ascending"})
    assert 'aria-sort="ascending"' in first.text
    assert 'aria-sort="none"' in first.text
    assert shown(first.text) == references[:2]
    assert "OFFSET" not in first.text
    pages = [shown(first.text)]
    page = first
    while found := re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next">', page.text):
        page = await client.get(found.group(1).replace("&amp;", "&"))
        pages.append(shown(page.text))
    assert [ref for p in pages for ref in p] == references  # every one, once, in order
    back = re.search(r'href="([^"]+)" rel="prev"', page.text)
    assert back is not None
    previous = await client.get(back.group(1).replace("&amp;", "&"))
    assert shown(previous.text) == references[2:4]

    newest = await client.get(base)  # by submission, newest first
    assert 'aria-sort="descending"' in newest.text
    assert shown(newest.text) == references[::-1][:2]

    tampered = await client.get(base, params={"after": "not-a-cursor"})
    assert tampered.status_code == 200
    assert shown(tampered.text) == references[::-1][:2]


async def test_an_ended_referral_keeps_its_page_and_timeline(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    world = each_world
    referral = await world.circulating(world.domestic_abuse())
    await world.run(
        referrals.act,
        world.coordinator,
        referral.id,
        Action.withdraw,
        version=referral.version,
        note="No longer needed",
    )
    await sign_in(client, db, settings, world.coordinator, world.scheme.slug)
    listed = await client.get(_base(world), params={"state": "withdrawn"})
    assert f'href="{_base(world)}/{referral.id}"' in listed.text
    page = await client.get(f"{_base(world)}/{referral.id}")
    assert page.status_code == 200
    assert "moj-timeline" in page.text
    assert "Withdrawn" in visible_text(page.text)


async def test_another_scheme_s_referrals_never_appear(
    client: Client, db: Database, settings: Settings, world: World
) -> None:
    county = await County(db).build()
    theirs = await county.submitted(county.domestic_abuse())
    ours = await world.submitted(world.domestic_abuse())
    await sign_in(client, db, settings, world.coordinator)
    for params in ({}, {"state": "submitted"}, {"landlord": str(county.city_council)}, {"sort": "reference"}):
        page = await client.get(_base(world), params=params)
        assert str(theirs.reference) not in page.text, params
        assert str(theirs.id) not in page.text, params
    assert str(ours.reference) in (await client.get(_base(world))).text
    assert county.city_council
    assert str(county.city_council) not in (await client.get(_base(world))).text


async def test_the_list_counts_no_further_than_it_must(
    client: Client, db: Database, settings: Settings, each_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting every match would cost more as the scheme's history grows: past the cap the page says "more than"."""
    world = each_world
    monkeypatch.setattr(listing, "COUNTED_UP_TO", 2)
    for _ in range(3):
        await world.submitted(world.domestic_abuse())
    await sign_in(client, db, settings, world.coordinator, world.scheme.slug)
    assert "More than 2 referrals" in visible_text((await client.get(_base(world))).text)
    monkeypatch.setattr(listing, "COUNTED_UP_TO", 3)
    assert "3 referrals" in visible_text((await client.get(_base(world))).text)
