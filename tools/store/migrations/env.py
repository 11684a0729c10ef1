"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from tools.errors import UsageError
from tools.store.names import modelled
from tools.store.schema import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise UsageError("run migrations through tools.store.db.ensure_schema")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=modelled,  # the account-name search index is not an ORM model (migration 0006)
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
