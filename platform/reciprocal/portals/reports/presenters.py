"""The reports page's figures as it may show them: every count a suppression.Figure, every breakdown a suppressed Group.

A headline count that is also the total of breakdowns on the page is withheld whenever any of those
breakdowns had to withhold its total: else the headline would give back what the breakdown protects.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reciprocal.kernel.tables import Cell, Table, Workbook
from reciprocal.reports import charts
from reciprocal.reports.periods import Period
from reciprocal.reports.services import Counts, StageTime
from reciprocal.reports.suppression import FEWER, THRESHOLD, WITHHELD, Figure, Group, figure, share, suppress

ANSWERS = {
    "gender": ("Gender", {"woman": "Woman", "man": "Man", "non_binary": "Non-binary", "another": "In another way"}),
    "lone_parent": ("Lone parent", {"yes": "Yes", "no": "No"}),
    "disability": ("Disability", {"yes": "Yes", "no": "No"}),
}
"""The monitoring answers a report shows (as portals/officer/forms.MONITORING words them)."""
NOT_SAID = {"not_said": "Prefer not to say", None: "Not answered"}


@dataclass(frozen=True)
class Headline:
    words: str
    figure: Figure


@dataclass(frozen=True)
class Report:
    period: Period
    funnel: list[Headline]
    moved_elsewhere: Figure
    stalled: Figure
    charts: list[charts.Chart]
    tables: list[Table]
    """Breakdowns with no chart of their own, in the page's order."""
    monitoring: list[Table]
    shares: list[Headline]
    """The headline shares: fleeing each risk, lone female parents, disability."""
    share_words: dict[str, str]


def headline(value: int, *groups: Group[Any]) -> Figure:
    """`value` standing alone, unless a breakdown of it withheld its total."""
    if any(group.total.withheld for group in groups):
        return Figure(None, FEWER if 0 < value < THRESHOLD else WITHHELD)
    return figure(value)


def _referrals(count: int) -> str:
    return f"{figure(count)} referrals"


def _days(days: float) -> str:
    rounded = round(days, 1)
    return f"{rounded:g} day" if rounded == 1 else f"{rounded:g} days"


def _stage_measure(stage: StageTime, days: float | None) -> charts.Measure:
    if stage.count == 0:
        return charts.Measure(None, "no cases")
    if stage.count < THRESHOLD or days is None:
        return charts.Measure(None, WITHHELD)
    return charts.Measure(round(days, 1), _days(days))


def build(period: Period, counts: Counts, supply: Sequence[Figure] = ()) -> Report:
    """What the page shows for `counts`: nothing leaves here that suppression did not pass. `supply` are the
    totals of the supply maps (offers made, moves: reports.area_maps), whose areas are the report's breakdown by
    area: where a map withholds its total, the headline it totals is withheld too."""
    offers_by_area, moves_by_area = (Group[str]({}, total) for total in (supply or (figure(0), figure(0))))
    months = list(period.months())
    month_words = [f"{charts.MONTH_ABBR[m.month - 1]} {m.year}" for m in months]
    monthly = {
        series: suppress({m: counts.monthly.get(series, {}).get(m, 0) for m in months})
        for series in ("enquiries", "submitted", "moves")
    }
    risks: dict[str | None, str] = {None: "Not said"}
    risks.update(counts.risk_labels)
    by_risk = suppress(counts.submitted_by_risk)
    moves_by_risk = suppress(counts.moves_by_risk)
    by_landlord = suppress(counts.submitted_by_landlord)
    receiving = suppress(counts.moves_by_receiving)
    sending = suppress(counts.moves_by_sending)
    monitoring = {key: suppress(counts.monitoring.get(key, {})) for key in ANSWERS}

    submitted = headline(counts.submitted, monthly["submitted"], by_risk, by_landlord, *monitoring.values())
    moves = headline(counts.moves, monthly["moves"], moves_by_risk, receiving, sending, moves_by_area)
    funnel = [
        Headline("Enquiries", headline(counts.enquiries, monthly["enquiries"])),
        Headline("Referrals submitted", submitted),
        Headline("Approved by their landlord", figure(counts.approved)),
        Headline("Circulated to partners", figure(counts.circulated)),
        Headline("Offers of a property", headline(counts.offers, offers_by_area)),
        Headline("Moves", moves),
        # People moved, with the moves withheld, would tell how many households (and how big) moved.
        Headline(
            "Adults and children moved", Figure(None, WITHHELD) if moves.withheld else figure(counts.people_moved)
        ),
    ]
    trend = charts.Chart(
        "monthly",
        "Each month",
        f"Enquiries, referrals submitted and moves in each month of {period.label}.",
        "Month",
        month_words,
        [
            charts.Series("Enquiries", [monthly["enquiries"].cells[m] for m in months]),
            charts.Series("Referrals submitted", [monthly["submitted"].cells[m] for m in months]),
            charts.Series("Moves", [monthly["moves"].cells[m] for m in months]),
        ],
    )
    funnel_chart = charts.Chart(
        "funnel",
        "From enquiry to move",
        f"How many reached each stage in {period.label}: " + "; ".join(f"{h.words} {h.figure}" for h in funnel) + ".",
        "Stage",
        [h.words for h in funnel],
        [charts.Series("Number", [h.figure for h in funnel])],
    )
    stages = counts.stage_times
    stage_chart = charts.Chart(
        "stage-times",
        "Time between stages",
        "Median and 90th percentile days between stages, for referrals that reached the later stage in "
        f"{period.label}. Not shown for fewer than {THRESHOLD} referrals.",
        "Stage",
        [f"{s.words} ({_referrals(s.count)})" for s in stages],
        [
            charts.Series("Median", [_stage_measure(s, s.median_days) for s in stages]),
            charts.Series("90th percentile", [_stage_measure(s, s.p90_days) for s in stages]),
        ],
    )
    names = counts.names
    landlords: set[uuid.UUID | None] = {*by_landlord.cells, *receiving.cells, *sending.cells}
    landlord_rows: list[Sequence[Cell]] = sorted(
        (
            [
                names.get(key, "Not known") if key else "Not said",
                by_landlord.cells.get(key, figure(0)),
                sending.cells.get(key, figure(0)) if key else figure(0),
                receiving.cells.get(key, figure(0)) if key else figure(0),
            ]
            for key in landlords
        ),
        key=lambda r: str(r[0]),
    )
    landlord_rows.append(["Total", by_landlord.total, sending.total, receiving.total])
    risk_rows: list[Sequence[Cell]] = [
        [risks.get(key, key or "Not said"), by_risk.cells.get(key, figure(0)), moves_by_risk.cells.get(key, figure(0))]
        for key in sorted({*by_risk.cells, *moves_by_risk.cells}, key=lambda k: risks.get(k, k or ""))
    ]
    risk_rows.append(["Total", by_risk.total, moves_by_risk.total])
    tables = [
        Table("risk-types", "By risk type", ["Risk type", "Referrals submitted", "Moves"], risk_rows),
        Table(
            "landlords",
            "By landlord",
            ["Landlord", "Referrals of its tenants", "Its tenants moved", "Households it received"],
            landlord_rows,
        ),
    ]
    monitoring_tables = [_answers_table(key, monitoring[key]) for key in ANSWERS]
    # Protected with the other lone parents, whose count the lone parent table gives: else the difference
    # between the two would show how many lone parents are not women.
    lone_yes = counts.monitoring.get("lone_parent", {}).get("yes", 0)
    lone_female = suppress({"women": counts.lone_female_parents, "others": lone_yes - counts.lone_female_parents})
    lone_female_cell = lone_female.cells["women"]
    disabled = monitoring["disability"].cells.get("yes", figure(0))
    shares = [
        Headline(f"fleeing {risks.get(key, 'a risk not said').lower()}", cell)
        # In the words' order, not the counts': an order by size would rank the withheld ones.
        for key, cell in sorted(by_risk.cells.items(), key=lambda kv: risks.get(kv[0], kv[0] or ""))
    ]
    shares += [Headline("lone female parents", lone_female_cell), Headline("with a disability", disabled)]
    share_words = {h.words: share(h.figure, submitted) for h in shares}
    return Report(
        period,
        funnel,
        figure(counts.moved_elsewhere),
        figure(counts.stalled),
        [funnel_chart, trend, stage_chart],
        tables,
        monitoring_tables,
        shares,
        share_words,
    )


def _answers_table(key: str, group: Group[str | None]) -> Table:
    heading, words = ANSWERS[key]
    labels: dict[str | None, str] = dict(NOT_SAID)
    labels.update(words)
    order: list[str | None] = [*words, *NOT_SAID]
    rows: list[Sequence[Cell]] = [
        [labels.get(answer, "Not answered"), cell, share(cell, group.total)]
        for answer, cell in sorted(group.cells.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    ]
    rows.append(["Total", group.total, ""])
    return Table(f"monitoring-{key.replace('_', '-')}", heading, [heading, "Referrals", "Share"], rows)


def workbook(report: Report, maps: list[Table], scheme_name: str) -> Workbook:
    """The whole report as its download carries it: the headlines, every chart's and breakdown's table, the
    monitoring shares and the maps' tables, each exactly as the page shows it."""
    headlines = Table(
        "headlines",
        "Headlines",
        ("Figure", "Count"),
        [
            *((h.words, h.figure) for h in report.funnel),
            ("Housed through another pathway", report.moved_elsewhere),
            ("Stalled today", report.stalled),
            *((h.words, h.figure) for h in report.shares),
        ],
    )
    return Workbook(
        name=f"report-{report.period.first.isoformat()}-to-{report.period.last.isoformat()}",
        title=f"{scheme_name}: {report.period.label}",
        tables=[headlines, *(c.table for c in report.charts), *report.tables, *report.monitoring, *maps],
    )
