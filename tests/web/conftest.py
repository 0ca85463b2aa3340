"""Fixtures the web tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reciprocal.db.engine import Database
from reciprocal.identity import oidc
from support.world import Desk


@pytest.fixture
async def desk(db: Database) -> Desk:
    """The journeys' world, with an officer whose case reference and monitoring answers must stay hidden."""
    return await Desk(db).build()


@pytest.fixture
def loopback_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An OpenID provider may be plain http on loopback, and none's metadata is remembered from another test."""
    # NOTE: authlib, inside the provider, refuses plain HTTP unless told: the provider here is on loopback.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    oidc.forget_metadata()
    yield
    oidc.forget_metadata()
