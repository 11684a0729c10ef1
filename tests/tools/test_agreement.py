"""Agreement: the pipeline, forecast, performance and stalled tools equal plain-Python reference
computations over the raw rows of a generated data set, for revops, a manager and a rep."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tools.deals.forecasting import ForecastQuery, forecast
from tools.deals.performance import PerformanceQuery, rep_performance
from tools.deals.pipeline import GroupBy, PipelineQuery, pipeline_summary
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_rules import Rule
from tools.periods import parse_period
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.store.stages import load_stages
from tools.viewer import Viewer

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('agree') / 'crm.db'}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=400, seed=5, as_of=AS_OF)
    yield engine
    engine.dispose()


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql)).mappings())


def _viewers(engine: Engine) -> list[Viewer]:
    people = _rows(engine, "SELECT id, name, role, manager_id FROM users ORDER BY id")
    revops = next(p for p in people if p["role"] == "revops")
    manager = next(p for p in people if p["role"] == "manager" and p["manager_id"] is not None)
    rep = next(p for p in people if p["role"] == "rep")
    return [Viewer(user_id=p["id"], role=Role(p["role"]), name=p["name"]) for p in (revops, manager, rep)]


def _visible_owners(engine: Engine, viewer: Viewer) -> set[int]:
    people = _rows(engine, "SELECT id, manager_id FROM users")
    if viewer.role is Role.REVOPS:
        return {p["id"] for p in people}
    team, frontier = {viewer.user_id}, {viewer.user_id}
    while frontier:
        frontier = {p["id"] for p in people if p["manager_id"] in frontier} - team
        team |= frontier
    return team


def _opps(engine: Engine, viewer: Viewer) -> list[Any]:
    owners = _visible_owners(engine, viewer)
    return [r for r in _rows(engine, "SELECT * FROM opportunities") if r["owner_id"] in owners]


def _d(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)) if value is not None else dt.date.max


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


VIEWERS = pytest.mark.parametrize("who", [0, 1, 2], ids=["revops", "manager", "rep"])


@VIEWERS
def test_pipeline_by_stage_matches_reference(generated: Engine, who: int) -> None:
    viewer = _viewers(generated)[who]
    repo = Repository(generated, load_stages(), AS_OF)
    result = pipeline_summary(repo, viewer, PipelineQuery(group_by=GroupBy.STAGE))
    expected: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for row in _opps(generated, viewer):
        if not row["is_closed"]:
            bucket = expected[row["stage"]]
            bucket[0] += 1
            bucket[1] += _money(row["amount"])
            bucket[2] += _money(row["amount"]) * Decimal(str(row["probability"]))
    got = {g.key: (g.count, g.amount, g.weighted_amount) for g in result.groups}
    assert got == {k: (int(c), a, _money(w)) for k, (c, a, w) in expected.items()}
    assert result.open_pipeline.value == sum((b[1] for b in expected.values()), Decimal(0))


@VIEWERS
def test_forecast_and_performance_match_reference(generated: Engine, who: int) -> None:
    viewer = _viewers(generated)[who]
    repo = Repository(generated, load_stages(), AS_OF)
    period = parse_period("this quarter", AS_OF)
    opps = _opps(generated, viewer)
    won = [o for o in opps if o["is_won"] and period.contains(_d(o["closed_at"]))]
    due = [o for o in opps if not o["is_closed"] and period.contains(_d(o["close_date"]))]
    result = forecast(repo, viewer, ForecastQuery())
    assert result.closed_won.value == sum((_money(o["amount"]) for o in won), Decimal(0))
    for category, fig in (
        ("commit", result.commit),
        ("best_case", result.best_case),
        ("pipeline", result.pipeline),
    ):
        expected = sum((_money(o["amount"]) for o in due if o["forecast_category"] == category), Decimal(0))
        assert fig.value == expected
    owners = _visible_owners(generated, viewer)
    quotas = _rows(generated, "SELECT * FROM quotas WHERE period = '2026-Q4'")
    assert result.quota.value == sum(
        (_money(q["amount"]) for q in quotas if q["user_id"] in owners), Decimal(0)
    )
    closed = [o for o in opps if o["is_closed"] and period.contains(_d(o["closed_at"]))]
    for rep in rep_performance(repo, viewer, PerformanceQuery()).reps:
        rep_id = int(rep.rep_id.split("/")[1])
        mine = [o for o in closed if o["owner_id"] == rep_id]
        wins = [o for o in mine if o["is_won"]]
        assert rep.won_deals == len(wins) and rep.lost_deals == len(mine) - len(wins)
        assert rep.win_rate.value == (round(len(wins) / len(mine), 4) if mine else None)
        cycles = [(_d(o["closed_at"]) - _d(o["created_at"])).days for o in wins]
        assert rep.sales_cycle.value == (float(statistics.median(cycles)) if cycles else None)


@VIEWERS
def test_stalled_flags_match_reference(generated: Engine, who: int) -> None:
    viewer = _viewers(generated)[who]
    stages = load_stages()
    repo = Repository(generated, stages, AS_OF)
    result = stalled_deals(repo, viewer, StalledQuery(limit=500))
    opps = [o for o in _opps(generated, viewer) if not o["is_closed"]]
    # stage thresholds come from the won deals' history (tests/scoring checks them against it)
    stall_days = result.thresholds["stall_days"]
    expected = {
        Rule.STAGE_AGE: {
            o["id"] for o in opps if (AS_OF - _d(o["stage_entered_at"])).days > stall_days[o["stage"]]
        },
        Rule.PAST_CLOSE: {o["id"] for o in opps if _d(o["close_date"]) < AS_OF},
        Rule.NEXT_STEP: {o["id"] for o in opps if not o["next_step"] or _d(o["next_step_date"]) < AS_OF},
        Rule.NO_ACTIVITY: {
            o["id"] for o in opps if (AS_OF - _d(o["last_activity_at"] or o["created_at"])).days > 21
        },
    }
    assert result.open_deals == len(opps)
    assert len(result.deals) == result.flagged.value  # all listed: limit 500 is above the count here
    for rule, ids in expected.items():
        # asked by name, a rule lists every deal breaking it; unasked, only the deals at risk
        by_rule = stalled_deals(repo, viewer, StalledQuery(rule=rule, limit=500))
        assert {int(d.id.split("/")[1]) for d in by_rule.deals} == ids, rule
        flagged = {int(d.id.split("/")[1]) for d in result.deals if any(f.rule is rule for f in d.flags)}
        assert flagged <= ids and result.by_rule.get(rule.value, 0) == len(flagged)
