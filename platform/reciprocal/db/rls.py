"""Row-level security: the database's backstop behind the application's own tenant scoping."""

from __future__ import annotations

TENANT_SETTING = "app.tenant_id"
"""Per-transaction setting that names the scheme a connection is working for."""

APP_ROLE = "reciprocal_app"
"""The role the service runs as at request time: not superuser, not table owner, no BYPASSRLS."""

# NOTE: a transaction-local setting reads '' (not NULL) once its transaction has ended on a pooled
# connection, hence nullif: '' must mean "no scheme", never a cast error.
TENANT_PREDICATE = f"tenant_id = nullif(current_setting('{TENANT_SETTING}', true), '')::uuid"


def enable_tenant_rls(table: str) -> list[str]:
    """SQL that enables and forces row-level security on a tenant-owned table, with its one policy."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})",
    ]


def grant_app(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> str:
    return f"GRANT {privileges} ON {table} TO {APP_ROLE}"
