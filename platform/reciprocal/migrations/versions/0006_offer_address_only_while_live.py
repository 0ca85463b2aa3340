"""an offer's address only while it is live: the database refuses an ended offer that keeps one

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An offer that ended on a path that did not clear its address (its referral sent back to circulation
    # by withdrawing the offer) forgets it now, so the constraint can hold. NOTE: row-level security is
    # forced on the owner too, so this runs scheme by scheme under each one's tenant setting.
    op.execute(
        """
        do $$
        declare scheme uuid;
        begin
            for scheme in select id from schemes loop
                perform set_config('app.tenant_id', scheme::text, true);
                update offers set address_encrypted = null
                 where address_encrypted is not null and state not in ('open', 'viewing', 'accepted');
            end loop;
            perform set_config('app.tenant_id', '', true);
        end
        $$
        """
    )
    op.create_check_constraint(
        op.f("ck_offers_address_only_while_live"),
        "offers",
        "address_encrypted is null or state in ('open', 'viewing', 'accepted')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_offers_address_only_while_live"), "offers", type_="check")
