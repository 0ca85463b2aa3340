"""A new scheme from a preset: the Pan London table (its boroughs and partners), a county with districts (the
Cambridgeshire model), or blank (a coordinating body and nothing else). Operators use it in their portal and
with `reciprocal tenant create`; the scheme's admin then sets it up in the portal.

A preset is a folder under tenants/ read as `reciprocal tenant load` reads it, with the new scheme's own slug,
name, region and reference prefix, no description and the service's own wording for every email (the model
folder's words name the model scheme)."""

from __future__ import annotations

import dataclasses
import re
import uuid
from pathlib import Path

import msgspec
from sqlalchemy.exc import IntegrityError

from reciprocal.audit.services import record
from reciprocal.db.engine import Database
from reciprocal.kernel.errors import Refused
from reciprocal.partners.models import OrganisationKind
from reciprocal.provisioning.folders import OrganisationEntry, SchemeConfig, SchemeFile, read_scheme_folder
from reciprocal.provisioning.load import load_scheme
from reciprocal.tenancy.models import SLUG_PATTERN
from reciprocal.tenancy.services import find_scheme

PRESETS = {
    "pan-london": ("Pan London table", "pan-london", "London's boroughs and the partners of the Pan London scheme"),
    "county": ("County with districts", "cambridgeshire", "a county's districts and partners, as Cambridgeshire's"),
    "blank": ("Blank", "cambridgeshire", "no areas and no partners yet: only the coordinating body"),
}
"""Each preset: its label, the folder under tenants/ it starts from, and what it brings."""


@dataclasses.dataclass(frozen=True)
class NewScheme:
    preset: str
    slug: str
    name: str
    region: str
    reference_prefix: str


def problems(new: NewScheme) -> list[tuple[str, str]]:
    """Each field's problem, in the form's order: empty when the scheme can be made (the slug's being free
    is checked when it is made)."""
    found: list[tuple[str, str]] = []
    if new.preset not in PRESETS:
        found.append(("preset", "Choose what the scheme starts from"))
    if not new.slug:
        found.append(("slug", "Enter the scheme's address"))
    elif len(new.slug) > 63 or not re.match(SLUG_PATTERN, new.slug):
        found.append(
            (
                "slug",
                "The address must be lower-case letters, digits and single hyphens, like north-county (63 at most)",
            )
        )
    if not new.name:
        found.append(("name", "Enter the scheme's name"))
    elif len(new.name) > 200:
        found.append(("name", "The name must be 200 characters or fewer"))
    if not new.region:
        found.append(("region", "Enter the region the scheme covers"))
    elif len(new.region) > 200:
        found.append(("region", "The region must be 200 characters or fewer"))
    if not new.reference_prefix:
        found.append(("reference_prefix", "Enter the reference prefix, like NC"))
    elif not re.fullmatch("[A-Z]{1,8}", new.reference_prefix):
        found.append(("reference_prefix", "The reference prefix must be 1 to 8 capital letters, like NC"))
    return found


def preset_config(tenants_dir: Path, new: NewScheme) -> SchemeConfig:
    """The configuration `new` starts with; Refused naming each field's problem."""
    if found := problems(new):
        raise Refused(problems=found)
    _, folder, _ = PRESETS[new.preset]
    model = read_scheme_folder(tenants_dir / folder)
    scheme = SchemeFile(
        slug=new.slug,
        name=new.name,
        region=new.region,
        area_term=model.scheme.area_term,
        reference_prefix=new.reference_prefix,
    )
    if new.preset != "blank":
        return SchemeConfig(scheme, model.areas, model.organisations, model.criteria)
    # Blank: the coordinating body only. No risk type may ask for safe areas a scheme without areas lacks;
    # the admin sets them in the criteria once the areas are added.
    coordinator = OrganisationEntry(
        code="coordinator", name=f"{new.name} coordinator", kind=OrganisationKind.coordinator
    )
    risk_types = [msgspec.structs.replace(r, min_safe_areas=0) for r in model.criteria.risk_types]
    criteria = msgspec.structs.replace(model.criteria, risk_types=risk_types)
    return SchemeConfig(scheme, [], [coordinator], criteria)


async def create_scheme(db: Database, tenants_dir: Path, new: NewScheme, *, by: str) -> uuid.UUID:
    """Make the scheme `new` describes, all or nothing; Refused if a field is wrong or the slug is taken."""
    config = preset_config(tenants_dir, new)
    async with db.session() as session:
        if await find_scheme(session, new.slug) is not None:
            raise Refused(problems=[("slug", f"There is already a scheme at /s/{new.slug}/: choose another address")])
    # NOTE: two operators making the same slug in the same instant: load_scheme is an upsert, so the second
    # could update the first's new scheme rather than fail. Operators are few; not guarded further.
    try:
        result = await load_scheme(db, config)
    except IntegrityError:  # made by someone else between the check and the insert
        raise Refused(
            problems=[("slug", f"There is already a scheme at /s/{new.slug}/: choose another address")]
        ) from None
    async with db.tenant_session(result.scheme_id) as session, session.begin():
        record(
            session,
            result.scheme_id,
            "scheme.created",
            subject_type="scheme",
            subject_id=result.scheme_id,
            details={"preset": new.preset, "by": by},
        )
    return result.scheme_id
