"""The shape of a scheme's criteria document, as configured in `criteria.toml` and stored per version."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Key = Annotated[str, msgspec.Meta(pattern="^[a-z][a-z0-9_]*$", max_length=63)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Days = Annotated[int, msgspec.Meta(ge=1, le=3650)]


class RiskType(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The rules a referral fleeing one kind of risk is checked against."""

    key: Key
    label: Label
    name_risk_areas: bool
    """The referral must name the areas where the applicant is at risk."""
    min_safe_areas: Annotated[int, msgspec.Meta(ge=0)]
    """How many safe areas the referral must name; 0 when safe areas are not asked for."""
    risk_assessor_required: bool
    """A named risk assessor (e.g. police) must confirm an offered area is safe."""
    aftercare_required: bool
    """The nominating officer must have support and aftercare in place."""
    offers_cap: Annotated[int, msgspec.Meta(ge=1)] | None = None
    """Most suitable offers an applicant receives; None for no cap."""

    @property
    def name_safe_areas(self) -> bool:
        return self.min_safe_areas > 0


class TenancyType(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    key: Key
    label: Label


class Eligibility(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    tenancy_types: list[TenancyType]
    """Social tenancies an applicant may hold to be referred."""
    duty_to_house: bool
    """Whether someone a partner has accepted a duty to house (e.g. a care leaver) may be referred."""


RefusalReason = Literal["risk", "unmet_need"]


class Refusal(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    withdraw_on_unjustified_refusal: bool
    """Refusing a suitable offer for a reason not listed below withdraws the referral."""
    allowed_reasons: list[RefusalReason]
    """Reasons for which an offer may be refused and the referral returned to circulation."""


REFUSAL_REASON_WORDS: dict[str, str] = {
    "risk": "a risk declared in the referral or found by the risk assessment",
    "unmet_need": "a physical, medical or wellbeing need the property cannot meet",
}


class Criteria(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Everything a scheme checks referrals against. Each saved change is a new version."""

    risk_types: list[RiskType]
    eligibility: Eligibility
    refusal: Refusal
    like_for_like_bedrooms: bool
    """Moves are counted in the ledger per bedroom class, and offers must match bedrooms needed."""
    partner_debt_cap: Annotated[int, msgspec.Meta(ge=0)]
    """A partner owing more properties than this has its tenants' new referrals put on hold."""
    reminder_days: Days
    inactivity_days: Days
    circulation_days: Days
    """How often the coordinator releases a batch of approved referrals to partners."""

    def problems(self) -> list[tuple[str, str]]:
        """Rules msgspec cannot express: (key, problem) pairs, empty when the document is sound."""
        found: list[tuple[str, str]] = []
        if not self.risk_types:
            found.append(("risk_types", "at least one risk type is needed"))
        seen: set[str] = set()
        for i, risk in enumerate(self.risk_types):
            if risk.key in seen:
                found.append((f"risk_types[{i}].key", f"{risk.key!r} is listed twice"))
            seen.add(risk.key)
        if not self.eligibility.tenancy_types and not self.eligibility.duty_to_house:
            found.append(("eligibility", "name at least one tenancy type, or accept a duty to house"))
        if self.inactivity_days <= self.reminder_days:
            found.append(("inactivity_days", "must be longer than reminder_days"))
        return found

    def refusal_rule(self) -> str:
        """The refusal rule in plain words, for the public page."""
        reasons = " or ".join(REFUSAL_REASON_WORDS[r] for r in self.refusal.allowed_reasons)
        if not self.refusal.withdraw_on_unjustified_refusal:
            return "An applicant may refuse an offer and stay on the scheme."
        if not reasons:
            return "Refusing a suitable offer withdraws the referral from the scheme."
        return (
            f"An offer may be refused only because of {reasons}. "
            "Refusing a suitable offer for any other reason withdraws the referral from the scheme."
        )
