"""Helpers shared by the tests: reading pages as a person would, and the test database's shape."""

from __future__ import annotations

import re
import socket
import uuid
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import URL

from reciprocal.db.bootstrap import connect_as
from reciprocal.db.engine import Database
from reciprocal.identity.models import Membership, Role, User
from reciprocal.identity.services import start_session
from reciprocal.partners.models import Organisation
from reciprocal.provisioning.demo import DemoScheme, read_demo_file
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.settings import REPO_ROOT, Settings
from reciprocal.tenancy.models import Scheme

_TAGS = re.compile(r"<[^>]+>")
_INLINE = re.compile(r"</?(?:strong|b|em|i|span|a|abbr|code)\b[^>]*>")
_SPACE = re.compile(r"\s+")


def visible_text(html: str) -> str:
    """The page's words with tags removed and whitespace collapsed, as a reader sees them."""
    body = html.split("<body", 1)[-1].split(">", 1)[-1]
    body = re.sub(r"<script\b.*?</script>", " ", body, flags=re.DOTALL)
    body = _INLINE.sub("", body)
    return _SPACE.sub(" ", unescape(_TAGS.sub(" ", body))).strip()


@dataclass(frozen=True)
class DatabaseUnderTest:
    """One test's own database, reachable as the superuser, the owner and the application role."""

    admin: URL
    owner: URL
    app: URL
    name: str


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "log_format": "json",
        "statement_timeout_ms": 2000,
        "pool_size": 2,
        "secret_key": "test-secret-key-that-is-long-enough-for-hkdf",
        # Where the test clients send their requests (AsyncTestClient's base_url): the one allowed host.
        "base_url": "https://127.0.0.1",
        # Tests that send mail point this at their own SMTP server; nothing listens here.
        "smtp_host": "127.0.0.1",
        "smtp_port": 9,
        "smtp_starttls": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def drop_database(admin_url: URL, name: str) -> None:
    admin = await connect_as(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def scheme_id(db: Database, slug: str) -> uuid.UUID:
    """The id of the scheme at /s/`slug`/: the tenant its rows belong to."""
    async with db.session() as session:
        found = await session.scalar(select(Scheme.id).where(Scheme.slug == slug))
    assert found is not None, slug
    return found


def demo_scheme(slug: str, folder: Path | None = None) -> DemoScheme:
    """A scheme's folder (tenants/`slug` unless `folder`) read with its demo people, as the demo loads it."""
    folder = folder or REPO_ROOT / "tenants" / slug
    scheme = read_demo_file(folder, read_scheme_folder(folder))
    assert scheme is not None
    return scheme


async def add_member(
    db: Database, scheme_slug: str, email: str, memberships: list[tuple[str, Role]], *, name: str = "Test Person"
) -> User:
    """A user of one scheme holding `memberships` (organisation code, role), invited and not yet signed in."""
    tenant_id = await scheme_id(db, scheme_slug)
    async with db.tenant_session(tenant_id) as session, session.begin():
        user = User(tenant_id=tenant_id, email=email, display_name=name)
        session.add(user)
        await session.flush()
        for org_code, role in memberships:
            org_id = await session.scalar(
                select(Organisation.id).where(Organisation.tenant_id == tenant_id, Organisation.code == org_code)
            )
            assert org_id is not None, org_code
            session.add(Membership(tenant_id=tenant_id, user_id=user.id, organisation_id=org_id, role=role))
    return user


async def session_token(db: Database, scheme_slug: str, user: User, settings: Settings) -> str:
    """A live session for `user`, as a sign-in would make (the sign-in flows have their own tests)."""
    async with db.tenant_session(user.tenant_id) as session, session.begin():
        fresh = await session.get(User, (user.tenant_id, user.id))
        assert fresh is not None
        token = await start_session(session, user.tenant_id, fresh, settings, method="test", organisation_id=None)
    assert token is not None
    return token
