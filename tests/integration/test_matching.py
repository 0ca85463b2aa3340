"""Matching on hand-built fixtures in both schemes: the referrals a property fits, the partners a referral reaches
and why the others are not, and direct arrangements (pairs and rings of three), nothing false among them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from people import area_ids, organisation_id
from reciprocal.db.engine import Database
from reciprocal.kernel import dates
from reciprocal.referrals import matching, pauses
from reciprocal.referrals.fit import Property
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Area
from support.matching import Cast, cast

SCHEMES = pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
LIKE_FOR_LIKE = {"pan-london": True, "cambridgeshire": False}


def flat(area, *, bedrooms: int = 2, floor: int | None = 3, accessibility: str = "") -> Property:  # type: ignore[no-untyped-def]
    return Property(area, bedrooms, floor, accessibility, date(2026, 12, 1), "")


async def _fits(c: Cast, offer: Property) -> matching.Fits:
    async with c.db.tenant_session(c.scheme.id) as session:
        return await matching.referrals_fitting(session, c.scheme.id, c.b, offer)


@SCHEMES
async def test_a_property_fits_exactly_the_circulating_referrals_it_could_house_oldest_first(
    db: Database, slug: str
) -> None:
    here, other = await cast(db, slug), await cast(db, "cambridgeshire" if slug == "pan-london" else "pan-london")
    oldest = await here.referral(here.a, safe=(here.area_b, here.area_c))
    newer = await here.referral(here.c, safe=(here.area_b,))
    anywhere_but_risk = await here.referral(here.a, risk=(here.area_c,))
    await here.referral(here.a, safe=(here.area_c,))  # not in the property's area
    await here.referral(here.a, risk=(here.area_b,))  # at risk there
    bigger = await here.referral(here.a, safe=(here.area_b,), bedrooms=3)
    floor_need = await here.referral(here.a, safe=(here.area_b,), floor_need=True)
    await here.referral(here.b, safe=(here.area_b,))  # the partner's own tenant
    await here.referral(here.a, safe=(here.area_b,), state=State.approved)  # not yet circulated
    await here.referral(here.a, safe=(here.area_b,), state=State.offer_made)  # under offer already
    theirs = await other.referral(other.a, safe=(other.area_b,))

    like_for_like = LIKE_FOR_LIKE[slug]
    found = await _fits(here, flat(here.area_b))
    expected = [oldest, newer, anywhere_but_risk] + ([] if like_for_like else [bigger])
    assert found.referral_ids == sorted(expected, key=[oldest, newer, anywhere_but_risk, bigger].index)
    assert found.total == len(expected)
    assert theirs not in found.referral_ids

    # A ground floor (or a lift) meets an evidenced floor level need; a house does too.
    for suits in (flat(here.area_b, floor=0), flat(here.area_b, floor=None), flat(here.area_b, accessibility="Lift")):
        assert floor_need in (await _fits(here, suits)).referral_ids
    three_beds = await _fits(here, flat(here.area_b, bedrooms=3))
    assert bigger in three_beds.referral_ids
    assert (oldest in three_beds.referral_ids) != like_for_like
    assert (await _fits(here, flat(here.area_c))).referral_ids == []  # an area the partner does not cover


@SCHEMES
async def test_a_page_of_fitting_referrals_says_how_many_fit_in_all(
    db: Database, slug: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = await cast(db, slug)
    monkeypatch.setattr(matching, "SHOWN", 2)
    made = [await here.referral(here.a, safe=(here.area_b,)) for _ in range(3)]
    found = await _fits(here, flat(here.area_b))
    assert (found.referral_ids, found.total) == (made[:2], 3)


async def _reach(c: Cast, referral_id) -> dict:  # type: ignore[no-untyped-def,type-arg]
    async with c.db.tenant_session(c.scheme.id) as session:
        referral = await session.get(Referral, (c.scheme.id, referral_id))
        assert referral is not None
        return {p.partner_id: p for p in await matching.who_could_house(session, referral)}


@SCHEMES
async def test_the_referral_reaches_a_partner_covering_a_safe_area_with_a_named_lead(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    await c.lead("b")
    found = await _reach(c, await c.referral(c.a, safe=(c.area_b,)))
    assert found[c.b].reached
    assert found[c.b].area_ids == {c.area_b}


@SCHEMES
async def test_the_current_landlord_is_not_reached(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    await c.lead("a")
    found = await _reach(c, await c.referral(c.a, safe=(c.area_a, c.area_b)))
    assert found[c.a].why_not == ("is the current landlord",)


@SCHEMES
async def test_a_partner_covering_none_of_the_safe_areas_is_not_reached(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    await c.lead("c")
    found = await _reach(c, await c.referral(c.a, safe=(c.area_b,)))
    assert found[c.c].why_not == ("covers none of the safe areas",)


@SCHEMES
async def test_with_no_safe_areas_a_partner_covering_only_risk_areas_is_not_reached(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    await c.lead("c")
    await c.lead("b")
    found = await _reach(c, await c.referral(c.a, risk=(c.area_c,)))
    assert found[c.c].why_not == ("covers only the risk areas",)
    assert found[c.b].reached


@SCHEMES
async def test_a_paused_partner_is_not_reached_until_its_pause_ends(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    lead = await c.lead("b")
    referral = await c.referral(c.a, safe=(c.area_b,))
    until = dates.today() + timedelta(days=10)
    async with db.tenant_session(c.scheme.id) as session, session.begin():
        await pauses.pause(session, lead, c.b, until=until, reason="absence")
    found = await _reach(c, referral)
    assert found[c.b].why_not == (f"has paused new circulations until {dates.govuk_date(until)}",)


@SCHEMES
async def test_a_partner_with_no_named_lead_is_not_reached(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    found = await _reach(c, await c.referral(c.a, safe=(c.area_b,)))
    assert found[c.b].why_not == ("has no named lead",)


async def _arrangements(c: Cast) -> matching.Arrangements:
    async with c.db.tenant_session(c.scheme.id) as session:
        return await matching.direct_arrangements(session, c.scheme.id)


def _moves(legs) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    return [(leg.referral_id, leg.landlord_id, leg.housed_by_id) for leg in legs]


@SCHEMES
async def test_a_pair_is_found_once_and_a_one_way_near_miss_is_not(db: Database, slug: str) -> None:
    c, other = await cast(db, slug), await cast(db, "cambridgeshire" if slug == "pan-london" else "pan-london")
    x = await c.referral(c.a, safe=(c.area_b,))
    y = await c.referral(c.b, safe=(c.area_a,))
    await c.referral(c.a, safe=(c.area_c,))  # A could house Y, but C has no tenant referred for A or B to house
    await other.referral(other.a, safe=(other.area_b,))
    await other.referral(other.b, safe=(other.area_a,))
    found = await _arrangements(c)
    assert [_moves(pair) for pair in found.pairs] == [[(x, c.a, c.b), (y, c.b, c.a)]]
    assert found.rings == []
    assert found.pairs[0][0].area_ids == {c.area_b}


@SCHEMES
async def test_a_ring_of_three_is_found_once_not_once_per_rotation(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    x = await c.referral(c.a, safe=(c.area_b,))  # housed by B
    y = await c.referral(c.b, safe=(c.area_c,))  # housed by C
    z = await c.referral(c.c, safe=(c.area_a,))  # housed by A
    found = await _arrangements(c)
    assert found.pairs == []
    assert [sorted(_moves(ring)) for ring in found.rings] == [sorted([(x, c.a, c.b), (y, c.b, c.c), (z, c.c, c.a)])]


@SCHEMES
async def test_bedrooms_must_match_for_a_pair_where_the_scheme_counts_like_for_like(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    await c.referral(c.a, safe=(c.area_b,), bedrooms=2)
    await c.referral(c.b, safe=(c.area_a,), bedrooms=3)
    found = await _arrangements(c)
    assert len(found.pairs) == (0 if LIKE_FOR_LIKE[slug] else 1)


@SCHEMES
async def test_a_paused_landlord_makes_no_arrangement(db: Database, slug: str) -> None:
    c = await cast(db, slug)
    lead = await c.lead("b")
    await c.referral(c.a, safe=(c.area_b,))
    await c.referral(c.b, safe=(c.area_a,))
    async with db.tenant_session(c.scheme.id) as session, session.begin():
        await pauses.pause(session, lead, c.b, until=dates.today() + timedelta(days=3), reason="no_stock")
    assert (await _arrangements(c)).pairs == []


async def test_the_toolkits_southwark_and_brent_applicants_are_found_as_a_pair(db: Database) -> None:
    """The toolkit's case: a Southwark tenant who could live in Brent, and a Brent tenant fleeing risk in 28
    boroughs (safe anywhere else, Southwark among them): their landlords could each house the other's household."""
    c = await cast(db, "pan-london")
    tid = c.scheme.id
    southwark, brent = (
        await organisation_id(db, tid, "southwark-council"),
        await organisation_id(db, tid, "brent-council"),
    )
    async with db.tenant_session(tid) as session:
        codes = list(await session.scalars(select(Area.code).where(Area.tenant_id == tid).order_by(Area.code)))
    safe_for_her = await area_ids(db, tid, "brent", "ealing", "harrow", "barnet", "enfield")
    risky = [code for code in codes if code not in ("southwark", "bexley", "sutton", "kingston-upon-thames", "croydon")]
    assert len(risky) == 28
    assert "brent" in risky
    hers = await c.referral(southwark, safe=tuple(safe_for_her), risk=tuple(await area_ids(db, tid, "southwark")))
    theirs = await c.referral(brent, risk=tuple(await area_ids(db, tid, *risky)))
    found = await _arrangements(c)
    assert [_moves(pair) for pair in found.pairs] == [[(hers, southwark, brent), (theirs, brent, southwark)]]
