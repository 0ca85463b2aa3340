"""A carried-out hand-over's report, for the operator and both schemes' admins: on a page and as CSV.

References, reasons, partner names and counts only: what `CohortHandover.report` holds (cohorts.moving).
"""

from __future__ import annotations

from typing import Any

from reciprocal.cohorts.models import CohortHandover
from reciprocal.kernel.tables import Table, Workbook

BALANCE_COLUMNS = ("Partner", "Bedrooms", "Owed by the pot", "Owing to the pot", "Net")


def _balances(rows: list[dict[str, Any]]) -> list[tuple[str, str, int, int, int]]:
    return [
        (b["partner"], "Any size" if b["bedrooms"] is None else str(b["bedrooms"]), b["owed"], b["owing"], b["net"])
        for b in rows
    ]


def workbook(request: CohortHandover, giving: str, receiving: str) -> Workbook:
    report = request.report or {}
    balances = report.get("balances", {})
    return Workbook(
        name="cohort-handover",
        title=f"Hand-over of the {request.risk_type} cohort from {giving} to {receiving}",
        tables=[
            Table(
                name="moved",
                title="Moved",
                columns=(f"Reference in {giving} (formerly)", f"Reference in {receiving}"),
                rows=[(m["from_reference"], m["to_reference"]) for m in report.get("moved", [])],
            ),
            Table(
                name="stayed",
                title=f"Stayed in {giving}",
                columns=("Reference", "Why it stayed"),
                rows=[(s["reference"], s["reason"]) for s in report.get("stayed", [])],
            ),
            Table(
                name="balances-giving",
                title=f"Balances in {giving} at the hand-over",
                columns=BALANCE_COLUMNS,
                rows=_balances(balances.get("from", [])),
            ),
            Table(
                name="balances-receiving",
                title=f"Balances in {receiving} at the hand-over",
                columns=BALANCE_COLUMNS,
                rows=_balances(balances.get("to", [])),
            ),
        ],
    )
