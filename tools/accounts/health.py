"""Account health: one documented 0-100 score built from four signals a rep can act on.

    engagement = 40 x max(0, 1 - days since last touch / 90)        (0 when never touched)
    pipeline   = 25 x min(1, open pipeline / (25% of potential))   (25 with open pipeline and no potential)
    products   = 20 x active products owned / products in the catalogue
    losses     = 15 x max(0, 1 - deals lost in the last 180 days / 2)
    score      = engagement + pipeline + products + losses
    band       = healthy (score >= 70), watch (40 <= score < 70), at risk (score < 40)

The last touch is the later of the latest activity on the account and the latest contact
engagement the viewer can see. Points are rounded to one decimal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from tools.evidence import Figure, Unit
from tools.rollup import measure

ENGAGEMENT_POINTS, PIPELINE_POINTS, PRODUCT_POINTS, LOSS_POINTS = 40, 25, 20, 15
ENGAGEMENT_HORIZON_DAYS = 90
PIPELINE_SHARE_OF_POTENTIAL = Decimal("0.25")
LOSSES_FOR_ZERO = 2
LOSS_WINDOW_DAYS = 180
HEALTHY, WATCH = 70.0, 40.0

SCORE_FORMULA = (
    "engagement (40 x max(0, 1 - days since last touch / 90)) + pipeline (25 x min(1, open pipeline / "
    "(25% of potential))) + products (20 x active products owned / products in the catalogue) + losses "
    "(15 x max(0, 1 - deals lost in the last 180 days / 2)); healthy >= 70, watch >= 40, at risk < 40"
)


class HealthSignals(BaseModel):
    """What the score is computed from, with the records behind each signal."""

    as_of: dt.date
    last_touch: dt.date | None
    last_touch_records: list[str]
    open_pipeline: Decimal
    open_pipeline_records: list[str]
    potential: Decimal | None
    account_record: str
    active_products: int
    product_records: list[str]
    catalogue_size: int
    recent_losses: int
    loss_records: list[str]


class Health(BaseModel):
    """The health score, its band and its four components (each a figure with its records)."""

    score: Figure
    band: Literal["healthy", "watch", "at risk"]
    days_since_last_touch: Figure
    engagement: Figure
    pipeline: Figure
    products: Figure
    losses: Figure


def _points(value: float) -> float:
    return round(value, 1)


def account_health(signals: HealthSignals) -> Health:
    """Score an account's health from its signals (see the module docstring for the formula)."""
    days = None if signals.last_touch is None else (signals.as_of - signals.last_touch).days
    engagement = 0.0 if days is None else ENGAGEMENT_POINTS * max(0.0, 1 - days / ENGAGEMENT_HORIZON_DAYS)
    if signals.potential:
        target = signals.potential * PIPELINE_SHARE_OF_POTENTIAL
        pipeline = PIPELINE_POINTS * min(1.0, float(signals.open_pipeline / target))
    else:
        pipeline = float(PIPELINE_POINTS) if signals.open_pipeline > 0 else 0.0
    products = (
        PRODUCT_POINTS * signals.active_products / signals.catalogue_size if signals.catalogue_size else 0
    )
    losses = LOSS_POINTS * max(0.0, 1 - signals.recent_losses / LOSSES_FOR_ZERO)
    parts = [_points(engagement), _points(pipeline), _points(products), _points(losses)]
    score = _points(sum(parts))
    band: Literal["healthy", "watch", "at risk"] = (
        "healthy" if score >= HEALTHY else "watch" if score >= WATCH else "at risk"
    )
    touch, pipe = signals.last_touch_records, signals.open_pipeline_records
    pipe_records = [*pipe, signals.account_record]
    all_records = [*touch, *pipe_records, *signals.product_records, *signals.loss_records]
    return Health(
        score=measure("Account health", score, Unit.COUNT, SCORE_FORMULA, [], all_records, len(all_records)),
        band=band,
        days_since_last_touch=measure(
            "Days since last touch",
            days,
            Unit.DAYS,
            "as-of date - later of (latest activity, latest contact engagement)",
            [f"as of {signals.as_of}"],
            touch,
            len(touch),
        ),
        engagement=measure(
            "Engagement points",
            parts[0],
            Unit.COUNT,
            "40 x max(0, 1 - days since last touch / 90); 0 when never touched",
            [],
            touch,
            len(touch),
        ),
        pipeline=measure(
            "Pipeline points",
            parts[1],
            Unit.COUNT,
            "25 x min(1, open pipeline / (25% of potential)); "
            "25 when there is open pipeline and no potential",
            ["open opportunities on the account"],
            pipe_records,
            len(pipe_records),
        ),
        products=measure(
            "Product points",
            parts[2],
            Unit.COUNT,
            f"20 x active products owned / products in the catalogue ({signals.catalogue_size})",
            ["status = active"],
            signals.product_records,
            len(signals.product_records),
        ),
        losses=measure(
            "Loss points",
            parts[3],
            Unit.COUNT,
            "15 x max(0, 1 - deals lost in the last 180 days / 2)",
            [f"closed lost on or after {signals.as_of - dt.timedelta(days=LOSS_WINDOW_DAYS)}"],
            signals.loss_records,
            len(signals.loss_records),
        ),
    )
