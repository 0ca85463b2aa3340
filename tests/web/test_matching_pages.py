"""Matching through HTTP in both schemes: the named lead's property page, the partners a referral reaches on the
coordinator's referral page, and the direct arrangements page; and the matching page carries no canary."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from urllib.parse import urlencode

import pytest

from people import actor
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.settings import Settings
from support import visible_text
from support.matching import cast
from support.scheduled import CANARIES
from support.web import Client, sign_in
from support.world import Desk, World, assert_anonymised

SCHEMES = pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])


def _property(area, bedrooms: int = 2, floor: str = "1") -> str:  # type: ignore[no-untyped-def]
    fields = {
        "area_id": str(area),
        "bedrooms": str(bedrooms),
        "floor": floor,
        "accessibility": "",
        "available_from-day": "1",
        "available_from-month": "12",
        "available_from-year": "2026",
    }
    return urlencode(fields)


@SCHEMES
async def test_a_named_lead_enters_a_property_and_sees_the_referrals_it_fits_oldest_first(
    client: Client, db: Database, settings: Settings, slug: str
) -> None:
    c = await cast(db, slug)
    other = await cast(db, "cambridgeshire" if slug == "pan-london" else "pan-london")
    lead = await c.lead("b")
    oldest = await c.referral(c.a, safe=(c.area_b,))
    newer = await c.referral(c.c, safe=(c.area_b,))
    await c.referral(c.a, safe=(c.area_c,))
    await other.referral(other.a, safe=(other.area_b,))
    await sign_in(client, db, settings, lead, slug)
    base = f"/s/{slug}/named-lead/matching"

    form = await client.get(base)
    assert form.status_code == 200
    assert "Find referrals" in form.text
    assert "Referrals this property fits" not in form.text

    page = await client.get(f"{base}?{_property(c.area_b)}")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "2 referrals this property fits, the longest waiting first" in text
    assert text.index(f"{c.scheme.reference_prefix}-2026-9001") < text.index(f"{c.scheme.reference_prefix}-2026-9002")
    assert f'href="/s/{slug}/named-lead/referrals/{newer}/offer?' in page.text
    assert f"{other.scheme.reference_prefix}-2026-" not in text

    # Going to offer from there: the offer form, filled in with the property entered.
    link = re.search(rf'href="(/s/{slug}/named-lead/referrals/{oldest}/offer\?[^"]+)"', page.text)
    assert link
    offer = await client.get(unescape(link[1]))
    assert offer.status_code == 200
    assert re.search(r'name="floor"[^>]*value="1"', offer.text)
    assert re.search(rf'<option value="{c.area_b}" selected', offer.text)


@SCHEMES
async def test_a_property_with_a_field_wrong_is_told_which_and_nothing_is_listed(
    client: Client, db: Database, settings: Settings, slug: str
) -> None:
    c = await cast(db, slug)
    lead = await c.lead("b")
    await c.referral(c.a, safe=(c.area_b,))
    await sign_in(client, db, settings, lead, slug)
    base = f"/s/{slug}/named-lead/matching"
    missing = await client.get(f"{base}?{_property(c.area_b).replace('bedrooms=2', 'bedrooms=')}")
    assert missing.status_code == 400
    assert "Enter the number of bedrooms" in visible_text(missing.text)
    assert "Referrals this property fits" not in missing.text
    elsewhere = await client.get(f"{base}?{_property(c.area_c)}")  # an area the partner does not cover
    assert elsewhere.status_code == 400
    assert "Select an area where your organisation has properties" in visible_text(elsewhere.text)
    another_scheme = await client.get(
        f"{base}?{_property((await cast(db, 'pan-london' if slug != 'pan-london' else 'cambridgeshire')).area_b)}"
    )
    assert another_scheme.status_code == 400


async def test_the_matching_page_carries_no_canary(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await desk.circulating(replace(desk.domestic_abuse(), **CANARIES))
    await sign_in(client, db, settings, desk.partner)
    page = await client.get(f"/s/pan-london/named-lead/matching?{_property(desk.islington_area)}")
    assert page.status_code == 200
    assert referral.reference in page.text
    assert "Access needs given" in visible_text(page.text)
    assert_anonymised(page, *CANARIES.values())


async def test_the_coordinators_referral_page_says_which_partners_it_reaches_and_why_not_the_others(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    w = each_world
    referral = await w.circulating(w.domestic_abuse())
    await sign_in(client, db, settings, w.coordinator, w.scheme.slug)
    page = await client.get(f"/s/{w.scheme.slug}/coordinator/referrals/{referral.id}")
    text = visible_text(page.text)
    assert "Partners who could house this household" in text
    assert f"{w.partner.organisation_name} Yes" in text
    assert f"{w.landlord.organisation_name} covers none of the safe areas and is the current landlord" in text


@SCHEMES
async def test_the_coordinator_sees_a_pair_of_landlords_who_could_house_each_others_applicants(
    client: Client, db: Database, settings: Settings, slug: str
) -> None:
    c = await cast(db, slug)
    await c.referral(c.a, safe=(c.area_b,))
    await c.referral(c.b, safe=(c.area_a,))
    coordinator = await actor(db, slug, "coordinator", Role.coordinator)
    await sign_in(client, db, settings, coordinator, slug)
    home = await client.get(f"/s/{slug}/coordinator/")
    assert f'href="/s/{slug}/coordinator/arrangements"' in home.text
    page = await client.get(f"/s/{slug}/coordinator/arrangements")
    assert page.status_code == 200
    text = visible_text(page.text)
    prefix = c.scheme.reference_prefix
    assert f"Pair 1: {prefix}-2026-9001 and {prefix}-2026-9002" in text
    assert "Pair 2" not in text
    assert "No three circulating referrals' landlords could house each other's households in a ring now" in text
