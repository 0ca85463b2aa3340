"""Checking a referral against its scheme's criteria, and its free text for identifying details. Pure.

Every problem names the field it belongs to, so the page can show it next to that field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from reciprocal.criteria.schemas import Criteria
from reciprocal.kernel.text import identifiers_in


@dataclass(frozen=True)
class ReferralAnswers:
    """What a nominating officer answered: exactly what matching needs, and nothing identifying."""

    consent: bool = False
    tenancy_type: str | None = None
    """A key of the criteria's tenancy types, or None when a duty to house is owed instead."""
    duty_to_house: bool = False
    current_landlord_id: uuid.UUID | None = None
    current_area_id: uuid.UUID | None = None
    adults: int = 1
    children_ages: tuple[int, ...] = ()
    bedrooms_needed: int | None = None
    pets: str = ""
    access_needs: str = ""
    floor_level_need: bool = False
    """A ground floor or a lift is needed."""
    medical_evidence: bool = False
    """The floor level need is backed by evidenced medical need."""
    risk_type: str | None = None
    risk_area_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    safe_area_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    risk_assessor_id: uuid.UUID | None = None
    safeguarding_measures: str = ""
    resettlement_support: str = ""
    other_pathways: tuple[str, ...] = ()
    """Keys of the criteria's other pathways (e.g. Housing Moves) the applicant is registered with."""

    FREE_TEXT = ("pets", "access_needs", "safeguarding_measures", "resettlement_support")


Problem = tuple[str, str]
"""(field, message): the message is what the page shows next to the field."""


def check(answers: ReferralAnswers, criteria: Criteria, area_term: str = "area") -> list[Problem]:
    """Every reason this referral cannot be submitted under `criteria`; empty when it can."""
    problems: list[Problem] = []
    areas = f"{area_term}s"
    if not answers.consent:
        problems.append(("consent", "Confirm the applicant has consented to the referral"))
    tenancy_keys = {t.key for t in criteria.eligibility.tenancy_types}
    if answers.duty_to_house:
        if not criteria.eligibility.duty_to_house:
            problems.append(("tenancy_type", "This scheme does not accept referrals where a duty to house is owed"))
    elif answers.tenancy_type is None:
        problems.append(("tenancy_type", "Select the applicant's tenancy type, or that a duty to house is owed"))
    elif answers.tenancy_type not in tenancy_keys:
        accepted = ", ".join(t.label.lower() for t in criteria.eligibility.tenancy_types)
        problems.append(("tenancy_type", f"The scheme accepts only these tenancies: {accepted}"))
    if answers.current_landlord_id is None:
        problems.append(("current_landlord_id", "Select the applicant's current landlord"))
    if answers.current_area_id is None:
        problems.append(("current_area_id", f"Select the {area_term} the applicant lives in now"))
    if answers.adults < 1:
        problems.append(("adults", "A household has at least one adult"))
    if any(age < 0 or age > 17 for age in answers.children_ages):
        problems.append(("children_ages", "Enter each child's age as a whole number from 0 to 17"))
    if answers.bedrooms_needed is None or not 0 <= answers.bedrooms_needed <= 7:
        problems.append(("bedrooms_needed", "Enter the number of bedrooms needed, from 0 (studio) to 7"))
    if answers.floor_level_need and not answers.medical_evidence:
        problems.append(("floor_level_need", "A floor level can be asked for only with evidenced medical need"))

    risk = criteria.risk_type(answers.risk_type)
    if risk is None:
        problems.append(("risk_type", "Select the type of risk the applicant is fleeing"))
    else:
        if risk.name_risk_areas and not answers.risk_area_ids:
            problems.append(("risk_area_ids", f"Select the {areas} where the applicant is at risk"))
        if risk.name_safe_areas and len(answers.safe_area_ids) < risk.min_safe_areas:
            problems.append(
                (
                    "safe_area_ids",
                    f"Select at least {risk.min_safe_areas} safe {areas}: {len(answers.safe_area_ids)} selected",
                )
            )
        if risk.risk_assessor_required and answers.risk_assessor_id is None:
            problems.append(("risk_assessor_id", f"Name a risk assessor: {risk.label.lower()} needs one"))
        if risk.aftercare_required and not answers.safeguarding_measures.strip():
            problems.append(("safeguarding_measures", "Describe the safeguarding measures and support in place"))
    both = answers.safe_area_ids & answers.risk_area_ids
    if both:
        article = "An" if area_term[:1] in "aeiou" else "A"
        problems.append(
            ("safe_area_ids", f"{article} {area_term} cannot be both safe and at risk: remove it from one list")
        )
    if answers.current_area_id is not None and answers.current_area_id in answers.safe_area_ids:
        problems.append(("safe_area_ids", f"The {area_term} the applicant lives in now cannot be a safe {area_term}"))

    for name in ReferralAnswers.FREE_TEXT:
        found = identifiers_in(getattr(answers, name))
        if found:
            problems.append((name, f"Remove {' and '.join(found)}: the referral must not identify the applicant"))
    return problems
