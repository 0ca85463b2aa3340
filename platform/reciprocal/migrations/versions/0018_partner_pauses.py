"""a housing partner may pause new circulations until a date, for a reason (absence, no stock)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("organisations", sa.Column("paused_from", sa.DateTime(timezone=True), nullable=True))
    op.add_column("organisations", sa.Column("paused_until", sa.Date(), nullable=True))
    op.add_column("organisations", sa.Column("pause_reason", sa.String(length=40), nullable=True))
    op.create_check_constraint(
        "pause_whole",
        "organisations",
        "(paused_until is null) = (pause_reason is null) and (paused_until is null) = (paused_from is null)",
    )


def downgrade() -> None:
    op.drop_constraint("pause_whole", "organisations", type_="check")
    for column in ("pause_reason", "paused_until", "paused_from"):
        op.drop_column("organisations", column)
