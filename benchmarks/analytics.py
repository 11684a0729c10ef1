"""Benchmark: the analytics tools on a large generated data set, on SQLite and PostgreSQL, warm.

Figures (medians of five warm runs), each against a baseline measured in the same run:

* stalled-deal scan for a manager of 10 reps and for revops (everyone), against one hand-written
  SQL query returning the same deals (target: revops within 1.3x, under 1 s);
* pipeline summary for revops against its own ``GROUP BY stage`` over the open deals (the same
  aggregates, written by hand; target: within 1.5x, under 1 s); the forecast for revops
  (absolute);
* for information, the stalled query reduced to the rules alone: a count of the flagged open
  deals with the median won cycle passed in (short-circuited ``OR``s, no breakdown per rule or
  owner, no ranking, no ids returned); the tool evaluates every rule for every open deal.

Fair baselines: the hand-written queries read the open deals through the same partial index the
tools use (``ix_opportunities_open``), so they spell the open-deal predicate as that index does
(``is_closed = 0`` on SQLite, ``NOT is_closed`` on PostgreSQL; SQLite does not use the index for
``NOT is_closed``); each baseline's query plan is printed. The data set is measured as
``salesplan data generate`` leaves it (the generator refreshes the planner's statistics itself).

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
from tools.deals.stalled_support import median_won_cycle
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
  WHERE {closed} AND is_won AND created_at IS NOT NULL AND closed_at IS NOT NULL AND {scope}
), med AS (
  SELECT AVG(d) AS days FROM (
    SELECT d FROM won ORDER BY d
    LIMIT 2 - (SELECT COUNT(*) FROM won) % 2 OFFSET ((SELECT COUNT(*) FROM won) - 1) / 2
  ) middle
)
SELECT o.id FROM opportunities o CROSS JOIN med
WHERE {open_o} AND {scope_o} AND (
      {age_stage} > CASE o.stage {stage_cases} ELSE 1000000 END
   OR {age_activity} > :no_activity
   OR o.close_date < {as_of}
   OR o.close_date_pushes >= :pushes
   OR o.next_step IS NULL OR TRIM(o.next_step) = '' OR o.next_step_date < {as_of}
   OR (o.amount >= :large AND o.contacts_engaged <= 1)
   OR {age_created} > :multiple * med.days)
"""
#: The pipeline summary's own aggregation (deals, amount, weighted amount, their estimated parts,
#: deals without an amount), written by hand.
PIPELINE_SQL = """
SELECT stage, count(*), sum(amount), sum(amount * COALESCE(probability, 0)),
       sum(CASE WHEN amount_estimated THEN amount END), count(*) - count(amount),
       sum(CASE WHEN amount_estimated THEN amount * COALESCE(probability, 0) END)
FROM opportunities WHERE {open} GROUP BY stage
"""


def rules_only(sql: str) -> str:
    """The stalled query reduced to the rules over the open deals: a count of the flagged deals,
    the median won cycle passed in (as the tool remembers it), no ids returned."""
    body = sql[sql.index("SELECT o.id FROM opportunities o") :]
    body = body.replace(
        "SELECT o.id FROM opportunities o CROSS JOIN med", "SELECT count(*) FROM opportunities o"
    )
    return body.replace("med.days", ":median_days")


def open_predicate(engine: Engine, alias: str = "") -> str:
    """The open-deal predicate as the partial index ``ix_opportunities_open`` spells it."""
    column = f"{alias}is_closed"
    return f"{column} = 0" if engine.dialect.name == "sqlite" else f"NOT {column}"


def closed_predicate(engine: Engine) -> str:
    return "is_closed = 1" if engine.dialect.name == "sqlite" else "is_closed"


def plan_of(engine: Engine, sql: str, params: dict[str, Any]) -> str:
    """The indexes a query's plan reads (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``),
    primary keys included."""
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        lines = [str(row[-1]) for row in connection.execute(text(explain + sql), params)]
    words = {word for line in lines for word in line.replace("(", " ").split()}
    used = sorted(w for w in words if w.startswith(("ix_", "sqlite_autoindex_")) or w.endswith("_pkey"))
    return ", ".join(used) or "no index"


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
        open_o=open_predicate(engine, "o."),
        closed=closed_predicate(engine),
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
        if scope.users is None:
            rows.append((f"{label}:   hand-written stalled query reads", plan_of(engine, str(sql), params)))
            count_sql = text(rules_only(str(sql)))
            with engine.connect() as connection:
                days, _ = median_won_cycle(connection, repo, viewer)
            given = {**params, "median_days": days}

            def run_count(query: Any = count_sql, values: dict[str, Any] = given) -> int:
                with engine.connect() as connection:
                    return int(connection.execute(query, values).scalar_one())

            count_s, counted_flags = timed(run_count)
            assert counted_flags == len(sql_ids), (counted_flags, len(sql_ids))
            rows.append(
                (
                    f"{label}:   the rules alone, counted, median passed in (for information)",
                    f"{count_s * 1000:,.0f} ms (the tool = {tool_s / count_s:.1f}x)",
                )
            )
    grouped = text(PIPELINE_SQL.format(open=open_predicate(engine)))

    def run_group_by() -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(grouped).all())

    pipeline_s, summary = timed(lambda: pipeline_summary(repo, revops, PipelineQuery()))
    group_s, groups = timed(run_group_by)
    assert summary.deal_count.value == sum(int(g[1]) for g in groups), (summary.deal_count.value, groups)
    forecast_s, _ = timed(lambda: forecast(repo, revops, ForecastQuery()))
    with engine.connect() as connection:
        count_s, _ = timed(lambda: connection.execute(select(func.count(Opportunity.id))).scalar_one())
    rows += [
        (
            f"{label}: pipeline summary, revops ({summary.deal_count.value:,} open)",
            f"{pipeline_s * 1000:,.0f} ms vs its GROUP BY {group_s * 1000:,.0f} ms "
            f"= {pipeline_s / group_s:.2f}x",
        ),
        (f"{label}:   GROUP BY stage reads", plan_of(engine, str(grouped), {})),
        (f"{label}: forecast, revops", f"{forecast_s * 1000:,.0f} ms"),
        (f"{label}: baseline count(*) of {opportunities:,} opportunities", f"{count_s * 1000:,.1f} ms"),
    ]
    return rows


def _ensure_data(engine: Engine, stages: StageConfig, accounts: int, opportunities: int) -> None:
    ensure_schema(engine)
    with engine.connect() as connection:
        present = connection.execute(select(func.count(Opportunity.id))).scalar_one()
    if present >= opportunities * 0.9:
        return
    started = time.perf_counter()
    report = generate_dataset(engine, stages, accounts=accounts, opportunities=opportunities)
    seconds = time.perf_counter() - started
    rows = sum(report.rows.values())
    print(
        f"  (generated {report.rows['opportunities']:,} opportunities, {rows:,} rows in all, in "
        f"{seconds:,.0f} s: {rows / seconds:,.0f} rows/s; statistics refreshed by the generator)"
    )


@contextlib.contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests.postgres import postgres_server

    with postgres_server() as started:
        yield started


def sqlite_data(stages: StageConfig, accounts: int, opportunities: int) -> Engine:
    """The SQLite data set of this size, generated once and cached in ``RESULTS``."""
    RESULTS.mkdir(exist_ok=True)
    engine = make_engine(f"sqlite:///{RESULTS / f'analytics-{opportunities}-{accounts}.db'}")
    _ensure_data(engine, stages, accounts, opportunities)
    return engine


def main(
    opportunities: int = 1_000_000,
    accounts: int = 100_000,
    backend: str = "both",
    postgres_url: str | None = None,
) -> None:
    stages = load_stages()
    rows: list[tuple[str, str]] = []
    if backend in ("sqlite", "both"):
        engine = sqlite_data(stages, accounts, opportunities)
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
