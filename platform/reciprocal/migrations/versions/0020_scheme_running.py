"""running a scheme: a scheme may be suspended (its people cannot sign in, its data stays); each organisation's
Working Together Agreement has a review date beside its signed date

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("schemes", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("organisations", sa.Column("agreement_review_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("organisations", "agreement_review_on")
    op.drop_column("schemes", "suspended_at")
