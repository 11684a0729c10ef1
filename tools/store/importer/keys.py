"""Keys of staged rows: duplicates refused, repeated rows of a distinct entity compared, and the
rows of a ``merge`` entity folded into the rows they add columns to."""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.store.importer.fieldplan import Record
from tools.store.importer.report import Issue, IssueLog


@dataclass
class Keys:
    """Keys seen so far per table, to catch duplicates within and across files."""

    seen: dict[tuple[str, bool], dict[tuple[object, ...], tuple[int, Record]]] = field(default_factory=dict)

    def admit(self, entity: int, distinct: bool, record: Record, log: IssueLog) -> bool:
        """Whether ``record`` is kept: merged rows are keyed apart from the rows they merge into."""
        key = record.key()
        table_keys = self.seen.setdefault((record.source.table, record.source.merge), {})
        prior = table_keys.get(key)
        if prior is None:
            table_keys[key] = (entity, record)
            return True
        prior_entity, first = prior
        if distinct and prior_entity == entity:
            _compare_distinct(first, record, log)
            return False
        where = f"{first.source.file}:{first.line}"
        label = record.source.label(record.source.key_columns[0])
        shown = ", ".join(str(part) for part in key)
        log.error(
            record.source.file,
            record.line,
            label,
            shown,
            f"duplicate {record.source.table} key (first at {where})",
        )
        return False


def merge_rows(tables: dict[str, list[Record]], log: IssueLog) -> None:
    """Fold the rows of ``merge`` entities into the rows with the same key (see the mapping)."""
    for name, records in tables.items():
        merged = [r for r in records if r.source.merge]
        if not merged:
            continue
        kept = [r for r in records if not r.source.merge]
        base = {r.key(): r for r in kept}
        for record in merged:
            target = base.get(record.key())
            source = record.source
            if target is None:
                shown = ", ".join(str(part) for part in record.key())
                reason = f"no {name} row with this key in this import; skipped"
                issue = Issue(
                    file=source.file,
                    line=record.line,
                    column=source.label(source.key_columns[0]),
                    value=shown,
                    reason=reason,
                )
                log.warn(f"merge:{source.file}", f"{source.file}: rows that match no {name} row", issue)
                continue
            keys = set(source.key_columns)
            target.values.update({c: v for c, v in record.values.items() if c not in keys})
            target.refs.update({c: ref for c, ref in record.refs.items() if c not in keys})
        tables[name] = kept


def _compare_distinct(first: Record, later: Record, log: IssueLog) -> None:
    """Warn when a later row of a distinct entity disagrees with the row that defined it."""
    for column, value in later.values.items():
        if first.values.get(column) != value:
            _conflict(first, later, column, _shown(first.values.get(column)), _shown(value), log)
            return
    for column, ref in later.refs.items():
        if first.refs[column].raw != ref.raw:
            _conflict(first, later, column, first.refs[column].raw, ref.raw, log)
            return


def _shown(value: object) -> str:
    return "(empty)" if value is None else str(value)


def _conflict(first: Record, later: Record, column: str, kept: str, dropped: str, log: IssueLog) -> None:
    source = later.source
    reason = f"differs from {kept!r} at line {first.line} for the same {source.table} row; the first is kept"
    issue = Issue(
        file=source.file, line=later.line, column=source.label(column), value=dropped, reason=reason
    )
    log.warn(
        f"distinct:{source.file}:{source.table}", f"{source.file}: rows that disagree ({source.table})", issue
    )
