"""The database: one PostgreSQL, tenant-scoped by row-level security."""
