"""Helpers shared by the tests: reading pages as a person would, and the test database's shape."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from sqlalchemy.engine import URL

from reciprocal.db.bootstrap import connect_as
from reciprocal.settings import Settings

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def visible_text(html: str) -> str:
    """The page's words with tags removed and whitespace collapsed, as a reader sees them."""
    body = html.split("<body", 1)[-1].split(">", 1)[-1]
    body = re.sub(r"<script\b.*?</script>", " ", body, flags=re.DOTALL)
    return _SPACE.sub(" ", unescape(_TAGS.sub(" ", body))).strip()


@dataclass(frozen=True)
class DatabaseUnderTest:
    """One test's own database, reachable as the superuser, the owner and the application role."""

    admin: URL
    owner: URL
    app: URL
    name: str


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"log_format": "json", "statement_timeout_ms": 2000, "pool_size": 2}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def drop_database(admin_url: URL, name: str) -> None:
    admin = await connect_as(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
