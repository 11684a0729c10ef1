"""Facts a case expects, resolved before the run: literal texts and numbers, and SQL reference queries.

A ``sql`` fact is evaluated read-only on the suite's loaded database, so a case states *how* a
figure is computed rather than the figure itself and survives a change of the generator. Queries
get named parameters: ``:user_id`` (who asks), ``:as_of`` (the data set's today, ``YYYY-MM-DD``)
and, for each of ``this_quarter``, ``next_quarter``, ``last_quarter``, ``this_year`` and
``last_year``, ``:<period>`` (its label, e.g. ``2026-Q4``), ``:<period>_start`` and
``:<period>_end`` (the day after it ends), following the fiscal calendar in effect. Every row's
first column is one fact; a ``NULL`` from an aggregate over no rows reads as 0.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from evals.numbers import show
from evals.schema import Case, CaseError, Fact, Unit
from tools.periods import parse_period

MAX_ROWS = 20
SQL_LABEL_CHARS = 80
PERIODS = ("this quarter", "next quarter", "last quarter", "this year", "last year")
PARAM = re.compile(r"(?<!:):([a-z_]+)\b")


@dataclass(frozen=True)
class Expected:
    """One resolved fact: a text (case-insensitive) or a number the answer must show."""

    label: str
    text: str | None = None
    value: Decimal | None = None
    unit: Unit = Unit.ANY
    tolerance: float = 0.0

    def describe(self) -> str:
        shown = repr(self.text) if self.value is None else show(self.value, self.unit)
        return shown if self.label == shown else f"{shown} ({self.label})"


def sql_parameters(as_of: dt.date, fy_start_month: int, user_id: int) -> dict[str, Any]:
    """The named parameters every reference query may use."""
    values: dict[str, Any] = {"as_of": as_of.isoformat(), "user_id": user_id}
    for phrase in PERIODS:
        period = parse_period(phrase, as_of, fy_start_month)
        key = phrase.replace(" ", "_")
        values[key] = period.label
        values[f"{key}_start"] = period.start.isoformat()
        values[f"{key}_end"] = period.end.isoformat()
    return values


def _query(engine: Engine, sql: str, parameters: dict[str, Any]) -> list[Any]:
    """Rows of ``sql`` (first column), run in a read-only transaction that is rolled back."""
    wanted = {name: parameters[name] for name in PARAM.findall(sql) if name in parameters}
    unknown = sorted(set(PARAM.findall(sql)) - parameters.keys())
    if unknown:
        raise ValueError(f"unknown parameter :{unknown[0]}")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA query_only = ON")
        else:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            rows = connection.execute(text(sql.strip().rstrip(";")), wanted).fetchmany(MAX_ROWS + 1)
        finally:
            connection.rollback()
            if sqlite:
                connection.exec_driver_sql("PRAGMA query_only = OFF")
    if len(rows) > MAX_ROWS:
        raise ValueError(f"the query returns more than {MAX_ROWS} rows")
    return [row[0] for row in rows]


def _from_value(value: Any, fact: Fact, label: str) -> Expected:
    if value is None:
        value = 0
    if isinstance(value, bool):
        raise ValueError("the query returns a boolean, not a number or a text")
    if isinstance(value, int | float | Decimal):
        return Expected(label, value=Decimal(str(value)), unit=fact.unit, tolerance=fact.tolerance)
    if isinstance(value, dt.date):
        value = value.isoformat()
    return Expected(label, text=str(value))


def resolve(engine: Engine, case: Case, facts: list[Fact], parameters: dict[str, Any]) -> list[Expected]:
    """The expected texts and numbers of ``facts``; a :class:`CaseError` naming the case when a query
    fails."""
    resolved: list[Expected] = []
    for fact in facts:
        if fact.text is not None:
            resolved.append(Expected(fact.label or repr(fact.text), text=fact.text))
        elif fact.number is not None:
            label = fact.label or show(fact.number, fact.unit)
            resolved.append(Expected(label, value=fact.number, unit=fact.unit, tolerance=fact.tolerance))
        elif fact.sql is not None:
            flat = " ".join(fact.sql.split())
            label = fact.label or "sql: " + (
                flat if len(flat) <= SQL_LABEL_CHARS else flat[: SQL_LABEL_CHARS - 1] + "…"
            )
            try:
                values = _query(engine, fact.sql, parameters)
                if not values:
                    raise ValueError("the query returns no rows")
                resolved.extend(_from_value(value, fact, label) for value in values)
            except (SQLAlchemyError, ValueError) as exc:
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                raise CaseError(f"{case.source}: case {case.id!r}: sql fact {label!r}: {reason}") from None
    return resolved
