"""A headline never gives back what a breakdown of it withheld: the supply maps' totals count too."""

from __future__ import annotations

from datetime import date

from reciprocal.portals.reports.presenters import build
from reciprocal.reports.periods import Kind, Period
from reciprocal.reports.services import Counts, StageTime
from reciprocal.reports.suppression import WITHHELD, Figure, figure

MARCH = Period(Kind.month, date(2026, 3, 1), date(2026, 3, 31))


def funnel(report_counts: Counts, supply: list[Figure]) -> dict[str, str]:
    return {h.words: str(h.figure) for h in build(MARCH, report_counts, supply).funnel}


def test_offers_withheld_on_the_map_are_withheld_in_the_headline() -> None:
    counts = Counts(offers=6)
    assert funnel(counts, [figure(6), figure(0)])["Offers of a property"] == "6"
    assert funnel(counts, [Figure(None, WITHHELD), figure(0)])["Offers of a property"] == WITHHELD


def test_a_stage_time_never_names_a_small_count() -> None:
    counts = Counts(stage_times=[StageTime("approved", "Submitted to approved", 1, 2.0, 2.0)])
    labels = build(MARCH, counts, [figure(0), figure(0)]).charts[2].categories
    assert labels == ["Submitted to approved (fewer than 5 referrals)"]
