"""areas: a tile on the scheme's tile-grid map (row, column) and the short name it shows

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("areas", sa.Column("short_name", sa.String(length=6), nullable=True))
    op.add_column("areas", sa.Column("grid_row", sa.Integer(), nullable=True))
    op.add_column("areas", sa.Column("grid_column", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_areas_grid_position"),
        "areas",
        "(grid_row is null) = (grid_column is null) and grid_row >= 0 and grid_column >= 0",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_areas_grid_position"), "areas", type_="check")
    for column in ("grid_column", "grid_row", "short_name"):
        op.drop_column("areas", column)
