"""The public checker's answer, from the scheme's current criteria: pure, no I/O, nothing kept but the outcome."""

from __future__ import annotations

from dataclasses import dataclass

from reciprocal.criteria.schemas import Criteria, RiskType
from reciprocal.kernel.words import plural

OTHER_RISK = "other"
"""The checker's answer for a risk the criteria do not list."""
DUTY = "duty_to_house"
"""The checker's answer for someone a housing partner has accepted a duty to house."""
NO_TENANCY = "none"


@dataclass(frozen=True)
class CheckAnswers:
    """What the checker asked: keys only, never anything typed."""

    risk_type: str = ""
    tenancy: str = ""
    safe_areas: str = ""
    """'yes' or 'no': can the officer name the safe areas the risk type needs (asked of every risk type)."""
    assessor: str = ""
    """'yes' or 'no': is there a risk assessor (e.g. police) to confirm an offered area is safe."""


@dataclass(frozen=True)
class CheckResult:
    outcome: str
    """A key of enquiries.services.OUTCOMES."""
    could_help: bool
    risk: RiskType | None
    reasons: list[str]
    """Why the scheme could not help yet, or cannot, in plain words."""
    ready: list[str]
    """What the nominating officer needs ready to refer."""


def tenancy_choices(criteria: Criteria) -> list[tuple[str, str]]:
    """The checker's tenancy question: the criteria's tenancy types, a duty to house where accepted, none."""
    choices = [(t.key, t.label) for t in criteria.eligibility.tenancy_types]
    if criteria.eligibility.duty_to_house:
        choices.append((DUTY, "A housing partner has accepted a duty to house them (for example, a care leaver)"))
    choices.append((NO_TENANCY, "None of these"))
    return choices


def problems(criteria: Criteria, answers: CheckAnswers) -> list[tuple[str, str]]:
    """What the checker's form is missing: (field id, what to do)."""
    found: list[tuple[str, str]] = []
    if answers.risk_type != OTHER_RISK and criteria.risk_type(answers.risk_type) is None:
        found.append(("risk-type", "Select the risk your client faces"))
    if answers.tenancy not in {key for key, _ in tenancy_choices(criteria)}:
        found.append(("tenancy", "Select your client's tenancy, or None of these"))
    risk = criteria.risk_type(answers.risk_type)
    if risk is not None and risk.name_safe_areas and answers.safe_areas not in ("yes", "no"):
        found.append(("safe-areas", "Select whether you can name enough safe areas"))
    if risk is not None and risk.risk_assessor_required and answers.assessor not in ("yes", "no"):
        found.append(("assessor", "Select whether a risk assessor can confirm an area is safe"))
    return found


def check(criteria: Criteria, answers: CheckAnswers, area_term: str) -> CheckResult:
    """Whether the scheme could help, and what the officer needs ready, by the criteria's own rules."""
    risk = criteria.risk_type(answers.risk_type)
    areas = f"{area_term}s"
    reasons: list[str] = []
    if risk is None:
        kinds = ", ".join(r.label.lower() for r in criteria.risk_types)
        reasons.append(f"The scheme helps people fleeing {kinds}.")
    if answers.tenancy == NO_TENANCY:
        reasons.append(
            "The applicant must hold one of the tenancies the criteria list"
            + (", or be owed a duty to house." if criteria.eligibility.duty_to_house else ".")
        )
    if reasons:
        return CheckResult("not_eligible", False, risk, reasons, [])
    assert risk is not None
    ready = [f"The {areas} where your client is at risk."] if risk.name_risk_areas else []
    if risk.name_safe_areas:
        safe = f"{risk.min_safe_areas} safe {plural(area_term, risk.min_safe_areas)}"
        ready.append(f"At least {safe} where your client could live.")
        if answers.safe_areas == "no":
            reasons.append(f"For {risk.label.lower()}, a referral must name at least {safe}.")
    if risk.risk_assessor_required:
        ready.append("A risk assessor (for example, the police) who will confirm an offered area is safe.")
        if answers.assessor == "no":
            reasons.append(f"For {risk.label.lower()}, a risk assessor must confirm an offered area is safe.")
    if risk.aftercare_required:
        ready.append("Support and aftercare in place for your client after the move.")
    ready.append("Your client's consent to the referral.")
    outcome = "advice_given" if reasons else "likely_eligible"
    return CheckResult(outcome, not reasons, risk, reasons, ready)
