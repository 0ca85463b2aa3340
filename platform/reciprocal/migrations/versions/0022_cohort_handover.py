"""cohort handover: a request to hand a cohort to a successor scheme, and a referral's former reference

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from reciprocal.db.rls import grant_app

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("referrals", sa.Column("former_reference", sa.String(length=30), nullable=True))
    op.create_index(
        "ix_referrals_former_reference_prefix",
        "referrals",
        ["tenant_id", "former_reference"],
        postgresql_ops={"former_reference": "text_pattern_ops"},
        postgresql_where=sa.text("former_reference is not null"),
    )
    op.create_table(
        "cohort_handovers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("from_scheme_id", sa.Uuid(), nullable=False),
        sa.Column("to_scheme_id", sa.Uuid(), nullable=False),
        sa.Column("risk_type", sa.String(length=63), nullable=False),
        sa.Column(
            "state",
            sa.Enum("requested", "done", "cancelled", name="cohort_handover_state", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("from_organisations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("to_organisations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("matches", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("from_agreed_by", sa.Uuid(), nullable=True),
        sa.Column("from_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("to_agreed_by", sa.Uuid(), nullable=True),
        sa.Column("to_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Uuid(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("from_scheme_id <> to_scheme_id", name=op.f("ck_cohort_handovers_two_schemes")),
        sa.ForeignKeyConstraint(
            ["from_scheme_id"],
            ["schemes.id"],
            name=op.f("fk_cohort_handovers_from_scheme_id_schemes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["to_scheme_id"], ["schemes.id"], name=op.f("fk_cohort_handovers_to_scheme_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_handovers")),
    )
    op.create_index("ix_cohort_handovers_from", "cohort_handovers", ["from_scheme_id", "created_at"])
    op.create_index("ix_cohort_handovers_to", "cohort_handovers", ["to_scheme_id", "created_at"])
    # Not tenant-owned (it names two schemes): no row-level security; never deleted.
    op.execute(grant_app("cohort_handovers", "SELECT, INSERT, UPDATE"))


def downgrade() -> None:
    op.drop_table("cohort_handovers")
    op.drop_index("ix_referrals_former_reference_prefix", table_name="referrals")
    op.drop_column("referrals", "former_reference")
