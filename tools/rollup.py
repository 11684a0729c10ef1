"""Turning scoped selects into evidence: money totals, stage weights and the records behind a figure.

Aggregates run in the database (``GROUP BY`` over a scoped select). A :class:`~tools.evidence.Figure`
lists at most :data:`~tools.evidence.MAX_RECORD_IDS` of its records; they are taken for every group
at once with a ``row_number()`` window (one query, not one per group), and the figure's
``record_count`` is the full count from the aggregate itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Numeric, Select, case, cast, func, null, select, union_all
from sqlalchemy.orm import QueryableAttribute

from tools.evidence import MAX_RECORD_IDS, Figure, Unit, record_id
from tools.metrics import figure
from tools.periods import Period, parse_period
from tools.store.repository import Repository
from tools.store.schema import Opportunity
from tools.store.types import to_money

ZERO = Decimal("0.00")

#: A column or an ORM attribute, as selects take them.
Column = ColumnElement[Any] | QueryableAttribute[Any]


def money(value: Decimal | float | int | None) -> Decimal:
    """A database total as exact cents (``None``, e.g. the sum of no rows, is zero)."""
    return ZERO if value is None else to_money(value)


def period_of(repo: Repository, text: str) -> Period:
    """The period a phrase names, relative to the repository's "today" and fiscal year."""
    return parse_period(text, repo.as_of, repo.fy_start_month)


def probability() -> ColumnElement[Decimal]:
    """An opportunity's win probability (set from its stage; 0 when missing), as an exact decimal.

    The pipeline tools weigh by the same column, so a weighted figure agrees across tools.
    """
    return cast(func.coalesce(Opportunity.probability, 0.0), Numeric(6, 4))


def weighted_amount() -> ColumnElement[Decimal | None]:
    """``amount x probability`` of an opportunity, for weighted pipeline."""
    return Opportunity.amount * probability()


def estimated(
    amount: ColumnElement[Any] | QueryableAttribute[Any] = Opportunity.amount,
) -> ColumnElement[Any]:
    """``amount`` (an opportunity's amount, or an expression of it) when the amount is an estimate,
    else null: summed beside a total, it is the part of the total that is estimated."""
    return case((Opportunity.amount_estimated, amount), else_=None)


def estimated_total(
    amount: ColumnElement[Any] | QueryableAttribute[Any] = Opportunity.amount,
) -> ColumnElement[Any]:
    """The estimated part of ``sum(amount)`` (0 when no amount is estimated)."""
    return func.coalesce(func.sum(estimated(amount)), 0)


def sample_ids(
    connection: Connection,
    query: Select[Any],
    kind: str,
    ident: Column,
    order: Sequence[Column],
    group: Column | None = None,
    limit: int = MAX_RECORD_IDS,
) -> dict[Any, list[str]]:
    """Up to ``limit`` record ids per ``group`` of a filtered select, in ``order``.

    ``query`` keeps its FROM, joins and WHERE (its scope); its columns are replaced. Without a
    group every id lands under the key ``None``.
    """
    rank = func.row_number().over(partition_by=group, order_by=[*order, ident])
    grouping = group if group is not None else null()
    ranked = query.with_only_columns(grouping.label("g"), ident.label("i"), rank.label("r")).subquery()
    rows = connection.execute(
        select(ranked.c.g, ranked.c.i).where(ranked.c.r <= limit).order_by(ranked.c.g, ranked.c.r)
    )
    found: dict[Any, list[str]] = defaultdict(list)
    for key, ident_value in rows:
        found[key].append(record_id(kind, ident_value))
    return found


def sample_per_key(
    connection: Connection,
    query: Select[Any],
    kind: str,
    ident: Column,
    by: ColumnElement[Any] | QueryableAttribute[Any],
    column: ColumnElement[Any] | QueryableAttribute[Any],
    keys: Iterable[Any],
    limit: int = MAX_RECORD_IDS,
) -> dict[Any, list[str]]:
    """Up to ``limit`` record ids per key of ``column``, largest ``by`` first (then ``ident``),
    read as one ``ORDER BY … LIMIT`` per key in a single statement: an index on
    ``(column, by…)`` answers each with a seek, where the ranking window of :func:`sample_ids`
    sorts every row of the select."""
    wanted = list(keys)
    if not wanted:
        return {}
    parts = [
        query.with_only_columns(column.label("g"), ident.label("i"), by.label("o"))
        .where(column == key)
        .order_by(by.desc(), ident)
        .limit(limit)
        .subquery()
        for key in wanted
    ]
    merged = union_all(*(select(part.c.g, part.c.i, part.c.o) for part in parts)).subquery()
    found: dict[Any, list[str]] = defaultdict(list)
    rows = connection.execute(
        select(merged.c.g, merged.c.i).order_by(merged.c.g, merged.c.o.desc(), merged.c.i)
    )
    for key, ident_value in rows:
        found[key].append(record_id(kind, ident_value))
    return found


def first_ids(
    connection: Connection, query: Select[Any], kind: str, ident: Column, order: Sequence[Column]
) -> list[str]:
    """Up to ``MAX_RECORD_IDS`` record ids of a filtered select, in ``order``."""
    return sample_ids(connection, query, kind, ident, order).get(None, [])


def with_records(fig: Figure, ids: Iterable[str], count: int) -> Figure:
    """``fig`` carrying a sample of its records and the full count behind it."""
    sample = list(ids)[:MAX_RECORD_IDS]
    return fig.model_copy(update={"record_ids": sample, "record_count": count})


def metric(
    key: str,
    value: Decimal | float | int | None,
    filters: Iterable[str],
    ids: Iterable[str],
    count: int,
) -> Figure:
    """A registered metric (its written definition as the formula) with its records."""
    return with_records(figure(key, value, filters), ids, count)


def measure(
    name: str,
    value: Decimal | float | int | None,
    unit: Unit,
    formula: str,
    filters: Iterable[str],
    ids: Iterable[str],
    count: int,
) -> Figure:
    """A figure that is not a registered metric: its own name and written formula."""
    return with_records(Figure.of(name, value, unit, formula, filters), ids, count)
