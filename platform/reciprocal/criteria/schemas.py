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


class Pathway(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Another way to a move the scheme's applicants should also use (e.g. the Mayor's Housing Moves)."""

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
    other_pathways: list[Pathway] = msgspec.field(default_factory=list)
    """Other schemes an applicant should register with too; a referral may end by moving through one."""

    def risk_type(self, key: str | None) -> RiskType | None:
        """The risk type with this key, or None for a key these criteria do not list."""
        return next((r for r in self.risk_types if r.key == key), None)

    def pathway(self, key: str | None) -> Pathway | None:
        """The other pathway with this key, or None for a key these criteria do not list."""
        return next((p for p in self.other_pathways if p.key == key), None)

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
        keys = [p.key for p in self.other_pathways]
        for i, key in enumerate(keys):
            if key in keys[:i]:
                found.append((f"other_pathways[{i}].key", f"{key!r} is listed twice"))
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


# What changes between two versions, in words: the edit page's preview and the list of versions.


def _count(value: int | None, none: str) -> str:
    return none if not value else str(value)


def _risk_changes(old: RiskType, new: RiskType, area_term: str) -> list[str]:
    name = old.label
    areas = f"{area_term}s"
    changes: list[str] = []
    if new.label != old.label:
        changes.append(f"{name}: name changes to “{new.label}”")
    if new.name_risk_areas != old.name_risk_areas:
        changes.append(f"{name}: naming risk {areas} is {'now' if new.name_risk_areas else 'no longer'} required")
    if new.min_safe_areas != old.min_safe_areas:
        before, after = _count(old.min_safe_areas, "none"), _count(new.min_safe_areas, "none")
        changes.append(f"{name}: safe {areas} required changes from {before} to {after}")
    if new.risk_assessor_required != old.risk_assessor_required:
        changes.append(f"{name}: a risk assessor is {'now' if new.risk_assessor_required else 'no longer'} required")
    if new.offers_cap != old.offers_cap:
        before, after = _count(old.offers_cap, "no cap"), _count(new.offers_cap, "no cap")
        changes.append(f"{name}: offers cap changes from {before} to {after}")
    if new.aftercare_required != old.aftercare_required:
        required = "now" if new.aftercare_required else "no longer"
        changes.append(f"{name}: support and aftercare in place is {required} required")
    return changes


def _tenancy_changes(old: list[TenancyType], new: list[TenancyType]) -> list[str]:
    before = {t.key: t.label for t in old}
    after = {t.key: t.label for t in new}
    changes = [f"Tenancy type added: {label} ({key})" for key, label in after.items() if key not in before]
    changes += [f"Tenancy type removed: {label} ({key})" for key, label in before.items() if key not in after]
    changes += [
        f"Tenancy type {key}: name changes from “{before[key]}” to “{label}”"
        for key, label in after.items()
        if key in before and before[key] != label
    ]
    shared_before = [t.key for t in old if t.key in after]
    shared_after = [t.key for t in new if t.key in before]
    if shared_before != shared_after:
        changes.append("Tenancy types are listed in a new order")
    return changes


def _days(value: int) -> str:
    return f"{value} day" if value == 1 else f"{value} days"


def diff(old: Criteria, new: Criteria, area_term: str = "area") -> list[str]:
    """What changes from `old` to `new`, one plain-words line per change; empty when they are the same."""
    changes: list[str] = []
    old_types = {r.key: r for r in old.risk_types}
    new_types = {r.key: r for r in new.risk_types}
    for risk in new.risk_types:
        if risk.key not in old_types:
            changes.append(f"{risk.label}: added as a type of risk")
        else:
            changes += _risk_changes(old_types[risk.key], risk, area_term)
    changes += [f"{r.label}: removed as a type of risk" for r in old.risk_types if r.key not in new_types]
    if [k for k in old_types if k in new_types] != [k for k in new_types if k in old_types]:
        changes.append("Types of risk are listed in a new order")

    changes += _tenancy_changes(old.eligibility.tenancy_types, new.eligibility.tenancy_types)
    if new.eligibility.duty_to_house != old.eligibility.duty_to_house:
        can = "can now" if new.eligibility.duty_to_house else "can no longer"
        changes.append(f"People a housing partner has accepted a duty to house {can} be referred")
    if new.like_for_like_bedrooms != old.like_for_like_bedrooms:
        changes.append(
            "Moves become like-for-like by bedrooms"
            if new.like_for_like_bedrooms
            else "Moves are no longer like-for-like by bedrooms"
        )
    if new.partner_debt_cap != old.partner_debt_cap:
        changes.append(f"Partner debt cap changes from {old.partner_debt_cap} to {new.partner_debt_cap}")

    if new.refusal.withdraw_on_unjustified_refusal != old.refusal.withdraw_on_unjustified_refusal:
        withdraws = "now withdraws" if new.refusal.withdraw_on_unjustified_refusal else "no longer withdraws"
        changes.append(f"Refusing a suitable offer for a reason not allowed {withdraws} the referral")
    for reason in new.refusal.allowed_reasons:
        if reason not in old.refusal.allowed_reasons:
            changes.append(f"An offer may now be refused because of {REFUSAL_REASON_WORDS[reason]}")
    for reason in old.refusal.allowed_reasons:
        if reason not in new.refusal.allowed_reasons:
            changes.append(f"An offer may no longer be refused because of {REFUSAL_REASON_WORDS[reason]}")

    timings = (
        ("Reminder after no update changes from {} to {}", old.reminder_days, new.reminder_days),
        ("Withdrawal after no update changes from {} to {}", old.inactivity_days, new.inactivity_days),
        ("Circulation to partners changes from every {} to every {}", old.circulation_days, new.circulation_days),
    )
    changes += [words.format(_days(a), _days(b)) for words, a, b in timings if a != b]
    before = {p.key: p.label for p in old.other_pathways}
    after = {p.key: p.label for p in new.other_pathways}
    changes += [f"Other pathway added: {label}" for key, label in after.items() if key not in before]
    changes += [f"Other pathway removed: {label}" for key, label in before.items() if key not in after]
    changes += [
        f"Other pathway {key}: name changes from “{before[key]}” to “{label}”"
        for key, label in after.items()
        if key in before and before[key] != label
    ]
    if not changes and old != new:
        # NOTE: only the order of the allowed refusal reasons is left; it changes no rule.
        changes.append("The allowed refusal reasons are listed in a new order")
    return changes
