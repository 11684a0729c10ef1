"""The win score's features: what a deal's state on a day becomes as numbers, and in plain words.

========================= ===========================================================================
stage_probability         the configured probability of the deal's stage
days_in_stage             days since the deal entered its stage
stage_age_ratio           days in stage / the median days won deals spent in that stage
age_days                  days since the deal was created
amount_ratio              amount / the median amount of closed deals (left out when lost deals carry
                          no real amount, as in exports that zero them: it would give the outcome away)
product, segment          the product and the account's segment (categories)
rep_win_rate              the owner's win rate over the year before (deals closed before that day)
days_since_activity       days since the last activity (since creation when there is none)
recent_activities         activities in the last 30 days
activities                activities so far
contacts                  distinct contacts engaged so far
economic_buyer            1 when an economic buyer has been engaged
pushes                    times the close date moved later so far
days_to_close             days from the day to the planned close date (negative: past)
========================= ===========================================================================

Missing values are NaN (the gradient-boosted trees route them); a feature the data cannot supply
(no activities, no history, no real amounts on lost deals) is 0 for every deal, so it carries
nothing. Factors are explained per group of features (:data:`GROUPS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median
from typing import TYPE_CHECKING, Any

from tools.scoring.timeline import State
from tools.store.stages import StageConfig

if TYPE_CHECKING:
    import numpy as np

FEATURES = (
    "stage_probability",
    "days_in_stage",
    "stage_age_ratio",
    "age_days",
    "amount_ratio",
    "product",
    "segment",
    "rep_win_rate",
    "days_since_activity",
    "recent_activities",
    "activities",
    "contacts",
    "economic_buyer",
    "pushes",
    "days_to_close",
)
CATEGORICAL = ("product", "segment")
#: Features explained together as one factor (the stage itself is the baseline, not a factor).
GROUPS: dict[str, tuple[str, ...]] = {
    "time_in_stage": ("days_in_stage", "stage_age_ratio"),
    "age": ("age_days",),
    "amount": ("amount_ratio",),
    "product": ("product",),
    "segment": ("segment",),
    "owner_win_rate": ("rep_win_rate",),
    "activity": ("days_since_activity", "recent_activities", "activities"),
    "contacts": ("contacts", "economic_buyer"),
    "pushes": ("pushes",),
    "close_date": ("days_to_close",),
}


@dataclass
class Basis:
    """What the features are measured against, learnt from the training deals."""

    stage_probability: dict[str, float]
    stage_norms: dict[str, float]
    median_amount: float | None
    products: dict[int, int] = field(default_factory=dict)
    product_names: dict[int, str] = field(default_factory=dict)
    segments: dict[str, int] = field(default_factory=dict)
    history: bool = True
    activities: bool = True


def make_basis(
    stages: StageConfig,
    won_days: dict[str, list[int]],
    states: list[State],
    lost_amounts_real: bool,
    history: bool,
    activities: bool,
    product_names: dict[int, str],
) -> Basis:
    amounts = [s.amount for s in states if s.amount]
    return Basis(
        stage_probability={s.name: s.probability for s in stages.stages},
        stage_norms={name: float(median(days)) or 1.0 for name, days in won_days.items() if days},
        median_amount=median(amounts) if amounts and lost_amounts_real else None,
        products={p: i for i, p in enumerate(sorted({s.product_id for s in states if s.product_id}))},
        product_names=product_names,
        segments={g: i for i, g in enumerate(sorted({s.segment for s in states if s.segment}))},
        history=history,
        activities=activities,
    )


def row(state: State, basis: Basis, rep_rate: float) -> list[float]:
    """One deal's features, in the order of :data:`FEATURES`."""
    nan = math.nan
    day = state.day
    in_stage = float((day - state.stage_entered).days)
    norm = basis.stage_norms.get(state.stage)
    activity = basis.activities
    history = basis.history
    last = state.last_activity or state.created
    return [
        basis.stage_probability.get(state.stage, nan),
        in_stage,
        (in_stage / norm if norm else nan) if basis.stage_norms else 0.0,
        float((day - state.created).days),
        (state.amount / basis.median_amount if state.amount else nan) if basis.median_amount else 0.0,
        _category(basis.products, state.product_id),
        _category(basis.segments, state.segment),
        rep_rate,
        float((day - last).days) if activity else 0.0,
        float(state.recent_activities or 0) if activity else 0.0,
        float(state.activities or 0) if activity else 0.0,
        float(state.contacts or 0) if activity else 0.0,
        float(bool(state.economic_buyer)) if activity else 0.0,
        float(state.pushes or 0) if history else 0.0,
        (float((state.close_date - day).days) if state.close_date else nan) if history else 0.0,
    ]


def _category(codes: dict[Any, int], value: Any) -> float:
    """A category's code; NaN for one not seen in training, 0 for all when there are none."""
    if not codes:
        return 0.0
    return float(codes[value]) if value in codes else math.nan


def words(group: str, values: dict[str, float], state: State, basis: Basis) -> str:
    """A factor in plain words, from the deal's own values."""
    if group == "time_in_stage":
        norm = basis.stage_norms.get(state.stage)
        usual = f", won deals usually spend {norm:.0f}" if norm else ""
        return f"{values['days_in_stage']:.0f} days in {state.stage}{usual}"
    if group == "age":
        return f"open {values['age_days']:.0f} days"
    if group == "amount":
        return f"amount {values['amount_ratio']:.1f}x the median deal"
    if group == "product":
        return f"product {basis.product_names.get(state.product_id or 0, 'unknown')}"
    if group == "segment":
        return f"{state.segment or 'unknown'} segment"
    if group == "owner_win_rate":
        return f"owner's win rate over the past year {values['rep_win_rate']:.0%}"
    if group == "activity":
        return (
            f"last activity {values['days_since_activity']:.0f} days ago, "
            f"{values['recent_activities']:.0f} in the last 30 days"
        )
    if group == "contacts":
        buyer = "economic buyer engaged" if values["economic_buyer"] else "no economic buyer engaged"
        return f"{values['contacts']:.0f} contact(s) engaged, {buyer}"
    if group == "pushes":
        return f"close date pushed {values['pushes']:.0f} time(s)"
    days = values["days_to_close"]
    return f"close date passed {-days:.0f} days ago" if days < 0 else f"close date in {days:.0f} days"


def matrix(rows: list[list[float]]) -> np.ndarray[Any, Any]:
    import numpy as np

    return np.asarray(rows, dtype=float).reshape(-1, len(FEATURES))
