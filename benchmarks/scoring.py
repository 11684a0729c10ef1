"""Benchmark: the win score and the "what changed" view on a large generated data set (SQLite).

Figures, each against a plain SQL pass over the same rows in the same run:

* training (backtest + model) on the data set's closed deals (a fixed sample of at most 30,000);
* scoring every open deal of the data set end to end (read their columns and activity counts,
  build the features, predict), against the plain SQL that reads the same columns and counts;
* the model alone on 1,000,000 open deals (the open deals' feature rows repeated to a million);
* ``pipeline_changes`` since last week for revops (everyone), against the two plain selects it
  compares (last week's snapshot joined to the deals, and the open deals now).

    python -m benchmarks.scoring [--opportunities N] [--accounts N]

The data set is the analytics benchmark's (``benchmarks/results/``), reused when present; its
snapshots are back-filled if it predates them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.analytics import RESULTS, _ensure_data, timed
from benchmarks.common import report
from tools.deals.changes import ChangesQuery, pipeline_changes
from tools.scoring.features import row
from tools.scoring.model import predict
from tools.scoring.store import load_model, refresh
from tools.scoring.timeline import open_states, rep_record
from tools.store.db import make_engine
from tools.store.demo.generate import DEFAULT_AS_OF
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.store.schema_scores import PipelineSnapshot
from tools.store.snapshots import backfill_snapshots
from tools.store.stages import load_stages
from tools.viewer import Viewer

OPEN_SQL = """
SELECT o.id, o.owner_id, o.product_id, a.segment, o.stage, o.stage_entered_at, o.created_at, o.amount,
       o.amount_estimated, o.close_date, o.close_date_pushes, o.last_activity_at, o.contacts_engaged
FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id WHERE o.is_closed = 0
"""
ACTIVITY_SQL = """
SELECT ac.opportunity_id, count(*), count(*) FILTER (WHERE ac.occurred_at >= :recent),
       count(*) FILTER (WHERE lower(c.buying_role) = 'economic buyer')
FROM activities ac LEFT JOIN contacts c ON c.id = ac.contact_id
WHERE ac.opportunity_id IN (SELECT id FROM opportunities WHERE is_closed = 0) GROUP BY ac.opportunity_id
"""
CHANGES_SQL = (
    "SELECT s.opportunity_id, s.stage, s.amount, s.close_date, o.is_closed, o.is_won "
    "FROM pipeline_snapshots s JOIN opportunities o ON o.id = s.opportunity_id WHERE s.day = :day",
    "SELECT id, stage, amount, close_date FROM opportunities WHERE is_closed = 0",
)


def main(opportunities: int = 1_000_000, accounts: int = 100_000) -> None:
    stages = load_stages()
    RESULTS.mkdir(exist_ok=True)
    engine = make_engine(f"sqlite:///{RESULTS / f'analytics-{opportunities}-{accounts}.db'}")
    _ensure_data(engine, stages, accounts, opportunities)
    as_of = DEFAULT_AS_OF
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
        recent = dt.datetime.combine(as_of - dt.timedelta(days=29), dt.time(0), dt.UTC).isoformat(" ")
        with engine.connect() as connection:
            deals = connection.execute(text(OPEN_SQL)).all()
            connection.execute(text(ACTIVITY_SQL), {"recent": recent}).all()
        return len(deals)

    score_s, scored = timed(score_all, repeat=3)
    sql_s, _ = timed(plain_sql, repeat=3)
    with engine.connect() as connection:
        states = open_states(connection, as_of, [])
    features = [row(s, trained.basis, reps.win_rate(s.owner_id, as_of)) for _, s in states]
    million = (features * (1_000_000 // max(1, len(features)) + 1))[:1_000_000]
    predict_s, _ = timed(lambda: predict(trained.estimator, million), repeat=1)
    repo = Repository(engine, stages, as_of)
    revops = Viewer(user_id=_revops(engine), role=Role.REVOPS, name="RevOps")
    changes_s, changes = timed(lambda: pipeline_changes(repo, revops, ChangesQuery()), repeat=3)

    def changes_sql() -> int:
        with engine.connect() as connection:
            start = connection.execute(
                text(CHANGES_SQL[0]), {"day": (as_of - dt.timedelta(days=7)).isoformat()}
            ).all()
            now = connection.execute(text(CHANGES_SQL[1])).all()
        return len(start) + len(now)

    plain_changes_s, _ = timed(changes_sql, repeat=3)
    rows: list[tuple[str, str]] = [
        (
            f"train: backtest + model ({report_['trained_on']:,} deals before the cutoff)",
            f"{train_s:,.1f} s; AUC {report_['auc']:.3f} vs stage {report_['baseline_auc']:.3f}, "
            f"used {report_['used']}",
        ),
        (
            f"score all {scored:,} open deals (read, features, predict)",
            f"{score_s * 1000:,.0f} ms vs plain SQL over the same rows {sql_s * 1000:,.0f} ms "
            f"= {score_s / sql_s:.1f}x",
        ),
        (
            "the model on 1,000,000 open deals (predict only)",
            f"{predict_s:,.1f} s ({1_000_000 / predict_s:,.0f}/s)",
        ),
        (
            f"what changed since last week, revops ({changes.start_deals:,} -> {changes.end_deals:,} deals)",
            f"{changes_s * 1000:,.0f} ms vs the two plain selects {plain_changes_s * 1000:,.0f} ms "
            f"= {changes_s / plain_changes_s:.1f}x",
        ),
    ]
    report(f"Win score and changes on {opportunities:,} opportunities (SQLite, warm, median)", rows)
    engine.dispose()


def _revops(engine: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(text("SELECT id FROM users WHERE role = 'revops' LIMIT 1")).scalar_one()
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()
    main(args.opportunities, args.accounts)
