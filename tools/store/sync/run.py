"""One sync run: fetch what changed, then write it, its deletes and the watermarks at once.

The fetch happens first, outside any transaction (the CRM may take minutes; the database is not
held meanwhile): the source writes its records as CSV files in a temporary directory. Then one
transaction imports them with the import machinery (:func:`tools.store.importer.runner.import_into`:
the mapping language, every row checked before anything is written, upserts keyed on the CRM's
ids, stages, derived columns, the ``org_changed_at`` stamp that makes every process rebuild the
scopes it remembers), removes what the CRM deleted, keeps the roles given in Salesplan (an
admin stays an admin when the CRM says "rep"), and stores the new watermarks. Any failure rolls
all of it back: the last good data and watermarks stay, and the error says why. After the commit
the planner statistics are refreshed (``ANALYZE``).

The first run of a source (no watermark) is a full load; later runs ask only for changes.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from tools.store.crm_tables import SyncState
from tools.store.db import refresh_statistics
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.report import DataImportError, ImportValidationError, TableCounts
from tools.store.importer.runner import import_into
from tools.store.schema import (
    Account,
    AccountProduct,
    Activity,
    Contact,
    Opportunity,
    OpportunityHistory,
    Role,
    User,
    table_of,
)
from tools.store.stages import StageConfig
from tools.store.sync.retry import CrmError
from tools.store.sync.source import CrmSource

Clock = Callable[[], dt.datetime]
CHUNK = 500
STATE = table_of(SyncState)


@dataclass
class SyncReport:
    """What one run did."""

    source: str
    full: bool
    fetched: dict[str, int] = field(default_factory=dict)
    tables: dict[str, TableCounts] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    def summary(self) -> str:
        kind = "full" if self.full else "incremental"
        changed = ", ".join(f"{t} +{c.inserted} ~{c.updated}" for t, c in self.tables.items()) or "no changes"
        gone = ", ".join(f"{t} -{n}" for t, n in self.deleted.items() if n)
        deleted = f"; deleted {gone}" if gone else ""
        return f"{self.source} {kind} sync: {changed}{deleted} ({self.elapsed_seconds:.1f} s)"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def watermarks(engine: Engine, source: str) -> dict[str, str]:
    """The stored watermark of each object of ``source`` (empty before the first sync)."""
    with engine.connect() as conn:
        rows = conn.execute(select(STATE.c.object, STATE.c.watermark).where(STATE.c.source == source))
        return {str(obj): str(mark) for obj, mark in rows}


def sync(engine: Engine, source: CrmSource, *, stages: StageConfig, clock: Clock = _utc_now) -> SyncReport:
    """Bring the database up to date with ``source``, all or nothing.

    Raises:
        CrmError: the CRM could not be read; nothing was written.
        DataImportError: the CRM's data could not be imported (``ImportValidationError`` lists
            the rows); nothing was written.
    """
    started = time.perf_counter()
    since = watermarks(engine, source.name)
    report = SyncReport(source=source.name, full=not since)
    mapping = load_mapping(source.mapping)
    with tempfile.TemporaryDirectory(prefix=f"salesplan-{source.name}-") as folder:
        directory = Path(folder)
        fetched = source.fetch(directory, since)
        report.fetched = fetched.rows
        try:
            with engine.begin() as conn:
                kept = _given_roles(conn)
                imported = import_into(
                    conn, directory, mapping, stages=stages, as_of=clock().date(), clock=clock
                )
                _restore_roles(conn, kept)
                removed = {table: _delete(conn, table, ids) for table, ids in fetched.deleted.items()}
                report.deleted = {table: count for table, count in removed.items() if count}
                _store_watermarks(conn, source.name, fetched.watermarks, clock())
        except ImportValidationError as exc:
            raise DataImportError(
                f"the {source.name} data could not be imported, nothing was written: "
                f"{'; '.join(exc.report.error_lines()[:3])}",
                details=exc.report.error_lines(),
            ) from exc
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise DataImportError(f"the database refused the sync, nothing was written: {detail}") from exc
    refresh_statistics(engine)
    report.tables = imported.tables
    report.warnings = imported.warning_lines()
    report.elapsed_seconds = round(time.perf_counter() - started, 3)
    return report


_GIVEN = (Role.ADMIN.value, Role.REVOPS.value)


def _given_roles(conn: Connection) -> dict[str, str]:
    users = table_of(User)
    rows = conn.execute(select(users.c.external_id, users.c.role).where(users.c.role.in_(_GIVEN)))
    return {str(ext): str(role) for ext, role in rows if ext is not None}


def _restore_roles(conn: Connection, kept: dict[str, str]) -> None:
    users = table_of(User)
    for role in _GIVEN:
        chosen = [ext for ext, given in kept.items() if given == role]
        for chunk in _chunks(chosen):
            conn.execute(update(users).where(users.c.external_id.in_(chunk)).values(role=role))


def _store_watermarks(conn: Connection, source: str, marks: dict[str, str], now: dt.datetime) -> None:
    conn.execute(delete(STATE).where(STATE.c.source == source))
    rows = [
        {"source": source, "object": obj, "watermark": mark, "synced_at": now} for obj, mark in marks.items()
    ]
    if rows:
        conn.execute(insert(STATE), rows)


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _ids(conn: Connection, model: type, external: list[str]) -> list[int]:
    table = table_of(model)
    found: list[int] = []
    for chunk in _chunks(external):
        found += conn.execute(select(table.c.id).where(table.c.external_id.in_(chunk))).scalars()
    return found


def _delete(conn: Connection, table: str, external: list[str]) -> int:
    """Remove the rows the CRM deleted, and every reference to them (children first)."""
    if table not in _DELETERS:
        raise CrmError(f"deletes of {table} are not supported")
    model, children = _DELETERS[table]
    ids = _ids(conn, model, external)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        children(conn, chunk)
        conn.execute(delete(table_of(model)).where(table_of(model).c.id.in_(chunk)))
    return len(ids)


def _opportunity_children(conn: Connection, ids: list[int]) -> None:
    conn.execute(
        delete(table_of(OpportunityHistory)).where(table_of(OpportunityHistory).c.opportunity_id.in_(ids))
    )
    activities = table_of(Activity)
    conn.execute(update(activities).where(activities.c.opportunity_id.in_(ids)).values(opportunity_id=None))


def _contact_children(conn: Connection, ids: list[int]) -> None:
    activities = table_of(Activity)
    conn.execute(update(activities).where(activities.c.contact_id.in_(ids)).values(contact_id=None))


def _account_children(conn: Connection, ids: list[int]) -> None:
    contacts = table_of(Contact)
    owned = list(conn.execute(select(contacts.c.id).where(contacts.c.account_id.in_(ids))).scalars())
    if owned:
        _contact_children(conn, owned)
        conn.execute(delete(contacts).where(contacts.c.id.in_(owned)))
    for model, column in (
        (Activity, "account_id"),
        (Opportunity, "account_id"),
        (Account, "parent_account_id"),
    ):
        table = table_of(model)
        conn.execute(update(table).where(table.c[column].in_(ids)).values({column: None}))
    conn.execute(delete(table_of(AccountProduct)).where(table_of(AccountProduct).c.account_id.in_(ids)))


def _no_children(_conn: Connection, _ids: list[int]) -> None:
    return None


_DELETERS: dict[str, tuple[type, Callable[[Connection, list[int]], None]]] = {
    "opportunities": (Opportunity, _opportunity_children),
    "contacts": (Contact, _contact_children),
    "accounts": (Account, _account_children),
    "activities": (Activity, _no_children),
}
