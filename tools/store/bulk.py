"""Batched, dependency-ordered inserts for large loads (the generator and the importer).

The dependency order of the CRM tables (:data:`INSERT_ORDER`) is defined here: rows are written
parents first and deleted children first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text

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


class BulkWriter:
    """Buffers rows per table and writes them with ``executemany`` in parent-before-child order.

    When any buffer reaches ``batch_size`` every buffer is flushed, parents first, so foreign
    keys always point at rows already written.
    """

    def __init__(self, connection: Connection, batch_size: int = 5_000) -> None:
        self._connection = connection
        self._batch_size = batch_size
        self._buffers: dict[Table, list[dict[str, Any]]] = {t: [] for t in INSERT_ORDER}
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
                self._connection.execute(insert(table), rows)
                self.written[table.name] += len(rows)
                rows.clear()


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
    """Delete every CRM row (children first), and the stages an import stored with its data."""
    for table in reversed(INSERT_ORDER):
        connection.execute(table.delete())
    connection.execute(table_of(StageRow).delete())
