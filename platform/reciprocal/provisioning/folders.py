"""A scheme described as configuration: the folder `reciprocal tenant load` reads and checks."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import msgspec

from reciprocal.criteria.schemas import Criteria
from reciprocal.notifications import templates
from reciprocal.partners.models import OrganisationKind
from reciprocal.tenancy.models import SLUG_PATTERN

Code = Annotated[str, msgspec.Meta(pattern=SLUG_PATTERN, max_length=63)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


Days = Annotated[int, msgspec.Meta(ge=1, le=3650)]


class RetentionFile(msgspec.Struct, forbid_unknown_fields=True):
    """How many days the scheme keeps each kind of record (retention.rules, whose DEFAULTS these are)."""

    closed_referrals: Days = 730
    """After a referral ended: its answers, offers and timeline."""
    audit_events: Days = 730
    sign_in_records: Days = 90
    outbox_messages: Days = 90
    """After an email was sent or given up on."""
    sessions: Days = 30
    """After a signed-in session expired or was ended."""


class SchemeFile(msgspec.Struct, forbid_unknown_fields=True):
    slug: Code
    name: Name
    region: Name
    description: str = ""
    area_term: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "area"
    reference_prefix: Annotated[str, msgspec.Meta(pattern="^[A-Z]{1,8}$")] = "REF"
    """Starts each referral's reference number: PL-2026-0042."""
    retention: RetentionFile = msgspec.field(default_factory=RetentionFile)


GridIndex = Annotated[int, msgspec.Meta(ge=0, le=99)]


class AreaEntry(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    name: Name
    short: Annotated[str, msgspec.Meta(pattern="^[A-Z0-9]{1,6}$")] | None = None
    """The label of its tile on the scheme's map, e.g. "CMD"; the name's first letters if not given."""
    grid: tuple[GridIndex, GridIndex] | None = None
    """Its tile on the scheme's map, [row, column] from 0 at the top left. A scheme places all its areas or none."""


class AreasFile(msgspec.Struct, forbid_unknown_fields=True):
    area: list[AreaEntry]


class OrganisationEntry(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    name: Name
    kind: OrganisationKind
    areas: list[Code] = []
    """Codes of the areas a housing partner has stock in."""
    agreement_signed_on: date | None = None
    agreement_review_on: date | None = None
    """When its Working Together Agreement is next reviewed."""


class OrganisationsFile(msgspec.Struct, forbid_unknown_fields=True):
    organisation: list[OrganisationEntry]


class MessageEntry(msgspec.Struct, forbid_unknown_fields=True):
    """An email in the scheme's own words (notifications.templates): its kind, subject and body."""

    kind: str
    subject: str
    body: str


class MessagesFile(msgspec.Struct, forbid_unknown_fields=True):
    message: list[MessageEntry] = []


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.problem}" if self.key else f"{self.file}: {self.problem}"


class TenantConfigError(Exception):
    """The folder cannot be loaded; every problem names its file and key."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class SchemeConfig:
    """A scheme's whole configuration, checked and ready to apply."""

    scheme: SchemeFile
    areas: list[AreaEntry]
    organisations: list[OrganisationEntry]
    criteria: Criteria
    messages: list[MessageEntry] = dataclasses.field(default_factory=list)
    """Emails in the scheme's own words (`messages.toml`, optional): the service's wording for the rest."""


_AT = re.compile(r"^(?P<problem>.*?)(?: - at `\$\.?(?P<key>[^`]*)`)?$", re.DOTALL)


def _decode[T](folder: Path, name: str, kind: type[T], problems: list[Problem]) -> T | None:
    path = folder / name
    label = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(label, "", "file is missing"))
        return None
    try:
        return msgspec.toml.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        match = _AT.match(str(error))
        assert match is not None
        problems.append(Problem(label, match["key"] or "", match["problem"]))
    except msgspec.DecodeError as error:
        problems.append(Problem(label, "", f"not valid TOML: {error}"))
    return None


def read_scheme_folder(folder: Path) -> SchemeConfig:
    """Read and check every file of a scheme folder; raises TenantConfigError listing all problems."""
    problems: list[Problem] = []
    if not folder.is_dir():
        raise TenantConfigError([Problem(str(folder), "", "not a folder")])
    scheme = _decode(folder, "scheme.toml", SchemeFile, problems)
    areas = _decode(folder, "areas.toml", AreasFile, problems)
    organisations = _decode(folder, "organisations.toml", OrganisationsFile, problems)
    criteria = _decode(folder, "criteria.toml", Criteria, problems)

    if scheme and scheme.slug != folder.name:
        problems.append(Problem(str(folder / "scheme.toml"), "slug", f"must match the folder name {folder.name!r}"))
    area_codes: set[str] = set()
    if areas:
        if not areas.area:
            problems.append(Problem(str(folder / "areas.toml"), "area", "a scheme needs at least one area"))
        for i, area in enumerate(areas.area):
            if area.code in area_codes:
                problems.append(
                    Problem(str(folder / "areas.toml"), f"area[{i}].code", f"{area.code!r} is listed twice")
                )
            area_codes.add(area.code)
        problems.extend(_grid_problems(str(folder / "areas.toml"), areas.area))
    if organisations and areas:
        seen: set[str] = set()
        for i, org in enumerate(organisations.organisation):
            where = str(folder / "organisations.toml")
            if org.code in seen:
                problems.append(Problem(where, f"organisation[{i}].code", f"{org.code!r} is listed twice"))
            seen.add(org.code)
            for j, code in enumerate(org.areas):
                if code not in area_codes:
                    problems.append(
                        Problem(where, f"organisation[{i}].areas[{j}]", f"{code!r} is not an area in areas.toml")
                    )
            if org.areas and not org.kind.is_housing_partner:
                problems.append(
                    Problem(where, f"organisation[{i}].areas", f"only housing partners cover areas, not a {org.kind}")
                )
    if criteria:
        for key, problem in criteria.problems():
            problems.append(Problem(str(folder / "criteria.toml"), key, problem))
        if areas:
            for i, risk in enumerate(criteria.risk_types):
                if risk.min_safe_areas > len(areas.area):
                    problems.append(
                        Problem(
                            str(folder / "criteria.toml"),
                            f"risk_types[{i}].min_safe_areas",
                            f"asks for {risk.min_safe_areas} safe areas but the scheme has {len(areas.area)}",
                        )
                    )
    messages = _messages(folder, scheme.name if scheme else "", problems)
    if problems:
        raise TenantConfigError(problems)
    assert scheme is not None
    assert areas is not None
    assert organisations is not None
    assert criteria is not None
    return SchemeConfig(scheme, areas.area, organisations.organisation, criteria, messages)


def _grid_problems(where: str, areas: list[AreaEntry]) -> list[Problem]:
    """Each area on its own tile, and every area on one once any is: a map that silently dropped an area
    would tell a reader nobody chose it."""
    problems: list[Problem] = []
    if not any(area.grid for area in areas):
        return problems
    placed: dict[tuple[int, int], str] = {}
    shorts: dict[str, str] = {}
    for i, area in enumerate(areas):
        if area.grid is None:
            problems.append(
                Problem(where, f"area[{i}].grid", f"{area.code!r} has no place on the map: add grid = [row, column]")
            )
        elif area.grid in placed:
            row, column = area.grid
            problems.append(
                Problem(
                    where,
                    f"area[{i}].grid",
                    f"{area.code!r} is on row {row}, column {column}, where {placed[area.grid]!r} already is",
                )
            )
        else:
            placed[area.grid] = area.code
        if area.short is not None and area.short in shorts:
            problems.append(Problem(where, f"area[{i}].short", f"{area.short!r} already labels {shorts[area.short]!r}"))
        elif area.short is not None:
            shorts[area.short] = area.code
    return problems


def _messages(folder: Path, scheme_name: str, problems: list[Problem]) -> list[MessageEntry]:
    """The scheme's own emails, each checked as the admin's page checks it; none if there is no messages.toml."""
    if not (folder / "messages.toml").exists():
        return []
    found = _decode(folder, "messages.toml", MessagesFile, problems)
    where = str(folder / "messages.toml")
    for i, entry in enumerate(found.message if found else []):
        if entry.kind not in templates.EDITABLE:
            problems.append(Problem(where, f"message[{i}].kind", f"{entry.kind!r} is not a kind of email"))
            continue
        for field, words in templates.check(entry.kind, templates.Source(entry.subject, entry.body), scheme_name):
            problems.append(Problem(where, f"message[{i}].{field}", words))
    return found.message if found else []
