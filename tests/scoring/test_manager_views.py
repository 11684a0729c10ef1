"""Manager views on the demo company, checked against plain SQL over the same rows: each rep's pace
to quota with the stored win scores, the moves of commit since last week's snapshot, the deals with
no economic buyer engaged, and the quarter's expected bookings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from tools.deals.forecasting import ForecastQuery, forecast
from tools.manager import (
    ForecastCallQuery,
    QualificationQuery,
    QuotaRiskQuery,
    forecast_call_prep,
    qualification_scorecard,
    quota_risk,
)
from tools.scoring.store import refresh
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.viewer import Viewer

REVOPS = Viewer(user_id=2, role=Role.REVOPS, name="RevOps")
Q4 = {"start": "2026-10-01", "end": "2027-01-01"}


def _sql(repo: Repository, query: str, **params: object) -> list[tuple[object, ...]]:
    with repo.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query), {**Q4, **params})]


def _manager(repo: Repository) -> Viewer:
    (user_id, name), *_ = _sql(
        repo,
        "SELECT m.id, m.name FROM users m WHERE m.role = 'manager' AND EXISTS "
        "(SELECT 1 FROM users r WHERE r.manager_id = m.id AND r.role = 'rep') ORDER BY m.id",
    )
    return Viewer(user_id=int(str(user_id)), role=Role.MANAGER, name=str(name))


def test_pace_to_quota_is_booked_plus_scored_pipeline_against_quota(demo_repo: Repository) -> None:
    refresh(demo_repo.engine, demo_repo.stages, demo_repo.as_of)
    manager = _manager(demo_repo)
    result = quota_risk(demo_repo, manager, QuotaRiskQuery())
    expected = {
        str(name): (Decimal(str(quota)), float(str(booked)), float(str(booked)) + float(str(weighted)))
        for name, quota, booked, weighted in _sql(
            demo_repo,
            "SELECT u.name, q.amount, "
            " (SELECT COALESCE(SUM(o.amount), 0) FROM opportunities o WHERE o.owner_id = u.id AND o.is_won"
            "  AND o.closed_at >= :start AND o.closed_at < :end), "
            " (SELECT COALESCE(SUM(o.amount * s.probability), 0) FROM opportunities o"
            "  JOIN deal_scores s ON s.opportunity_id = o.id WHERE o.owner_id = u.id AND NOT o.is_closed"
            "  AND o.close_date >= :start AND o.close_date < :end) "
            "FROM users u JOIN quotas q ON q.user_id = u.id AND q.period = '2026-Q4' "
            "WHERE u.manager_id = :manager AND u.role = 'rep'",
            manager=manager.user_id,
        )
    }
    assert {r.rep for r in result.reps} == set(expected) and len(expected) >= 4
    for rep in result.reps:
        quota, booked, total = expected[rep.rep]
        assert rep.quota == quota and float(rep.booked) == pytest.approx(booked, abs=0.01)
        assert float(rep.expected) == pytest.approx(total, abs=1.0)
        assert (rep.status == "at_risk") is (float(rep.booked) < float(quota) and total < float(quota))
    gaps = [r.gap for r in result.reps]
    assert gaps == sorted(gaps, key=lambda g: -(g or 0)) and result.at_risk >= 1


def test_commit_moves_add_up_to_the_snapshot_and_the_pipeline_now(demo_repo: Repository) -> None:
    result = forecast_call_prep(demo_repo, REVOPS, ForecastCallQuery(since="last week", limit=50))
    day = result.start.isoformat()
    ((start,),) = _sql(
        demo_repo,
        "SELECT COALESCE(SUM(amount), 0) FROM pipeline_snapshots WHERE day = :day AND forecast_category = "
        "'commit' AND close_date >= :start AND close_date < :end",
        day=day,
    )
    ((end,),) = _sql(
        demo_repo,
        "SELECT COALESCE(SUM(amount), 0) FROM opportunities WHERE NOT is_closed AND forecast_category = "
        "'commit' AND close_date >= :start AND close_date < :end",
    )
    commit = result.commit
    assert float(commit.start_value) == pytest.approx(float(str(start))) and commit.start_deals > 0
    assert float(commit.end_value) == pytest.approx(float(str(end)))
    assert commit.start_value + commit.moved_in - commit.moved_out + commit.amount_changes == commit.end_value
    states = {
        f"opportunity/{i}": (bool(c), bool(w), d)
        for i, c, w, d in _sql(demo_repo, "SELECT id, is_closed, is_won, close_date FROM opportunities")
    }
    for move in commit.moves + result.best_case.moves:
        closed, won, _ = states[move.id]
        assert (move.how == "won") is (closed and won) and (move.how == "lost") is (closed and not won)
    for pushed in result.pushed:
        assert pushed.close_date and pushed.close_date_before and pushed.close_date > pushed.close_date_before
    assert result.pushed_count >= len(result.pushed) > 0
    at_risk = [d.id for d in result.commit_at_risk]
    for deal in result.commit_at_risk:
        assert deal.close_date is not None and dt.date(2026, 10, 1) <= deal.close_date < dt.date(2027, 1, 1)
    assert len(at_risk) == min(result.commit_at_risk_count, 50)


def test_deals_without_an_economic_buyer_are_the_ones_no_buyer_was_engaged_on(demo_repo: Repository) -> None:
    manager = _manager(demo_repo)
    result = qualification_scorecard(
        demo_repo, manager, QualificationQuery(missing="economic buyer", limit=200)
    )
    lacking = {
        f"opportunity/{i}"
        for (i,) in _sql(
            demo_repo,
            "SELECT o.id FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE NOT o.is_closed"
            " AND (u.manager_id = :manager OR u.id = :manager) AND NOT EXISTS (SELECT 1 FROM activities a"
            " JOIN contacts c ON c.id = a.contact_id WHERE a.opportunity_id = o.id"
            " AND c.buying_role = 'Economic Buyer')",
            manager=manager.user_id,
        )
    }
    assert result.matched == len(lacking) > 0 and result.open_deals > result.matched
    assert {d.id for d in result.deals} <= lacking and len(result.deals) == min(200, len(lacking))
    amounts = [d.amount or Decimal(0) for d in result.deals]
    assert amounts == sorted(amounts, reverse=True)
    assert all(next(s for s in d.letters if s.key == "economic_buyer").score < 2 for d in result.deals)


def test_expected_bookings_are_won_plus_scored_pipeline_plus_run_rate(demo_repo: Repository) -> None:
    refresh(demo_repo.engine, demo_repo.stages, demo_repo.as_of)
    expected = forecast(demo_repo, REVOPS, ForecastQuery()).expected
    assert expected is not None and expected.probability == "learned win score"
    ((weighted,),) = _sql(
        demo_repo,
        "SELECT SUM(o.amount * s.probability) FROM opportunities o JOIN deal_scores s ON s.opportunity_id"
        " = o.id WHERE NOT o.is_closed AND o.close_date >= :start AND o.close_date < :end",
    )
    assert float(expected.open_expected) == pytest.approx(float(str(weighted)), abs=1.0)
    quarters = [("2025-10-01", "2026-01-01"), ("2026-01-01", "2026-04-01")]
    quarters += [("2026-04-01", "2026-07-01"), ("2026-07-01", "2026-10-01")]
    in_quarter = [
        float(
            str(
                _sql(
                    demo_repo,
                    "SELECT COALESCE(SUM(amount), 0) FROM opportunities WHERE is_won AND created_at >= :start"
                    " AND created_at < :end AND closed_at >= :start AND closed_at < :end",
                    start=start,
                    end=end,
                )[0][0]
            )
        )
        for start, end in quarters
    ]
    assert float(expected.run_rate_per_quarter) == pytest.approx(sum(in_quarter) / 4, abs=0.01)
    assert 0 < expected.run_rate < expected.run_rate_per_quarter  # 42 of the quarter's 92 days are left
    assert expected.value == expected.closed_won + expected.open_expected + expected.run_rate
    assert expected.closed_won < expected.low < expected.value < expected.high
