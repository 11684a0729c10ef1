"""Phase two of an import: upsert staged records, table by table, with portable Core SQL.

For each table (parents before children, :data:`tools.store.bulk.INSERT_ORDER`) the writer
reads the keys already stored, inserts the new rows and updates the existing ones with
``executemany`` statements, then turns foreign-key texts into ids by reading ``key -> id`` of
the referenced table. Links inside one table (a parent account, a user's manager) are set in a
second statement once every row of the table has an id. The same code counts what it would do
in a dry run, without executing a write. No dialect-specific SQL: SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Table, Update, and_, bindparam, insert, select, update

from tools.store.bulk import INSERT_ORDER
from tools.store.importer.fieldplan import Record, Ref
from tools.store.importer.report import DataImportError, TableCounts
from tools.store.schema import Base, DatasetMeta

Progress = Callable[[str, int, int | None], None]
Row = dict[str, object]
BATCH = 5_000


class Writer:
    """Writes (or, in a dry run, counts) staged records on one connection."""

    def __init__(self, conn: Connection, *, dry_run: bool, progress: Progress) -> None:
        self._conn = conn
        self._dry_run = dry_run
        self._progress = progress
        self._ids: dict[tuple[str, str], dict[str, int | None]] = {}
        self._step = "counting" if dry_run else "writing"
        self._total: int | None = None

    def write_all(self, tables: dict[str, list[Record]]) -> dict[str, TableCounts]:
        """Upsert every staged table; return rows inserted and updated per table."""
        counts: dict[str, TableCounts] = {}
        self._total = sum(len(records) for records in tables.values())
        for table in INSERT_ORDER:
            records = tables.get(table.name)
            if records:
                counts[table.name] = self._write_table(table, records)
        return counts

    def write_meta(self, facts: dict[str, str]) -> None:
        """Upsert ``dataset_meta`` key/value facts."""
        table = DatasetMeta.__table__
        assert isinstance(table, Table)
        stored = set(self._conn.execute(select(table.c.key)).scalars())
        rows: list[Row] = [{"key": key, "value": value} for key, value in facts.items()]
        self._execute_updates(table, ("key",), [r for r in rows if r["key"] in stored])
        self._execute_inserts(table, [r for r in rows if r["key"] not in stored])

    def _ids_for(self, target: str, by: str) -> dict[str, int | None]:
        """``key text -> id`` of ``target`` by column ``by``; None marks a text several rows share."""
        if (target, by) not in self._ids:
            table = Base.metadata.tables[target]
            ids: dict[str, int | None] = {}
            for text, ident in self._conn.execute(
                select(table.c[by], table.c.id).where(table.c[by].is_not(None))
            ):
                ids[str(text)] = None if str(text) in ids else int(ident)
            self._ids[target, by] = ids
        return self._ids[target, by]

    def _forget(self, target: str) -> None:
        for cached in [k for k in self._ids if k[0] == target]:
            del self._ids[cached]

    def _row(self, record: Record, table: str) -> Row:
        """The record's values with foreign keys as ids (links inside ``table`` left out)."""
        row: Row = dict(record.values)
        for column, ref in record.refs.items():
            if ref.spec.target != table:
                row[column] = self._id(ref)
        return row

    def _id(self, ref: Ref) -> int | None:
        """The id of the row a foreign key names (None when empty, or when not stored in a dry run).

        Raises:
            DataImportError: several rows have that key text (a ``by:`` column that is not unique).
        """
        if ref.key is None:
            return None
        ids = self._ids_for(ref.spec.target, ref.spec.by)
        if ref.key in ids and ids[ref.key] is None:
            where = f"{ref.spec.target}.{ref.spec.by}"
            raise DataImportError(
                f"{ref.label} {ref.key!r} matches several rows by {where}; look up a unique column"
            )
        return ids.get(ref.key)

    def _write_table(self, table: Table, records: list[Record]) -> TableCounts:
        key_columns = records[0].source.key_columns
        stored = {tuple(row) for row in self._conn.execute(select(*(table.c[k] for k in key_columns)))}
        inserts: list[Row] = []
        updates: list[Row] = []
        for record in records:
            row = self._row(record, table.name)
            (updates if tuple(row[k] for k in key_columns) in stored else inserts).append(row)
        self._execute_updates(table, key_columns, updates, report=True)
        self._execute_inserts(table, inserts, report=True)
        self._forget(table.name)
        self._link_inside(table, key_columns, records)
        return TableCounts(inserted=len(inserts), updated=len(updates))

    def _link_inside(self, table: Table, key_columns: tuple[str, ...], records: list[Record]) -> None:
        """Set foreign keys that point into ``table`` itself, now that its rows all have ids."""
        rows: list[Row] = []
        for record in records:
            inner = {c: ref for c, ref in record.refs.items() if ref.spec.target == table.name}
            if not inner:
                continue
            row = {k: self._key_value(record, k) for k in key_columns}
            for column, ref in inner.items():
                row[column] = self._id(ref)
            rows.append(row)
        self._execute_updates(table, key_columns, rows)

    def _key_value(self, record: Record, column: str) -> object:
        ref = record.refs.get(column)
        return record.values[column] if ref is None else self._id(ref)

    def _execute_inserts(self, table: Table, rows: list[Row], *, report: bool = False) -> None:
        for batch in _batches(rows):
            if not self._dry_run:
                self._conn.execute(insert(table), batch)
            if report:
                self._progress(self._step, len(batch), self._total)

    def _execute_updates(
        self, table: Table, key_columns: Sequence[str], rows: list[Row], *, report: bool = False
    ) -> None:
        for batch in _batches(rows):
            columns = [c for c in batch[0] if c not in key_columns]
            if columns and not self._dry_run:
                statement = _update_statement(table, key_columns, columns)
                self._conn.execute(statement, _update_params(batch, key_columns))
            if report:
                self._progress(self._step, len(batch), self._total)


def _update_statement(table: Table, key_columns: Sequence[str], columns: list[str]) -> Update:
    """``UPDATE t SET c = :v_c ... WHERE k = :k_k ...`` (bind names must differ from column names)."""
    where = and_(*(table.c[k] == bindparam(f"k_{k}", type_=table.c[k].type) for k in key_columns))
    return update(table).where(where).values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns})


def _update_params(rows: list[Row], key_columns: Sequence[str]) -> list[Row]:
    return [{(f"k_{c}" if c in key_columns else f"v_{c}"): v for c, v in row.items()} for row in rows]


def _batches(rows: list[Row]) -> list[list[Row]]:
    """Rows grouped by their set of columns (one statement each), in chunks of :data:`BATCH`."""
    groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for row in rows:
        groups[tuple(row)].append(row)
    return [group[i : i + BATCH] for group in groups.values() for i in range(0, len(group), BATCH)]
