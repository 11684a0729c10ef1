"""Training, backtesting and explaining the win score (scikit-learn, imported only here, in the
functions that need it).

The model: gradient-boosted trees (``HistGradientBoostingClassifier``: missing values and the
product and segment categories handled natively, interactions such as "long in stage *and* no
recent activity" learnt without being spelt out), calibrated with isotonic regression on
out-of-fold scores from three folds that keep each deal's observations together, so a score of
0.3 means about three in ten such deals were won. Fitting and predicting run on one thread
(OpenMP threads competing for a shared machine's cores made them ten times slower).

Validation is a time split (:func:`backtest`): the model is trained on deals closed before a cutoff
(the day three quarters of the learning window's closed deals had closed, on the observation
grid) and scores the deals that closed after it, each as it stood on the first observation day on
or after the cutoff (or after its creation) while it was still open. It is used only when it
beats the stage probability on those deals beyond chance (in at least 95% of :data:`RESAMPLES`
paired bootstrap resamples of them its AUC is higher) and at least :data:`MIN_CLOSED` closed deals
(with both outcomes) were there to learn from; else the score is the stage probability, and the
report says why.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from tools.scoring.features import CATEGORICAL, FEATURES, GROUPS, Basis, make_basis, matrix, row, words
from tools.scoring.norms import stretches
from tools.scoring.timeline import GRID_DAYS, Deal, RepRecord, State, grid, state_on
from tools.store.stages import StageConfig

MIN_CLOSED = 200
MIN_TEST = 40
#: Resamples of the held-out deals for the paired bootstrap of the AUC gain.
RESAMPLES = 200
TEST_SHARE = 0.25
TOP_FACTORS = 3


@dataclass
class Observations:
    states: list[State] = field(default_factory=list)
    rows: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    deals: list[int] = field(default_factory=list)


@dataclass
class Trained:
    """A fitted model with what its features are measured against and the reference deal of
    each stage (the median features of its training observations), for explanations."""

    estimator: Any
    basis: Basis
    references: dict[str, list[float]]


@dataclass
class TestDeal:
    id: int
    probability: float
    stage_probability: float
    won: bool


@dataclass
class Backtest:
    cutoff: dt.date | None
    trained_on: int
    auc: float | None
    baseline_auc: float | None
    used: str
    reason: str
    deals: list[TestDeal] = field(default_factory=list)


def basis_for(deals: list[Deal], stages: StageConfig, states: list[State], products: dict[int, str]) -> Basis:
    won_days: dict[str, list[int]] = defaultdict(list)
    for deal in deals:
        if deal.won:
            for stage, days in stretches((changed, stage) for changed, stage, _, _ in deal.history):
                won_days[stage].append(days)
    lost = [d for d in deals if not d.won]
    real = sum(1 for d in lost if d.amount) >= 0.8 * len(lost) if lost else False
    return make_basis(
        stages,
        won_days,
        states,
        real,
        history=any(d.history for d in deals),
        activities=any(d.activities for d in deals),
        product_names=products,
    )


def observe(
    deals: list[Deal],
    days: dict[int, list[dt.date]],
    stages: StageConfig,
    reps: RepRecord,
    basis_of: Any,
) -> tuple[Observations, Basis]:
    """Each deal's states on its observation days, and the features of them against the basis
    ``basis_of(states)`` learns from those states."""
    activities = any(d.activities for d in deals)
    found = Observations()
    for deal in deals:
        for day in days.get(deal.id, []):
            found.states.append(state_on(deal, day, stages, activities))
            found.labels.append(int(deal.won))
            found.deals.append(deal.id)
    basis: Basis = basis_of(found.states)
    found.rows = [row(s, basis, reps.win_rate(s.owner_id, s.day)) for s in found.states]
    return found, basis


def open_days(deal: Deal, grid_days: list[dt.date], before: dt.date | None = None) -> list[dt.date]:
    """The grid days on which ``deal`` was open (and, with ``before``, that fell before it)."""
    end = deal.closed or dt.date.max
    if before is not None:
        end = min(end, before)
    return [day for day in grid_days if deal.created <= day < end]


def fit(found: Observations) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold
    from threadpoolctl import threadpool_limits

    trees = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=100,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        categorical_features=[FEATURES.index(name) for name in CATEGORICAL],
        random_state=0,
    )
    X = matrix(found.rows)
    folds = list(GroupKFold(n_splits=3).split(X, found.labels, groups=found.deals))
    # one model on every observation, calibrated on the folds' out-of-fold scores: a third of the
    # prediction time of an ensemble of one model per fold
    model = CalibratedClassifierCV(trees, method="isotonic", cv=folds, ensemble=False)
    with threadpool_limits(1):  # OpenMP threads fight over a shared machine's cores: ten times slower
        model.fit(X, found.labels)
    return model


def predict(estimator: Any, rows: list[list[float]]) -> list[float]:
    from threadpoolctl import threadpool_limits

    if not rows:
        return []
    with threadpool_limits(1):
        return [float(p) for p in estimator.predict_proba(matrix(rows))[:, 1]]


def auc(labels: list[int], scores: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def gain_share(labels: list[int], model: list[float], baseline: list[float]) -> float:
    """The share of paired bootstrap resamples of the held-out deals in which the model's AUC is
    above the baseline's (resamples with one outcome only are skipped). AUC by ranks
    (Mann-Whitney, ties averaged), which is what ``roc_auc_score`` computes, without its checks."""
    import numpy as np
    from scipy.stats import rankdata

    def fast_auc(y: Any, s: Any) -> float:
        positives = int(y.sum())
        ranks = rankdata(s)
        return float(
            (ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * (len(y) - positives))
        )

    rng = np.random.default_rng(0)
    y, m, b = np.asarray(labels), np.asarray(model), np.asarray(baseline)
    higher = tried = 0
    for _ in range(RESAMPLES):
        pick = rng.integers(0, len(y), len(y))
        if y[pick].min() == y[pick].max():
            continue
        tried += 1
        higher += fast_auc(y[pick], m[pick]) > fast_auc(y[pick], b[pick])
    return higher / tried if tried else 0.0


def references(found: Observations) -> dict[str, list[float]]:
    """Per stage, the median of each numeric feature and the commonest category."""
    by_stage: dict[str, list[list[float]]] = defaultdict(list)
    for state, values in zip(found.states, found.rows, strict=True):
        by_stage[state.stage].append(values)
    result = {}
    for stage, rows in by_stage.items():
        reference = []
        for index, name in enumerate(FEATURES):
            column = [r[index] for r in rows if not math.isnan(r[index])]
            if not column:
                reference.append(math.nan)
            elif name in CATEGORICAL:
                reference.append(Counter(column).most_common(1)[0][0])
            else:
                reference.append(float(median(column)))
        result[stage] = reference
    return result


def cutoff_of(deals: list[Deal], as_of: dt.date) -> dt.date:
    closes = sorted(d.closed for d in deals if d.closed)
    at = closes[min(len(closes) - 1, int(len(closes) * (1 - TEST_SHARE)))]
    steps = (as_of - at).days // GRID_DAYS
    return as_of - dt.timedelta(days=GRID_DAYS * steps)


def backtest(
    deals: list[Deal], stages: StageConfig, reps: RepRecord, as_of: dt.date, products: dict[int, str]
) -> Backtest:
    """Train on deals closed before the cutoff, score those closed after it (see the module)."""
    if len(deals) < MIN_CLOSED:
        return Backtest(None, len(deals), None, None, "stage_probability", _few(len(deals)))
    cutoff = cutoff_of(deals, as_of)
    days = grid(as_of, min(d.created for d in deals))
    train = [d for d in deals if d.closed and d.closed < cutoff]
    test = [d for d in deals if d.closed and d.closed >= cutoff]
    first: dict[int, list[dt.date]] = {}
    for deal in test:
        seen = [day for day in open_days(deal, days) if day >= cutoff]
        if seen:
            first[deal.id] = seen[:1]
    test = [d for d in test if d.id in first]
    outcomes = {d.won for d in train}, {d.won for d in test}
    if (
        len(train) < MIN_CLOSED
        or len(test) < MIN_TEST
        or outcomes[0] != {True, False}
        or outcomes[1]
        != {
            True,
            False,
        }
    ):
        reason = (
            _few(len(train))
            if len(train) < MIN_CLOSED
            else "too few deals with both outcomes after the cutoff"
        )
        return Backtest(cutoff, len(train), None, None, "stage_probability", reason)
    learnt, basis = observe(
        train,
        {d.id: open_days(d, days) for d in train},
        stages,
        reps,
        lambda s: basis_for(train, stages, s, products),
    )
    estimator = fit(learnt)
    held, _ = observe(test, first, stages, reps, lambda _s: basis)
    probabilities = predict(estimator, held.rows)
    baseline = [r[FEATURES.index("stage_probability")] for r in held.rows]
    model_auc, baseline_auc = auc(held.labels, probabilities), auc(held.labels, baseline)
    wins = gain_share(held.labels, probabilities, baseline)
    used = "model" if wins >= 0.95 else "stage_probability"
    verdict = "beats" if used == "model" else "does not beat"
    reason = (
        f"the model's AUC {model_auc:.3f} {verdict} the stage probability's {baseline_auc:.3f} on the "
        f"{len(listed_ids := held.deals)} deals closed since {cutoff} (higher in {wins:.0%} of resamples)"
    )
    listed = [
        TestDeal(deal, p, b, bool(label))
        for deal, p, b, label in zip(listed_ids, probabilities, baseline, held.labels, strict=True)
    ]
    return Backtest(cutoff, len(train), model_auc, baseline_auc, used, reason, listed)


def _few(count: int) -> str:
    return f"only {count} closed deals to learn from (need {MIN_CLOSED})"


def train(
    deals: list[Deal], stages: StageConfig, reps: RepRecord, as_of: dt.date, products: dict[int, str]
) -> Trained:
    """The model over every closed deal of the window (after a backtest chose it)."""
    days = grid(as_of, min(d.created for d in deals))
    found, basis = observe(
        deals,
        {d.id: open_days(d, days) for d in deals},
        stages,
        reps,
        lambda s: basis_for(deals, stages, s, products),
    )
    return Trained(fit(found), basis, references(found))


def explain(trained: Trained, states: list[State], rows: list[list[float]]) -> list[list[dict[str, Any]]]:
    """Each deal's top factors: for every group of features, how much the probability moves when
    the deal's values are replaced by the reference deal of its stage; the largest moves first."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    if not rows:
        return []
    X = matrix(rows)
    moves: dict[str, Any] = {}
    with threadpool_limits(1):
        base = trained.estimator.predict_proba(X)[:, 1]
        for group, names in GROUPS.items():
            columns = [FEATURES.index(n) for n in names]
            changed = X.copy()
            for i, state in enumerate(states):
                reference = trained.references.get(state.stage)
                if reference is not None:
                    changed[i, columns] = [reference[c] for c in columns]
            moves[group] = base - trained.estimator.predict_proba(changed)[:, 1]
    result = []
    for i, state in enumerate(states):
        values = dict(zip(FEATURES, rows[i], strict=True))
        ranked = sorted(GROUPS, key=lambda g: -abs(moves[g][i]))
        factors = []
        for group in ranked[:TOP_FACTORS]:
            move = float(moves[group][i])
            if abs(move) < 0.01 or any(np.isnan(values[n]) for n in GROUPS[group]):
                continue
            direction = "raises" if move > 0 else "lowers"
            factors.append(
                {
                    "factor": group,
                    "effect": round(move, 3),
                    "text": f"{words(group, values, state, trained.basis)} ({direction} the odds by "
                    f"{abs(move) * 100:.0f} points against a typical {state.stage} deal)",
                }
            )
        result.append(factors)
    return result
