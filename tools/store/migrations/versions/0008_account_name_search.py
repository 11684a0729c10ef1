"""Account name search: a trigram index of account names

Looking an account up by a name someone typed reads candidates through this index instead of
every name in scope (:mod:`tools.store.names`). SQLite: an FTS5 table with the trigram tokenizer
over ``accounts.name`` (external content), kept current by triggers. PostgreSQL: a GIN trigram
index on ``lower(name)`` (extension ``pg_trgm``). A database without either (SQLite built
without FTS5, a PostgreSQL role that may not create the extension) keeps working: lookups then
use plain ``LIKE`` candidate queries.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FTS = "accounts_name_fts"
TRGM_INDEX = "ix_accounts_name_trgm"
SQLITE_UP = (
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(name, content='accounts', content_rowid='id', tokenize='trigram')",
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON accounts BEGIN
        INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name);
    END""",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON accounts BEGIN
        INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name);
    END""",
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE OF name ON accounts BEGIN
        INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name);
        INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name not in ("sqlite", "postgresql"):
        return
    first = SQLITE_UP[0] if bind.dialect.name == "sqlite" else "CREATE EXTENSION IF NOT EXISTS pg_trgm"
    with bind.begin_nested() as savepoint:
        try:
            bind.exec_driver_sql(first)
        except sa.exc.DBAPIError:  # SQLite without FTS5; pg_trgm missing, or not this role's to create
            savepoint.rollback()
            return
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP[1:]:
            op.execute(sa.text(statement))
        return
    op.execute(sa.text(f"CREATE INDEX {TRGM_INDEX} ON accounts USING gin (lower(name) gin_trgm_ops)"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {FTS}_{trigger}"))
        op.execute(sa.text(f"DROP TABLE IF EXISTS {FTS}"))
    elif bind.dialect.name == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {TRGM_INDEX}"))
