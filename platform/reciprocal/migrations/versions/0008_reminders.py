"""reminders: each rung of a referral's reminder ladder sent, once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reciprocal.db.rls import enable_tenant_rls, grant_app

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASKS = ("approval", "offer_decision", "viewing_outcome", "risk_assessment", "officer_update")
RUNGS = ("reminder", "cover", "stalled", "inactivity_notice", "withdrawal")
ROLES = ("scheme_admin", "coordinator", "named_lead", "nominating_officer", "risk_assessor")


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("task", sa.Enum(*TASKS, name="reminder_task", native_enum=False, length=30), nullable=False),
        sa.Column("basis_id", sa.Uuid(), nullable=False),
        sa.Column("rung", sa.Enum(*RUNGS, name="reminder_rung", native_enum=False, length=30), nullable=False),
        sa.Column("role", sa.Enum(*ROLES, name="role", native_enum=False, length=40), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_reminders_tenant_id_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["referrals.tenant_id", "referrals.id"],
            name=op.f("fk_reminders_tenant_id_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_reminders_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "tenant_id",
            "referral_id",
            "task",
            "basis_id",
            "rung",
            name=op.f("uq_reminders_tenant_id_referral_id_task_basis_id_rung"),
        ),
    )
    op.create_index("ix_reminders_referral", "reminders", ["tenant_id", "referral_id", "created_at"], unique=False)
    op.execute(grant_app("reminders"))
    for statement in enable_tenant_rls("reminders"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_reminders_referral", table_name="reminders")
    op.drop_table("reminders")
