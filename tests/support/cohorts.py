"""A successor scheme for the cohort hand-over tests: the Pan London table under another name, less a partner."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.provisioning.demo_seeder import demo_actor
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.provisioning.load import load_scheme
from reciprocal.settings import REPO_ROOT
from support import add_member, scheme_id

ISSUER = "http://127.0.0.1:8001"
SUCCESSOR = "gla-da"
DROPPED = "islington-council"
"""A partner of pan-london the successor scheme does not have: its tenants' referrals stay."""
OPERATOR = uuid.UUID("00000000-0000-4000-8000-000000000001")


async def successor(db: Database, tmp_path: Path) -> uuid.UUID:
    """The Pan London table as a new scheme (GLA's in-house service), without one of its partners."""
    folder = tmp_path / SUCCESSOR
    shutil.copytree(REPO_ROOT / "tenants" / "pan-london", folder)
    (folder / "demo.toml").unlink(missing_ok=True)
    scheme = (folder / "scheme.toml").read_text()
    scheme = scheme.replace('slug = "pan-london"', f'slug = "{SUCCESSOR}"')
    scheme = scheme.replace('name = "Pan London Housing Reciprocal"', 'name = "GLA Domestic Abuse Reciprocal"')
    scheme = scheme.replace('reference_prefix = "PL"', 'reference_prefix = "GLA"')
    (folder / "scheme.toml").write_text(scheme)
    orgs = (folder / "organisations.toml").read_text()
    blocks = orgs.split("[[organisation]]")
    kept = [b for b in blocks if f'code = "{DROPPED}"' not in b]
    assert len(kept) == len(blocks) - 1
    (folder / "organisations.toml").write_text("[[organisation]]".join(kept))
    (folder / "organisations.toml").write_text(
        re.sub(r'"' + DROPPED + r'",?\s*', "", (folder / "organisations.toml").read_text())
    )
    await load_scheme(db, read_scheme_folder(folder))
    return await scheme_id(db, SUCCESSOR)


async def admin(db: Database, slug: str) -> Actor:
    email = f"admin@{slug}.example"
    await add_member(db, slug, email, [("coordinator", Role.scheme_admin)], name="Scheme Admin")
    tid = await scheme_id(db, slug)
    async with db.tenant_session(tid) as session:
        return await demo_actor(session, tid, email, "coordinator", Role.scheme_admin)
