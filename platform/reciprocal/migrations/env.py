"""Alembic environment: runs on the connection `reciprocal.db.migrate` hands it."""

from alembic import context

from reciprocal.migrations.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `reciprocal migrate`, which supplies the connection")

context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
