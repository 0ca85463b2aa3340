"""Criteria versions: every save is a new row; referrals keep the version they were checked under."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned


class CriteriaVersion(TenantOwned, Base):
    __tablename__ = "criteria_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """1, 2, 3... per scheme; the highest is the published one."""
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The criteria as `reciprocal.criteria.schemas.Criteria` encodes them."""
