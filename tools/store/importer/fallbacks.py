"""Filling empty values from looked-up rows (a field's ``fallback``), and marking them estimated.

Runs in phase one, after foreign keys are resolved: an empty value takes the ``value`` column of
the row its ``via`` lookup found — among the rows of this import first, then the database. An
estimated fill sets ``<column>_estimated`` to true; a row that had its own value gets false, so
re-importing a deal that now has an amount clears the mark. Each fill is counted in one warning
group per file and column, so the import report says how many values were estimated, and from
what.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from tools.store.importer.fieldplan import FallbackPlan, Record
from tools.store.importer.report import Issue, IssueLog
from tools.store.schema import Base

Values = dict[tuple[str, str, str], dict[str, object]]


def fill_fallbacks(conn: Connection, tables: dict[str, list[Record]], log: IssueLog) -> dict[str, str]:
    """Fill empty values of every staged record that has a fallback; returns ``{table.column:
    basis}`` for the estimated columns that were filled at least once."""
    known: Values = {}
    used: dict[str, str] = {}
    for records in tables.values():
        for record in records:
            for plan in record.source.fallbacks:
                if _fill(conn, tables, known, record, plan, log) and plan.estimated:
                    used[f"{record.source.table}.{plan.column}"] = plan.basis
    return used


def _fill(
    conn: Connection,
    tables: dict[str, list[Record]],
    known: Values,
    record: Record,
    plan: FallbackPlan,
    log: IssueLog,
) -> bool:
    """Fill one record's value when it is empty; True when a value was taken."""
    values = record.values
    if values.get(plan.column) is not None:
        if plan.estimated:
            values[plan.flag] = False
        return False
    ref = record.refs.get(plan.via)
    taken = None
    if ref is not None and ref.key is not None:
        taken = _values(conn, tables, known, ref.spec.target, ref.spec.by, plan.value).get(ref.key)
    if plan.estimated:
        values[plan.flag] = taken is not None
    if taken is None:
        return False
    values[plan.column] = taken
    source = record.source
    label = source.label(plan.column)
    issue = Issue(
        file=source.file,
        line=record.line,
        column=label,
        value=str(taken),
        reason=f"empty; {'estimated as' if plan.estimated else 'filled with'} {plan.basis}",
    )
    log.warn(
        f"fallback:{source.file}:{label}",
        f"{source.file} {label}: empty values filled from {plan.basis}",
        issue,
    )
    return True


def _values(
    conn: Connection, tables: dict[str, list[Record]], known: Values, target: str, by: str, value: str
) -> dict[str, object]:
    """``key text -> value`` of ``target`` rows: the database's, overridden by this import's."""
    if (target, by, value) not in known:
        table = Base.metadata.tables[target]
        found: dict[str, object] = {
            str(key): taken
            for key, taken in conn.execute(
                select(table.c[by], table.c[value]).where(table.c[by].is_not(None))
            )
        }
        for record in tables.get(target, []):
            key = record.values.get(by)
            if key is not None:
                found[str(key)] = record.values.get(value)
        known[target, by, value] = found
    return known[target, by, value]
