"""Importing a CRM export (``salesplan data import DIR --mapping NAME|FILE``).

An import runs in two phases:

1. **Check** (:mod:`tools.store.importer.staging`): every row of every file is decoded, parsed and checked
   against the mapping (:mod:`tools.store.importer.mapping`), the stage configuration and the rows already
   in the database. All problems are collected, not just the first one.
2. **Write** (:mod:`tools.store.importer.upsert`): only when phase one found no error, every table is
   upserted on its key in **one transaction**, the stages the mapping declares replace the stored
   ones (every deal in the database must be in one of them), then ``dataset_meta`` (``as_of``,
   ``source``, ``imported_at``, and ``estimate:<table>.<column>`` naming what estimated values
   were taken from) is written, and ``org_changed_at`` is stamped anew
   (:func:`tools.store.scope.touch_org`), so every process sharing the database rebuilds the scopes
   it remembers at its next query. Any failure rolls everything back.

So an import either writes everything or nothing, and importing the same files again updates
the same rows (same ids, same values) instead of adding new ones. A dry run performs phase one
and counts what phase two would insert and update, without writing.

The library never prints: progress goes to an optional callback and the outcome is an
:class:`~tools.store.importer.report.ImportReport`. Problems the user can fix raise
:class:`~tools.store.importer.report.DataImportError` (one-line message); when the data has errors
the exception is an :class:`~tools.store.importer.report.ImportValidationError` whose ``report``
lists them (``report.error_lines()``: the first 50, then ``… and N more``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError

from tools.store.db import refresh_statistics
from tools.store.importer.admins import AdminSpec, apply_admins
from tools.store.importer.mapping import Mapping
from tools.store.importer.report import (
    DataImportError,
    ImportReport,
    ImportValidationError,
    Issue,
    IssueLog,
    TableCounts,
)
from tools.store.importer.staging import Staged, stage_dataset
from tools.store.importer.upsert import Writer
from tools.store.rollups import refresh_rollups
from tools.store.schema import DatasetMeta, Opportunity
from tools.store.scope import touch_org
from tools.store.snapshots import backfill_snapshots
from tools.store.stages import StageConfig, dataset_stages, save_stages

__all__ = [
    "AdminSpec",
    "DataImportError",
    "ImportReport",
    "ImportValidationError",
    "ProgressCallback",
    "TableCounts",
    "import_dataset",
    "import_into",
]

ProgressCallback = Callable[[str, int, int | None], None]
"""``progress(description, advance, total)``: ``advance`` more units of the step ``description``
are done, out of ``total`` (None when unknown). Steps: ``reading files``, ``checking FILE → TABLE``
(rows), ``writing`` / ``counting`` (rows)."""

Clock = Callable[[], dt.datetime]


def _no_progress(_description: str, _advance: int, _total: int | None) -> None:
    return None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def import_dataset(
    engine: Engine,
    directory: Path,
    mapping: Mapping,
    *,
    stages: StageConfig,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    clock: Clock = _utc_now,
    admins: Sequence[AdminSpec] = (),
) -> ImportReport:
    """Import the CSV files of ``directory`` as ``mapping`` describes, all or nothing.

    Args:
        engine: The CRM database (schema already current, see ``tools.store.db.ensure_schema``).
        directory: The folder holding the export's CSV files.
        mapping: The mapping (``tools.store.importer.mapping_files.load_mapping``).
        stages: The configured stage set: deal stages resolve against the mapping's own stages
            when it declares them, else those stored with the data, else these.
        as_of: The dataset's "today"; default the latest event date found in the data.
        dry_run: Check everything and count what would change, writing nothing.
        progress: Optional ``progress(description, advance, total)`` callback.
        clock: Source of ``imported_at`` (UTC); tests pass a fixed one.
        admins: Admins named besides the mapping's ``admins:`` (``--admin``), given their role in
            the same transaction (:mod:`tools.store.importer.admins`).

    Returns:
        The report: rows inserted/updated per table, files read, grouped warnings, ``as_of``.

    Raises:
        ImportValidationError: the data has errors; nothing was written; ``.report`` has them.
        DataImportError: the directory is missing or the database refused the write.
    """
    started = time.perf_counter()
    if not directory.is_dir():
        raise DataImportError(f"{directory} is not a directory")
    run = _Run(directory, mapping, stages, as_of, dry_run, progress or _no_progress, clock)
    run.admins = [*mapping.admins, *admins]
    try:
        if dry_run:
            with engine.connect() as conn:
                report = run.execute(conn)
        else:
            with engine.begin() as conn:
                report = run.execute(conn)
            refresh_statistics(engine)
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise DataImportError(f"the database refused the import, nothing was written: {detail}") from exc
    report.elapsed_seconds = round(time.perf_counter() - started, 3)
    return report


def import_into(
    conn: Connection,
    directory: Path,
    mapping: Mapping,
    *,
    stages: StageConfig,
    as_of: dt.date | None = None,
    clock: Clock = _utc_now,
) -> ImportReport:
    """Import ``directory`` on ``conn`` inside the caller's transaction (a CRM sync adds its deletes
    and watermarks to the same one); the caller commits, and refreshes statistics after.

    Raises:
        ImportValidationError: the data has errors; the caller rolls back.
        DataImportError: the data contradicts the stored stages.
    """
    if not directory.is_dir():
        raise DataImportError(f"{directory} is not a directory")
    return _Run(directory, mapping, stages, as_of, False, _no_progress, clock).execute(conn)


class _Run:
    """One import: the two phases on one connection."""

    def __init__(
        self,
        directory: Path,
        mapping: Mapping,
        stages: StageConfig,
        as_of: dt.date | None,
        dry_run: bool,
        progress: ProgressCallback,
        clock: Clock,
    ) -> None:
        self.directory = directory
        self.mapping = mapping
        self.stages = stages
        self.as_of = as_of
        self.dry_run = dry_run
        self.progress = progress
        self.clock = clock
        self.log = IssueLog()
        self.admins: list[AdminSpec] = []

    def execute(self, conn: Connection) -> ImportReport:
        staged = stage_dataset(conn, self.directory, self.mapping, self.stages, self.log, self.progress)
        as_of = self._as_of(staged)
        report = ImportReport(
            source=self.mapping.name,
            directory=str(self.directory),
            dry_run=self.dry_run,
            as_of=as_of,
            files=staged.files,
            warnings=self.log.warning_groups(),
            errors=self.log.errors,
        )
        if report.errors:
            raise ImportValidationError(report)
        writer = Writer(conn, dry_run=self.dry_run, progress=self.progress)
        report.tables = writer.write_all(staged.tables)
        report.admins = apply_admins(
            conn, self.admins, dry_run=self.dry_run, incoming=staged.tables.get("users", [])
        )
        if not self.dry_run:
            if staged.declared is not None:
                save_stages(conn, staged.declared)
                _check_stages(conn, [stage.name for stage in staged.declared])
            refresh_rollups(conn)
            backfill_snapshots(conn, dataset_stages(conn, self.stages), as_of)
            imported_at = self.clock().astimezone(dt.UTC).isoformat(timespec="seconds")
            conn.execute(delete(DatasetMeta).where(DatasetMeta.key.like("estimate:%")))
            estimates = {f"estimate:{column}": basis for column, basis in staged.estimates.items()}
            writer.write_meta(
                {
                    "as_of": as_of.isoformat(),
                    "source": self.mapping.name,
                    "imported_at": imported_at,
                    **estimates,
                }
            )
            # people, managers and territories may have changed: running processes rebuild scopes
            touch_org(conn)
        return report

    def _as_of(self, staged: Staged) -> dt.date:
        """``--as-of``, else the latest date in the data, else today."""
        latest = staged.latest_date
        if self.as_of is not None:
            if latest is not None and self.as_of < latest:
                reason = f"--as-of {self.as_of} is before the latest date in the data ({latest})"
                self.log.warn("as-of", "as-of date", Issue(file=self.mapping.name, reason=reason))
            return self.as_of
        if latest is None:
            today = self.clock().astimezone(dt.UTC).date()
            reason = f"no dates in the data; as_of set to the import date {today}"
            self.log.warn("as-of", "as-of date", Issue(file=self.mapping.name, reason=reason))
            return today
        return latest


def _check_stages(conn: Connection, declared: list[str]) -> None:
    """Every deal of the database is in a declared stage (earlier imports' deals included).

    Raises:
        DataImportError: deals of an earlier import are in stages this mapping does not declare.
    """
    other = conn.execute(
        select(Opportunity.stage).where(Opportunity.stage.not_in(declared)).distinct().limit(5)
    ).scalars()
    stray = sorted(other)
    if stray:
        raise DataImportError(
            f"the database holds deals in stages this mapping does not declare ({', '.join(stray)}); "
            "import into an empty database, or declare those stages too; nothing was written"
        )
