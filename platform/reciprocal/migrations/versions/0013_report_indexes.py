"""report indexes: each referral milestone (submission's is 0011's), offers by when made, moves by the day they moved

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_referrals_approved", "referrals", ["tenant_id", "approved_at"]),
    ("ix_referrals_circulated", "referrals", ["tenant_id", "circulated_at"]),
    ("ix_referrals_offered", "referrals", ["tenant_id", "offered_at"]),
    ("ix_referrals_ended", "referrals", ["tenant_id", "ended_at"]),
    ("ix_offers_created", "offers", ["tenant_id", "created_at"]),
    ("ix_moves_moved_on", "moves", ["tenant_id", "moved_on"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
