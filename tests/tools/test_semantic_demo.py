"""query_metrics on the generated demo data, against figures computed with plain SQL here."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tools.semantic import MetricQuery, MetricResult, query_metrics
from tools.semantic.models import row_limit
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.store.stages import load_stages
from tools.viewer import Viewer

REVOPS = Viewer(user_id=10_000, role=Role.REVOPS, name="Analyst")
#: Fiscal year to date at the demo's "today" (calendar fiscal year).
FYTD = {"start": "2026-01-01", "end": (DEFAULT_AS_OF.isoformat())}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    engine: Engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('semantic') / 'demo.db'}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=150)
    yield Repository(engine, load_stages(), DEFAULT_AS_OF)
    engine.dispose()


def sql(repo: Repository, query: str, **params: Any) -> list[Any]:
    with repo.connect() as connection:
        return list(connection.execute(text(query), {**FYTD, **params}).all())


def ask(repo: Repository, viewer: Viewer = REVOPS, **args: Any) -> MetricResult:
    return query_metrics(repo, viewer, MetricQuery(**args))


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


WON_FYTD = "o.is_closed = 1 AND o.is_won = 1 AND o.closed_at >= :start AND o.closed_at <= :end"


def test_won_revenue_by_product_matches_sql(demo: Repository) -> None:
    expected = sql(
        demo,
        f"SELECT p.name, sum(o.amount), count(*) FROM opportunities o JOIN products p ON p.id = o.product_id "
        f"WHERE {WON_FYTD} GROUP BY p.name",
    )
    result = ask(demo, measure="won_revenue", group_by="product")
    assert len(expected) > 2
    assert {r.group: (r.figures[0].value, r.record_count) for r in result.rows} == {
        name: (cents(total), count) for name, total, count in expected
    }


def test_win_rate_by_rep_matches_sql(demo: Repository) -> None:
    expected = sql(
        demo,
        "SELECT u.name, sum(o.is_won), count(*) FROM opportunities o JOIN users u ON u.id = o.owner_id "
        "WHERE o.is_closed = 1 AND o.closed_at >= :start AND o.closed_at <= :end GROUP BY u.name",
    )
    result = ask(demo, measure="win_rate", group_by="rep")
    assert len(result.rows) == len(expected) > 10
    assert {r.group: r.figures[0].value for r in result.rows} == {
        name: round(won / closed, 4) for name, won, closed in expected
    }


def test_a_threshold_keeps_only_the_groups_above_or_below_it(demo: Repository) -> None:
    """ "reps with a win rate under 25%": the groups whose own figure is below it, said in the filters."""
    rates = {
        r.group: float(r.figures[0].value or 0) for r in ask(demo, measure="win_rate", group_by="rep").rows
    }
    cut = sorted(rates.values())[len(rates) // 2]
    below = ask(demo, measure="win_rate", group_by="rep", below=cut)
    above = ask(demo, measure="win_rate", group_by="rep", above=cut)
    assert {r.group for r in below.rows} == {name for name, rate in rates.items() if rate < cut}
    assert {r.group for r in above.rows} == {name for name, rate in rates.items() if rate > cut}
    assert below.groups_total == len(below.rows) and f"win rate below {cut:.0%}" in below.filters
    total = ask(demo, measure="win_rate", group_by="rep").total[0].value
    assert below.total[0].value == total  # the total stays the whole's: only the rows are narrowed


def test_top_three_accounts_by_won_revenue_match_sql(demo: Repository) -> None:
    expected = sql(
        demo,
        f"SELECT a.name, sum(o.amount) AS won FROM opportunities o JOIN accounts a ON a.id = o.account_id "
        f"WHERE {WON_FYTD} GROUP BY a.name ORDER BY won DESC, a.name LIMIT 3",
    )
    result = ask(demo, measure="won_revenue", group_by="account", top=3, share_of_total=True)
    assert [(r.group, r.figures[0].value) for r in result.rows] == [(n, cents(v)) for n, v in expected]
    total = sql(demo, f"SELECT sum(o.amount) FROM opportunities o WHERE {WON_FYTD}")[0][0]
    assert result.total[0].value == cents(total)
    assert [r.share_of_total for r in result.rows] == [round(float(v) / float(total), 4) for _, v in expected]


def test_pipeline_created_by_month_matches_sql(demo: Repository) -> None:
    expected = sql(
        demo,
        "SELECT substr(o.created_at, 1, 7), sum(o.amount), count(*) FROM opportunities o "
        "WHERE o.created_at >= :start AND o.created_at <= :end GROUP BY 1 ORDER BY 1",
    )
    result = ask(demo, measure="pipeline_created", also=["deals_created"], group_by="month")
    assert [(r.group, r.figures[0].value, r.figures[1].value) for r in result.rows] == [
        (month, cents(total), count) for month, total, count in expected
    ]


def test_median_sales_cycle_by_team_matches_sql(demo: Repository) -> None:
    cycles: dict[str, list[int]] = defaultdict(list)
    for manager, days in sql(
        demo,
        "SELECT m.name, julianday(o.closed_at) - julianday(o.created_at) FROM opportunities o "
        f"JOIN users u ON u.id = o.owner_id JOIN users m ON m.id = u.manager_id WHERE {WON_FYTD}",
    ):
        cycles[manager].append(int(days))
    result = ask(demo, measure="median_sales_cycle", also=["average_sales_cycle"], group_by="team")
    assert {r.group: (r.figures[0].value, r.figures[1].value) for r in result.rows} == {
        team: (float(statistics.median(days)), round(statistics.fmean(days), 1))
        for team, days in cycles.items()
    }


def test_a_manager_gets_their_teams_open_pipeline_only(demo: Repository) -> None:
    manager_id, name = sql(
        demo, "SELECT id, name FROM users WHERE role = 'manager' AND manager_id IS NOT NULL"
    )[0]
    expected = sql(
        demo,
        "WITH RECURSIVE team(id) AS (SELECT :manager UNION "
        "SELECT u.id FROM users u JOIN team ON u.manager_id = team.id) "
        "SELECT u.name, sum(o.amount), count(*) FROM opportunities o JOIN users u ON u.id = o.owner_id "
        "WHERE o.is_closed = 0 AND o.owner_id IN (SELECT id FROM team) GROUP BY u.name",
        manager=manager_id,
    )
    manager = Viewer(user_id=manager_id, role=Role.MANAGER, name=name)
    result = ask(demo, manager, measure="open_pipeline", also=["open_deals"], group_by="rep")
    assert {r.group: (r.figures[0].value, r.figures[1].value) for r in result.rows} == {
        rep: (cents(total), count) for rep, total, count in expected
    }


def test_without_top_the_rows_fit_the_tool_result_cap(demo: Repository) -> None:
    result = ask(demo, measure="won_revenue", also=["win_rate"], group_by="account", compare="last_year")
    assert result.groups_total > len(result.rows) == row_limit(2, compare=True)
    assert any(note.startswith("showing the largest") for note in result.notes)
    assert len(json.dumps(result.model_dump(mode="json"), separators=(",", ":"))) < 12_000
    values = [r.figures[0].value for r in result.rows]
    assert values == sorted(values, reverse=True)
    weekly = ask(demo, measure="activities", group_by="week", period="this year")
    starts = [r.group for r in weekly.rows]
    assert starts == sorted(starts) and starts[-1] == "week of 2026-11-16"  # the latest weeks, in order
