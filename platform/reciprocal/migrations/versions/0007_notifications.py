"""notifications: what's new for each person, the email outbox, and pgqueuer's job tables

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgqueuer.adapters.persistence.qb import QueryBuilderEnvironment
from sqlalchemy.dialects import postgresql
from sqlalchemy.util import await_only

from reciprocal.db.rls import APP_ROLE, enable_tenant_rls, grant_app

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("nominating_officer", "named_lead", "coordinator", "risk_assessor", "scheme_admin")

PGQUEUER_TABLES = ("pgqueuer", "pgqueuer_log", "pgqueuer_schedules", "pgqueuer_statistics")


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("role", sa.Enum(*ROLES, name="role", native_enum=False, length=40), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("reference", sa.String(length=40), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_notices_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_notices_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_notices")),
        sa.UniqueConstraint("tenant_id", "event_id", "user_id", name=op.f("uq_notices_tenant_id_event_id_user_id")),
    )
    op.create_index("ix_notices_user", "notices", ["tenant_id", "user_id", "role", "occurred_at"], unique=False)
    op.create_table(
        "outbox_messages",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "state",
            sa.Enum("queued", "sent", "failed", name="message_state", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_outbox_messages_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_outbox_messages_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_outbox_messages_tenant_id_key")),
    )
    op.create_index(
        "ix_outbox_messages_due", "outbox_messages", ["tenant_id", "state", "next_attempt_at"], unique=False
    )
    op.create_table(
        "email_choices",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("daily", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_email_choices_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_email_choices_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", "kind", name=op.f("pk_email_choices")),
    )
    op.create_table(
        "message_templates",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_message_templates_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("tenant_id", "kind", "version", name=op.f("uq_message_templates_tenant_id_kind_version")),
    )
    for table in ("notices", "outbox_messages", "email_choices", "message_templates"):
        op.execute(grant_app(table))
        for statement in enable_tenant_rls(table):
            op.execute(statement)

    # NOTE: pgqueuer's own tables, from its own install SQL (the version pinned in pyproject.toml). Not
    # tenant-owned: a job names its scheme in its payload, and its handler works in that scheme's session.
    _script(QueryBuilderEnvironment().build_install_query())
    for table in PGQUEUER_TABLES:
        op.execute(grant_app(table))
        op.execute(f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {APP_ROLE}")


def _script(sql: str) -> None:
    """Several statements at once (a function's body holds semicolons): asyncpg's simple query protocol runs
    them in the migration's transaction, where a prepared statement takes one."""
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    await_only(driver.execute(sql))


def downgrade() -> None:
    _script(QueryBuilderEnvironment().build_uninstall_query())
    op.drop_table("message_templates")
    op.drop_table("email_choices")
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_index("ix_notices_user", table_name="notices")
    op.drop_table("notices")
