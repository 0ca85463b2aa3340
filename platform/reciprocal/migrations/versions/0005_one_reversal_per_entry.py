"""one reversal per ledger entry: the database refuses a second correction of the same entry

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NOTE: if concurrent corrections already wrote two reversals of one entry (the race this closes),
    # building the index fails and names the duplicated (tenant_id, reverses_id). The surplus reversals
    # are a decision for the scheme's coordinator and the operators, not for a migration: it never
    # deletes ledger entries.
    op.create_index(
        "uq_ledger_entries_one_reversal",
        "ledger_entries",
        ["tenant_id", "reverses_id"],
        unique=True,
        postgresql_where=sa.text("reverses_id is not null"),
    )


def downgrade() -> None:
    op.drop_index("uq_ledger_entries_one_reversal", table_name="ledger_entries")
