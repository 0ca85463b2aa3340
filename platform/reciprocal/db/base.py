"""Declarative base and the shape every tenant-owned table shares."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, MetaData, Uuid, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from reciprocal.kernel import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TenantOwned:
    """Mixin for a table that belongs to one scheme.

    `tenant_id` leads the primary key, every composite index and every foreign key to another tenant
    table, so the database itself refuses a reference from one scheme's row to another's; row-level
    security (see `reciprocal.db.rls`) hides other schemes' rows from the application role.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(Uuid, ForeignKey("schemes.id", ondelete="RESTRICT"), primary_key=True, sort_order=-10)

    @declared_attr
    def created_at(cls) -> Mapped[datetime]:
        return mapped_column(DateTime(timezone=True), default=clock.stamp, server_default=func.now(), sort_order=90)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def tenant_fk(columns: list[str], table: str, ondelete: str = "RESTRICT") -> ForeignKeyConstraint:
    """A composite foreign key: `tenant_id` first, so no row can point into another scheme."""
    return ForeignKeyConstraint(["tenant_id", *columns], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete)
