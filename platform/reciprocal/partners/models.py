"""Organisations that take part in a scheme, and the areas each housing partner covers."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id


class OrganisationKind(enum.StrEnum):
    council = "council"
    housing_association = "housing_association"
    agency = "agency"
    """A referring agency: charity, youth team, social care. Its staff are nominating officers."""
    coordinator = "coordinator"
    """The scheme's independent coordinating body."""
    funder = "funder"
    """A funder or steering group: its people read the scheme's reports and nothing else."""

    @property
    def is_housing_partner(self) -> bool:
        return self in (OrganisationKind.council, OrganisationKind.housing_association)


class Organisation(TenantOwned, Base):
    """A partner in one scheme. The same council in two schemes is two organisations."""

    __tablename__ = "organisations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint(
            "(paused_until is null) = (pause_reason is null) and (paused_until is null) = (paused_from is null)",
            name="pause_whole",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, name="organisation_kind", native_enum=False, length=40)
    )
    agreement_signed_on: Mapped[date | None] = mapped_column(Date, default=None)
    agreement_review_on: Mapped[date | None] = mapped_column(Date, default=None)
    """When the Working Together Agreement is next reviewed: it lapses then unless renewed."""
    """When the organisation signed the scheme's working together agreement."""
    paused_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """When the partner paused new circulations (referrals.pauses): set with the two below, or none of them."""
    paused_until: Mapped[date | None] = mapped_column(Date, default=None)
    """The day new circulations reach the partner again: the pause ends by itself on it, no job needed."""
    pause_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    """A key of referrals.pauses.REASONS."""
    left_on: Mapped[date | None] = mapped_column(Date, default=None)
    """The day the partner left the scheme (referrals.leaving): from it, nothing is circulated to it and its
    people cannot act; its referrals already in hand go on."""
    leaving_reason: Mapped[str | None] = mapped_column(Text, default=None)
    """The coordinator's reason, checked for identifying details like every note."""

    def paused_on(self, day: date) -> bool:
        """Whether new circulations skip the partner on `day` (`taking_circulations` in SQL)."""
        return self.paused_until is not None and day < self.paused_until


def taking_circulations(day: date) -> ColumnElement[bool]:
    """`Organisation.paused_on` as SQL: true where new circulations reach the partner on `day` (not paused, and
    not left the scheme by then)."""
    return (Organisation.paused_until.is_(None) | (Organisation.paused_until <= day)) & still_in(day)


def still_in(
    day: date | ColumnElement[date], organisation: type[Organisation] | Any = Organisation
) -> ColumnElement[bool]:
    """True where the organisation (or an alias of it) has not left the scheme by `day` (`Organisation.left_on`):
    a date, or a bound parameter in a statement built once."""
    return organisation.left_on.is_(None) | (organisation.left_on > day)


class OrganisationArea(TenantOwned, Base):
    """An area a housing partner has stock in: circulated referrals reach it by these."""

    __tablename__ = "organisation_areas"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "organisation_id"], ["organisations.tenant_id", "organisations.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "area_id"], ["areas.tenant_id", "areas.id"], ondelete="RESTRICT"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    area_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
