"""The nominating officer's referral in words: task list statuses and the answers to check (their lists: lists.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reciprocal.criteria.schemas import Criteria, RiskType
from reciprocal.kernel.words import plural
from reciprocal.portals.officer.forms import ANOTHER_TENANCY, MONITORING
from reciprocal.portals.officer.queries import ReferralChoices
from reciprocal.referrals.rules import Problem, ReferralAnswers
from reciprocal.referrals.workflow import State

EDITABLE = (State.draft, State.returned)
"""States in which the nominating officer may change the answers (and then submit them)."""


@dataclass(frozen=True)
class Section:
    """One topic of the referral: one question page, one task, one block of the answers to check."""

    slug: str
    """The page's address under the referral, and its template's name."""
    title: str
    """May name `{areas}`: the scheme's word for its areas, plural."""
    fields: tuple[str, ...]
    """The ReferralAnswers fields the page asks for; a problem with one of them belongs to this page."""
    optional: bool = False

    def title_for(self, area_term: str) -> str:
        return self.title.format(areas=f"{area_term}s")


CONSENT = Section("consent", "Consent", ("consent",))
ELIGIBILITY = Section(
    "eligibility",
    "Tenancy and current home",
    ("tenancy_type", "duty_to_house", "current_landlord_id", "current_area_id"),
)
HOUSEHOLD = Section("household", "Household", ("adults", "children_ages", "bedrooms_needed", "pets"))
NEEDS = Section(
    "needs", "Access and medical needs", ("access_needs", "floor_level_need", "medical_evidence"), optional=True
)
RISK_TYPE = Section("risk-type", "Type of risk", ("risk_type",))
AREAS = Section("areas", "Risk {areas} and safe {areas}", ("risk_area_ids", "safe_area_ids"))
RISK_ASSESSOR = Section("risk-assessor", "Risk assessor", ("risk_assessor_id",))
SUPPORT = Section(
    "support",
    "Safeguarding and resettlement support",
    ("safeguarding_measures", "resettlement_support", "other_pathways"),
)
MONITORING_SECTION = Section("monitoring", "Equality and monitoring", (), optional=True)
CASE_REFERENCE = Section("case-reference", "Your case reference", (), optional=True)

GROUPS: list[tuple[str, list[Section]]] = [
    ("About the applicant", [CONSENT, ELIGIBILITY, HOUSEHOLD, NEEDS]),
    ("Risk and safety", [RISK_TYPE, AREAS, RISK_ASSESSOR, SUPPORT]),
    ("For your records", [MONITORING_SECTION, CASE_REFERENCE]),
]
"""The task list's headings and their sections, in the order an officer answers them."""

SECTIONS = {section.slug: section for _, sections in GROUPS for section in sections}
FIELD_SECTION = {name: section for section in SECTIONS.values() for name in section.fields}
_FIELD_ORDER = {name: i for i, name in enumerate(FIELD_SECTION)}

_UNANSWERED = ReferralAnswers()


def risk_of(criteria: Criteria, answers: ReferralAnswers) -> RiskType | None:
    return criteria.risk_type(answers.risk_type)


def pathways_of(criteria: Criteria, keys: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The other pathways an applicant is registered with, in words ("None" for none)."""
    return tuple((p.label if (p := criteria.pathway(key)) else key) for key in keys) or ("None",)


def needs_assessor(criteria: Criteria, answers: ReferralAnswers) -> bool:
    risk = risk_of(criteria, answers)
    return risk is not None and risk.risk_assessor_required


def risk_rules(risk: RiskType, area_term: str) -> list[str]:
    """What a referral fleeing `risk` must include, in sentences for the officer choosing it."""
    rules = []
    if risk.name_risk_areas:
        rules.append(f"You must name the {area_term}s where the applicant is at risk.")
    if risk.name_safe_areas:
        rules.append(f"You must name at least {risk.min_safe_areas} safe {plural(area_term, risk.min_safe_areas)}.")
    else:
        rules.append(f"Safe {area_term}s are optional.")
    if risk.risk_assessor_required:
        rules.append(f"You must name a risk assessor, such as the police, to confirm an offered {area_term} is safe.")
    if risk.aftercare_required:
        rules.append("You must describe the safeguarding measures and support in place.")
    if risk.offers_cap is not None:
        rules.append(
            "The applicant gets one suitable offer."
            if risk.offers_cap == 1
            else f"The applicant gets at most {risk.offers_cap} suitable offers."
        )
    return rules


# Problems: where each belongs and how it reads.


def messages_by_field(problems: Iterable[Problem]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, message in problems:
        found.setdefault(name, []).append(message)
    return found


def summary_on_page(messages: dict[str, list[str]]) -> list[dict[str, str]]:
    """The error summary of a question page: each message links to its field on the page."""
    return [{"text": m, "href": f"#{name}"} for name, found in messages.items() for m in found]


def summary_to_pages(problems: Iterable[Problem], base: str) -> list[dict[str, str]]:
    """The error summary of 'Check your answers': each message links to its question page and field."""
    ordered = sorted((p for p in problems if p[0] in FIELD_SECTION), key=lambda p: _FIELD_ORDER[p[0]])
    return [
        {"text": message, "href": f"{base}/{FIELD_SECTION[name].slug}?check=true#{name}"} for name, message in ordered
    ]


# The task list.


@dataclass(frozen=True)
class Progress:
    """How far each section is, for the task list: 'Not started', 'In progress', 'Completed' or 'Optional'."""

    statuses: dict[str, str]
    complete: int
    """Required sections completed: what submitting waits for."""
    required: int
    optional_complete: int
    """Optional sections answered too, so the count beside the tags adds up."""


def _touched(section: Section, answers: ReferralAnswers) -> bool:
    return any(getattr(answers, name) != getattr(_UNANSWERED, name) for name in section.fields)


def shown_sections(criteria: Criteria, answers: ReferralAnswers) -> list[tuple[str, list[Section]]]:
    """The task list's groups; the risk assessor only when the chosen type of risk needs one."""
    assessor = needs_assessor(criteria, answers)
    return [(heading, [s for s in sections if s is not RISK_ASSESSOR or assessor]) for heading, sections in GROUPS]


def progress(
    criteria: Criteria,
    answers: ReferralAnswers,
    problems: list[Problem],
    *,
    monitoring: dict[str, str],
    case_reference: str,
) -> Progress:
    troubled = {FIELD_SECTION[name].slug for name, _ in problems if name in FIELD_SECTION}
    statuses: dict[str, str] = {}
    for _, sections in shown_sections(criteria, answers):
        for section in sections:
            if section is MONITORING_SECTION:
                touched = bool(monitoring)
            elif section is CASE_REFERENCE:
                touched = bool(case_reference)
            else:
                touched = _touched(section, answers)
            if not touched:
                optional = section.optional and section.slug not in troubled
                statuses[section.slug] = "Optional" if optional else "Not started"
            elif section.slug in troubled:
                statuses[section.slug] = "In progress"
            else:
                statuses[section.slug] = "Completed"
    required = [slug for slug in statuses if not SECTIONS[slug].optional]
    complete = sum(statuses[slug] == "Completed" for slug in required)
    return Progress(
        statuses=statuses,
        complete=complete,
        required=len(required),
        optional_complete=sum(status == "Completed" for status in statuses.values()) - complete,
    )


def task_items(sections: list[Section], statuses: dict[str, str], base: str, area_term: str) -> list[dict[str, Any]]:
    """Items for GOV.UK Frontend's task list macro."""
    items = []
    for section in sections:
        status = statuses[section.slug]
        if status == "Completed":
            shown: dict[str, Any] = {"text": status}
        elif status == "Optional":
            shown = {"text": status, "classes": "govuk-task-list__status--cannot-start-yet"}
        else:
            colour = "govuk-tag--blue" if status == "Not started" else "govuk-tag--light-blue"
            shown = {"tag": {"text": status, "classes": colour}}
        items.append(
            {"title": {"text": section.title_for(area_term)}, "href": f"{base}/{section.slug}", "status": shown}
        )
    return items


# The answers to check.


@dataclass(frozen=True)
class Row:
    key: str
    lines: tuple[str, ...]
    """The answer, a line at a time (free text keeps its line breaks); the template escapes and joins them."""
    field: str
    """The field the row answers: its Change link goes there, and its problems show beside it."""


@dataclass(frozen=True)
class Block:
    section: Section
    title: str
    rows: list[Row] = field(default_factory=list)


Lines = tuple[str, ...]


def _text(value: str, empty: str = "None given") -> Lines:
    """Free text as typed, its line breaks kept."""
    return tuple(value.strip().splitlines()) if value.strip() else (empty,)


def _names(ids: Iterable[uuid.UUID], labels: dict[uuid.UUID, str], empty: str) -> Lines:
    return tuple(sorted(labels.get(i, "Unknown") for i in ids)) or (empty,)


def _yes_no(value: bool) -> Lines:
    return ("Yes" if value else "No",)


def answer_blocks(
    criteria: Criteria,
    answers: ReferralAnswers,
    choices: ReferralChoices,
    *,
    area_term: str,
    monitoring: dict[str, str],
    case_reference: str,
) -> list[Block]:
    """Every answer, one block per section, in the task list's order."""
    areas = {c.id: c.label for c in choices.areas}
    landlords = {c.id: c.label for c in choices.landlords}
    assessors = {c.id: c.label for c in choices.risk_assessors}
    tenancies = {t.key: t.label for t in criteria.eligibility.tenancy_types}
    risk = risk_of(criteria, answers)
    unanswered: Lines = ("Not answered",)

    if answers.duty_to_house:
        tenancy: Lines = ("A duty to house is owed",)
    elif answers.tenancy_type is None:
        tenancy = unanswered
    elif answers.tenancy_type == ANOTHER_TENANCY and ANOTHER_TENANCY not in tenancies:
        tenancy = ("Another kind of tenancy",)
    else:
        tenancy = (tenancies.get(answers.tenancy_type, answers.tenancy_type),)

    def chosen(value: uuid.UUID | None, labels: dict[uuid.UUID, str]) -> Lines:
        return unanswered if value is None else (labels.get(value, "Unknown"),)

    bedrooms = answers.bedrooms_needed
    rows: dict[str, list[Row]] = {
        "consent": [
            Row(
                "Consent",
                ("The applicant has consented" if answers.consent else "Not confirmed",),
                "consent",
            )
        ],
        "eligibility": [
            Row("Tenancy", tenancy, "tenancy_type"),
            Row("Current landlord", chosen(answers.current_landlord_id, landlords), "current_landlord_id"),
            Row(
                f"{area_term.capitalize()} they live in now", chosen(answers.current_area_id, areas), "current_area_id"
            ),
        ],
        "household": [
            Row("Adults", (str(answers.adults),), "adults"),
            Row(
                "Children's ages",
                (", ".join(str(a) for a in answers.children_ages) or "No children",),
                "children_ages",
            ),
            Row(
                "Bedrooms needed",
                unanswered if bedrooms is None else ("0 (studio)" if bedrooms == 0 else str(bedrooms),),
                "bedrooms_needed",
            ),
            Row("Pets", _text(answers.pets, "No pets"), "pets"),
        ],
        "needs": [
            Row("Access needs", _text(answers.access_needs), "access_needs"),
            Row("Needs a ground floor or a lift", _yes_no(answers.floor_level_need), "floor_level_need"),
            Row("Evidenced medical need", _yes_no(answers.medical_evidence), "medical_evidence"),
        ],
        "risk-type": [Row("Type of risk", unanswered if risk is None else (risk.label,), "risk_type")],
        "areas": [
            Row(f"Risk {area_term}s", _names(answers.risk_area_ids, areas, "None selected"), "risk_area_ids"),
            Row(f"Safe {area_term}s", _names(answers.safe_area_ids, areas, "None selected"), "safe_area_ids"),
        ],
        "risk-assessor": [
            Row("Risk assessor", chosen(answers.risk_assessor_id, assessors), "risk_assessor_id"),
        ],
        "support": [
            Row("Safeguarding measures", _text(answers.safeguarding_measures), "safeguarding_measures"),
            Row("Resettlement support", _text(answers.resettlement_support), "resettlement_support"),
            *(
                [Row("Also registered with", pathways_of(criteria, answers.other_pathways), "other_pathways")]
                if criteria.other_pathways
                else []
            ),
        ],
        "monitoring": [
            Row(
                question,
                (dict(options).get(monitoring.get(key, ""), "Not answered"),),
                key,
            )
            for key, question, options in MONITORING
        ],
        "case-reference": [Row("Your case reference", (case_reference or "None given",), "case_reference")],
    }
    return [
        Block(section, section.title_for(area_term), rows[section.slug])
        for _, sections in shown_sections(criteria, answers)
        for section in sections
    ]
