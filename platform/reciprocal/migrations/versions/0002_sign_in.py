"""sign-in: identity providers, sessions, one-time links, oidc flows, throttling

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:54:31.831500
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reciprocal.db.rls import enable_tenant_rls, grant_app

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TENANT_TABLES = ("identity_providers", "user_sessions", "sign_in_links", "oidc_flows", "sign_in_attempts")


def upgrade() -> None:
    op.create_table(
        "oidc_flows",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("nonce", sa.String(length=200), nullable=False),
        sa.Column("code_verifier", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_oidc_flows_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_oidc_flows")),
        sa.UniqueConstraint("tenant_id", "state_hash", name=op.f("uq_oidc_flows_tenant_id_state_hash")),
    )
    op.create_table(
        "sign_in_attempts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("email_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("ip_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_sign_in_attempts_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sign_in_attempts")),
    )
    op.create_index("ix_sign_in_attempts_email", "sign_in_attempts", ["tenant_id", "email_hash", "at"], unique=False)
    op.create_index("ix_sign_in_attempts_ip", "sign_in_attempts", ["tenant_id", "ip_hash", "at"], unique=False)
    op.create_table(
        "identity_providers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=500), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("email_domains", sa.ARRAY(sa.String(length=253)), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_identity_providers_tenant_id_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_identity_providers_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_identity_providers")),
        sa.UniqueConstraint(
            "tenant_id", "organisation_id", name=op.f("uq_identity_providers_tenant_id_organisation_id")
        ),
    )
    op.create_table(
        "sign_in_links",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_sign_in_links_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_sign_in_links_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sign_in_links")),
        sa.UniqueConstraint("tenant_id", "token_hash", name=op.f("uq_sign_in_links_tenant_id_token_hash")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "nominating_officer",
                "named_lead",
                "coordinator",
                "risk_assessor",
                "scheme_admin",
                name="role",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id", "organisation_id", "role"],
            ["memberships.tenant_id", "memberships.user_id", "memberships.organisation_id", "memberships.role"],
            name=op.f("fk_user_sessions_tenant_id_user_id_organisation_id_role_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_user_sessions_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("tenant_id", "token_hash", name=op.f("uq_user_sessions_tenant_id_token_hash")),
    )
    op.create_index("ix_user_sessions_user", "user_sessions", ["tenant_id", "user_id"], unique=False)
    for table in TENANT_TABLES:
        op.execute(grant_app(table))
        for statement in enable_tenant_rls(table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_user_sessions_user", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_table("sign_in_links")
    op.drop_table("identity_providers")
    op.drop_index("ix_sign_in_attempts_ip", table_name="sign_in_attempts")
    op.drop_index("ix_sign_in_attempts_email", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_table("oidc_flows")
