"""indexes for pages whose cost must not grow with history: referrals in hand, the officer's list, offers by
referral, risk assessments by offer, a named lead's home visits

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_HAND = (
    "state in ('accepted', 'approved', 'awaiting_approval', 'circulating', 'draft', 'offer_made', 'on_hold',"
    " 'returned', 'submitted', 'viewing')"
)
"""A draft or a referral on its way (referrals.models.IN_HAND), as of this revision."""

INDEXES = (
    ("ix_referrals_in_hand", "referrals", ["tenant_id", "state", "updated_at"], IN_HAND),
    ("ix_referrals_agency_in_hand", "referrals", ["tenant_id", "agency_id", "updated_at", "id"], IN_HAND),
    ("ix_referrals_agency_created", "referrals", ["tenant_id", "agency_id", "created_at", "id"], None),
    ("ix_referrals_agency_state_created", "referrals", ["tenant_id", "agency_id", "state", "created_at", "id"], None),
    ("ix_offers_referral", "offers", ["tenant_id", "referral_id", "created_at"], None),
    ("ix_risk_assessments_offer", "risk_assessments", ["tenant_id", "offer_id", "recorded_at"], None),
    (
        "ix_audit_events_home_visits",
        "audit_events",
        ["tenant_id", "subject_id", "actor_organisation_id", "occurred_at"],
        "action = 'named_lead.home_viewed'",
    ),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=sa.text(where) if where else None)


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
