"""Database engines and schema management.

SQLite (the default, a file under ``SALESPLAN_HOME``) runs in WAL mode with a busy timeout and
foreign keys on; PostgreSQL is reached through psycopg 3. The schema is created or upgraded by
Alembic the first time a database is opened (:func:`ensure_schema`). Alembic itself is imported
only when a migration must run: a database already at the head revision is recognised by reading
``alembic_version`` and the revision ids the migration scripts declare (:func:`script_head`).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError

from tools.errors import DataError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Connections a SQLite engine keeps open. A serving process reads from its request threads and
#: its tool threads at once; past the pool's size every further connection was opened (with its
#: pragmas) and closed again on each use, a cost paid on about every other API request.
SQLITE_POOL_SIZE = 10
#: The PostgreSQL advisory lock held while the schema is created or upgraded (any fixed number).
MIGRATION_LOCK = 0x5A1E5_0000


class DatabaseError(DataError):
    """The database cannot be reached or used (a configuration or data problem, not a bug)."""


__all__ = [
    "MIGRATIONS",
    "SQLITE_BUSY_TIMEOUT_MS",
    "DatabaseError",
    "DatabaseOutage",
    "Engine",
    "current_revision",
    "ensure_schema",
    "head_revision",
    "make_engine",
    "outage_message",
    "ping",
    "refresh_statistics",
    "script_head",
]

#: What a query raises when the database is down, locked or unreachable in the middle of a request.
#: Interfaces catch it by this name (they never import SQLAlchemy) and say so in one line.
DatabaseOutage = OperationalError


def outage_message(exc: OperationalError) -> str:
    """The one line a user is shown for a database outage (the driver's first line, no traceback)."""
    return f"the database is unavailable: {str(exc.orig).splitlines()[0]}"


def refresh_statistics(engine: Engine) -> None:
    """Refresh the query planner's statistics after a bulk load (generate, import).

    Without them SQLite reads a freshly loaded ``opportunities`` through the stage index instead
    of the partial open-deals index (several times slower at 100,000 deals), and PostgreSQL plans
    from estimates of empty tables. SQLite: a full ``ANALYZE`` (a sampled one, ``analysis_limit``,
    misjudged the indexes' selectivity enough to pick worse plans; the full one takes about 0.4 s
    at 100,000 deals); PostgreSQL: ``VACUUM ANALYZE`` (statistics, and the visibility map that
    index-only scans need).
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA analysis_limit=0")
            connection.exec_driver_sql("ANALYZE")
        elif connection.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE")


def ping(engine: Engine) -> None:
    """Run the cheapest query there is; raises what the database raises when it cannot answer."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite paths get their directory created and WAL switched on."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"invalid database URL {url!r}") from exc
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            directory = Path(parsed.database).parent
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot create the database directory {directory}: {exc.strerror}"
                ) from exc
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, pool_size=SQLITE_POOL_SIZE
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The head revision, as Alembic reads it from the migration scripts."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


_DECLARED = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:"([^"]*)"|\'([^\']*)\'|None)', re.M)


@cache
def script_head() -> str | None:
    """The head revision read from the migration scripts' ``revision`` / ``down_revision`` lines,
    without importing Alembic; None when the scripts do not name exactly one head (then
    :func:`ensure_schema` leaves the decision to Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for key, double, single in _DECLARED.findall(path.read_text(encoding="utf-8")):
            value = double or single
            if value:
                (revisions if key == "revision" else parents).add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for a database without a schema)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(versions) > 1:
        raise DatabaseError(f"the database has several schema revisions ({', '.join(sorted(versions))})")
    return versions[0] if versions else None


@contextlib.contextmanager
def _one_migration_at_a_time(engine: Engine) -> Iterator[None]:
    """Several workers started at once on a new database must not all create its tables: on
    PostgreSQL they take turns on an advisory lock, on SQLite on a lock file beside the database."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    from filelock import FileLock

    with FileLock(f"{database}.migrate.lock"):
        yield


def ensure_schema(engine: Engine) -> None:
    """Create the schema, or upgrade it to the latest migration, when it is not current (one
    process at a time; the others find it current once it is their turn)."""
    try:
        head = script_head()
        if head is not None and current_revision(engine) == head:
            return
        with _one_migration_at_a_time(engine):
            if current_revision(engine) == (head or head_revision()):
                return
            from alembic import command

            command.upgrade(_alembic_config(engine), "head")
    except (OperationalError, SQLAlchemyDatabaseError) as exc:
        raise DatabaseError(f"cannot open the database: {str(exc.orig).splitlines()[0]}") from exc
