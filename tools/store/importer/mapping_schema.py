"""How an import mapping meets the CRM schema (:mod:`tools.store.schema`).

The tables a mapping may feed (not the data set's metadata, not the product's own records), the
field type each column holds by default and the types a mapping may give it instead, the values
a column restricts, and the checks of an entity's fields against its table: every field is a
column, lookups are foreign keys to a text column, the key and the required columns are mapped.
The mapping language itself is in :mod:`tools.store.importer.mapping`.
"""

from __future__ import annotations

import codecs
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from rapidfuzz import process
from sqlalchemy import Boolean, Column, Date, Float, Integer, Numeric, String, Table, Text

from tools.store.schema import Base, Role
from tools.store.types import Money, UTCDateTime

if TYPE_CHECKING:
    from tools.store.importer.fields import FieldSpec
    from tools.store.importer.mapping import EntitySpec

#: Tables an import mapping may not write: the data set's metadata and the product's own records.
#: ``stages`` is written from a mapping's ``stages:`` section (:mod:`tools.store.importer.stageset`).
RESERVED_TABLES = frozenset(
    {"dataset_meta", "stages", "api_tokens", "slack_deliveries", "slack_digests", "audit_log", "rate_limits"}
)
STAGE_COLUMNS = frozenset({("opportunities", "stage"), ("opportunity_history", "stage")})
FORECAST_COLUMNS = frozenset({("opportunities", "forecast_category")})
#: Columns whose values the schema restricts (a check constraint): other values are errors.
COLUMN_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("users", "role"): tuple(role.value for role in Role),
}


class FieldType(StrEnum):
    STR = "str"
    INT = "int"
    FLOAT = "float"
    DECIMAL = "decimal"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    STAGE = "stage"
    FORECAST = "forecast_category"


class AdminSpec(BaseModel):
    """An entry of a mapping's ``admins:`` (see :mod:`tools.store.importer.admins`): ``user`` is an
    email or a full name, ``name`` the name of a user the email adds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str = Field(min_length=1)
    name: str | None = None
    role: Literal["admin", "revops"] = "admin"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"user": data} if isinstance(data, str) else data


def column_type(table: str, column: Column[Any]) -> FieldType:
    """The field type a schema column holds by default."""
    if (table, column.name) in STAGE_COLUMNS:
        return FieldType.STAGE
    if (table, column.name) in FORECAST_COLUMNS:
        return FieldType.FORECAST
    kind = column.type
    checks: list[tuple[type[Any], FieldType]] = [
        (Money, FieldType.MONEY),
        (UTCDateTime, FieldType.DATETIME),
        (Boolean, FieldType.BOOL),
        (Date, FieldType.DATE),
        (Integer, FieldType.INT),
        (Float, FieldType.FLOAT),
        (Numeric, FieldType.DECIMAL),
        (String, FieldType.STR),
        (Text, FieldType.STR),
    ]
    return next((field_type for cls, field_type in checks if isinstance(kind, cls)), FieldType.STR)


_COMPATIBLE: dict[FieldType, frozenset[FieldType]] = {
    FieldType.MONEY: frozenset({FieldType.MONEY, FieldType.DECIMAL}),
    FieldType.DECIMAL: frozenset({FieldType.MONEY, FieldType.DECIMAL}),
    FieldType.STR: frozenset({FieldType.STR}),
    FieldType.STAGE: frozenset({FieldType.STAGE, FieldType.STR}),
    FieldType.FORECAST: frozenset({FieldType.FORECAST}),
}


def _suggest(word: str, choices: list[str]) -> str:
    best = process.extractOne(word, choices, score_cutoff=60)
    return f" (did you mean {best[0]!r}?)" if best else ""


def schema_table(name: str) -> Table:
    """The schema table ``name``, one a mapping may feed."""
    tables = {n: t for n, t in Base.metadata.tables.items() if n not in RESERVED_TABLES}
    if name not in tables:
        raise ValueError(f"unknown table {name!r}{_suggest(name, sorted(tables))}")
    return tables[name]


def check_field(table: Table, name: str, spec: FieldSpec) -> None:
    """``name`` is a column of ``table`` that ``spec`` can fill (type, or lookup of a foreign key)."""
    if name not in table.c or table.c[name] is table.autoincrement_column:
        raise ValueError(f"table {table.name} has no column {name!r}{_suggest(name, list(table.c.keys()))}")
    column = table.c[name]
    foreign = next(iter(column.foreign_keys), None)
    if foreign is not None:
        _check_lookup(table, name, spec, foreign.column.table)
        return
    if spec.lookup is not None:
        raise ValueError(f"{table.name}.{name} is not a foreign key, so it cannot have a lookup")
    natural = column_type(table.name, column)
    if spec.type is not None and spec.type not in _COMPATIBLE.get(natural, frozenset({natural})):
        raise ValueError(f"{table.name}.{name} holds {natural.value} values, not {spec.type.value}")
    if spec.currency is not None and (spec.type or natural) is not FieldType.MONEY:
        raise ValueError(f"{table.name}.{name} is not an amount, so it cannot have a currency")


def check_fallback(table: Table, name: str, spec: FieldSpec, fields: dict[str, FieldSpec]) -> None:
    """A fallback names a lookup field of the same entity and a column of the table it points at;
    an estimated fallback needs the ``<column>_estimated`` flag the importer sets."""
    fallback = spec.fallback
    if fallback is None:
        return
    where = f"{table.name}.{name} fallback"
    if table.c[name].foreign_keys:
        raise ValueError(f"{where}: a lookup cannot fall back; give the fallback to a value column")
    via = table.c.get(fallback.via)
    target = next(iter(via.foreign_keys)).column.table if via is not None and via.foreign_keys else None
    if target is None or fallback.via not in fields:
        raise ValueError(f"{where}: via {fallback.via!r} must be a lookup field of this entity")
    if fallback.value not in target.c or target.c[fallback.value].foreign_keys:
        raise ValueError(f"{where}: {target.name} has no column {fallback.value!r} to take")
    taken = column_type(target.name, target.c[fallback.value])
    wanted = column_type(table.name, table.c[name])
    if taken not in _COMPATIBLE.get(wanted, frozenset({wanted})):
        raise ValueError(
            f"{where}: {target.name}.{fallback.value} holds {taken.value} values, not {wanted.value}"
        )
    flag = f"{name}_estimated"
    if fallback.estimated and (flag not in table.c or not isinstance(table.c[flag].type, Boolean)):
        raise ValueError(
            f"{where}: {table.name} has no {flag} column to mark estimates; set estimated: false"
        )
    if fallback.estimated and flag in fields:
        raise ValueError(f"{where}: {flag} is set by the importer; do not map it")


def _check_lookup(table: Table, name: str, spec: FieldSpec, target: Table) -> None:
    if spec.lookup is not None and spec.lookup != target.name:
        raise ValueError(f"{table.name}.{name} refers to {target.name}, not {spec.lookup!r}")
    if spec.type not in (None, FieldType.STR):
        raise ValueError(f"{table.name}.{name} is a lookup: its type is the text of a key")
    by = target.c.get(spec.by)
    if by is None or not isinstance(by.type, String) or by.foreign_keys:
        raise ValueError(f"lookup {table.name}.{name}: {target.name} has no text column {spec.by!r}")


def check_required_columns(table: Table, entity: EntitySpec) -> None:
    """The entity maps its key and every column the table requires."""
    if entity.key is None and "external_id" not in table.c:
        raise ValueError(f"table {table.name} has no external_id: name its key columns with key: [...]")
    for column in entity.key_columns:
        if column not in entity.fields:
            raise ValueError(f"key column {column!r} of {table.name} is not among the fields")
    for sql_column in table.c:
        needed = not sql_column.nullable and sql_column.default is None and sql_column.server_default is None
        mapped = sql_column.name in entity.fields or _derived(table.name, sql_column.name)
        if needed and not mapped and not entity.merge and sql_column is not table.autoincrement_column:
            raise ValueError(f"table {table.name} needs a field for column {sql_column.name!r}")


def _derived(table: str, column: str) -> bool:
    return table == "opportunities" and column in {"is_closed", "is_won"}


def check_encoding(encoding: str) -> None:
    """``auto`` or a codec Python knows."""
    if encoding == "auto":
        return
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise ValueError(f"unknown encoding {encoding!r}") from exc
