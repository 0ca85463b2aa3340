"""`reciprocal demo`'s people and local identity provider: valid, loaded idempotently, and the provider answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from reciprocal.db.engine import Database
from reciprocal.identity.models import IdentityProvider, Membership, Role, User
from reciprocal.identity.secrets import Keys
from reciprocal.partners.models import Organisation
from reciprocal.provisioning.demo import DEMO_CLIENT_SECRET, load_demo, local_provider
from reciprocal.provisioning.folders import TenantConfigError
from reciprocal.settings import REPO_ROOT
from support import demo_scheme, make_settings, scheme_id

KEYS = Keys(make_settings().require_secret_key())
ISSUER = "http://127.0.0.1:8001"


def test_every_demo_file_is_valid_and_covers_every_role() -> None:
    london = demo_scheme("pan-london")
    roles = {m.role for person in london.demo.person for m in person.roles}
    assert roles == set(Role)
    assert any(len(person.roles) > 1 for person in london.demo.person)
    by_provider = [p.email for p in london.demo.person if london.signs_in_with_provider(p)]
    assert by_provider == ["priya.shah@camden.example"]
    assert demo_scheme("cambridgeshire").demo.identity_provider is None


def test_a_demo_file_naming_an_unknown_organisation_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cambridgeshire"
    shutil.copytree(REPO_ROOT / "tenants" / "cambridgeshire", folder)
    demo = folder / "demo.toml"
    demo.write_text(demo.read_text().replace('"county-refuge-support"', '"atlantis-council"'))
    with pytest.raises(TenantConfigError) as refused:
        demo_scheme("cambridgeshire", folder)
    assert [str(p).split(": ", 1)[1] for p in refused.value.problems] == [
        "person[1].roles[0].organisation: not in organisations.toml"
    ]


async def _people(db: Database, slug: str) -> dict[str, set[tuple[str, Role]]]:
    tenant_id = await scheme_id(db, slug)
    async with db.tenant_session(tenant_id) as session:
        rows = await session.execute(
            select(User.email, Organisation.code, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
        )
        people: dict[str, set[tuple[str, Role]]] = {}
        for email, code, role in rows:
            people.setdefault(email, set()).add((code, role))
        return people


async def _providers(db: Database, slug: str) -> list[IdentityProvider]:
    tenant_id = await scheme_id(db, slug)
    async with db.tenant_session(tenant_id) as session:
        return list(await session.scalars(select(IdentityProvider)))


async def test_loading_twice_leaves_one_of_everything(db: Database) -> None:
    london = demo_scheme("pan-london")
    await load_demo(db, london, KEYS, issuer=ISSUER)
    await load_demo(db, london, KEYS, issuer=ISSUER)
    people = await _people(db, "pan-london")
    assert people == {p.email: {(m.organisation, m.role) for m in p.roles} for p in london.demo.person}
    [provider] = await _providers(db, "pan-london")
    assert provider.issuer == ISSUER
    assert provider.email_domains == ["camden.example"]
    assert KEYS.decrypt(provider.client_secret_encrypted) == DEMO_CLIENT_SECRET
    # The other scheme is untouched by this one's demo file.
    assert await _people(db, "cambridgeshire") == {}


async def test_a_person_holds_exactly_the_roles_listed(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "pan-london"
    shutil.copytree(REPO_ROOT / "tenants" / "pan-london", folder)
    await load_demo(db, demo_scheme("pan-london", folder), KEYS, issuer=ISSUER)
    demo = folder / "demo.toml"
    demo.write_text(demo.read_text().replace('  { organisation = "coordinator", role = "scheme_admin" },\n', ""))
    await load_demo(db, demo_scheme("pan-london", folder), KEYS, issuer="http://127.0.0.1:9999")
    people = await _people(db, "pan-london")
    assert people["lee.chen@coordination.example"] == {("coordinator", Role.coordinator)}
    assert [p.issuer for p in await _providers(db, "pan-london")] == ["http://127.0.0.1:9999"]


async def test_the_local_provider_describes_itself_and_knows_the_demo_council_staff() -> None:
    with local_provider(0, [demo_scheme("pan-london")]) as issuer:
        async with httpx.AsyncClient() as client:
            config = (await client.get(f"{issuer}/.well-known/openid-configuration")).json()
            assert config["issuer"] == issuer
            page = await client.get(
                config["authorization_endpoint"],
                params={
                    "client_id": "reciprocal-demo",
                    "redirect_uri": "http://127.0.0.1/callback",
                    "response_type": "code",
                    "scope": "openid email profile",
                },
            )
    assert page.status_code == 200
    assert "priya.shah@camden.example" in page.text
