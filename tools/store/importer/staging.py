"""Phase one of an import: read and check every row of every file, writing nothing.

The result is a set of :class:`~tools.store.importer.fieldplan.Record` per table, with every foreign key
resolved to the key text of an existing or incoming row, and every problem in the
:class:`~tools.store.importer.report.IssueLog`. Phase two (:mod:`tools.store.importer.upsert`) only runs
when the log holds no error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from sqlalchemy import Connection, select

from tools.store.importer.csvread import CsvTable, read_csv
from tools.store.importer.derived import DERIVATIONS, promote_managers
from tools.store.importer.encoding import UndecodableFile
from tools.store.importer.fallbacks import fill_fallbacks
from tools.store.importer.fieldplan import (
    LookupSpec,
    Record,
    Ref,
    RowContext,
    Source,
    apply_plans,
    compile_plans,
    fallback_plans,
    key_is_empty,
)
from tools.store.importer.fields import MatchMode
from tools.store.importer.keys import Keys, merge_rows
from tools.store.importer.mapping import EntitySpec, Mapping
from tools.store.importer.mapping_schema import FieldType
from tools.store.importer.report import DataImportError, FileSummary, Issue, IssueLog
from tools.store.importer.stageset import StageSource, read_stages
from tools.store.schema import Base
from tools.store.stages import Stage, StageConfig, dataset_stages

Progress = Callable[[str, int, int | None], None]
PROGRESS_STEP = 2_000
_FUZZY_LIMIT = 20_000  # keys searched for a "did you mean" suggestion
#: Opportunity dates that are plans, not events: they do not move the data's "as of" date.
_PLANNED_DATES = frozenset({"close_date", "next_step_date"})


@dataclass
class Staged:
    """Everything phase one produced."""

    tables: dict[str, list[Record]] = field(default_factory=dict)
    files: list[FileSummary] = field(default_factory=list)
    latest_date: dt.date | None = None
    #: The stages rows were read against, and the ones the mapping declares (to be stored).
    stages: StageConfig | None = None
    declared: list[Stage] | None = None
    #: ``table.column -> basis`` of the columns holding estimated values.
    estimates: dict[str, str] = field(default_factory=dict)


def stage_dataset(
    conn: Connection,
    directory: Path,
    mapping: Mapping,
    stages: StageConfig,
    log: IssueLog,
    progress: Progress,
) -> Staged:
    """Read, parse and check every entity of ``mapping`` from ``directory``; problems go to ``log``.

    ``stages`` is the configured stage set: deal stages are read against the mapping's own
    stages when it declares them, else the stages stored with the data, else ``stages``.
    """
    staged = Staged()
    files = _read_files(directory, mapping, log, progress, staged)
    staged.declared = _declared_stages(mapping, files, log)
    if isinstance(mapping.stages, StageSource) and staged.declared is None:
        return staged
    staged.stages = stages.with_stages(staged.declared) if staged.declared else dataset_stages(conn, stages)
    keys = Keys()
    for number, entity in enumerate(mapping.entities):
        table = files.get((entity.file, entity.encoding, entity.delimiter))
        if table is None:
            continue
        records = _stage_entity(number, entity, table, mapping, staged.stages, keys, log, progress)
        staged.tables.setdefault(entity.table, []).extend(records)
    _resolve_lookups(conn, staged.tables, mapping, log)
    merge_rows(staged.tables, log)
    staged.estimates = fill_fallbacks(conn, staged.tables, log)
    promote_managers(staged.tables.get("users", []))
    for name, records in staged.tables.items():
        derive = DERIVATIONS.get(name)
        if derive is not None:
            for record in records:
                derive(record, staged.stages, log)
    staged.latest_date = _latest_date(staged.tables)
    return staged


def _declared_stages(mapping: Mapping, files: dict[FileKey, CsvTable], log: IssueLog) -> list[Stage] | None:
    """The stages the mapping declares (listed, or read from a file); None when it declares none."""
    if mapping.stages is None:
        return None
    if isinstance(mapping.stages, tuple):
        return list(mapping.stages)
    source = mapping.stages
    table = files.get((source.file, source.encoding, source.delimiter))
    return None if table is None else read_stages(source, table, mapping, log)


FileKey = tuple[str, str, str]


def _read_files(
    directory: Path, mapping: Mapping, log: IssueLog, progress: Progress, staged: Staged
) -> dict[FileKey, CsvTable]:
    sources: list[EntitySpec | StageSource] = list(mapping.entities)
    if isinstance(mapping.stages, StageSource):
        sources.insert(0, mapping.stages)
    wanted = list(dict.fromkeys((e.file, e.encoding, e.delimiter) for e in sources))
    tables: dict[FileKey, CsvTable] = {}
    for key in wanted:
        name, encoding, delimiter = key
        path = _find_file(directory, name)
        progress("reading files", 1, len(wanted))
        if path is None:
            _report_missing_file(mapping, name, directory, log)
            continue
        try:
            table = read_csv(path, log, encoding=encoding, delimiter=delimiter)
        except UndecodableFile as exc:
            log.error(name, exc.line, None, None, exc.reason)
            continue
        except DataImportError as exc:
            log.error(name, None, None, None, str(exc))
            continue
        tables[key] = table
        staged.files.append(FileSummary(name=name, encoding=table.encoding, rows=len(table.rows)))
    return tables


def _find_file(directory: Path, name: str) -> Path | None:
    path = directory / name
    if path.is_file():
        return path
    folded = name.casefold()
    return next((p for p in directory.iterdir() if p.name.casefold() == folded and p.is_file()), None)


def _report_missing_file(mapping: Mapping, name: str, directory: Path, log: IssueLog) -> None:
    stage_file = isinstance(mapping.stages, StageSource) and mapping.stages.file == name
    if not stage_file and all(e.optional for e in mapping.entities if e.file == name):
        issue = Issue(file=name, reason=f"optional file not found in {directory}; skipped")
        log.warn(f"missing-file:{name}", "optional files not found", issue)
    else:
        log.error(name, None, None, None, f"file not found in {directory}")


def _stage_entity(
    number: int,
    entity: EntitySpec,
    table: CsvTable,
    mapping: Mapping,
    stages: StageConfig,
    keys: Keys,
    log: IssueLog,
    progress: Progress,
) -> list[Record]:
    plans = compile_plans(entity, table, mapping, stages, log)
    if plans is None:
        return []
    labels = {plan.target: plan.label for plan in plans}
    dates = tuple(p.target for p in plans if p.field_type in (FieldType.DATE, FieldType.DATETIME))
    fallbacks = fallback_plans(entity.table, entity.fields)
    source = Source(table.name, entity.table, entity.key_columns, labels, dates, fallbacks, entity.merge)
    ctx = RowContext(file=table.name, null_values=frozenset(mapping.null_values), log=log)
    step = f"checking {table.name} → {entity.table}"
    records: list[Record] = []
    for done, row in enumerate(table.rows, start=1):
        if done % PROGRESS_STEP == 0:
            progress(step, PROGRESS_STEP, len(table.rows))
        if entity.distinct and key_is_empty(plans, entity.key_columns, row.cells, ctx):
            continue
        result = apply_plans(plans, row.line, row.cells, ctx)
        if result.failed:
            continue
        record = Record(source=source, line=row.line, values=result.values, refs=result.refs)
        if keys.admit(number, entity.distinct or entity.merge, record, log):
            records.append(record)
    progress(step, len(table.rows) % PROGRESS_STEP, len(table.rows))
    return records


def normalize(text: str) -> str:
    """Text compared ignoring case, spaces and punctuation."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@dataclass
class _Index:
    """The key texts a lookup can match, exactly or normalized."""

    exact: set[str]
    where: str
    normalized: dict[str, str | None] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for text in self.exact:
            norm = normalize(text)
            self.normalized[norm] = text if self.normalized.get(norm, text) == text else None

    def suggestion(self, text: str) -> str:
        """``; did you mean 'X'?`` for the closest key (small indexes only), else ''."""
        if text not in self.hints:
            best = (
                process.extractOne(text, self.exact, score_cutoff=70)
                if len(self.exact) <= _FUZZY_LIMIT
                else None
            )
            self.hints[text] = f"; did you mean {best[0]!r}?" if best else ""
        return self.hints[text]


def _resolve_lookups(
    conn: Connection, tables: dict[str, list[Record]], mapping: Mapping, log: IssueLog
) -> None:
    indexes: dict[LookupSpec, _Index] = {}
    for records in tables.values():
        for record in records:
            for ref in record.refs.values():
                if not ref.raw:
                    continue
                if ref.spec not in indexes:
                    indexes[ref.spec] = _build_index(conn, ref.spec, tables, mapping)
                _resolve(ref, indexes[ref.spec], record, log)


def _build_index(
    conn: Connection, spec: LookupSpec, tables: dict[str, list[Record]], mapping: Mapping
) -> _Index:
    incoming = (r.values.get(spec.by) for r in tables.get(spec.target, []))
    table = Base.metadata.tables[spec.target]
    column = table.c[spec.by]
    stored = conn.execute(select(column).where(column.is_not(None)).distinct()).scalars()
    files = sorted({e.file for e in mapping.entities if e.table == spec.target and not e.merge})
    where = " or ".join([*files, "the database"])
    return _Index(exact=_texts([*incoming, *stored]), where=where)


def _texts(values: Iterable[object]) -> set[str]:
    return {str(v) for v in values if v is not None and v != ""}


def _resolve(ref: Ref, index: _Index, record: Record, log: IssueLog) -> None:
    if ref.raw in index.exact:
        ref.key = ref.raw
        return
    file = record.source.file
    if ref.spec.match is MatchMode.NORMALIZED:
        match = index.normalized.get(normalize(ref.raw))
        if match is not None:
            ref.key = match
            reason = f"matched {ref.spec.target} {match!r} ignoring case, spaces and punctuation"
            issue = Issue(file=file, line=record.line, column=ref.label, value=ref.raw, reason=reason)
            log.warn(f"normalized:{file}:{ref.label}", f"{file} {ref.label}: near matches resolved", issue)
            return
    reason = f"no {ref.spec.target} row with this {ref.spec.by} (in {index.where}){index.suggestion(ref.raw)}"
    if ref.required:
        log.error(file, record.line, ref.label, ref.raw, reason)
        return
    issue = Issue(
        file=file, line=record.line, column=ref.label, value=ref.raw, reason=f"{reason}; left empty"
    )
    log.warn(f"unknown-ref:{file}:{ref.label}", f"{file} {ref.label}: unknown references left empty", issue)


def _latest_date(tables: dict[str, list[Record]]) -> dt.date | None:
    """The latest date of an event in the data (planned close dates of open deals, and close
    dates in their history, excluded)."""
    latest: dt.date | None = None
    for name, records in tables.items():
        for record in records:
            planned = name == "opportunity_history" or (
                name == "opportunities" and not record.values.get("is_closed")
            )
            for column in record.source.date_columns:
                value = record.values.get(column)
                if not isinstance(value, dt.date) or (planned and column in _PLANNED_DATES):
                    continue
                day = value.date() if isinstance(value, dt.datetime) else value
                if latest is None or day > latest:
                    latest = day
    return latest
