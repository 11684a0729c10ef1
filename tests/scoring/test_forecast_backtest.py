"""The forecast backtest on the demo company: actuals are what was won, the range holds the
win-score forecast, and it is closer to the actuals than the stage-weighted forecast."""

from __future__ import annotations

from sqlalchemy import func, select

from tools.scoring.forecast import forecast_backtest
from tools.store.repository import Repository
from tools.store.schema import Opportunity


def test_win_scores_plus_run_rate_beat_the_stage_weighted_forecast(demo_repo: Repository) -> None:
    result = forecast_backtest(demo_repo.engine, demo_repo.stages, demo_repo.as_of, quarters=3)
    assert [q.quarter for q in result.quarters] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    with demo_repo.connect() as connection:
        for quarter in result.quarters:
            end = {"2026-Q1": "2026-04-01", "2026-Q2": "2026-07-01", "2026-Q3": "2026-10-01"}[quarter.quarter]
            won = connection.execute(
                select(func.sum(Opportunity.amount)).where(
                    Opportunity.is_won, Opportunity.closed_at >= quarter.start, Opportunity.closed_at < end
                )
            ).scalar_one()
            assert quarter.actual == float(won)
            assert quarter.win_score is not None and quarter.low is not None and quarter.high is not None
            assert quarter.low <= quarter.win_score <= quarter.high and quarter.deals > 50
            assert quarter.stage_error == round((quarter.stage_weighted - quarter.actual) / quarter.actual, 4)
    assert result.stage_mean_abs_error is not None and result.win_score_mean_abs_error is not None
    assert result.win_score_mean_abs_error < result.stage_mean_abs_error
    assert result.within_range >= 1
