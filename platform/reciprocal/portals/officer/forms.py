"""The nominating officer's question pages as forms: what each sends, and how it becomes a draft's answers.

Every field arrives as text and is parsed here, so a page can say exactly what is wrong with what was typed
and show it again. A parse error saves nothing from that page; an answer that parses is kept in the draft
even when the criteria would refuse it: those problems are for submission (`rules.check`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec

from reciprocal.criteria.schemas import Criteria
from reciprocal.kernel.fields import whole_number
from reciprocal.kernel.text import text_problem
from reciprocal.portals.officer.queries import ReferralChoices
from reciprocal.referrals.rules import ReferralAnswers

YES = "yes"
DUTY_TO_HOUSE = "duty_to_house"
"""The eligibility page's answer for someone owed a duty to house rather than holding a tenancy."""
ANOTHER_TENANCY = "another"
"""A tenancy the scheme does not list: kept, and refused with the scheme's own list at submission."""
TEXT_LIMIT = 2000
CASE_REFERENCE_LIMIT = 100
AGES_LIMIT = 100

TEXT_NAMES = {
    "pets": "Pets",
    "access_needs": "Access needs",
    "safeguarding_measures": "Safeguarding measures",
    "resettlement_support": "Resettlement support",
}

MONITORING: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "gender",
        "What is the applicant's gender?",
        [
            ("woman", "Woman"),
            ("man", "Man"),
            ("non_binary", "Non-binary"),
            ("another", "In another way"),
            ("not_said", "Prefer not to say"),
        ],
    ),
    (
        "ethnicity",
        "What is the applicant's ethnic group?",
        [
            ("asian", "Asian or Asian British"),
            ("black", "Black, Black British, Caribbean or African"),
            ("mixed", "Mixed or multiple ethnic groups"),
            ("white", "White"),
            ("another", "Another ethnic group"),
            ("not_said", "Prefer not to say"),
        ],
    ),
    (
        "disability",
        "Does the applicant consider themselves to have a disability?",
        [("yes", "Yes"), ("no", "No"), ("not_said", "Prefer not to say")],
    ),
    (
        "lone_parent",
        "Is the applicant a lone parent?",
        [("yes", "Yes"), ("no", "No"), ("not_said", "Prefer not to say")],
    ),
]
"""Equality and monitoring questions: (key, question, [(value, label)]). All optional; reporting only."""


def _small(value: str) -> bool:
    """A whole number of one or two ASCII digits: adults, children's ages, bedrooms."""
    number = whole_number(value)
    return number is not None and number < 100


_AGES_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class Options:
    """What a page's answers are checked against while parsing: this scheme's own lists."""

    criteria: Criteria
    choices: ReferralChoices


@dataclass(frozen=True)
class Parsed:
    """A page's answers as changes to the draft, or what is wrong with them (then nothing is saved)."""

    changes: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    case_reference: str | None = None
    monitoring: dict[str, str] | None = None


def _many(value: str | list[str]) -> list[str]:
    """A group of checkboxes: one ticked box arrives as a string, several as a list."""
    return [value] if isinstance(value, str) else list(value)


def _choice(value: str, choices: list[Any]) -> uuid.UUID | None:
    """The chosen id if it is one on offer; raises ValueError for anything else but a blank."""
    if not value:
        return None
    chosen = uuid.UUID(value)
    if chosen not in {c.id for c in choices}:
        raise ValueError(value)
    return chosen


def _free_text(name: str, value: str, errors: dict[str, str]) -> str:
    """Free text as typed, refused when too long or when it could identify the applicant."""
    text = value.strip()
    problem = text_problem(
        text,
        limit=TEXT_LIMIT,
        too_long=f"{TEXT_NAMES[name]} must be {TEXT_LIMIT} characters or fewer",
        identifying="the referral must not identify the applicant",
    )
    if problem:
        errors[name] = problem
    return text


class VersionForm(msgspec.Struct):
    """A form that sends only the version of the referral its page showed: submit, delete."""

    version: str = ""


def free_texts(form: msgspec.Struct) -> dict[str, tuple[str, str]]:
    """The page's free-text answers, each field's id -> (its label, what was typed), for the names check."""
    return {name: (label, getattr(form, name)) for name, label in TEXT_NAMES.items() if hasattr(form, name)}


class ConsentForm(msgspec.Struct):
    version: str = ""
    consent: str = ""

    @classmethod
    def of(cls, answers: ReferralAnswers) -> ConsentForm:
        return cls(consent=YES if answers.consent else "")

    def parse(self, options: Options) -> Parsed:
        return Parsed({"consent": self.consent == YES})


class EligibilityForm(msgspec.Struct):
    version: str = ""
    tenancy_type: str = ""
    """A tenancy type's key, DUTY_TO_HOUSE or ANOTHER_TENANCY."""
    current_landlord_id: str = ""
    current_area_id: str = ""

    @classmethod
    def of(cls, answers: ReferralAnswers) -> EligibilityForm:
        return cls(
            tenancy_type=DUTY_TO_HOUSE if answers.duty_to_house else (answers.tenancy_type or ""),
            current_landlord_id=str(answers.current_landlord_id or ""),
            current_area_id=str(answers.current_area_id or ""),
        )

    def parse(self, options: Options) -> Parsed:
        errors: dict[str, str] = {}
        changes: dict[str, Any] = {}
        keys = {t.key for t in options.criteria.eligibility.tenancy_types} | {ANOTHER_TENANCY}
        if self.tenancy_type == DUTY_TO_HOUSE:
            changes.update(tenancy_type=None, duty_to_house=True)
        elif not self.tenancy_type or self.tenancy_type in keys:
            changes.update(tenancy_type=self.tenancy_type or None, duty_to_house=False)
        else:
            errors["tenancy_type"] = "Select one of the tenancy types listed"
        try:
            changes["current_landlord_id"] = _choice(self.current_landlord_id, options.choices.landlords)
        except ValueError:
            errors["current_landlord_id"] = "Select the applicant's current landlord from the list"
        try:
            changes["current_area_id"] = _choice(self.current_area_id, options.choices.areas)
        except ValueError:
            errors["current_area_id"] = "Select where the applicant lives now from the list"
        return Parsed(changes, errors)


class HouseholdForm(msgspec.Struct):
    version: str = ""
    names_confirmed: str = ""
    """Words the officer was warned may be names and kept: see names_to_confirm."""
    adults: str = ""
    children_ages: str = ""
    """Ages as typed: whole numbers separated by commas."""
    bedrooms_needed: str = ""
    pets: str = ""

    @classmethod
    def of(cls, answers: ReferralAnswers) -> HouseholdForm:
        bedrooms = answers.bedrooms_needed
        return cls(
            adults=str(answers.adults),
            children_ages=", ".join(str(age) for age in answers.children_ages),
            bedrooms_needed="" if bedrooms is None else str(bedrooms),
            pets=answers.pets,
        )

    def parse(self, options: Options) -> Parsed:
        errors: dict[str, str] = {}
        changes: dict[str, Any] = {}
        adults = self.adults.strip()
        if not adults:
            errors["adults"] = "Enter the number of adults in the household"
        elif not _small(adults):
            errors["adults"] = "Enter the number of adults as a whole number, like 2"
        else:
            changes["adults"] = int(adults)
        ages = [part for part in _AGES_SPLIT.split(self.children_ages.strip()[: AGES_LIMIT + 1]) if part]
        if len(self.children_ages.strip()) > AGES_LIMIT:
            errors["children_ages"] = f"Children's ages must be {AGES_LIMIT} characters or fewer"
        elif all(_small(age) for age in ages):
            changes["children_ages"] = tuple(int(age) for age in ages)
        else:
            errors["children_ages"] = "Enter ages as whole numbers, separated by commas, like 3, 7"
        bedrooms = self.bedrooms_needed.strip()
        if not bedrooms:
            changes["bedrooms_needed"] = None
        elif _small(bedrooms):
            changes["bedrooms_needed"] = int(bedrooms)
        else:
            errors["bedrooms_needed"] = "Enter the number of bedrooms as a whole number, like 2"
        changes["pets"] = _free_text("pets", self.pets, errors)
        return Parsed(changes, errors)


class NeedsForm(msgspec.Struct):
    version: str = ""
    names_confirmed: str = ""
    """Words the officer was warned may be names and kept: see names_to_confirm."""
    access_needs: str = ""
    floor_level_need: str = ""
    medical_evidence: str = ""

    @classmethod
    def of(cls, answers: ReferralAnswers) -> NeedsForm:
        return cls(
            access_needs=answers.access_needs,
            floor_level_need=YES if answers.floor_level_need else "",
            medical_evidence=YES if answers.medical_evidence else "",
        )

    def parse(self, options: Options) -> Parsed:
        errors: dict[str, str] = {}
        changes = {
            "access_needs": _free_text("access_needs", self.access_needs, errors),
            "floor_level_need": self.floor_level_need == YES,
            "medical_evidence": self.medical_evidence == YES,
        }
        return Parsed(changes, errors)


class RiskTypeForm(msgspec.Struct):
    version: str = ""
    risk_type: str = ""

    @classmethod
    def of(cls, answers: ReferralAnswers) -> RiskTypeForm:
        return cls(risk_type=answers.risk_type or "")

    def parse(self, options: Options) -> Parsed:
        risk = options.criteria.risk_type(self.risk_type)
        if self.risk_type and risk is None:
            return Parsed(errors={"risk_type": "Select one of the types of risk listed"})
        changes: dict[str, Any] = {"risk_type": self.risk_type or None}
        if risk is not None and not risk.risk_assessor_required:
            # A risk assessor named for an earlier choice would otherwise keep seeing the referral.
            changes["risk_assessor_id"] = None
        return Parsed(changes)


class AreasForm(msgspec.Struct):
    version: str = ""
    risk_area_ids: str | list[str] = msgspec.field(default_factory=list)
    safe_area_ids: str | list[str] = msgspec.field(default_factory=list)

    @classmethod
    def of(cls, answers: ReferralAnswers) -> AreasForm:
        return cls(
            risk_area_ids=[str(a) for a in answers.risk_area_ids],
            safe_area_ids=[str(a) for a in answers.safe_area_ids],
        )

    @property
    def risk_values(self) -> list[str]:
        return _many(self.risk_area_ids)

    @property
    def safe_values(self) -> list[str]:
        return _many(self.safe_area_ids)

    def parse(self, options: Options) -> Parsed:
        errors: dict[str, str] = {}
        changes: dict[str, Any] = {}
        for name, values in (("risk_area_ids", self.risk_values), ("safe_area_ids", self.safe_values)):
            try:
                chosen = {_choice(value, options.choices.areas) for value in values if value}
            except ValueError:
                errors[name] = "Select from the list"
            else:
                changes[name] = frozenset(a for a in chosen if a is not None)
        return Parsed(changes, errors)


class RiskAssessorForm(msgspec.Struct):
    version: str = ""
    risk_assessor_id: str = ""

    @classmethod
    def of(cls, answers: ReferralAnswers) -> RiskAssessorForm:
        return cls(risk_assessor_id=str(answers.risk_assessor_id or ""))

    def parse(self, options: Options) -> Parsed:
        try:
            return Parsed({"risk_assessor_id": _choice(self.risk_assessor_id, options.choices.risk_assessors)})
        except ValueError:
            return Parsed(errors={"risk_assessor_id": "Select a risk assessor from the list"})


class SupportForm(msgspec.Struct):
    version: str = ""
    names_confirmed: str = ""
    """Words the officer was warned may be names and kept: see names_to_confirm."""
    safeguarding_measures: str = ""
    resettlement_support: str = ""
    other_pathways: str | list[str] = msgspec.field(default_factory=list)
    """Ticked boxes of the criteria's other pathways: asked only when the criteria name some."""

    @classmethod
    def of(cls, answers: ReferralAnswers) -> SupportForm:
        return cls(
            safeguarding_measures=answers.safeguarding_measures,
            resettlement_support=answers.resettlement_support,
            other_pathways=list(answers.other_pathways),
        )

    @property
    def pathway_values(self) -> list[str]:
        return _many(self.other_pathways)

    def parse(self, options: Options) -> Parsed:
        errors: dict[str, str] = {}
        changes: dict[str, Any] = {
            name: _free_text(name, getattr(self, name), errors)
            for name in ("safeguarding_measures", "resettlement_support")
        }
        named = [p.key for p in options.criteria.other_pathways]
        if named:
            ticked = set(self.pathway_values) - {""}
            if ticked - set(named):
                errors["other_pathways"] = "Select from the list"
            changes["other_pathways"] = tuple(key for key in named if key in ticked)
        return Parsed(changes, errors)


class RegisteredForm(msgspec.Struct):
    """The officer's "Registered with": the criteria's other pathways the applicant has registered with."""

    version: str = ""
    pathways: str | list[str] = msgspec.field(default_factory=list)
    """One ticked box arrives as a string, several as a list."""

    def values(self) -> list[str]:
        return _many(self.pathways)


class PathwayForm(msgspec.Struct):
    """The officer's "Moved through another pathway": which of the criteria's other pathways housed them."""

    version: str = ""
    pathway: str = ""


class MonitoringForm(msgspec.Struct):
    version: str = ""
    gender: str = ""
    ethnicity: str = ""
    disability: str = ""
    lone_parent: str = ""

    @classmethod
    def of(cls, monitoring: dict[str, str]) -> MonitoringForm:
        return cls(**{key: monitoring.get(key, "") for key, _, _ in MONITORING})

    def parse(self, options: Options) -> Parsed:
        errors: dict[str, str] = {}
        answers: dict[str, str] = {}
        for key, _, choices in MONITORING:
            value = getattr(self, key)
            if not value:
                continue
            if value in {v for v, _ in choices}:
                answers[key] = value
            else:
                errors[key] = "Select one of the options, or leave the question unanswered"
        return Parsed(errors=errors, monitoring=answers)


class CaseReferenceForm(msgspec.Struct):
    version: str = ""
    case_reference: str = ""

    def parse(self, options: Options) -> Parsed:
        reference = self.case_reference.strip()
        if len(reference) > CASE_REFERENCE_LIMIT:
            return Parsed(
                errors={"case_reference": f"Your case reference must be {CASE_REFERENCE_LIMIT} characters or fewer"}
            )
        return Parsed(case_reference=reference)
