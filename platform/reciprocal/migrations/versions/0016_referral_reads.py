"""a referral's steps and its reads indexed apart: its page's cost no longer grows with how often it is read

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_audit_events_subject_steps", ["tenant_id", "subject_type", "subject_id", "occurred_at"], "<>"),
    ("ix_audit_events_reads", ["tenant_id", "subject_id", "occurred_at"], "="),
)


def upgrade() -> None:
    for name, columns, operator in INDEXES:
        op.create_index(name, "audit_events", columns, postgresql_where=sa.text(f"action {operator} 'referral.viewed'"))


def downgrade() -> None:
    for name, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name="audit_events")
