"""The win score kept with the data set: trained when the data changes, read by everything else.

:func:`refresh` fingerprints the data (:func:`fingerprint`: the data set's stamp and ``as_of``,
and the counts and latest ids of deals, history and activities), and when no model was made for
that fingerprint it runs the backtest, trains the model on every closed deal of the window when
the backtest chose it, scores every open deal (probability, stage probability, top factors) and
stores it all in one transaction (``win_models``, ``deal_scores``). Reading scores
(:func:`current_fingerprint`) never loads scikit-learn: the stalled-deal scan joins
``deal_scores`` when its fingerprint is the data's current one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select

from tools.scoring.features import FEATURES, row
from tools.scoring.model import Backtest, Trained, backtest, explain, predict, train
from tools.scoring.timeline import closed_deals, open_states, rep_record
from tools.store.schema import Activity, DatasetMeta, Opportunity, OpportunityHistory, Product
from tools.store.schema_scores import DealScore, WinModel
from tools.store.stages import StageConfig

MODEL_NAME = "gradient-boosted trees (scikit-learn HistGradientBoostingClassifier), isotonic-calibrated"
#: Part of the fingerprint: a new version of the features or the model retrains stored models.
MODEL_VERSION = "1"
BATCH = 5_000


def fingerprint(connection: Connection, as_of: dt.date) -> str:
    """What the model and scores were made from: changes whenever deals, their history or their
    activities change, the data set is replaced, its ``as_of`` moves, or :data:`MODEL_VERSION`."""
    parts: list[Any] = [MODEL_VERSION, as_of.isoformat()]
    parts += (
        connection.execute(
            select(DatasetMeta.value)
            .where(DatasetMeta.key.in_(("org_changed_at", "imported_at")))
            .order_by(DatasetMeta.key)
        )
        .scalars()
        .all()
    )
    parts += connection.execute(
        select(
            func.count(),
            func.count().filter(Opportunity.is_closed),
            func.count().filter(Opportunity.is_won),
            func.max(Opportunity.id),
            func.max(Opportunity.closed_at),
            func.max(Opportunity.last_activity_at),
            func.sum(Opportunity.amount),
            func.sum(Opportunity.close_date_pushes),
        )
    ).one()
    for table in (OpportunityHistory, Activity):
        # two statements, not one: SQLite counts a whole table from its b-tree and reads max(id) at
        # the end of the rowid, where ``count(), max(id)`` together visit every row (a few ms on
        # every forecast and stalled-deal read)
        parts.append(connection.execute(select(func.count()).select_from(table)).scalar_one())
        parts.append(connection.execute(select(func.max(table.id))).scalar_one())
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def current_fingerprint(connection: Connection) -> str | None:
    """The fingerprint the stored deal scores were made for (None when there are none)."""
    return connection.execute(select(DealScore.fingerprint).limit(1)).scalar()


def scores_in_use(connection: Connection) -> bool:
    """Whether deal scores are stored from a model that beat the stage probability.

    The latest scores are used until the next training, even once the data has moved on (a day
    later, a synced change): the same question gets the same answer from one hour to the next,
    not one that depends on whether something retrained the model first. A deal opened since has
    no score and is judged on the stage probability alone."""
    key = current_fingerprint(connection)
    if key is None:
        return False
    return connection.execute(select(WinModel.used).where(WinModel.fingerprint == key)).scalar() == "model"


def stored_report(connection: Connection, key: str) -> dict[str, Any] | None:
    found = connection.execute(select(WinModel.report).where(WinModel.fingerprint == key)).scalar()
    return json.loads(found) if found else None


def refresh(engine: Engine, stages: StageConfig, as_of: dt.date, *, force: bool = False) -> dict[str, Any]:
    """The backtest report of the data set's win score, training and scoring first when the data
    changed since the stored one was made (or ``force``)."""
    with engine.connect() as connection:
        key = fingerprint(connection, as_of)
        report = stored_report(connection, key)
        if report is not None and not force and current_fingerprint(connection) == key:
            return report
        deals = closed_deals(connection, as_of)
        reps = rep_record(connection)
        products = {int(i): str(n) for i, n in connection.execute(select(Product.id, Product.name))}
        states = open_states(connection, as_of, [])
    result = backtest(deals, stages, reps, as_of, products)
    trained = train(deals, stages, reps, as_of, products) if result.used == "model" else None
    report = _report(result)
    stage_probability = {s.name: s.probability for s in stages.stages}
    rows: list[dict[str, Any]] = []
    if trained is not None:
        features = [row(state, trained.basis, reps.win_rate(state.owner_id, as_of)) for _, state in states]
        probabilities = predict(trained.estimator, features)
        factors = explain(trained, [s for _, s in states], features)
    else:
        probabilities = [stage_probability.get(s.stage, 0.0) for _, s in states]
        factors = [[] for _ in states]
    for (deal, state), probability, listed in zip(states, probabilities, factors, strict=True):
        rows.append(
            {
                "opportunity_id": deal,
                "fingerprint": key,
                "probability": round(probability, 4),
                "stage_probability": stage_probability.get(state.stage, 0.0),
                "factors": json.dumps(listed),
            }
        )
    with engine.begin() as connection:
        connection.execute(delete(WinModel))
        connection.execute(delete(DealScore))
        connection.execute(
            insert(WinModel).values(
                fingerprint=key,
                trained_at=dt.datetime.now(dt.UTC),
                as_of=as_of,
                used=result.used,
                report=json.dumps(report),
                payload=pickle.dumps(trained) if trained is not None else None,
            )
        )
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(DealScore), rows[start : start + BATCH])
    return report


def load_model(connection: Connection, key: str) -> Trained | None:
    """The stored model for ``key`` (written by :func:`refresh` of this application only)."""
    payload = connection.execute(select(WinModel.payload).where(WinModel.fingerprint == key)).scalar()
    return pickle.loads(payload) if payload else None  # our own database, our own writes


def _report(result: Backtest) -> dict[str, Any]:
    return {
        "model": MODEL_NAME,
        "trained_on": result.trained_on,
        "cutoff": result.cutoff.isoformat() if result.cutoff else None,
        "auc": result.auc,
        "baseline_auc": result.baseline_auc,
        "used": result.used,
        "reason": result.reason,
        "features": list(FEATURES),
        "deals": [
            {
                "id": d.id,
                "probability": round(d.probability, 4),
                "stage_probability": d.stage_probability,
                "won": d.won,
            }
            for d in result.deals
        ],
    }
