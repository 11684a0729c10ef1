"""Import mappings: a YAML file says which CSV feeds which table, and how each value is read.

``salesplan data import DIR --mapping NAME|FILE`` reads the CSV files in ``DIR`` as a mapping
describes them. ``NAME`` is a mapping shipped in ``tools/store/importer/mappings/`` (``maven``); anything
else is a path to a YAML file written in the language below. Nothing about a particular export
lives in Python: the importer only knows the CRM schema (:mod:`tools.store.schema`) and the stage
configuration (:mod:`tools.store.stages`). This module holds the language's models; mappings are
found and loaded by :mod:`tools.store.importer.mapping_files` and checked against the schema by
:mod:`tools.store.importer.mapping_schema`.

Mapping language reference
==========================

A mapping is one YAML document::

    name: acme                       # recorded as dataset_meta.source (default: the file name)
    description: ACME CRM export     # free text
    date_formats: ["%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y"]   # tried in order (this is the default)
    decimal_separator: auto          # auto | "." | ","  for numbers and money (default auto)
    null_values: ["N/A"]             # texts read as empty besides "" (default none)
    entities:                        # read in order; each feeds one table from one file
      - table: accounts
        file: accounts.csv
        fields:
          external_id: {column: account_id, required: true}
          name: account_name                     # shorthand for {column: account_name}
          annual_revenue: {column: revenue, scale: 1000000}

Entities (``entities[*]``)
--------------------------
``table``
    A table of the CRM schema (``users``, ``territories``, ``accounts``, ``contacts``,
    ``products``, ``account_products``, ``opportunities``, ``opportunity_history``,
    ``activities``, ``quotas``). ``dataset_meta`` is written by the importer itself.
``file``
    The CSV file, relative to the imported directory. Several entities may read the same file
    (it is decoded once): ``sales_teams.csv`` can feed territories, managers and reps.
``fields``
    Table column -> how to fill it (see below). Every column the schema requires (not null, no
    default) must be mapped, and so must the key.
``key``
    The columns a row is upserted on; default ``[external_id]``. Tables without an external id
    name their natural key, e.g. ``[account_id, product_id]`` or ``[user_id, period]``. A key
    seen twice in one table is an error (``duplicate key``) unless the entity is ``distinct``.
``distinct``
    ``true`` derives one row per distinct key: repeated keys are merged (the first row wins; a
    later row that disagrees gives a warning) and rows with an empty key are skipped. This is
    how users come out of a name column, or territories out of an office column.
``merge``
    ``true`` adds columns to rows an earlier entity of the same table gives (matched on the
    key) instead of adding rows: an association file that sets each deal's account, or contact
    roles that set each contact's buying role. Only the key is required; a key no earlier row
    has is skipped with a warning, and a key given twice keeps its first row (a warning when a
    later one disagrees).
``optional``
    ``true`` lets the file be absent (a warning instead of an error).
``encoding``
    ``auto`` (default): UTF-8 with or without BOM, UTF-16 or UTF-32 with a BOM, else Windows-1252 /
    Latin-1 as ``charset-normalizer`` judges it; a file that does not decode cleanly (UTF-8 with a
    foreign byte, a file in another code page) is refused naming its first bad line
    (:mod:`tools.store.importer.encoding`). Or any Python codec name, decoded strictly.
``delimiter``
    One character, default ``,``. Line endings (LF, CRLF, CR) and quoting follow the csv module.

Fields (``fields.<column>``)
----------------------------
A field takes its text from exactly one source:

``column: NAME``
    The CSV column (header names are compared after trimming spaces). ``field: NAME`` is the
    same as ``field: {column: NAME}``.
``const: VALUE``
    The same value on every row, e.g. ``role: {const: rep}``.
``template: "{first} {last}"`` or a list of templates
    Text built from CSV columns; with a list, the first template whose columns are all
    non-empty is used (``["{account} - {product}", "{product} {opportunity_id}"]``).

and then goes through these steps, in order:

1. Surrounding spaces are trimmed; ``null_values`` become empty.
2. ``values: {Won: Closed Won, ...}``: a value map (exact match first, then ignoring case).
3. ``default: TEXT``: used when the value is empty.
4. ``required: true``: an empty value is an error. Key fields, columns the schema requires and
   foreign keys that cannot be null are required without saying so. A missing CSV column is a
   file-level error for a required field and a warning (the field stays empty) otherwise;
   ``if_present: true`` on an optional column reads it only when the file has it: without it,
   no warning, and the column is not written (new rows leave it empty, stored rows keep their
   value): ``hire_date: {column: HireDate, if_present: true}``.
5. Parsing by ``type`` (default: from the column's type in the schema):

   ``str``       text
   ``int``       whole number; thousands separators allowed (``1,200``)
   ``float``     number
   ``decimal``   exact number
   ``money``     exact amount in cents; currency signs and codes are ignored (``$1,200.50``,
                 ``EUR 1.200,50``, ``(75.00)`` is negative)
   ``date``      a date in one of ``formats`` (field) or ``date_formats`` (mapping);
                 ISO ``YYYY-MM-DD`` with a time part is accepted too
   ``datetime``  an ISO timestamp or a date in the formats; naive times are taken as UTC
   ``bool``      true/false, yes/no, y/n, t/f, 1/0 (any case)
   ``stage``     a stage of the data set, by name or alias: the mapping's ``stages`` when it
                 declares them, else the stage configuration (``stages.yaml``); unknown
                 stages are errors. Stage columns default to this type.
   ``forecast_category``  pipeline, best case, commit, closed or omitted, in any CRM's spelling
                 (``Best Case``, ``BestCase``, ``Forecast`` = commit, ``OMIT``); the type of
                 ``opportunities.forecast_category``.

   ``scale: 1000000`` multiplies a number (revenue given in millions; ``0.01`` reads a
   percentage as a probability); ``currency: USD`` makes an amount written in another currency
   (``EUR 1.200,00``, ``€1,200``) an error instead of a number summed with dollars;
   ``decimal_separator`` overrides the mapping's for one field. With ``auto``, the last of ``.``
   and ``,`` is the decimal separator when both appear; a lone ``,`` followed by one or two
   digits is a decimal comma (``1200,50``); otherwise ``,`` groups thousands.
6. ``vocabulary: [a, b, ...]``: values outside the list are kept, with a warning that suggests
   the closest known value (``technolgy`` -> ``technology``).

Foreign keys (``*_id`` columns that reference another table) are lookups: the text is the key
of a row of the referenced table, found among the rows of this import and the rows already in
the database (so a file may point at rows imported earlier, or at rows of its own table:
``parent_account_id`` of an account, ``manager_id`` of a user).

``lookup: TABLE``
    The referenced table (optional; it is read from the schema, and checked when given).
``by: COLUMN``
    The text column of that table to match, default ``external_id`` (``by: name`` finds users
    by their name).
``match: normalized``
    When no exact match exists, compare ignoring case, spaces and punctuation (``GTXPro``
    finds ``GTX Pro``); each such resolution is reported as a warning.

An unknown key is an error for a required lookup, and a warning (the link left empty) for an
optional one.

Missing values: ``fallback``
----------------------------
``fallback: {via: product_id, value: list_price}`` fills an empty value from the row a lookup
field of the same entity found (here the product's list price). Such a value is an estimate:
the importer sets ``<column>_estimated`` (``opportunities.amount_estimated``), so answers, plans
and JSON can say so; rows with a value of their own get ``false``. ``estimated: false`` takes
the value as a fact instead. ``basis: "the product's list price"`` is how answers name the
estimate (default ``<table>.<value>``). Each use is counted in the import's warnings.

Stages: ``stages``
------------------
Without it, deal stages are those of the stage configuration (``stages.yaml``), found by name
or alias. With it, the data keeps its own stage names and the mapping says what they mean;
the stages are stored with the data (table ``stages``) and every analysis reads them. Either a
list, in order (``{name, probability, forecast_category, stall_days, closed, won, aliases}``),
or read from a file; see :mod:`tools.store.importer.stageset`.

Opportunities and users
-----------------------
The data set's stages (the mapping's, else those stored with the data, else the stage
configuration) are the single source of a deal's stage facts. For every opportunity the
importer sets ``is_closed`` and ``is_won`` from its stage; ``probability`` and
``forecast_category`` from the stage when not mapped or empty; ``closed_at`` = ``close_date``
for a closed deal when not mapped; ``stage_entered_at`` (when not mapped) = ``closed_at`` for a
closed deal and ``created_at`` for an open one. Open deals without an account, an amount or a
created date, and closed deals without a close date, are reported as warnings. A user mapped as
a rep whom another user of the import reports to (``manager_id``) is stored as a manager.

Admins (``admins:``)
--------------------
Optional: who may see the whole company after the import, as emails or full names, e.g.
``admins: [ops@acme.example, {user: Melvin Marxen, role: revops}]`` (role ``admin`` unless
``revops``); see :mod:`tools.store.importer.admins`.

Dataset facts
-------------
Every import writes ``dataset_meta``: ``as_of`` (``--as-of``, else the latest date found in the
data), ``source`` (the mapping's name), ``imported_at`` (UTC, ISO 8601) and, for each column
holding estimated values, ``estimate:<table>.<column>`` = what they were taken from.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Table

from tools.store.importer.fields import DecimalSeparator, FieldSpec
from tools.store.importer.mapping_schema import (
    AdminSpec,
    check_encoding,
    check_fallback,
    check_field,
    check_required_columns,
    schema_table,
)
from tools.store.importer.stageset import StageSource
from tools.store.stages import Stage, StageConfig

DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")


class EntitySpec(BaseModel):
    """One table fed from one CSV file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    file: Annotated[str, Field(min_length=1)]
    fields: dict[str, FieldSpec]
    key: tuple[str, ...] | None = None
    distinct: bool = False
    merge: bool = False
    optional: bool = False
    encoding: str = "auto"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","

    @field_validator("key", mode="before")
    @classmethod
    def _key_list(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _matches_schema(self) -> EntitySpec:
        table = schema_table(self.table)
        for name, spec in self.fields.items():
            check_field(table, name, spec)
            check_fallback(table, name, spec, self.fields)
        if self.merge and self.distinct:
            raise ValueError("an entity either merges into earlier rows or derives distinct rows, not both")
        check_required_columns(table, self)
        check_encoding(self.encoding)
        return self

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The columns rows are upserted on."""
        return self.key or ("external_id",)

    @property
    def sql_table(self) -> Table:
        """The schema table this entity feeds."""
        return schema_table(self.table)


class Mapping(BaseModel):
    """A whole mapping: global parsing defaults and the entities, in reading order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=60)]
    description: str = ""
    date_formats: Annotated[tuple[str, ...], Field(min_length=1)] = DEFAULT_DATE_FORMATS
    decimal_separator: DecimalSeparator = "auto"
    null_values: tuple[str, ...] = ()
    stages: tuple[Stage, ...] | StageSource | None = None
    entities: Annotated[tuple[EntitySpec, ...], Field(min_length=1)]
    admins: tuple[AdminSpec, ...] = ()  # see tools.store.importer.admins

    @field_validator("stages", mode="before")
    @classmethod
    def _stage_form(cls, value: Any) -> Any:
        """A mapping is read from a file; a list is the stages themselves (one clear error each)."""
        if not isinstance(value, dict):
            return value
        try:
            return StageSource.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            reason = str(first["msg"]).removeprefix("Value error, ")
            raise ValueError(f"{where}: {reason}" if where else reason) from exc

    @model_validator(mode="after")
    def _one_key_per_table(self) -> Mapping:
        keys: dict[str, tuple[str, ...]] = {}
        for entity in self.entities:
            known = keys.setdefault(entity.table, entity.key_columns)
            if known != entity.key_columns:
                both = f"{list(known)} and {list(entity.key_columns)}"
                raise ValueError(f"entities of {entity.table} use different keys: {both}")
        if isinstance(self.stages, tuple):
            StageConfig(stages=self.stages)  # the same checks as the stage configuration file
        return self

    @property
    def files(self) -> list[str]:
        """The distinct files the mapping reads, in first-use order."""
        first = [self.stages.file] if isinstance(self.stages, StageSource) else []
        return list(dict.fromkeys([*first, *(entity.file for entity in self.entities)]))
