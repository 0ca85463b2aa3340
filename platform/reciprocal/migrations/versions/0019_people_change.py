"""people change: a referral is its officer's (handed over, it goes with them), and messages on a referral

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reciprocal.db.rls import enable_tenant_rls, grant_app

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("nominating_officer", "named_lead", "coordinator", "risk_assessor", "scheme_admin", "funder")

IN_HAND = (
    "state in ('accepted', 'approved', 'awaiting_approval', 'circulating', 'draft', 'offer_made', 'on_hold',"
    " 'returned', 'submitted', 'viewing')"
)
"""A draft or a referral on its way (referrals.models.IN_HAND), as of this revision."""

INDEXES = (
    # An officer sees the referrals they hold (services.visible_to): their lists read these, as the agency's did.
    ("ix_referrals_officer_in_hand", "referrals", ["tenant_id", "officer_id", "updated_at", "id"], IN_HAND),
    ("ix_referrals_officer_created", "referrals", ["tenant_id", "officer_id", "created_at", "id"], None),
    ("ix_referrals_officer_state_created", "referrals", ["tenant_id", "officer_id", "state", "created_at", "id"], None),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=sa.text(where) if where else None)
    op.create_table(
        "referral_messages",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.Enum(*ROLES, name="role", native_enum=False, length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["referrals.tenant_id", "referrals.id"],
            name=op.f("fk_referral_messages_tenant_id_referral_id_referrals"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_referral_messages_tenant_id_partner_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "author_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_referral_messages_tenant_id_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_referral_messages_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_referral_messages")),
    )
    op.create_index(
        "ix_referral_messages_thread", "referral_messages", ["tenant_id", "referral_id", "partner_id", "sent_at"]
    )
    for statement in enable_tenant_rls("referral_messages"):
        op.execute(statement)
    op.execute(grant_app("referral_messages", "SELECT, INSERT"))


def downgrade() -> None:
    op.drop_table("referral_messages")
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
