"""retention with receipts: how long each scheme keeps what has ended, and a receipt of each run; a partner's
leaving date

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reciprocal.db.rls import enable_tenant_rls, grant_app

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEEP = {
    "keep_closed_referrals_days": 730,
    "keep_audit_events_days": 730,
    "keep_sign_in_records_days": 90,
    "keep_outbox_messages_days": 90,
    "keep_sessions_days": 30,
}
"""retention.rules.DEFAULTS as of this revision."""

# NOTE: SECURITY DEFINER (the owner, which FORCE ROW LEVEL SECURITY still binds to the scheme's setting): the
# application role may only add to audit_events and referral_messages; only the retention rule removes from them.
FORGET_AUDIT = """
CREATE FUNCTION retention_forget_audit(before timestamptz, referrals uuid[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    removed bigint;
BEGIN
    DELETE FROM public.referral_messages WHERE referral_id = ANY(referrals);
    DELETE FROM public.audit_events
    WHERE occurred_at < before OR (subject_type = 'referral' AND subject_id = ANY(referrals));
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END
$$
"""


def upgrade() -> None:
    op.add_column("organisations", sa.Column("left_on", sa.Date(), nullable=True))
    op.add_column("organisations", sa.Column("leaving_reason", sa.Text(), nullable=True))
    for column, days in KEEP.items():
        op.add_column("schemes", sa.Column(column, sa.Integer(), nullable=False, server_default=str(days)))
    # A move outlives its referral's removal: the ledger's entries point at it, and it holds no case content.
    op.alter_column("moves", "referral_id", existing_type=sa.Uuid(), nullable=True)
    op.alter_column("moves", "offer_id", existing_type=sa.Uuid(), nullable=True)
    op.create_table(
        "retention_receipts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", sa.String(length=40), nullable=False),
        sa.Column("kept_days", sa.Integer(), nullable=False),
        sa.Column("before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_retention_receipts_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_retention_receipts")),
    )
    op.create_index("ix_retention_receipts_ran", "retention_receipts", ["tenant_id", "ran_at"])
    for statement in enable_tenant_rls("retention_receipts"):
        op.execute(statement)
    op.execute(grant_app("retention_receipts", "SELECT, INSERT"))
    op.execute(FORGET_AUDIT)
    op.execute("REVOKE ALL ON FUNCTION retention_forget_audit(timestamptz, uuid[]) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION retention_forget_audit(timestamptz, uuid[]) TO reciprocal_app")


def downgrade() -> None:
    op.execute("DROP FUNCTION retention_forget_audit(timestamptz, uuid[])")
    op.drop_table("retention_receipts")
    op.alter_column("moves", "offer_id", existing_type=sa.Uuid(), nullable=False)
    op.alter_column("moves", "referral_id", existing_type=sa.Uuid(), nullable=False)
    for column in reversed(KEEP):
        op.drop_column("schemes", column)
    op.drop_column("organisations", "leaving_reason")
    op.drop_column("organisations", "left_on")
