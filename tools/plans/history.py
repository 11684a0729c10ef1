"""A book's history: year to date and the last four quarters, and the trailing figures targets use.

Over a base select of deals (a territory's deals as the plan's viewer sees them, or one account's),
for each period:

* bookings = sum(amount) of deals won (``closed_at``) in the period (the registry's bookings);
* win rate = won / (won + lost) of deals closed in the period (the registry's win rate);
* pipeline created = sum(amount) of deals created (``created_at``) in the period; deals with no
  amount are counted and reported ("amount unknown"), never summed as $0, and amounts marked
  estimated (``opportunities.amount_estimated``, where the store has it) are counted apart.

The periods are the four fiscal quarters ending with the current one (the current one "to date"),
oldest first, and the fiscal year to date. The trailing figures that plan targets are set from
(win rate, average won deal, median sales cycle, average bookings per quarter) cover the last 12
months to ``as_of``, named as such wherever they are used.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, case, func, literal

from tools import metrics
from tools.evidence import Figure, Unit, record_id
from tools.periods import Period, parse_period, quarter_containing
from tools.rollup import money, sample_ids
from tools.store.repository import Repository
from tools.store.schema import Opportunity

QUARTERS = 4
TRAILING_DAYS = 365


class PeriodLine(BaseModel):
    """One row of the history table."""

    period: str = Field(description="The period's label, e.g. '2026-Q3' or '2026-Q4 to date'.")
    start: dt.date
    last_day: dt.date
    complete: bool = Field(description="False for a period that runs past as_of (shown 'to date').")
    bookings: Figure
    won_deals: int
    lost_deals: int
    win_rate: Figure
    pipeline_created: Figure
    deals_created: int
    created_without_amount: int = Field(description="Deals created in the period with no amount.")
    created_estimated: int = Field(default=0, description="Deals created whose amount is estimated.")


class Trailing(BaseModel):
    """The last 12 months to as_of: the history plan targets are grounded in."""

    label: str
    start: dt.date
    last_day: dt.date
    won_deals: int
    lost_deals: int
    win_rate: Figure
    average_deal_size: Figure
    sales_cycle: Figure
    quarterly_bookings: Figure


class History(BaseModel):
    quarters: list[PeriodLine] = Field(description="The last four fiscal quarters, oldest first.")
    year_to_date: PeriodLine
    trailing: Trailing


def _estimated() -> Any:
    """``opportunities.amount_estimated`` when the store has it (imports that fill missing amounts)."""
    return getattr(Opportunity, "amount_estimated", None)


def _bucket(column: Any, periods: list[Period]) -> ColumnElement[Any]:
    """Which of the (non-overlapping) ``periods`` a date falls in: its index, else null."""
    return case(
        *(((column >= p.start) & (column < p.end), literal(i)) for i, p in enumerate(periods)),
        else_=None,
    )


def _in_any(column: Any, periods: list[Period]) -> ColumnElement[bool]:
    return and_(column >= min(p.start for p in periods), column < max(p.end for p in periods))


def _lines(repo: Repository, deals: Select[Any], asked: list[Period], filters: list[str]) -> list[PeriodLine]:
    """The history rows of non-overlapping periods: two aggregate queries and three id samples."""
    periods = [_to_date(p, repo.as_of) for p in asked]
    closed_in = _bucket(Opportunity.closed_at, periods)
    created_in = _bucket(Opportunity.created_at, periods)
    estimated = _estimated()
    won = Opportunity.is_won.is_(True)
    closed = deals.where(Opportunity.is_closed, _in_any(Opportunity.closed_at, periods))
    created = deals.where(_in_any(Opportunity.created_at, periods))
    one = literal(1)
    with repo.connect() as connection:
        by_close = {
            row.bucket: row
            for row in connection.execute(
                closed.with_only_columns(
                    closed_in.label("bucket"),
                    func.sum(case((won, one), else_=0)).label("won"),
                    func.sum(case((won, 0), else_=one)).label("lost"),
                    func.sum(case((won, Opportunity.amount), else_=None)).label("bookings"),
                ).group_by(closed_in)
            )
        }
        by_create = {
            row.bucket: row
            for row in connection.execute(
                created.with_only_columns(
                    created_in.label("bucket"),
                    func.count(Opportunity.id).label("deals"),
                    func.sum(Opportunity.amount).label("amount"),
                    func.sum(case((Opportunity.amount.is_(None), one), else_=0)).label("unknown"),
                    func.sum(case((estimated.is_(True), one), else_=0)).label("estimated")
                    if estimated is not None
                    else literal(0).label("estimated"),
                ).group_by(created_in)
            )
        }
        order = [Opportunity.amount.desc().nulls_last()]
        won_ids = sample_ids(connection, closed.where(won), "opportunity", Opportunity.id, order, closed_in)
        closed_ids = sample_ids(connection, closed, "opportunity", Opportunity.id, order, closed_in)
        created_ids = sample_ids(connection, created, "opportunity", Opportunity.id, order, created_in)
    lines = []
    for index, period in enumerate(periods):
        shut, new = by_close.get(index), by_create.get(index)
        n_won, n_lost = int(shut.won or 0) if shut else 0, int(shut.lost or 0) if shut else 0
        n_new = int(new.deals) if new else 0
        where = [*filters, f"period: {period.label} ({period.start} to {period.last_day})"]
        lines.append(
            PeriodLine(
                period=period.label,
                start=period.start,
                last_day=period.last_day,
                complete=asked[index].end <= repo.as_of + dt.timedelta(days=1),
                bookings=metrics.figure(
                    "bookings", money(shut.bookings if shut else None), where, won_ids[index], n_won
                ),
                won_deals=n_won,
                lost_deals=n_lost,
                win_rate=metrics.figure(
                    "win_rate", metrics.win_rate(n_won, n_lost), where, closed_ids[index], n_won + n_lost
                ),
                pipeline_created=metrics.figure(
                    "pipeline_created",
                    money(new.amount if new else None),
                    where,
                    created_ids[index],
                    n_new,
                ),
                deals_created=n_new,
                created_without_amount=int(new.unknown or 0) if new else 0,
                created_estimated=int(new.estimated or 0) if new else 0,
            )
        )
    return lines


def _to_date(period: Period, as_of: dt.date) -> Period:
    """``period`` cut at ``as_of`` when it runs past it, labelled 'to date'."""
    if period.end <= as_of + dt.timedelta(days=1):
        return period
    return period.model_copy(update={"label": f"{period.label} to date", "end": as_of + dt.timedelta(days=1)})


def trailing(repo: Repository, deals: Select[Any], filters: list[str]) -> Trailing:
    start = repo.as_of - dt.timedelta(days=TRAILING_DAYS - 1)
    end = repo.as_of + dt.timedelta(days=1)
    label = f"the last 12 months ({start} to {repo.as_of})"
    closed = deals.where(Opportunity.is_closed, Opportunity.closed_at >= start, Opportunity.closed_at < end)
    with repo.connect() as connection:
        rows = connection.execute(
            closed.with_only_columns(
                Opportunity.id,
                Opportunity.is_won,
                Opportunity.amount,
                Opportunity.created_at,
                Opportunity.closed_at,
            )
        ).all()
    won = [r for r in rows if r.is_won]
    lost = len(rows) - len(won)
    won_ids = [record_id("opportunity", r.id) for r in won]
    cycles = [(r.closed_at - r.created_at).days for r in won if r.created_at and r.closed_at]
    where = [*filters, f"closed (closed_at) in {label}"]
    bookings = sum((money(r.amount) for r in won), money(0))
    return Trailing(
        label=label,
        start=start,
        last_day=repo.as_of,
        won_deals=len(won),
        lost_deals=lost,
        win_rate=metrics.figure(
            "win_rate",
            metrics.win_rate(len(won), lost),
            where,
            [record_id("opportunity", r.id) for r in rows],
            len(rows),
        ),
        average_deal_size=metrics.figure(
            "average_deal_size",
            metrics.average([money(r.amount) for r in won if r.amount is not None]),
            where,
            won_ids,
            len(won),
        ),
        sales_cycle=metrics.figure("sales_cycle", metrics.median_days(cycles), where, won_ids, len(won)),
        quarterly_bookings=Figure.of(
            "Average bookings per quarter",
            money(bookings / 4) if won else None,
            Unit.USD,
            "bookings (won, closed_at) in the last 12 months / 4",
            where,
            won_ids,
            len(won),
        ),
    )


def history(repo: Repository, deals: Select[Any], filters: list[str]) -> History:
    """Year to date, the last four quarters and the trailing 12 months of ``deals`` (a scoped select)."""
    fy = repo.fy_start_month
    current = quarter_containing(repo.as_of, fy)
    quarters = [current]
    while len(quarters) < QUARTERS:
        quarters.insert(0, quarter_containing(quarters[0].start - dt.timedelta(days=1), fy))
    ytd = parse_period("ytd", repo.as_of, fy)
    return History(
        quarters=_lines(repo, deals, quarters, filters),
        year_to_date=_lines(repo, deals, [ytd], filters)[0],
        trailing=trailing(repo, deals, filters),
    )


def deals_needed(pipeline: Decimal, average_deal: Figure) -> int | None:
    """How many deals of the average won size make ``pipeline`` (None without an average)."""
    size = average_deal.value
    if size is None or not Decimal(str(size)):
        return None
    return max(1, math.ceil(pipeline / Decimal(str(size))))
