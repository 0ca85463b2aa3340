"""finding: search by a reference's beginning, the coordinator's list of every referral, a named lead's history

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_referrals_reference_prefix",
        "referrals",
        ["tenant_id", "reference"],
        postgresql_ops={"reference": "text_pattern_ops"},
        unique=False,
    )
    op.create_index("ix_referrals_submitted", "referrals", ["tenant_id", "submitted_at", "id"], unique=False)
    op.create_index(
        "ix_referrals_state_submitted", "referrals", ["tenant_id", "state", "submitted_at", "id"], unique=False
    )
    op.create_index("ix_offers_organisation", "offers", ["tenant_id", "organisation_id", "created_at", "id"])
    op.create_index(
        "ix_audit_events_decisions",
        "audit_events",
        ["tenant_id", "actor_organisation_id", "occurred_at", "id"],
        postgresql_where=sa.text("action in ('referral.approve', 'referral.decline')"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_decisions", table_name="audit_events")
    op.drop_index("ix_offers_organisation", table_name="offers")
    op.drop_index("ix_referrals_state_submitted", table_name="referrals")
    op.drop_index("ix_referrals_submitted", table_name="referrals")
    op.drop_index("ix_referrals_reference_prefix", table_name="referrals")
