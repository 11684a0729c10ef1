"""Batched, dependency-ordered inserts for large loads (the generator and the importer).

The dependency order of the CRM tables (:data:`INSERT_ORDER`) is defined here: rows are written
parents first and deleted children first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from tools.store.schema import (
    Account,
    AccountProduct,
    Activity,
    Contact,
    DatasetMeta,
    Opportunity,
    OpportunityHistory,
    Product,
    Quota,
    StageRow,
    Territory,
    User,
    table_of,
)
from tools.store.schema_scores import DealScore, DealSnooze, DigestItem, PipelineSnapshot, WinModel

#: Tables in the order rows can be inserted (parents before children).
INSERT_ORDER: list[Table] = [
    table_of(model)
    for model in (
        Territory,
        User,
        Product,
        Account,
        Contact,
        AccountProduct,
        Opportunity,
        OpportunityHistory,
        Activity,
        Quota,
        DatasetMeta,
    )
]


class _Statement:
    """An INSERT of one table for one set of columns, compiled once, with each column's bind
    processing (money, timezone-aware timestamps, dates, booleans) applied by hand."""

    def __init__(self, connection: Connection, table: Table, keys: tuple[str, ...]) -> None:
        dialect = connection.dialect
        # columns a row leaves out get their Python-side default, as insert() would give them
        defaults = {
            c.name: c.default.arg
            for c in table.c
            if c.name not in keys and isinstance(c.default, ScalarElementColumnDefault)
        }
        self.keys = keys
        self.defaults = defaults
        names = [*keys, *defaults]
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        self.sql = str(compiled)
        self.order = list(compiled.positiontup or []) if compiled.positional else None
        self.processors = {name: table.c[name].type.bind_processor(dialect) for name in names}
        quote = dialect.identifier_preparer.quote
        #: PostgreSQL loads the rows with COPY (several times faster than INSERTs).
        self.copy = (
            f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
            if dialect.name == "postgresql"
            else None
        )

    def parameters(self, rows: list[dict[str, Any]], in_order: bool = False) -> list[Any]:
        """The rows as the driver takes them: tuples in the statement's order (or mappings; with
        ``in_order``, tuples in the order of :attr:`copy`'s columns)."""
        names = self.order if self.order is not None else list(self.processors)
        if in_order:
            names = list(self.processors)
        plan = [(name, self.processors[name], self.defaults.get(name)) for name in names]
        tuples = [
            tuple(
                value if (value := row.get(name, default)) is None or process is None else process(value)
                for name, process, default in plan
            )
            for row in rows
        ]
        if in_order or self.order is not None:
            return tuples
        return [dict(zip(names, values, strict=True)) for values in tuples]


class BulkWriter:
    """Buffers rows per table and writes them with ``executemany`` in parent-before-child order.

    When any buffer reaches ``batch_size`` every buffer is flushed, parents first, so foreign
    keys always point at rows already written. Each table's INSERT is compiled once and run on the
    driver (``exec_driver_sql``), with the column types' bind processing applied here: SQLAlchemy's
    own per-row parameter handling was a third of the time of a large ``data generate``. On
    PostgreSQL the rows go in with ``COPY`` (psycopg's ``cursor.copy``).
    """

    def __init__(self, connection: Connection, batch_size: int = 5_000) -> None:
        self._connection = connection
        self._batch_size = batch_size
        self._buffers: dict[Table, list[dict[str, Any]]] = {t: [] for t in INSERT_ORDER}
        self._statements: dict[tuple[str, tuple[str, ...]], _Statement] = {}
        self.written: dict[str, int] = {t.name: 0 for t in INSERT_ORDER}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        buffer = self._buffers[table]
        buffer.append(row)
        if len(buffer) >= self._batch_size:
            self.flush()

    def extend(self, table: Table, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(table, row)

    def flush(self) -> None:
        for table in INSERT_ORDER:
            rows = self._buffers[table]
            if rows:
                self._write(table, rows)
                self.written[table.name] += len(rows)
                rows.clear()

    def _write(self, table: Table, rows: list[dict[str, Any]]) -> None:
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            shapes.setdefault(tuple(row), []).append(row)
        for keys, same in shapes.items():
            statement = self._statements.get((table.name, keys))
            if statement is None:
                statement = self._statements[(table.name, keys)] = _Statement(self._connection, table, keys)
            if statement.copy is not None:
                cursor = self._connection.connection.cursor()
                with cursor.copy(statement.copy) as copy:
                    for values in statement.parameters(same, in_order=True):
                        copy.write_row(values)
                cursor.close()
            else:
                self._connection.exec_driver_sql(statement.sql, statement.parameters(same))


def reset_sequences(connection: Connection) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if connection.dialect.name != "postgresql":
        return
    for table in INSERT_ORDER:
        if "id" not in table.c or not table.c.id.autoincrement:
            continue
        highest = connection.execute(select(func.max(table.c.id))).scalar()
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value, :called)"),
            {"table": table.name, "value": highest or 1, "called": highest is not None},
        )


def clear_tables(connection: Connection) -> None:
    """Delete every CRM row (children first), the stages an import stored with its data, and what
    was learnt from the data (win-score models, deal scores, pipeline snapshots, digest items, and
    the deals people snoozed or marked reviewed)."""
    for table in reversed(INSERT_ORDER):
        connection.execute(table.delete())
    for model in (StageRow, DealScore, WinModel, PipelineSnapshot, DigestItem, DealSnooze):
        connection.execute(table_of(model).delete())
