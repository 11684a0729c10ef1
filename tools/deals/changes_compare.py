"""The comparison behind "what changed": the open pipeline of a snapshot day against the open
pipeline now, deal by deal, made by the database.

Both sides are the viewer's deals matching the filters (read by their current columns). One
select pairs them as a full outer join would: each open deal with its snapshot row if it has one,
and the snapshot's deals that are no longer open. From that pairing a single statement derives
one row per (group, deal) — new, won, lost, removed, advanced or slipped back, close date pushed
or pulled in, amount up or down — and returns only each group's count and total, the two sides'
totals, and the ``limit`` largest deals of each group; the columns of those few deals are read
after, by id. Money is compared and summed in whole cents (``round(amount * 100)`` as an integer),
exact on SQLite's floats and PostgreSQL's numerics alike.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Connection,
    Integer,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)

from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity
from tools.store.schema_scores import DealScore, PipelineSnapshot

#: The totals of the two sides, beside the groups' own.
START, END = "start", "end"


@dataclass(frozen=True)
class Total:
    """A group's deals and the value they moved, as ``sum(values, Decimal(0))`` of the deals'
    quantized values gives it: cents, or ``Decimal(0)`` when no deal of the group has an amount."""

    count: int = 0
    amount: Decimal = Decimal(0)


@dataclass
class Compared:
    """Each group's total (and the two sides', ``start`` and ``end``), the deals each lists
    (largest value first, then id) and those deals' columns on both sides."""

    totals: dict[str, Total] = field(default_factory=dict)
    listed: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    deals: dict[int, Any] = field(default_factory=dict)

    def total(self, kind: str) -> Total:
        return self.totals.get(kind, Total())


@dataclass(frozen=True)
class Pairing:
    """What the pairing is made of: the viewer, the filters, the snapshot day, today's chance."""

    repo: Repository
    viewer: ViewerLike
    conditions: list[ColumnElement[bool]]
    day: dt.date
    chance: ColumnElement[Any]

    def select(self, *, ids: list[int] | None = None) -> CompoundSelect[Any]:
        """The deals of the snapshot (``in_before`` 1), each with its columns now (``in_now`` 1 while
        it is open, else ``ended``: won, lost or removed), and the open deals the snapshot does not
        hold (``in_before`` 0): a full outer join of the two sides, each half read the way its
        indexes serve it (the snapshot by its day, the open deals by the open-pipeline index).

        Without ``ids``: the columns the groups are made of (stage positions, amounts in cents,
        close dates); with ``ids``: those deals' columns as a change lists them."""
        snap = PipelineSnapshot
        if ids is None:
            names = {name: i for i, name in enumerate(self.repo.stages.names)}
            before = _compared(case(names, value=snap.stage, else_=-1), snap.amount, snap.close_date)
            now = _compared(
                case(names, value=Opportunity.stage, else_=-1), Opportunity.amount, Opportunity.close_date
            )
        else:
            before = (snap.stage, snap.amount, snap.close_date, snap.probability)
            now = (Opportunity.stage, Opportunity.amount, Opportunity.close_date, self.chance)
        labels = COLUMNS[ids is None]
        wanted = [*self.conditions, *([Opportunity.id.in_(ids)] if ids is not None else [])]
        still_open = ~Opportunity.is_closed
        ended = case(
            (still_open, null()),
            (Opportunity.is_closed & Opportunity.is_won, literal("won")),
            (Opportunity.is_closed, literal("lost")),
            else_=literal("removed"),
        )
        held = (
            self.repo.opportunities(
                self.viewer,
                Opportunity.id.label("id"),
                literal(1).label("in_before"),
                case((still_open, 1), else_=0).label("in_now"),
                ended.label("ended"),
                *(column.label(f"{label}_before") for label, column in zip(labels, before, strict=True)),
                *(column.label(label) for label, column in zip(labels, now, strict=True)),
            )
            .select_from(snap)
            .join(Opportunity, snap.opportunity_id == Opportunity.id)
            .where(snap.day == self.day, *wanted)
        )
        in_snapshot = exists().where(snap.opportunity_id == Opportunity.id, snap.day == self.day)
        new = self.repo.opportunities(
            self.viewer, Opportunity.id, literal(0), literal(1), null(), *[null()] * len(before), *now
        ).where(still_open, ~in_snapshot, *wanted)
        if ids is not None:
            scored = DealScore.opportunity_id == Opportunity.id
            held, new = held.outerjoin(DealScore, scored), new.outerjoin(DealScore, scored)
        return union_all(held, new)


#: The columns of each side: compared (``True``), or as a change lists them.
COLUMNS = {
    True: ("position", "cents", "has_amount", "close_date"),
    False: ("stage", "amount", "close_date", "probability"),
}


def _compared(stage: ColumnElement[int], amount: Any, close_date: Any) -> tuple[Any, ...]:
    """A side's columns as compared: the stage's position, the amount in whole cents (0 when it
    has none) and whether it has one, the close date."""
    cents = func.coalesce(cast(func.round(amount * literal_column("100")), BigInteger), 0)
    return stage, cents, case((amount.is_(None), 0), else_=1), close_date


def _amount(cents: int | None, exact: int | None) -> Decimal:
    """A total in cents as the decimal the deals' amounts add up to (see :class:`Total`)."""
    return Decimal(int(cents or 0)).scaleb(-2) if exact else Decimal(0)


def compare(connection: Connection, pairing: Pairing, limit: int) -> Compared:
    """The groups of the changes between the snapshot and now, ``limit`` deals listed per group."""
    paired = pairing.select().cte("paired")
    p = paired.c
    both = (p.in_before == 1) & (p.in_now == 1)
    delta = p.cents - p.cents_before

    def rows(kind: Any, value: Any, exact: Any, where: ColumnElement[bool]) -> Any:
        return select(kind.label("kind"), p.id.label("id"), value.label("value"), exact.label("exact")).where(
            where
        )

    moved = case((p.position > p.position_before, "advanced"), else_="slipped_back")
    dated = case((p.close_date > p.close_date_before, "pushed"), else_="pulled_in")
    changed = union_all(
        rows(literal("new"), p.cents, p.has_amount, p.in_before == 0),
        rows(p.ended, p.cents_before, p.has_amount_before, p.in_now == 0),
        rows(moved, p.cents, p.has_amount, both & (p.position != p.position_before)),
        # a close date missing on either side is no change (the comparison is null)
        rows(dated, p.cents, p.has_amount, both & (p.close_date != p.close_date_before)),
        rows(
            case((delta > 0, "amount_up"), else_="amount_down"),
            func.abs(delta),
            literal(1),
            both & (delta != 0),
        ),
    ).subquery("changed")
    c = changed.c
    ranked = select(
        c.kind,
        c.id,
        func.count().over(partition_by=c.kind).label("count"),
        func.sum(c.value).over(partition_by=c.kind).label("cents"),
        func.max(c.exact).over(partition_by=c.kind).label("exact"),
        func.row_number().over(partition_by=c.kind, order_by=(c.value.desc(), c.id)).label("rank"),
    ).subquery("ranked")
    r = ranked.c

    def side(kind: str, value: Any, exact: Any, present: ColumnElement[bool]) -> Any:
        return select(
            literal(kind).label("kind"),
            cast(null(), Integer).label("id"),  # a side lists no deal
            func.count().label("count"),
            func.sum(value).label("cents"),
            func.max(exact).label("exact"),
            literal(0).label("rank"),
        ).where(present)

    statement = union_all(
        side(START, p.cents_before, p.has_amount_before, p.in_before == 1),
        side(END, p.cents, p.has_amount, p.in_now == 1),
        select(r.kind, r.id, r["count"], r.cents, r.exact, r.rank).where(r.rank <= limit),
    ).order_by(literal_column("kind"), literal_column("rank"))
    result = Compared()
    for kind, deal, count, cents, exact, _ in connection.execute(statement):
        result.totals[kind] = Total(int(count), _amount(cents, exact))
        if deal is not None:
            result.listed[kind].append(int(deal))
    wanted = sorted({deal for deals in result.listed.values() for deal in deals})
    if wanted:
        result.deals = {row.id: row for row in connection.execute(pairing.select(ids=wanted))}
    return result
