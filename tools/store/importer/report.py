"""What an import found and did: errors, grouped warnings, per-table counts.

Errors block the import (nothing is written); warnings do not. Warnings of one kind are grouped
with a count and a few examples, so 1,425 open deals without an account make one line, not
1,425.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from tools.errors import DataError

ERROR_LIMIT = 50
EXAMPLES_PER_WARNING = 3
_VALUE_WIDTH = 60


class DataImportError(DataError):
    """An import the user asked for cannot be done; the message is one line."""


class Issue(BaseModel):
    """One problem at a place in a file (``line`` is the physical line; the header is line 1)."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    reason: str

    def render(self) -> str:
        """``file:line column 'value': reason``."""
        parts = [self.file if self.line is None else f"{self.file}:{self.line}"]
        if self.column:
            parts.append(self.column)
        if self.value is not None:
            shown = self.value if len(self.value) <= _VALUE_WIDTH else self.value[: _VALUE_WIDTH - 1] + "…"
            parts.append(repr(shown))
        return f"{' '.join(parts)}: {self.reason}"


class WarningGroup(BaseModel):
    """Warnings of one kind: how many, and the first few."""

    kind: str
    title: str
    count: int
    examples: list[Issue]


class TableCounts(BaseModel):
    """Rows of one table inserted and updated (or that would be, in a dry run)."""

    inserted: int = 0
    updated: int = 0


class FileSummary(BaseModel):
    """A file that was read: its detected encoding and number of data rows."""

    name: str
    encoding: str
    rows: int


class ImportReport(BaseModel):
    """The outcome of :func:`tools.store.importer.runner.import_dataset`."""

    source: str
    directory: str
    dry_run: bool
    as_of: dt.date | None = None
    tables: dict[str, TableCounts] = {}
    files: list[FileSummary] = []
    warnings: list[WarningGroup] = []
    errors: list[Issue] = []
    admins: list[str] = []
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when nothing blocked the import."""
        return not self.errors

    @property
    def warning_count(self) -> int:
        """Number of warnings across all groups."""
        return sum(group.count for group in self.warnings)

    def error_lines(self, limit: int = ERROR_LIMIT) -> list[str]:
        """The first ``limit`` errors, one per line, then ``… and N more``."""
        lines = [issue.render() for issue in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"… and {len(self.errors) - limit} more")
        return lines

    def warning_lines(self) -> list[str]:
        """One line per warning group (with its count), each followed by its examples, indented."""
        lines: list[str] = []
        for group in self.warnings:
            lines.append(f"{group.title}: {group.count}")
            lines.extend(f"  {example.render()}" for example in group.examples)
        return lines

    def summary(self) -> str:
        """One line: what was (or would be) written, or why nothing was."""
        if self.errors:
            return f"import failed with {len(self.errors)} error(s); nothing was written"
        verb = "would insert" if self.dry_run else "inserted"
        counts = ", ".join(
            f"{name} +{c.inserted}/~{c.updated}" for name, c in self.tables.items() if c.inserted or c.updated
        )
        return f"{verb} (+new/~updated): {counts or 'nothing'}; {self.warning_count} warning(s)"


class ImportValidationError(DataImportError):
    """The data has errors; nothing was written. ``report`` lists them all (``details``: the first 50)."""

    def __init__(self, report: ImportReport) -> None:
        first = report.errors[0].render() if report.errors else "no details"
        more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        super().__init__(f"import failed, nothing was written: {first}{more}", details=report.error_lines())
        self.report = report


@dataclass
class _Group:
    title: str
    count: int = 0
    examples: list[Issue] = field(default_factory=list)


@dataclass
class IssueLog:
    """Collects errors and groups warnings while an import is validated."""

    errors: list[Issue] = field(default_factory=list)
    _groups: dict[str, _Group] = field(default_factory=dict)

    def error(self, file: str, line: int | None, column: str | None, value: str | None, reason: str) -> None:
        """Record an error."""
        self.errors.append(Issue(file=file, line=line, column=column, value=value, reason=reason))

    def warn(self, kind: str, title: str, issue: Issue) -> None:
        """Record a warning of ``kind`` (warnings of one kind share ``title``)."""
        group = self._groups.setdefault(kind, _Group(title=title))
        group.count += 1
        if len(group.examples) < EXAMPLES_PER_WARNING:
            group.examples.append(issue)

    def warning_groups(self) -> list[WarningGroup]:
        """The warnings, grouped by kind, in the order the kinds first appeared."""
        return [
            WarningGroup(kind=kind, title=g.title, count=g.count, examples=g.examples)
            for kind, g in self._groups.items()
        ]
