"""referrals, offers, moves and the ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:05:34.620950
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from reciprocal.db.rls import enable_tenant_rls, grant_app

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TENANT_TABLES = (
    "reference_counters",
    "referrals",
    "offers",
    "referral_areas",
    "referral_monitoring",
    "moves",
    "risk_assessments",
    "ledger_entries",
)


def upgrade() -> None:
    op.create_table(
        "reference_counters",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_reference_counters_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "year", name=op.f("pk_reference_counters")),
    )
    op.create_table(
        "referrals",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "ineligible",
                "on_hold",
                "awaiting_approval",
                "declined",
                "approved",
                "circulating",
                "offer_made",
                "viewing",
                "accepted",
                "moved",
                "closed",
                "withdrawn",
                name="referral_state",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("criteria_version", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("officer_case_reference", sa.String(length=100), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("tenancy_type", sa.String(length=63), nullable=True),
        sa.Column("duty_to_house", sa.Boolean(), nullable=False),
        sa.Column("current_landlord_id", sa.Uuid(), nullable=True),
        sa.Column("current_area_id", sa.Uuid(), nullable=True),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("children_ages", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("bedrooms_needed", sa.Integer(), nullable=True),
        sa.Column("pets", sa.Text(), nullable=False),
        sa.Column("access_needs", sa.Text(), nullable=False),
        sa.Column("floor_level_need", sa.Boolean(), nullable=False),
        sa.Column("medical_evidence", sa.Boolean(), nullable=False),
        sa.Column("risk_type", sa.String(length=63), nullable=True),
        sa.Column("risk_assessor_id", sa.Uuid(), nullable=True),
        sa.Column("safeguarding_measures", sa.Text(), nullable=False),
        sa.Column("resettlement_support", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("circulated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "agency_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_referrals_tenant_id_agency_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "criteria_version"],
            ["criteria_versions.tenant_id", "criteria_versions.version"],
            name=op.f("fk_referrals_tenant_id_criteria_version_criteria_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "current_area_id"],
            ["areas.tenant_id", "areas.id"],
            name=op.f("fk_referrals_tenant_id_current_area_id_areas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "current_landlord_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_referrals_tenant_id_current_landlord_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "officer_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_referrals_tenant_id_officer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "risk_assessor_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_referrals_tenant_id_risk_assessor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_referrals_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("tenant_id", "reference", name=op.f("uq_referrals_tenant_id_reference")),
    )
    op.create_index("ix_referrals_agency", "referrals", ["tenant_id", "agency_id", "state"], unique=False)
    op.create_index("ix_referrals_state", "referrals", ["tenant_id", "state", "updated_at"], unique=False)
    op.create_table(
        "offers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("offered_by_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("bedrooms", sa.Integer(), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("available_from", sa.Date(), nullable=False),
        sa.Column("address_encrypted", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "viewing",
                "accepted",
                "refused",
                "withdrawn",
                "moved",
                name="offer_state",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("refusal_reason", sa.String(length=40), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "area_id"],
            ["areas.tenant_id", "areas.id"],
            name=op.f("fk_offers_tenant_id_area_id_areas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "offered_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_offers_tenant_id_offered_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_offers_tenant_id_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["referrals.tenant_id", "referrals.id"],
            name=op.f("fk_offers_tenant_id_referral_id_referrals"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_offers_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_offers")),
    )
    op.create_index(
        "uq_offers_one_live_per_referral",
        "offers",
        ["tenant_id", "referral_id"],
        unique=True,
        postgresql_where=sa.text("state in ('open', 'viewing', 'accepted')"),
    )
    op.create_table(
        "referral_areas",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "area_id"],
            ["areas.tenant_id", "areas.id"],
            name=op.f("fk_referral_areas_tenant_id_area_id_areas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["referrals.tenant_id", "referrals.id"],
            name=op.f("fk_referral_areas_tenant_id_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_referral_areas_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "referral_id", "area_id", "kind", name=op.f("pk_referral_areas")),
    )
    op.create_index("ix_referral_areas_area", "referral_areas", ["tenant_id", "area_id", "kind"], unique=False)
    op.create_table(
        "referral_monitoring",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["referrals.tenant_id", "referrals.id"],
            name=op.f("fk_referral_monitoring_tenant_id_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_referral_monitoring_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "referral_id", name=op.f("pk_referral_monitoring")),
    )
    op.create_table(
        "moves",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("receiving_id", sa.Uuid(), nullable=False),
        sa.Column("sending_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("bedrooms", sa.Integer(), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "area_id"],
            ["areas.tenant_id", "areas.id"],
            name=op.f("fk_moves_tenant_id_area_id_areas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "offer_id"],
            ["offers.tenant_id", "offers.id"],
            name=op.f("fk_moves_tenant_id_offer_id_offers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "receiving_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_moves_tenant_id_receiving_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["referrals.tenant_id", "referrals.id"],
            name=op.f("fk_moves_tenant_id_referral_id_referrals"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "sending_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_moves_tenant_id_sending_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_moves_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_moves")),
        sa.UniqueConstraint("tenant_id", "referral_id", name=op.f("uq_moves_tenant_id_referral_id")),
    )
    op.create_table(
        "risk_assessments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("assessor_id", sa.Uuid(), nullable=False),
        sa.Column("risk_identified", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "assessor_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_risk_assessments_tenant_id_assessor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "offer_id"],
            ["offers.tenant_id", "offers.id"],
            name=op.f("fk_risk_assessments_tenant_id_offer_id_offers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_risk_assessments_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_risk_assessments")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("bedrooms", sa.Integer(), nullable=True),
        sa.Column("amount", sa.SmallInteger(), nullable=False),
        sa.Column("move_id", sa.Uuid(), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount in (-1, 1)", name=op.f("ck_ledger_entries_one_property")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "move_id"],
            ["moves.tenant_id", "moves.id"],
            name=op.f("fk_ledger_entries_tenant_id_move_id_moves"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_ledger_entries_tenant_id_partner_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "reverses_id"],
            ["ledger_entries.tenant_id", "ledger_entries.id"],
            name=op.f("fk_ledger_entries_tenant_id_reverses_id_ledger_entries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["schemes.id"], name=op.f("fk_ledger_entries_tenant_id_schemes"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_ledger_entries")),
    )
    op.create_index(
        "ix_ledger_entries_partner", "ledger_entries", ["tenant_id", "partner_id", "bedrooms"], unique=False
    )
    op.add_column("schemes", sa.Column("reference_prefix", sa.String(length=8), nullable=False, server_default="REF"))
    for table in TENANT_TABLES:
        # The ledger is append-only: corrections are reversing entries, never edits.
        op.execute(grant_app(table, "SELECT, INSERT") if table == "ledger_entries" else grant_app(table))
        for statement in enable_tenant_rls(table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_column("schemes", "reference_prefix")
    op.drop_index("ix_ledger_entries_partner", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_table("risk_assessments")
    op.drop_table("moves")
    op.drop_table("referral_monitoring")
    op.drop_index("ix_referral_areas_area", table_name="referral_areas")
    op.drop_table("referral_areas")
    op.drop_index(
        "uq_offers_one_live_per_referral",
        table_name="offers",
        postgresql_where=sa.text("state in ('open', 'viewing', 'accepted')"),
    )
    op.drop_table("offers")
    op.drop_index("ix_referrals_state", table_name="referrals")
    op.drop_index("ix_referrals_agency", table_name="referrals")
    op.drop_table("referrals")
    op.drop_table("reference_counters")
