"""Benchmark: the win score and "what changed" on a large generated data set, SQLite and PostgreSQL.

Figures, each against a plain SQL pass over the same rows in the same run, on each backend:

* training (backtest + model) on the data set's closed deals (a fixed sample of at most 30,000);
* scoring every open deal of the data set end to end (read their columns and activity counts,
  build the features, predict), against the plain SQL that reads the same columns and counts;
* ``pipeline_changes`` since last week for revops (everyone), against the two plain selects it
  compares (last week's snapshot joined to the deals, and the open deals now), and for
  information the part of it that checks the stored win scores are current (they give today's
  chance of the deals it lists);

and once, the model alone on 1,000,000 open deals (the open deals' feature rows repeated to a
million; no database involved).

Fair baselines, as in :mod:`benchmarks.analytics`: the plain SQL spells the open-deal predicate as
the partial open-deal indexes do (``is_closed = 0`` on SQLite, ``NOT is_closed`` on PostgreSQL),
binds its dates and times with the column types the tools bind them with, and the indexes each
baseline reads are printed.

    python -m benchmarks.scoring [--opportunities N] [--accounts N] [--backend sqlite|postgresql|both]

The data set is the analytics benchmark's: the SQLite one is kept in ``benchmarks/results/`` and
reused (its snapshots back-filled if it predates them); PostgreSQL runs on a throwaway server on
loopback (or ``--postgres-url``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from sqlalchemy import Date, Engine, func, select, text
from sqlalchemy.types import TypeEngine

from benchmarks.analytics import _ensure_data, _postgres, open_predicate, plan_of, sqlite_data, timed
from benchmarks.common import report
from tools.deals.changes import ChangesQuery, pipeline_changes
from tools.scoring.features import row
from tools.scoring.model import predict
from tools.scoring.store import load_model, refresh, scores_in_use
from tools.scoring.timeline import open_states, rep_record
from tools.store.db import make_engine
from tools.store.demo.generate import DEFAULT_AS_OF
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.store.schema_scores import PipelineSnapshot
from tools.store.snapshots import backfill_snapshots
from tools.store.stages import StageConfig, load_stages
from tools.store.types import UTCDateTime
from tools.viewer import Viewer

OPEN_SQL = """
SELECT o.id, o.owner_id, o.product_id, a.segment, o.stage, o.stage_entered_at, o.created_at, o.amount,
       o.amount_estimated, o.close_date, o.close_date_pushes, o.last_activity_at, o.contacts_engaged
FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id WHERE {open_o}
"""
ACTIVITY_SQL = """
SELECT ac.opportunity_id, count(*), count(*) FILTER (WHERE ac.occurred_at >= :recent),
       count(*) FILTER (WHERE lower(c.buying_role) = 'economic buyer')
FROM activities ac LEFT JOIN contacts c ON c.id = ac.contact_id
WHERE ac.opportunity_id IN (SELECT id FROM opportunities WHERE {open}) GROUP BY ac.opportunity_id
"""
CHANGES_SQL = (
    "SELECT s.opportunity_id, s.stage, s.amount, s.close_date, o.is_closed, o.is_won "
    "FROM pipeline_snapshots s JOIN opportunities o ON o.id = s.opportunity_id WHERE s.day = :day",
    "SELECT id, stage, amount, close_date FROM opportunities WHERE {open}",
)


class Baselines:
    """The plain SQL of one backend, with its parameters bound as the tools' column types bind them."""

    def __init__(self, engine: Engine, as_of: dt.date) -> None:
        spelled = {"open_o": open_predicate(engine, "o."), "open": open_predicate(engine)}
        self.open_deals = OPEN_SQL.format(**spelled)
        self.activity = ACTIVITY_SQL.format(**spelled)
        self.snapshot, self.open_now = CHANGES_SQL[0], CHANGES_SQL[1].format(**spelled)
        recent = dt.datetime.combine(as_of - dt.timedelta(days=29), dt.time(0), dt.UTC)
        self.params = {
            "recent": _bound(engine, UTCDateTime(), recent),
            "day": _bound(engine, Date(), as_of - dt.timedelta(days=7)),
        }

    def reads(self, engine: Engine, *queries: str) -> str:
        """The indexes each of ``queries`` reads."""
        return "; ".join(plan_of(engine, sql, self.params) for sql in queries)


def _bound(engine: Engine, type_: TypeEngine[Any], value: Any) -> Any:
    processor = type_.bind_processor(engine.dialect)
    return processor(value) if processor else value


def bench_backend(
    label: str, engine: Engine, stages: StageConfig, *, predict_million: bool
) -> list[tuple[str, str]]:
    as_of = DEFAULT_AS_OF
    sql = Baselines(engine, as_of)
    with engine.begin() as connection:
        if connection.execute(select(func.count()).select_from(PipelineSnapshot)).scalar_one() == 0:
            backfill_snapshots(connection, stages, as_of)
    started = time.perf_counter()
    report_ = refresh(engine, stages, as_of, force=True)
    train_s = time.perf_counter() - started
    with engine.connect() as connection:
        trained = load_model(
            connection, connection.execute(text("SELECT fingerprint FROM win_models")).scalar_one()
        )
        reps = rep_record(connection)
    assert trained is not None, report_["reason"]

    def score_all() -> int:
        with engine.connect() as connection:
            states = open_states(connection, as_of, [])
        features = [row(state, trained.basis, reps.win_rate(state.owner_id, as_of)) for _, state in states]
        return len(predict(trained.estimator, features))

    def plain_sql() -> int:
        with engine.connect() as connection:
            deals = connection.execute(text(sql.open_deals)).all()
            connection.execute(text(sql.activity), sql.params).all()
        return len(deals)

    score_s, scored = timed(score_all, repeat=3)
    sql_s, read = timed(plain_sql, repeat=3)
    assert read == scored, (read, scored)
    repo = Repository(engine, stages, as_of)
    revops = Viewer(user_id=_revops(engine), role=Role.REVOPS, name="RevOps")
    changes_s, changes = timed(lambda: pipeline_changes(repo, revops, ChangesQuery()), repeat=3)

    def changes_sql() -> int:
        with engine.connect() as connection:
            start = connection.execute(text(sql.snapshot), sql.params).all()
            now = connection.execute(text(sql.open_now)).all()
        return len(start) + len(now)

    plain_changes_s, _ = timed(changes_sql, repeat=3)
    with engine.connect() as connection:
        check_s, current = timed(lambda: scores_in_use(connection), repeat=3)
    rows: list[tuple[str, str]] = [
        (
            f"{label}: train: backtest + model ({report_['trained_on']:,} deals before the cutoff)",
            f"{train_s:,.1f} s; AUC {report_['auc']:.3f} vs stage {report_['baseline_auc']:.3f}, "
            f"used {report_['used']}",
        ),
        (
            f"{label}: score all {scored:,} open deals (read, features, predict)",
            f"{score_s * 1000:,.0f} ms vs plain SQL over the same rows {sql_s * 1000:,.0f} ms "
            f"= {score_s / sql_s:.1f}x",
        ),
        (f"{label}:   plain SQL reads", sql.reads(engine, sql.open_deals, sql.activity)),
        (
            f"{label}: what changed since last week, revops "
            f"({changes.start_deals:,} -> {changes.end_deals:,} deals)",
            f"{changes_s * 1000:,.0f} ms vs the two plain selects {plain_changes_s * 1000:,.0f} ms "
            f"= {changes_s / plain_changes_s:.1f}x",
        ),
        (f"{label}:   the two plain selects read", sql.reads(engine, sql.snapshot, sql.open_now)),
        (
            f"{label}:   of which: are the stored win scores current? ({'yes' if current else 'no'})",
            f"{check_s * 1000:,.0f} ms (the data set's fingerprint, read on every call)",
        ),
    ]
    if predict_million:
        with engine.connect() as connection:
            states = open_states(connection, as_of, [])
        features = [row(s, trained.basis, reps.win_rate(s.owner_id, as_of)) for _, s in states]
        million = (features * (1_000_000 // max(1, len(features)) + 1))[:1_000_000]
        predict_s, _ = timed(lambda: predict(trained.estimator, million), repeat=1)
        rows.append(
            (
                "the model on 1,000,000 open deals (predict only, no database)",
                f"{predict_s:,.1f} s ({1_000_000 / predict_s:,.0f}/s)",
            )
        )
    return rows


def _revops(engine: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(text("SELECT id FROM users WHERE role = 'revops' LIMIT 1")).scalar_one()
        )


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
        rows += bench_backend("SQLite", engine, stages, predict_million=True)
        engine.dispose()
    if backend in ("postgresql", "both"):
        with _postgres(postgres_url) as url:
            engine = make_engine(url)
            _ensure_data(engine, stages, accounts, opportunities)
            rows += bench_backend("PostgreSQL", engine, stages, predict_million=backend == "postgresql")
            engine.dispose()
    report(f"Win score and changes on {opportunities:,} opportunities (warm, median of 3)", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    main(args.opportunities, args.accounts, args.backend, args.postgres_url)
