"""Forecast and rep performance on the hand-built CRM (figures worked out by hand)."""

from __future__ import annotations

from decimal import Decimal

from tests.tools.conftest import MAX, MO, OLGA, RAVI, RITA
from tools.deals.forecasting import ForecastQuery, forecast
from tools.deals.performance import PerformanceQuery, rep_performance
from tools.store.repository import Repository


def test_quarter_forecast_for_revops(repo: Repository) -> None:
    result = forecast(repo, OLGA, ForecastQuery())
    assert result.period.label == "2026-Q4"
    # won in Q4: deal 5 (10k, Oct 15) + deal 6 (20k, Nov 5)
    assert result.closed_won.value == Decimal("30000.00")
    assert sorted(result.closed_won.record_ids) == ["opportunity/5", "opportunity/6"]
    assert result.commit.value == Decimal("120000.00")  # deal 1
    assert result.best_case.value == Decimal("30000.00")  # deal 2 (close date Nov 1, still in Q4)
    assert result.pipeline.value == Decimal("48000.00")  # deals 4 (40k) and 9 (8k); deal 3 closes in 2027
    assert result.quota.value == Decimal("240000.00")  # 100k + 80k + 60k
    assert result.gap_to_quota.value == Decimal("90000.00")  # 240k - 30k - 120k
    assert result.attainment.value == 0.125  # 30k / 240k
    assert result.coverage.value == 0.9429  # (120k + 30k + 48k) / (240k - 30k)
    # weighted: 30k won + 120k*.8 + 30k*.55 + 40k*.15 + 8k*.05
    assert result.weighted_forecast.value == Decimal("148900.00")


def test_forecast_for_a_rep_and_a_team(repo: Repository) -> None:
    rita = forecast(repo, MAX, ForecastQuery(owner="Rita Ruiz"))
    assert rita.closed_won.value == Decimal("20000.00") and rita.quota.value == Decimal("100000.00")
    assert rita.gap_to_quota.value == Decimal("-40000.00")  # ahead: 100k - 20k - 120k
    team = forecast(repo, MAX, ForecastQuery())
    assert team.quota.value == Decimal("180000.00")  # Rita + Ravi
    assert forecast(repo, MO, ForecastQuery()).quota.value == Decimal("60000.00")


def test_next_quarter_has_no_quota_rows_and_says_so(repo: Repository) -> None:
    result = forecast(repo, OLGA, ForecastQuery(period="next quarter"))
    assert result.period.label == "2027-Q1"
    assert result.pipeline.value == Decimal("60000.00")  # deal 3, Jan 20 2027
    assert result.quota.value == Decimal("0.00") and result.attainment.value is None
    assert result.gap_to_quota.value is None


def test_rep_performance_in_the_quarter(repo: Repository) -> None:
    report = rep_performance(repo, MAX, PerformanceQuery())
    by_rep = {r.rep: r for r in report.reps}
    assert set(by_rep) == {"Rita Ruiz", "Ravi Rao"}
    rita, ravi = by_rep["Rita Ruiz"], by_rep["Ravi Rao"]
    assert rita.bookings.value == Decimal("20000.00") and rita.attainment.value == 0.2
    assert rita.win_rate.value == 1.0 and rita.sales_cycle.value == 65.0  # Sep 1 -> Nov 5
    # Rita's open pipeline closing in Q4: 120k + 30k; coverage = 150k / (100k - 20k)
    assert rita.open_pipeline.value == Decimal("150000.00") and rita.coverage.value == 1.875
    assert ravi.win_rate.value == 0.0 and ravi.lost_deals == 1 and ravi.won_deals == 0
    assert ravi.sales_cycle.value is None and ravi.average_deal_size.value is None
    assert [r.rep for r in rep_performance(repo, RAVI, PerformanceQuery()).reps] == ["Ravi Rao"]
    assert rep_performance(repo, RITA, PerformanceQuery(period="last quarter")).reps[
        0
    ].quota.value == Decimal("90000.00")
