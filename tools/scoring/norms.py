"""How long won deals spend in each stage: the norms the win score and the stall thresholds use.

For every won deal closed in the learning window (the last two years, a fixed sample of at most
:data:`~tools.scoring.timeline.MAX_DEALS`), each stretch in an open stage runs from the history row
that entered the stage to the next row with another stage. The stall threshold of a stage
defaults to the 75th percentile of those stretches (:data:`STALL_PERCENTILE`), once at least
:data:`MIN_WON_STRETCHES` won deals passed through it; otherwise the stage's configured
``stall_days`` stays.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from tools.scoring.timeline import MAX_DEALS, WINDOW_DAYS
from tools.store.schema import Opportunity, OpportunityHistory

STALL_PERCENTILE = 75
MIN_WON_STRETCHES = 20


def stretches(history: Iterable[tuple[dt.date, str]]) -> list[tuple[str, int]]:
    """(stage, days) for each stretch of a deal's history (in order) that ended in another stage."""
    rows = list(history)
    found = []
    start = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or rows[index][1] != rows[start][1]:
            if index < len(rows):
                found.append((rows[start][1], (rows[index][0] - rows[start][0]).days))
            start = index
    return found


def won_stage_days(connection: Connection, as_of: dt.date) -> dict[str, list[int]]:
    """Days spent in each stage by won deals of the learning window, sorted, per stage."""
    where = [
        Opportunity.is_closed,
        Opportunity.is_won,
        Opportunity.closed_at >= as_of - dt.timedelta(days=WINDOW_DAYS),
        Opportunity.closed_at <= as_of,
    ]
    count = connection.execute(select(func.count()).where(*where)).scalar_one()
    if count > MAX_DEALS:
        where.append(Opportunity.id % (count // MAX_DEALS + 1) == 0)
    history = OpportunityHistory
    days: dict[str, list[int]] = defaultdict(list)
    current: int | None = None
    rows: list[tuple[dt.date, str]] = []
    for opp, changed, stage in connection.execute(
        select(history.opportunity_id, history.changed_at, history.stage)
        .where(history.opportunity_id.in_(select(Opportunity.id).where(*where)))
        .order_by(history.opportunity_id, history.changed_at, history.id)
    ):
        if opp != current:
            for name, spent in stretches(rows):
                days[name].append(spent)
            current, rows = opp, []
        rows.append((changed, stage))
    for name, spent in stretches(rows):
        days[name].append(spent)
    return {name: sorted(values) for name, values in days.items()}


def percentile(values: list[int], share: float) -> float:
    """The ``share`` (0-100) percentile of sorted ``values``, interpolated between neighbours."""
    position = (len(values) - 1) * share / 100
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def stall_thresholds(won_days: dict[str, list[int]], configured: dict[str, int]) -> dict[str, int]:
    """Each open stage's stall threshold in days: the 75th percentile of won deals' time in it,
    or the configured one when too few won deals passed through it."""
    return {
        stage: max(1, math.ceil(percentile(won_days[stage], STALL_PERCENTILE)))
        if len(won_days.get(stage, [])) >= MIN_WON_STRETCHES
        else days
        for stage, days in configured.items()
    }
