"""operators: the people who run the service, their sessions, sign-in links and link requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:46:14.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reciprocal.db.rls import grant_app

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NOTE: platform-level tables: no tenant_id and no row-level security. An operator belongs to no
    # scheme, so there is no scheme to scope a row to; none of these rows is case data.
    op.create_table(
        "operators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("email", name=op.f("uq_operators_email")),
    )
    op.create_table(
        "operator_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_sessions_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_operator_sessions_token_hash")),
    )
    op.create_index("ix_operator_sessions_operator", "operator_sessions", ["operator_id"], unique=False)
    op.create_table(
        "operator_sign_in_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_sign_in_links_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_sign_in_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_operator_sign_in_links_token_hash")),
    )
    op.create_table(
        "operator_sign_in_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("email_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("ip_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_sign_in_attempts")),
    )
    op.create_index(
        "ix_operator_sign_in_attempts_email", "operator_sign_in_attempts", ["email_hash", "at"], unique=False
    )
    op.create_index("ix_operator_sign_in_attempts_ip", "operator_sign_in_attempts", ["ip_hash", "at"], unique=False)

    # Operators are added and disabled, never deleted by the app: the rows stay, for the record.
    for table in ("operators", "operator_sessions", "operator_sign_in_links"):
        op.execute(grant_app(table, "SELECT, INSERT, UPDATE"))
    op.execute(grant_app("operator_sign_in_attempts", "SELECT, INSERT"))


def downgrade() -> None:
    op.drop_index("ix_operator_sign_in_attempts_ip", table_name="operator_sign_in_attempts")
    op.drop_index("ix_operator_sign_in_attempts_email", table_name="operator_sign_in_attempts")
    op.drop_table("operator_sign_in_attempts")
    op.drop_table("operator_sign_in_links")
    op.drop_index("ix_operator_sessions_operator", table_name="operator_sessions")
    op.drop_table("operator_sessions")
    op.drop_table("operators")
