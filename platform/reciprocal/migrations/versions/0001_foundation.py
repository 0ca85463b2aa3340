"""foundation: schemes, areas, organisations, users, memberships, audit, criteria

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:37:34.914116
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from reciprocal.db.rls import enable_tenant_rls, grant_app

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TENANT_TABLES = (
    "areas",
    "organisations",
    "organisation_areas",
    "users",
    "memberships",
    "audit_events",
    "criteria_versions",
)


def upgrade() -> None:
    op.create_table(
        "schemes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("area_term", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name=op.f("ck_schemes_slug_format")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schemes")),
        sa.UniqueConstraint("slug", name=op.f("uq_schemes_slug")),
    )
    op.create_table(
        "areas",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_areas_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_areas")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_areas_tenant_id_code")),
    )
    op.create_table(
        "audit_events",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=40), nullable=True),
        sa.Column("subject_type", sa.String(length=40), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_audit_events_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_subject"),
        "audit_events",
        ["tenant_id", "subject_type", "subject_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "criteria_versions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["schemes.id"],
            name=op.f("fk_criteria_versions_tenant_id_schemes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "version", name=op.f("pk_criteria_versions")),
    )
    op.create_table(
        "organisations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "council",
                "housing_association",
                "agency",
                "coordinator",
                name="organisation_kind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("agreement_signed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["schemes.id"],
            name=op.f("fk_organisations_tenant_id_schemes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_organisations_tenant_id_code")),
    )
    op.create_table(
        "users",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("invited", "active", "suspended", name="user_status", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_users_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "email", name=op.f("uq_users_tenant_id_email")),
    )
    op.create_table(
        "memberships",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
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
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_memberships_tenant_id_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_memberships_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_memberships_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", "organisation_id", "role", name=op.f("pk_memberships")),
    )
    op.create_table(
        "organisation_areas",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "area_id"],
            ["areas.tenant_id", "areas.id"],
            name=op.f("fk_organisation_areas_tenant_id_area_id_areas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_organisation_areas_tenant_id_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["schemes.id"],
            name=op.f("fk_organisation_areas_tenant_id_schemes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "organisation_id", "area_id", name=op.f("pk_organisation_areas")),
    )

    op.execute(grant_app("alembic_version", "SELECT"))
    # The schemes table is the directory of tenants: readable to find a scheme, never deleted by the app.
    op.execute(grant_app("schemes", "SELECT, INSERT, UPDATE"))
    for table in ("areas", "organisations", "organisation_areas", "users", "memberships"):
        op.execute(grant_app(table))
    # Append-only: what happened, and what the criteria said, is never rewritten.
    op.execute(grant_app("audit_events", "SELECT, INSERT"))
    op.execute(grant_app("criteria_versions", "SELECT, INSERT"))
    for table in TENANT_TABLES:
        for statement in enable_tenant_rls(table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("organisation_areas")
    op.drop_table("memberships")
    op.drop_table("users")
    op.drop_table("organisations")
    op.drop_table("criteria_versions")
    op.drop_index(op.f("ix_audit_events_subject"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("areas")
    op.drop_table("schemes")
