"""A forecast people can check: expected bookings per quarter from deal win scores plus the
run-rate of pipeline not yet created, with a range, backtested over past quarters against the
stage-weighted forecast and what was actually booked.

For a quarter starting on day S, as the pipeline stood on S (rebuilt from the stage history,
:func:`~tools.scoring.timeline.state_on`):

- **stage-weighted**: the sum over deals open on S with a planned close date in the quarter of
  amount x stage probability (the usual weighted pipeline);
- **win score**: the same deals' amount x win probability from a model trained only on deals
  closed before S, plus the **run-rate**: the average, over the four quarters before, of what was
  booked from deals created and won inside the same quarter (pipeline not yet created on S);
- **range** (80%): +-1.28 standard deviations, from the deals' own uncertainty (sum of amount^2 x
  p x (1 - p)) and the run-rate's spread over those quarters;
- **actual**: the amount won in the quarter.

Errors are (forecast - actual) / actual per quarter, and the mean absolute error over the
quarters. Deals without an amount count 0. Without stage history (an export with final stages
only) the planned close dates of the past are unknown, so there is nothing to backtest: the result
says so.
"""

from __future__ import annotations

import datetime as dt
import math
from statistics import mean, pstdev

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, select

from tools.periods import quarter_containing
from tools.scoring.features import row
from tools.scoring.model import MIN_CLOSED, predict, train
from tools.scoring.timeline import Deal, RepRecord, _attach, rep_record, state_on
from tools.store.schema import Account, Opportunity, Product
from tools.store.stages import StageConfig

Z80 = 1.2816
RUN_RATE_QUARTERS = 4


class QuarterForecast(BaseModel):
    quarter: str
    start: dt.date
    deals: int
    stage_weighted: float
    win_score: float | None
    run_rate: float
    low: float | None
    high: float | None
    actual: float
    stage_error: float | None
    win_score_error: float | None


class ForecastBacktest(BaseModel):
    quarters: list[QuarterForecast]
    stage_mean_abs_error: float | None
    win_score_mean_abs_error: float | None
    within_range: int
    note: str | None = None


def _deals(connection: Connection, before: dt.date) -> list[Deal]:
    """Every deal created before ``before`` (open or closed), with history and activities."""
    where = [Opportunity.created_at.is_not(None), Opportunity.created_at < before]
    found = {
        r.id: Deal(
            r.id,
            r.owner_id,
            r.product_id,
            r.segment,
            float(r.amount) if r.amount is not None else None,
            r.created_at,
            r.closed_at if r.is_closed else None,
            bool(r.is_won),
        )
        for r in connection.execute(
            select(
                Opportunity.id,
                Opportunity.owner_id,
                Opportunity.product_id,
                Account.segment,
                Opportunity.amount,
                Opportunity.created_at,
                Opportunity.closed_at,
                Opportunity.is_closed,
                Opportunity.is_won,
            )
            .outerjoin(Account, Account.id == Opportunity.account_id)
            .where(*where)
        )
    }
    _attach(connection, found, select(Opportunity.id).where(*where))
    return list(found.values())


def _quarter_starts(as_of: dt.date, count: int, fy_start_month: int) -> list[tuple[str, dt.date, dt.date]]:
    quarters = []
    current = quarter_containing(as_of, fy_start_month)
    start = current.start
    for _ in range(count):
        previous = quarter_containing(start - dt.timedelta(days=1), fy_start_month)
        quarters.append((previous.label, previous.start, previous.end))
        start = previous.start
    return list(reversed(quarters))


def _run_rate(deals: list[Deal], start: dt.date, fy_start_month: int) -> tuple[float, float]:
    """Mean and spread of in-quarter bookings (created and won in the same quarter) over the
    :data:`RUN_RATE_QUARTERS` quarters before ``start``."""
    booked = []
    for label, q_start, q_end in _quarter_starts(start, RUN_RATE_QUARTERS, fy_start_month):
        del label
        booked.append(
            sum(
                d.amount or 0.0
                for d in deals
                if d.won and d.closed and q_start <= d.created < q_end and q_start <= d.closed < q_end
            )
        )
    return (mean(booked), pstdev(booked)) if booked else (0.0, 0.0)


def forecast_backtest(
    engine: Engine, stages: StageConfig, as_of: dt.date, quarters: int = 4, fy_start_month: int = 1
) -> ForecastBacktest:
    """The backtest of the module docstring over the ``quarters`` complete quarters before ``as_of``."""
    with engine.connect() as connection:
        deals = _deals(connection, as_of + dt.timedelta(days=1))
        reps: RepRecord = rep_record(connection)
        products = {int(i): str(n) for i, n in connection.execute(select(Product.id, Product.name))}
    if not any(d.history for d in deals):
        return ForecastBacktest(
            quarters=[],
            stage_mean_abs_error=None,
            win_score_mean_abs_error=None,
            within_range=0,
            note="the data has no stage history: the planned close dates of past quarters are unknown",
        )
    probability = {s.name: s.probability for s in stages.stages}
    activities = any(d.activities for d in deals)
    results = []
    for label, start, end in _quarter_starts(as_of, quarters, fy_start_month):
        open_then = [d for d in deals if d.created < start and (d.closed is None or d.closed >= start)]
        states = [(d, state_on(d, start - dt.timedelta(days=1), stages, activities)) for d in open_then]
        due = [(d, s) for d, s in states if s.close_date is not None and start <= s.close_date < end]
        amounts = [s.amount or 0.0 for _, s in due]
        stage_weighted = sum(
            a * probability.get(s.stage, 0.0) for a, (_, s) in zip(amounts, due, strict=True)
        )
        closed_before = [d for d in deals if d.closed is not None and d.closed < start]
        run_rate, run_spread = _run_rate(deals, start, fy_start_month)
        win_score = low = high = None
        if len(closed_before) >= MIN_CLOSED:
            trained = train(closed_before, stages, reps, start, products)
            rows = [row(s, trained.basis, reps.win_rate(s.owner_id, s.day)) for _, s in due]
            scores = predict(trained.estimator, rows)
            win_score = sum(a * p for a, p in zip(amounts, scores, strict=True)) + run_rate
            spread = math.sqrt(
                sum(a * a * p * (1 - p) for a, p in zip(amounts, scores, strict=True)) + run_spread**2
            )
            low, high = max(0.0, win_score - Z80 * spread), win_score + Z80 * spread
        actual = sum(d.amount or 0.0 for d in deals if d.won and d.closed and start <= d.closed < end)
        results.append(
            QuarterForecast(
                quarter=label,
                start=start,
                deals=len(due),
                stage_weighted=round(stage_weighted, 2),
                win_score=round(win_score, 2) if win_score is not None else None,
                run_rate=round(run_rate, 2),
                low=round(low, 2) if low is not None else None,
                high=round(high, 2) if high is not None else None,
                actual=round(actual, 2),
                stage_error=round((stage_weighted - actual) / actual, 4) if actual else None,
                win_score_error=round((win_score - actual) / actual, 4)
                if actual and win_score is not None
                else None,
            )
        )
    stage_errors = [abs(q.stage_error) for q in results if q.stage_error is not None]
    score_errors = [abs(q.win_score_error) for q in results if q.win_score_error is not None]
    return ForecastBacktest(
        quarters=results,
        stage_mean_abs_error=round(mean(stage_errors), 4) if stage_errors else None,
        win_score_mean_abs_error=round(mean(score_errors), 4) if score_errors else None,
        within_range=sum(
            1 for q in results if q.low is not None and q.high is not None and q.low <= q.actual <= q.high
        ),
    )
