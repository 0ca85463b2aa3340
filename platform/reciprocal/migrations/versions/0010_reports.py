"""reports: enquiries, stage times kept on the referral, other pathways (Housing Moves)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from reciprocal.db.rls import enable_tenant_rls, grant_app

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENDED = ("ineligible", "declined", "moved", "closed", "withdrawn", "moved_elsewhere")


def upgrade() -> None:
    op.create_table(
        "enquiries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("checker", "phone", "email", name="enquiry_channel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("risk_type", sa.String(length=63), nullable=True),
        sa.Column("agency_kind", sa.String(length=63), nullable=True),
        sa.Column("outcome", sa.String(length=63), nullable=False),
        sa.Column("logged_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "logged_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_enquiries_tenant_id_logged_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_enquiries_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_enquiries")),
    )
    op.create_index("ix_enquiries_received", "enquiries", ["tenant_id", "received_at"], unique=False)
    op.execute(grant_app("enquiries"))
    for statement in enable_tenant_rls("enquiries"):
        op.execute(statement)

    for column in ("approved_at", "offered_at", "ended_at"):
        op.add_column("referrals", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "referrals",
        sa.Column(
            "other_pathways",
            postgresql.ARRAY(sa.String(length=63)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
    )
    # Referrals already under way get their milestones from the audit trail, which recorded every step.
    op.get_bind().execute(
        sa.text(
            """
        update referrals r set
            approved_at = m.approved_at, offered_at = m.offered_at, ended_at = m.ended_at
        from (
            select tenant_id, subject_id,
                   min(occurred_at) filter (where details->>'to' = 'approved') as approved_at,
                   min(occurred_at) filter (where details->>'to' = 'offer_made') as offered_at,
                   min(occurred_at) filter (where details->>'to' = any(:ended)) as ended_at
            from audit_events
            where subject_type = 'referral' and details ? 'to'
            group by tenant_id, subject_id
        ) m
        where m.tenant_id = r.tenant_id and m.subject_id = r.id
        """
        ),
        {"ended": list(ENDED)},
    )


def downgrade() -> None:
    for column in ("other_pathways", "ended_at", "offered_at", "approved_at"):
        op.drop_column("referrals", column)
    op.drop_index("ix_enquiries_received", table_name="enquiries")
    op.drop_table("enquiries")
