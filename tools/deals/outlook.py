"""Expected bookings for a period that is not over: what the forecast tool adds to the categories.

expected = closed won so far + sum(amount x win probability) of the open deals closing in the period
+ the run-rate of pipeline not yet created. The win probability is the learned win score
(:mod:`tools.scoring`; the stage probability when the score falls back to it, and ``probability``
says which). The run-rate is the average, over the four complete quarters before the one holding
``as_of``, of what was booked from deals created and won inside the same quarter, per day, times the
days of the period still ahead (none for the part of the period already past: deals created in it
are already won or open). The 80% range is +-1.28 standard deviations from the deals' own
uncertainty (sum of amount^2 x p x (1 - p)) and the run-rate's spread over those quarters, and never
goes below what is already won. The same method, run on past quarters, is the forecast backtest
(:mod:`tools.scoring.forecast`). Deals without an amount add nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from statistics import mean, pstdev
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Float, cast, func

from tools.periods import Period, quarter_containing
from tools.scoring.store import refresh
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity
from tools.store.schema_scores import DealScore
from tools.store.types import to_money

Z80 = Decimal("1.2816")
RUN_RATE_QUARTERS = 4


class ExpectedBookings(BaseModel):
    value: Decimal = Field(description="closed won + open_expected + run_rate.")
    low: Decimal = Field(description="The 80% range's low end.")
    high: Decimal = Field(description="The 80% range's high end.")
    closed_won: Decimal
    open_expected: Decimal = Field(
        description="sum(amount x win probability) of open deals closing in the period."
    )
    run_rate: Decimal = Field(description="Bookings expected from deals not yet created, for the days left.")
    run_rate_per_quarter: Decimal = Field(
        description="Average in-quarter bookings of the four quarters before."
    )
    days_left: int
    probability: str
    formula: str


def _run_rate(repo: Repository, viewer: ViewerLike, conditions: list[Any]) -> tuple[list[float], list[int]]:
    """In-quarter bookings (created and won in the same quarter) and the days, of each of the
    :data:`RUN_RATE_QUARTERS` complete quarters before the current one."""
    quarters = []
    start = quarter_containing(repo.as_of, repo.fy_start_month).start
    for _ in range(RUN_RATE_QUARTERS):
        quarter = quarter_containing(start - dt.timedelta(days=1), repo.fy_start_month)
        quarters.append(quarter)
        start = quarter.start
    booked = []
    with repo.connect() as connection:
        for q in quarters:
            inside = [Opportunity.created_at >= q.start, Opportunity.closed_at >= q.start]
            inside += [Opportunity.closed_at < q.end, Opportunity.created_at < q.end]
            total = connection.execute(
                repo.opportunities(viewer, func.coalesce(func.sum(Opportunity.amount), 0)).where(
                    *conditions, Opportunity.is_won, *inside
                )
            ).scalar_one()
            booked.append(float(total))
    return booked, [(q.end - q.start).days for q in quarters]


def expected_bookings(
    repo: Repository, viewer: ViewerLike, conditions: list[Any], period: Period, won: Decimal
) -> ExpectedBookings | None:
    """Expected bookings for ``period`` within ``conditions`` (None once the period is over)."""
    if period.end <= repo.as_of:
        return None
    report = refresh(repo.engine, repo.stages, repo.as_of)
    chance = func.coalesce(DealScore.probability, cast(Opportunity.probability, Float), 0.0)
    amount = cast(Opportunity.amount, Float)
    due = [
        ~Opportunity.is_closed,
        Opportunity.close_date >= period.start,
        Opportunity.close_date < period.end,
    ]
    with repo.connect() as connection:
        weighted, variance = connection.execute(
            repo.opportunities(
                viewer,
                func.coalesce(func.sum(amount * chance), 0.0),
                func.coalesce(func.sum(amount * amount * chance * (1 - chance)), 0.0),
            )
            .outerjoin(DealScore, DealScore.opportunity_id == Opportunity.id)
            .where(*conditions, *due)
        ).one()
    booked, days = _run_rate(repo, viewer, conditions)
    per_day = mean(b / d for b, d in zip(booked, days, strict=True)) if booked else 0.0
    spread_per_day = pstdev(b / d for b, d in zip(booked, days, strict=True)) if booked else 0.0
    left = (period.end - max(period.start, repo.as_of)).days
    run_rate = to_money(per_day * left)
    value = to_money(won) + to_money(weighted) + run_rate  # the parts as shown add up to it exactly
    spread = Decimal(str(math.sqrt(float(variance) + (spread_per_day * left) ** 2)))
    used = (
        "learned win score"
        if report.get("used") == "model"
        else "stage probability (no win-score model in use)"
    )
    return ExpectedBookings(
        value=value,
        low=to_money(max(won, value - Z80 * spread)),
        high=to_money(value + Z80 * spread),
        closed_won=to_money(won),
        open_expected=to_money(weighted),
        run_rate=run_rate,
        run_rate_per_quarter=to_money(mean(booked) if booked else 0),
        days_left=left,
        probability=used,
        formula="closed won + sum(amount x win probability) of open deals closing in the period + average "
        f"in-quarter bookings per day of the last {RUN_RATE_QUARTERS} quarters x days left; 80% range",
    )
