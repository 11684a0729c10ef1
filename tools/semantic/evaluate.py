"""Aggregating compiled records: a figure per measure for the total and for every group, ranked.

Records arrive grouped (:class:`~tools.semantic.compile.Grouped`); each measure computes its value
from the records of one group (:data:`~tools.semantic.measures.MEASURES`), so a group's value and
the total are the same computation over different records. Medians and time buckets are exact on
every database because they are computed here, from the rows the scoped query returned.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tools.evidence import Figure, Unit
from tools.metrics import ratio
from tools.semantic.compile import Grouped
from tools.semantic.facts import Basis, Fact, Inputs, Value
from tools.semantic.measures import Measure
from tools.semantic.models import ROW_IDS, TOTAL_IDS, Change, MetricRow
from tools.store.types import to_money

Records = dict[Basis, list[Grouped]]


@dataclass(frozen=True)
class Series:
    """One measure's records, in its period and (when comparing) in the compared period."""

    measure: Measure
    current: Records
    previous: Records | None
    filters: tuple[str, ...]


@dataclass(frozen=True)
class Ranking:
    top: int | None
    descending: bool
    #: A time grain without ``top``: rows in time order, the latest ``limit`` of them.
    chronological: bool
    share: bool
    #: Rows shown when no ``top`` is asked for.
    limit: int
    #: Only groups whose first measure is above / below these ("reps under 50% attainment").
    above: float | None = None
    below: float | None = None
    #: Only groups with at least this many records behind the first measure ("min 20 closed").
    min_records: int | None = None

    def keeps(self, row: MetricRow) -> bool:
        value = row.figures[0].value
        if self.min_records is not None and row.record_count < self.min_records:
            return False
        if self.above is None and self.below is None:
            return True
        if value is None:
            return False
        return (self.above is None or float(value) > self.above) and (
            self.below is None or float(value) < self.below
        )


#: Deals are cited before activities and quota rows; within a kind, the largest amounts first.
KIND_ORDER = {"opportunity": 0, "activity": 1, "quota": 2}


def _citation_order(fact: Fact) -> tuple[int, bool, Decimal, str]:
    kind = KIND_ORDER.get(fact.ref.split("/", 1)[0], 3)
    return kind, fact.amount is None, -(fact.amount or Decimal(0)), fact.ref


def _inputs(records: Records) -> Inputs:
    return {basis: [g.fact for g in grouped] for basis, grouped in records.items()}


def _index(records: Records | None) -> dict[str, dict[Basis, list[Fact]]]:
    """The facts of each group, by basis."""
    found: dict[str, dict[Basis, list[Fact]]] = defaultdict(lambda: defaultdict(list))
    for basis, grouped in (records or {}).items():
        for g in grouped:
            found[g.group][basis].append(g.fact)
    return found


def _figure(
    measure: Measure, inputs: Inputs, as_of: dt.date, formula: str, filters: Sequence[str], ids: int
) -> Figure:
    behind = sorted(measure.behind(inputs), key=_citation_order)
    return Figure.of(
        measure.name,
        measure.compute(inputs, as_of),
        measure.unit,
        formula,
        filters,
        [f.ref for f in behind[:ids]],
        count=len(behind),
    ).with_estimate(_estimated_part(measure, inputs, as_of))


def _estimated_part(measure: Measure, inputs: Inputs, as_of: dt.date) -> Value:
    """The part of a sum of amounts that comes from estimated amounts (none for other measures)."""
    if not (measure.additive and measure.amounts):
        return None
    only = {basis: [f for f in facts if f.estimated] for basis, facts in inputs.items()}
    return measure.compute(only, as_of) if any(only.values()) else None


def estimated_amounts(series: Sequence[Series]) -> int:
    """Deals with an estimated amount behind the amount-based measures (each deal counted once)."""
    return len(
        {
            fact.ref
            for s in series
            if s.measure.amounts
            for fact in s.measure.behind(_inputs(s.current))
            if fact.estimated and fact.amount is not None
        }
    )


def missing_amounts(measures: Sequence[Measure], inputs: Sequence[Inputs]) -> int:
    """Deals without an amount behind the amount-based measures (each deal counted once)."""
    refs = {
        fact.ref
        for measure, given in zip(measures, inputs, strict=True)
        if measure.amounts
        for fact in measure.behind(given)
        if fact.amount is None and fact.ref.startswith("opportunity/")
    }
    return len(refs)


def change(measure: Measure, now: Value, before: Value) -> Change:
    if now is None or before is None:
        return Change(measure=measure.key, previous=before, absolute=None, relative=None)
    absolute: Value
    if isinstance(now, Decimal) or isinstance(before, Decimal):
        absolute = to_money(Decimal(str(now)) - Decimal(str(before)))
    elif isinstance(now, float) or isinstance(before, float):
        absolute = round(float(now) - float(before), 4)
    else:
        absolute = now - before
    relative = ratio(float(now) - float(before), abs(float(before))) if before else None
    return Change(measure=measure.key, previous=before, absolute=absolute, relative=relative)


def totals(series: Sequence[Series], as_of: dt.date) -> tuple[list[Figure], list[Change]]:
    """A figure per measure over every matched record, and its change when comparing."""
    figures, changes = [], []
    for s in series:
        fig = _figure(s.measure, _inputs(s.current), as_of, s.measure.formula, s.filters, TOTAL_IDS)
        figures.append(fig)
        if s.previous is not None:
            changes.append(change(s.measure, fig.value, s.measure.compute(_inputs(s.previous), as_of)))
    return figures, changes


def together(measure: Measure, shown: Sequence[MetricRow], groups: int) -> Figure | None:
    """The first measure over the groups a top N shows, added up ("my top 5 accounts combined"):
    for a sum or a count cut to fewer groups than there are, else None."""
    if (
        not shown
        or len(shown) >= groups
        or not measure.additive
        or measure.unit not in (Unit.USD, Unit.COUNT)
    ):
        return None
    values = [row.figures[0].value for row in shown if row.figures[0].value is not None]
    first = shown[0].figures[0]
    ids = list(dict.fromkeys(i for row in shown for i in row.figures[0].record_ids))[:TOTAL_IDS]
    return Figure(
        name=f"{measure.name}, the {len(shown)} shown together",
        value=to_money(sum(Decimal(str(v)) for v in values)) if measure.unit is Unit.USD else sum(values),
        unit=measure.unit,
        formula=f"Sum of the {len(shown)} groups shown of {groups}: {measure.formula}",
        filters=first.filters,
        record_ids=ids,
        record_count=sum(row.record_count for row in shown),
    )


def missing_in_total(series: Sequence[Series]) -> int:
    return missing_amounts([s.measure for s in series], [_inputs(s.current) for s in series])


def _groups(series: Sequence[Series]) -> dict[str, Any]:
    order: dict[str, Any] = {}
    for s in series:
        for records in (s.current, s.previous or {}):
            for grouped in records.values():
                for g in grouped:
                    order.setdefault(g.group, g.order)
    return order


def rows(
    series: Sequence[Series],
    as_of: dt.date,
    dimension: str,
    total: Sequence[Figure],
    ranking: Ranking,
    members: Sequence[str] = (),
) -> tuple[list[MetricRow], int]:
    """One row per group with records behind a measure (now or in the compared period), ranked by
    the first measure; and how many such groups there were. ``members`` are groups that get a row
    even with no record (the reps of a team: "who closed the fewest deals?" counts the one with none)."""
    measures = [s.measure for s in series]
    current = [_index(s.current) for s in series]
    previous = [_index(s.previous) if s.previous is not None else None for s in series]
    indexes = [
        (m, index)
        for m, now, before in zip(measures, current, previous, strict=True)
        for index in (now, before)
    ]
    order = {
        group: key
        for group, key in _groups(series).items()
        if any(index is not None and m.behind(index.get(group, {})) for m, index in indexes)
    }
    for member in members:
        order.setdefault(member, member)
    found = []
    for group in order:
        inputs: list[Inputs] = [index.get(group, {}) for index in current]
        figures = [
            _figure(m, given, as_of, f"{m.key} where {dimension} = {group}", (), ROW_IDS)
            for m, given in zip(measures, inputs, strict=True)
        ]
        changes = [
            change(m, fig.value, m.compute(before.get(group, {}), as_of))
            for m, fig, before in zip(measures, figures, previous, strict=True)
            if before is not None
        ]
        share = None
        if ranking.share and measures[0].additive and total[0].value:
            share = ratio(figures[0].value or 0, total[0].value)
        found.append(
            MetricRow(
                group=group,
                figures=figures,
                record_count=figures[0].record_count,
                missing_amounts=missing_amounts(measures, inputs),
                share_of_total=share,
                changes=changes,
            )
        )
    kept = [row for row in found if ranking.keeps(row)]
    return _ranked(kept, order, ranking), len(kept)


def threshold_filters(name: str, unit: Unit, above: float | None, below: float | None) -> list[str]:
    """How a threshold on the groups reads in the answer's filters ("win rate below 60%")."""

    def shown(value: float) -> str:
        if unit is Unit.RATIO:
            return f"{value:.0%}"
        if unit is Unit.USD:
            return f"${value:,.0f}"
        return f"{value:,g}"

    found = []
    if below == 1 and unit is Unit.COUNT:
        return [f"no {name.lower()}"]  # "who hasn't won a deal?": none, not "below 1"
    if above is not None:
        found.append(f"{name.lower()} above {shown(above)}")
    if below is not None:
        found.append(f"{name.lower()} below {shown(below)}")
    return found


def _ranked(found: list[MetricRow], order: dict[str, Any], ranking: Ranking) -> list[MetricRow]:
    if ranking.chronological and ranking.top is None:
        return sorted(found, key=lambda r: order[r.group])[-ranking.limit :]

    def key(row: MetricRow) -> tuple[bool, float, str]:
        value = row.figures[0].value
        number = 0.0 if value is None else float(value)
        return value is None, -number if ranking.descending else number, row.group

    ordered = sorted(found, key=key)
    cut = ranking.top or ranking.limit
    if ranking.top is not None and 0 < cut < len(ordered) and ordered[cut - 1].figures[0].value is not None:
        # a tie at the cut is kept whole: "the fewest open deals" names both reps with 25
        last = ordered[cut - 1].figures[0].value
        while cut < len(ordered) and ordered[cut].figures[0].value == last:
            cut += 1
    return ordered[:cut]
