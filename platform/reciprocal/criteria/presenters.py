"""The criteria in words: the rules-by-risk table the public page shows, built here rather than in Jinja."""

from __future__ import annotations

from dataclasses import dataclass

from reciprocal.criteria.schemas import Criteria, RiskType
from reciprocal.kernel.words import plural

Cell = dict[str, str]
"""A cell as GOV.UK Frontend's table macro takes it: {"text": ...}."""


@dataclass(frozen=True)
class RulesTable:
    head: list[Cell]
    """'Rule', then each risk type's label."""
    rows: list[list[Cell]]
    """Each rule in words, then 'Yes', 'No' or a number per risk type."""


def rules_table(criteria: Criteria, area_term: str) -> RulesTable:
    types = criteria.risk_types
    safe_minimums = {r.min_safe_areas for r in types if r.name_safe_areas}
    one_minimum = next(iter(safe_minimums)) if len(safe_minimums) == 1 else None
    caps = {r.offers_cap for r in types if r.offers_cap is not None}
    capped_at_one = caps <= {1}

    def safe(r: RiskType) -> str:
        if not r.name_safe_areas:
            return "No"
        return "Yes" if one_minimum else f"Yes, at least {r.min_safe_areas}"

    def offers(r: RiskType) -> str:
        if r.offers_cap is None:
            return "No"
        return "Yes" if capped_at_one else f"Yes, at most {r.offers_cap}"

    def yes(flag: bool) -> str:
        return "Yes" if flag else "No"

    safe_rule = (
        f"Name at least {one_minimum} safe {plural(area_term, one_minimum)}"
        if one_minimum
        else f"Name safe {area_term}s"
    )
    rules: list[tuple[str, list[str]]] = [
        (f"Name risk {area_term}s", [yes(r.name_risk_areas) for r in types]),
        (safe_rule, [safe(r) for r in types]),
        ("Risk assessor required", [yes(r.risk_assessor_required) for r in types]),
        ("Offers capped at one" if capped_at_one else "Offers capped", [offers(r) for r in types]),
        ("Support and aftercare in place", [yes(r.aftercare_required) for r in types]),
    ]
    return RulesTable(
        head=[{"text": text} for text in ("Rule", *(r.label for r in types))],
        rows=[[{"text": text} for text in (name, *cells)] for name, cells in rules],
    )
