"""Fixtures the web tests share."""

from __future__ import annotations

import pytest

from reciprocal.db.engine import Database
from support.world import Desk


@pytest.fixture
async def desk(db: Database) -> Desk:
    """The journeys' world, with an officer whose case reference and monitoring answers must stay hidden."""
    return await Desk(db).build()
