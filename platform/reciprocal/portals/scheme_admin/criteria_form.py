"""The criteria edit form: what the admin typed, read back into `Criteria` or one message per field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import get_args

import msgspec

from reciprocal.criteria.schemas import (
    Criteria,
    Eligibility,
    Pathway,
    Refusal,
    RefusalReason,
    RiskType,
    TenancyType,
)
from reciprocal.kernel.fields import version_field

FormData = dict[str, str | list[str]]
"""An urlencoded body as Litestar parses it: a repeated name (ticked boxes of one group) arrives as a list."""

WHOLE_NUMBER = re.compile(r"^-?[0-9]{1,9}$")
"""A whole number the criteria may hold: nine digits at most, well inside what every later sum can take."""
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
LABEL_MAX = 200
DAYS_MAX = 3650
REASONS: tuple[RefusalReason, ...] = get_args(RefusalReason)

RISK_PARTS = ("label", "min_safe_areas", "offers_cap")
RISK_FLAGS = ("name_risk_areas", "risk_assessor_required", "aftercare_required")
SETTINGS = ("partner_debt_cap", "reminder_days", "inactivity_days", "circulation_days")
TICKED = "yes"
"""The value every single checkbox sends when ticked; an unticked one sends nothing."""
IGNORED = frozenset({"_csrf_token", "base_version", "allowed_reasons"})


class Invalid(Exception):
    """Input that must change nothing: one message per field id, in the order the page shows the fields."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def risk_field(risk_key: str, name: str) -> str:
    """A risk type's field name, which is also its element id: `risk-domestic_abuse-min_safe_areas`."""
    return f"risk-{risk_key}-{name}"


@dataclass(frozen=True)
class CriteriaForm:
    """The edit form's values as typed, kept as text so a page with errors shows exactly what was entered."""

    fields: dict[str, str] = field(default_factory=dict)
    """Text fields by name; a single checkbox is here with the value `yes` exactly when it is ticked."""
    allowed_reasons: tuple[str, ...] = ()
    base_version: int | None = None
    """The version the edit started from: publishing is refused if another has been published since."""

    @classmethod
    def of(cls, criteria: Criteria, version: int) -> CriteriaForm:
        """The form filled in with a published version, ready to edit."""
        fields: dict[str, str] = {}
        for risk in criteria.risk_types:
            fields[risk_field(risk.key, "label")] = risk.label
            fields[risk_field(risk.key, "min_safe_areas")] = str(risk.min_safe_areas)
            fields[risk_field(risk.key, "offers_cap")] = "" if risk.offers_cap is None else str(risk.offers_cap)
            for flag in RISK_FLAGS:
                if getattr(risk, flag):
                    fields[risk_field(risk.key, flag)] = TICKED
        fields["tenancy_types"] = "\n".join(f"{t.key}: {t.label}" for t in criteria.eligibility.tenancy_types)
        fields["other_pathways"] = "\n".join(f"{p.key}: {p.label}" for p in criteria.other_pathways)
        for name in SETTINGS:
            fields[name] = str(getattr(criteria, name))
        ticked = {
            "duty_to_house": criteria.eligibility.duty_to_house,
            "like_for_like_bedrooms": criteria.like_for_like_bedrooms,
            "withdraw_on_unjustified_refusal": criteria.refusal.withdraw_on_unjustified_refusal,
        }
        fields.update({name: TICKED for name, on in ticked.items() if on})
        return cls(fields, tuple(criteria.refusal.allowed_reasons), version)

    @classmethod
    def posted(cls, data: FormData) -> CriteriaForm:
        def first(value: str | list[str]) -> str:
            return value if isinstance(value, str) else (value[0] if value else "")

        base = first(data.get("base_version", "")).strip()
        reasons = data.get("allowed_reasons", [])
        return cls(
            {name: first(value) for name, value in data.items() if name not in IGNORED},
            (reasons,) if isinstance(reasons, str) else tuple(reasons),
            version_field(base),
        )

    def value(self, name: str) -> str:
        return self.fields.get(name, "")

    def ticked(self, name: str) -> bool:
        return bool(self.fields.get(name))

    def hidden_fields(self) -> list[tuple[str, str]]:
        """Every value as (name, value) pairs: the publish button re-posts exactly what was previewed."""
        pairs = [(name, value) for name, value in self.fields.items()]
        pairs += [("allowed_reasons", reason) for reason in self.allowed_reasons]
        if self.base_version is not None:
            pairs.append(("base_version", str(self.base_version)))
        return pairs


class _Reader:
    """Reads one form against the version it edits, collecting every problem rather than stopping at one."""

    def __init__(self, form: CriteriaForm) -> None:
        self.form = form
        self.errors: dict[str, str] = {}

    def label(self, name: str, what: str) -> str:
        text = " ".join(self.form.value(name).split())
        if not text:
            self.errors[name] = f"Enter {what}"
        elif len(text) > LABEL_MAX:
            self.errors[name] = f"{what[0].upper()}{what[1:]} must be {LABEL_MAX} characters or fewer"
        return text

    def number(self, name: str, what: str, *, least: int, most: int | None = None, most_why: str = "") -> int:
        """A whole number from `least` to `most`; `what` names the field in the message."""
        text = self.form.value(name).strip()
        if not text:
            self.errors[name] = f"Enter {what}"
            return least
        if not WHOLE_NUMBER.match(text):
            self.errors[name] = f"{what[0].upper()}{what[1:]} must be a whole number, like 3"
            return least
        value = int(text)
        if value < least:
            self.errors[name] = f"{what[0].upper()}{what[1:]} must be {least} or more"
        elif most is not None and value > most:
            self.errors[name] = f"{what[0].upper()}{what[1:]} must be {most} or fewer{most_why}"
        return value

    def keyed_lines(self, name: str, what: str, example: str) -> list[tuple[str, str]]:
        """A textarea of `key: name` lines (tenancy types, other pathways) as (key, name) pairs."""
        found: list[tuple[str, str]] = []
        seen: set[str] = set()
        lines = [line.strip() for line in self.form.value(name).splitlines()]
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            key, colon, label = line.partition(":")
            key, label = key.strip(), " ".join(label.split())
            if not colon or not label:
                problem = f"must be a key, a colon, then a name, like {example}"
            elif not KEY.match(key) or len(key) > 63:
                problem = f"key “{key}” must start with a letter and use only a to z, 0 to 9 and underscores"
            elif key in seen:
                problem = f"key “{key}” is listed twice"
            elif len(label) > LABEL_MAX:
                problem = f"name must be {LABEL_MAX} characters or fewer"
            else:
                seen.add(key)
                found.append((key, label))
                continue
            self.errors.setdefault(name, f"{what}, line {number}: {problem}")
        return found

    def tenancy_types(self) -> list[TenancyType]:
        lines = self.keyed_lines("tenancy_types", "Tenancy types", "secure: Secure tenancy with a council")
        return [TenancyType(key=key, label=label) for key, label in lines]

    def other_pathways(self) -> list[Pathway]:
        lines = self.keyed_lines("other_pathways", "Other pathways", "housing_moves: Housing Moves")
        return [Pathway(key=key, label=label) for key, label in lines]

    def reasons(self, base: Criteria) -> list[RefusalReason]:
        chosen = set(self.form.allowed_reasons)
        if not chosen <= set(REASONS):
            self.errors["allowed_reasons"] = "Select reasons from the list"
        # Reasons keep the order of the version edited, so ticking nothing new is no change.
        order = [*base.refusal.allowed_reasons, *(r for r in REASONS if r not in base.refusal.allowed_reasons)]
        return [r for r in order if r in chosen]


_PROBLEM_WORDS = {
    "eligibility": "Name at least one tenancy type, or tick that people owed a duty to house can be referred",
    "inactivity_days": (
        "The days with no update before a referral is withdrawn must be more than the days before a reminder"
    ),
}
"""`Criteria.problems()` in the form's words, for the problems an edit can cause."""


def read_criteria(form: CriteriaForm, base: Criteria, *, areas: int, area_term: str) -> Criteria:
    """The criteria `form` describes, as an edit of `base` (same types of risk); raises Invalid.

    `areas` is how many the scheme has: no type of risk may ask for more safe areas than that.
    """
    read = _Reader(form)
    plural = f"{area_term}s"
    risk_types: list[RiskType] = []
    for risk in base.risk_types:
        names = {part: risk_field(risk.key, part) for part in (*RISK_PARTS, *RISK_FLAGS)}
        label = read.label(names["label"], f"a name for {risk.label}")
        min_safe = read.number(
            names["min_safe_areas"],
            f"the number of safe {plural} for {risk.label}",
            least=0,
            most=areas,
            most_why=f": the scheme has {areas} {area_term if areas == 1 else plural}",
        )
        cap: int | None = None
        if form.value(names["offers_cap"]).strip():
            cap = read.number(names["offers_cap"], f"the offers cap for {risk.label}", least=1)
        risk_types.append(
            RiskType(
                key=risk.key,
                label=label,
                name_risk_areas=form.ticked(names["name_risk_areas"]),
                min_safe_areas=min_safe,
                risk_assessor_required=form.ticked(names["risk_assessor_required"]),
                aftercare_required=form.ticked(names["aftercare_required"]),
                offers_cap=cap,
            )
        )
    tenancy_types = read.tenancy_types()
    other_pathways = read.other_pathways()
    debt_cap = read.number("partner_debt_cap", "the partner debt cap", least=0)
    reasons = read.reasons(base)
    days = {
        "reminder_days": "the days with no update before a reminder",
        "inactivity_days": "the days with no update before a referral is withdrawn",
        "circulation_days": "the days between circulations to partners",
    }
    counts = {key: read.number(key, what, least=1, most=DAYS_MAX) for key, what in days.items()}
    if (
        not {"reminder_days", "inactivity_days"} & read.errors.keys()
        and counts["inactivity_days"] <= counts["reminder_days"]
    ):
        read.errors["inactivity_days"] = _PROBLEM_WORDS["inactivity_days"]
    if read.errors:
        raise Invalid(_in_page_order(read.errors, base))
    document = {
        "risk_types": [msgspec.to_builtins(r) for r in risk_types],
        "eligibility": msgspec.to_builtins(
            Eligibility(tenancy_types=tenancy_types, duty_to_house=form.ticked("duty_to_house"))
        ),
        "refusal": msgspec.to_builtins(
            Refusal(
                withdraw_on_unjustified_refusal=form.ticked("withdraw_on_unjustified_refusal"),
                allowed_reasons=reasons,
            )
        ),
        "like_for_like_bedrooms": form.ticked("like_for_like_bedrooms"),
        "partner_debt_cap": debt_cap,
        **counts,
        "other_pathways": [msgspec.to_builtins(p) for p in other_pathways],
    }
    # The schema's own checks, for anything the form's checks above let through.
    try:
        criteria = msgspec.convert(document, Criteria)
    except msgspec.ValidationError as error:
        problem = str(error).split(" - at ", 1)[0]
        raise Invalid({_field_of(_error_path(error), base): f"Check this answer: {problem}"}) from error
    problems = {_field_of(key, base): _PROBLEM_WORDS.get(key, problem) for key, problem in criteria.problems()}
    if problems:
        raise Invalid(_in_page_order(problems, base))
    return criteria


def _error_path(error: msgspec.ValidationError) -> str:
    """`risk_types[0].label` from msgspec's "... - at `$.risk_types[0].label`"."""
    message = str(error)
    return message.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in message else ""


_INDEXED = re.compile(r"^risk_types\[(?P<i>[0-9]+)\]\.(?P<name>[a-z_]+)")


def _field_of(key: str, base: Criteria) -> str:
    """The form field a schema key such as `risk_types[0].min_safe_areas` is entered in."""
    if (match := _INDEXED.match(key)) and int(match["i"]) < len(base.risk_types):
        return risk_field(base.risk_types[int(match["i"])].key, match["name"])
    top = key.split(".", 1)[0].split("[", 1)[0]
    return {"eligibility": "tenancy_types", "refusal": "withdraw_on_unjustified_refusal"}.get(top, top)


def _field_order(base: Criteria) -> list[str]:
    """Every field in the order the edit page shows them: the error summary lists problems in this order."""
    names = [risk_field(r.key, part) for r in base.risk_types for part in (*RISK_PARTS, *RISK_FLAGS)]
    return [
        *names,
        "tenancy_types",
        "duty_to_house",
        "like_for_like_bedrooms",
        "partner_debt_cap",
        "withdraw_on_unjustified_refusal",
        "allowed_reasons",
        "reminder_days",
        "inactivity_days",
        "circulation_days",
        "other_pathways",
    ]


def _in_page_order(errors: dict[str, str], base: Criteria) -> dict[str, str]:
    order = {name: i for i, name in enumerate(_field_order(base))}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))
