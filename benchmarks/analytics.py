"""Benchmark: the analytics tools on a large generated data set, on SQLite and PostgreSQL, warm.

Figures (medians of five warm runs):

* stalled-deal scan for a manager of 10 reps and for revops (everyone), against one hand-written
  SQL query returning the same deals, measured in the same run (target: under 1 s, within 3x);
* pipeline summary and forecast for revops (target: under 300 ms).

    python -m benchmarks.analytics [--opportunities N] [--accounts N] [--backend sqlite|postgresql|both]

The SQLite data set is kept in ``benchmarks/results/`` and reused by later runs; PostgreSQL runs
on a throwaway server on loopback (or ``--postgres-url``).
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from benchmarks.common import median, report
from tools.deals.forecasting import ForecastQuery, forecast
from tools.deals.pipeline import PipelineQuery, pipeline_summary
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_scan import median_won_cycle
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Opportunity, Role, User
from tools.store.stages import StageConfig, load_stages
from tools.viewer import Viewer

RESULTS = Path(__file__).with_name("results")

STALLED_SQL = """
WITH won AS (
  SELECT {cycle} AS d FROM opportunities
  WHERE is_closed AND is_won AND created_at IS NOT NULL AND closed_at IS NOT NULL AND {scope}
), med AS (
  SELECT AVG(d) AS days FROM (
    SELECT d FROM won ORDER BY d
    LIMIT 2 - (SELECT COUNT(*) FROM won) % 2 OFFSET ((SELECT COUNT(*) FROM won) - 1) / 2
  ) middle
)
SELECT o.id FROM opportunities o CROSS JOIN med
WHERE NOT o.is_closed AND {scope_o} AND (
      {age_stage} > CASE o.stage {stage_cases} ELSE 1000000 END
   OR {age_activity} > :no_activity
   OR o.close_date < {as_of}
   OR o.close_date_pushes >= :pushes
   OR o.next_step IS NULL OR TRIM(o.next_step) = '' OR o.next_step_date < {as_of}
   OR (o.amount >= :large AND o.contacts_engaged <= 1)
   OR {age_created} > :multiple * med.days)
"""


def stalled_sql(engine: Engine, stages: StageConfig, owners: list[int] | None) -> str:
    if engine.dialect.name == "postgresql":
        as_of = "CAST(:as_of AS date)"

        def days(column: str) -> str:
            return f"({as_of} - {column})"

        cycle = "(closed_at - created_at)"
    else:
        as_of = ":as_of"

        def days(column: str) -> str:
            return f"(julianday(:as_of) - julianday({column}))"

        cycle = "(julianday(closed_at) - julianday(created_at))"
    cases = " ".join(f"WHEN '{s.name}' THEN {s.stall_days}" for s in stages.open_stages)
    return STALLED_SQL.format(
        scope="TRUE" if owners is None else f"owner_id IN ({', '.join(map(str, owners))})",
        scope_o="TRUE" if owners is None else f"o.owner_id IN ({', '.join(map(str, owners))})",
        cycle=cycle,
        as_of=as_of,
        stage_cases=cases,
        age_stage=days("o.stage_entered_at"),
        age_activity=days("COALESCE(o.last_activity_at, o.created_at)"),
        age_created=days("o.created_at"),
    )


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    fn()  # warm
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return median(samples), result


def _viewers(engine: Engine) -> tuple[Viewer, Viewer, int]:
    with engine.connect() as connection:
        revops = connection.execute(select(User.id, User.name).where(User.role == "revops")).first()
        reports = func.count(User.id)
        manager_row = connection.execute(
            select(User.manager_id, reports)
            .where(User.role == "rep")
            .group_by(User.manager_id)
            .order_by(reports.desc())
            .limit(1)
        ).first()
        assert revops is not None and manager_row is not None
        name = connection.execute(select(User.name).where(User.id == manager_row[0])).scalar_one()
    return (
        Viewer(user_id=revops[0], role=Role.REVOPS, name=revops[1]),
        Viewer(user_id=manager_row[0], role=Role.MANAGER, name=name),
        int(manager_row[1]),
    )


def bench_backend(label: str, engine: Engine, stages: StageConfig) -> list[tuple[str, str]]:
    repo = Repository(engine, stages, DEFAULT_AS_OF)
    revops, manager, team_size = _viewers(engine)
    rules = stages.stall_rules
    params = {
        "as_of": DEFAULT_AS_OF.isoformat(),
        "large": rules.large_deal_amount,
        "no_activity": rules.no_activity_days,
        "pushes": rules.close_date_pushes,
        "multiple": rules.cycle_multiple,
    }
    with engine.connect() as connection:
        opportunities = connection.execute(select(func.count(Opportunity.id))).scalar_one()
    rows = []
    for who, viewer in ((f"manager of {team_size} reps", manager), ("revops", revops)):
        scope = repo.scope(viewer)
        owners = None if scope.users is None else sorted(scope.users)
        sql = text(stalled_sql(engine, stages, owners))

        def run_sql(query: Any = sql) -> set[str]:
            with engine.connect() as connection:
                return {f"opportunity/{i}" for i in connection.execute(query, params).scalars()}

        def run_tool(v: Viewer = viewer) -> int:
            result = stalled_deals(repo, v, StalledQuery(limit=25))
            assert not result.skipped_rules, result.skipped_rules
            return int(result.flagged.record_count)

        tool_s, _ = timed(run_tool)
        sql_s, sql_ids = timed(run_sql)
        full = stalled_deals(repo, viewer, StalledQuery(limit=25))
        assert full.flagged.value == len(sql_ids), (full.flagged.value, len(sql_ids))
        rows.append(
            (
                f"{label}: stalled scan, {who} ({full.open_deals:,} open, {len(sql_ids):,} flagged)",
                f"{tool_s * 1000:,.0f} ms vs hand-written SQL {sql_s * 1000:,.0f} ms = {tool_s / sql_s:.2f}x",
            )
        )
    pipeline_s, _ = timed(lambda: pipeline_summary(repo, revops, PipelineQuery()))
    forecast_s, _ = timed(lambda: forecast(repo, revops, ForecastQuery()))
    with engine.connect() as connection:
        count_s, _ = timed(lambda: connection.execute(select(func.count(Opportunity.id))).scalar_one())
        median_s, _ = timed(lambda: median_won_cycle(connection, repo, revops))
    rows += [
        (f"{label}: pipeline summary, revops", f"{pipeline_s * 1000:,.0f} ms"),
        (f"{label}: forecast, revops", f"{forecast_s * 1000:,.0f} ms"),
        (f"{label}: baseline count(*) of {opportunities:,} opportunities", f"{count_s * 1000:,.1f} ms"),
    ]
    del median_s
    return rows


def _ensure_data(engine: Engine, stages: StageConfig, accounts: int, opportunities: int) -> None:
    ensure_schema(engine)
    with engine.connect() as connection:
        present = connection.execute(select(func.count(Opportunity.id))).scalar_one()
    if present >= opportunities * 0.9:
        return
    started = time.perf_counter()
    generate_dataset(engine, stages, accounts=accounts, opportunities=opportunities)
    print(f"  (generated the data set in {time.perf_counter() - started:,.0f} s)")
    # Fresh bulk loads: refresh planner statistics (and, on PostgreSQL, the visibility map that
    # index-only scans rely on), as a database's maintenance would.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


@contextlib.contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests.postgres import postgres_server

    with postgres_server() as started:
        yield started


def main(
    opportunities: int = 1_000_000,
    accounts: int = 100_000,
    backend: str = "both",
    postgres_url: str | None = None,
) -> None:
    stages = load_stages()
    rows: list[tuple[str, str]] = []
    if backend in ("sqlite", "both"):
        RESULTS.mkdir(exist_ok=True)
        engine = make_engine(f"sqlite:///{RESULTS / f'analytics-{opportunities}-{accounts}.db'}")
        _ensure_data(engine, stages, accounts, opportunities)
        rows += bench_backend("SQLite", engine, stages)
        engine.dispose()
    if backend in ("postgresql", "both"):
        with _postgres(postgres_url) as url:
            engine = make_engine(url)
            _ensure_data(engine, stages, accounts, opportunities)
            rows += bench_backend("PostgreSQL", engine, stages)
            engine.dispose()
    report(f"Analytics on {opportunities:,} opportunities / {accounts:,} accounts (warm, median of 5)", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    main(args.opportunities, args.accounts, args.backend, args.postgres_url)
