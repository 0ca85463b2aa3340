"""ledger balances: per partner and bedroom class, kept by a trigger on ledger_entries in the same statement

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reciprocal.db.rls import enable_tenant_rls, grant_app

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One statement-level trigger: a bulk insert of thousands of entries adds to each balance once, and in
# (partner, bedrooms) order, so two writers touching the same balances in different orders cannot deadlock.
# NOTE: SECURITY DEFINER (the owner, which FORCE ROW LEVEL SECURITY still binds to the scheme's setting): the
# application role only reads ledger_balances, so its figures can change only by entries being written.
FOLLOW_ENTRIES = """
CREATE FUNCTION ledger_balances_follow_entries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO public.ledger_balances AS balance (tenant_id, partner_id, bedrooms, owed, owing)
    SELECT tenant_id, partner_id, bedrooms, sum(greatest(amount, 0)), sum(greatest(-amount, 0))
    FROM new_entries
    GROUP BY tenant_id, partner_id, bedrooms
    ORDER BY tenant_id, partner_id, bedrooms
    ON CONFLICT (tenant_id, partner_id, bedrooms)
    DO UPDATE SET owed = balance.owed + excluded.owed, owing = balance.owing + excluded.owing;
    RETURN NULL;
END
$$
"""

TRIGGER = """
CREATE TRIGGER ledger_balances_follow_entries AFTER INSERT ON ledger_entries
REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_balances_follow_entries()
"""

# The owner runs this, and row-level security binds it too: each scheme's entries are summed under that
# scheme's own setting, db.rls.TENANT_SETTING (transaction-local: it ends with this migration's transaction).
BACKFILL = """
DO $$
DECLARE
    scheme uuid;
BEGIN
    FOR scheme IN SELECT id FROM schemes ORDER BY id LOOP
        PERFORM set_config('app.tenant_id', scheme::text, true);
        INSERT INTO ledger_balances (tenant_id, partner_id, bedrooms, owed, owing)
        SELECT tenant_id, partner_id, bedrooms, sum(greatest(amount, 0)), sum(greatest(-amount, 0))
        FROM ledger_entries
        WHERE tenant_id = scheme
        GROUP BY tenant_id, partner_id, bedrooms;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "ledger_balances",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("bedrooms", sa.Integer(), nullable=True),
        sa.Column("owed", sa.Integer(), nullable=False),
        sa.Column("owing", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("owed >= 0 and owing >= 0", name=op.f("ck_ledger_balances_counts")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_ledger_balances_tenant_id_partner_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_ledger_balances_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_ledger_balances")),
        sa.UniqueConstraint(
            "tenant_id",
            "partner_id",
            "bedrooms",
            name="uq_ledger_balances_tenant_id_partner_id_bedrooms",
            postgresql_nulls_not_distinct=True,
        ),
    )
    # A partner's entries by when they were recorded: a statement reads a month of them, not all history.
    op.create_index("ix_ledger_entries_partner_recorded", "ledger_entries", ["tenant_id", "partner_id", "created_at"])
    op.execute(FOLLOW_ENTRIES)
    op.execute(TRIGGER)
    op.execute(BACKFILL)
    op.execute(grant_app("ledger_balances", "SELECT"))
    for statement in enable_tenant_rls("ledger_balances"):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_balances_follow_entries ON ledger_entries")
    op.execute("DROP FUNCTION ledger_balances_follow_entries()")
    op.drop_index("ix_ledger_entries_partner_recorded", table_name="ledger_entries")
    op.drop_table("ledger_balances")
