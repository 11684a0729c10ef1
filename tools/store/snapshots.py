"""Pipeline snapshots: the open deals as they stood on a day (stage, amount, close date, forecast
category, win probability), the two ends of every "what changed" view.

:func:`take_snapshot` records the open pipeline on ``as_of`` from the deals' own columns, with the
stored win score where there is one (else the stage probability). :func:`backfill_snapshots`
gives a freshly generated or imported data set a past: the snapshots of the :data:`DAILY` days
before ``as_of`` and of every seventh day back :data:`WEEKS` weeks, rebuilt from the stage
history (each deal open that day, in the stage, at the amount and with the close date of its
last history row on or before it; a deal without history in its current stage, or a closed one
in the last open stage, at its amount and close date; an open deal without a created date on
every day). Rebuilt days carry the stage probability:
no score was made then. Both replace the rows of the days they write, in one SQL statement per day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Date, Engine, case, delete, func, insert, literal, select
from sqlalchemy.orm import aliased

from tools.store.schema import Opportunity, OpportunityHistory
from tools.store.schema_scores import DealScore, PipelineSnapshot
from tools.store.stages import StageConfig

DAILY = 7
WEEKS = 13


def backfill_days(as_of: dt.date) -> list[dt.date]:
    """The days a fresh data set gets snapshots of (``as_of`` included), oldest first."""
    days = {as_of - dt.timedelta(days=n) for n in range(DAILY)}
    days |= {as_of - dt.timedelta(weeks=n) for n in range(WEEKS + 1)}
    return sorted(days)


def _by_stage(stages: StageConfig, stage: Any) -> tuple[Any, Any]:
    probability = case({s.name: s.probability for s in stages.stages}, value=stage, else_=None)
    category = case({s.name: s.forecast_category.value for s in stages.stages}, value=stage, else_=None)
    return probability, category


def take_snapshot(connection: Connection, stages: StageConfig, day: dt.date) -> int:
    """Record the open pipeline as it stands now as ``day``'s snapshot; the number of deals."""
    probability, _ = _by_stage(stages, Opportunity.stage)
    rows = (
        select(
            literal(day, Date),
            Opportunity.id,
            Opportunity.owner_id,
            Opportunity.stage,
            Opportunity.amount,
            Opportunity.close_date,
            Opportunity.forecast_category,
            func.coalesce(DealScore.probability, probability),
        )
        .outerjoin(DealScore, DealScore.opportunity_id == Opportunity.id)
        .where(~Opportunity.is_closed)
    )
    return _replace(connection, day, rows)


def record_snapshot(engine: Engine, stages: StageConfig, day: dt.date) -> int:
    """Take ``day``'s snapshot in its own transaction (``salesplan deals snapshot``, from cron)."""
    with engine.begin() as connection:
        return take_snapshot(connection, stages, day)


def rebuild_snapshot(connection: Connection, stages: StageConfig, day: dt.date) -> int:
    """Rebuild ``day``'s snapshot from the stage history (see the module); the number of deals."""
    history, earlier = OpportunityHistory, aliased(OpportunityHistory)
    last = (
        select(earlier.id)
        .where(earlier.opportunity_id == Opportunity.id, earlier.changed_at <= day)
        .order_by(earlier.changed_at.desc(), earlier.id.desc())
        .limit(1)
        .correlate(Opportunity)
        .scalar_subquery()
    )
    fallback = case((Opportunity.is_closed, stages.open_stages[-1].name), else_=Opportunity.stage)
    stage = func.coalesce(history.stage, fallback)
    probability, category = _by_stage(stages, stage)
    rows = (
        select(
            literal(day, Date),
            Opportunity.id,
            Opportunity.owner_id,
            stage,
            func.coalesce(history.amount, Opportunity.amount),
            func.coalesce(history.close_date, Opportunity.close_date),
            category,
            probability,
        )
        .outerjoin(history, history.id == last)
        .where(
            # a deal with no created date (an export's prospects) is taken to have been open all along
            (Opportunity.created_at <= day) | (Opportunity.created_at.is_(None) & ~Opportunity.is_closed),
            Opportunity.closed_at.is_(None) | (Opportunity.closed_at > day),
        )
    )
    return _replace(connection, day, rows)


def backfill_snapshots(connection: Connection, stages: StageConfig, as_of: dt.date) -> None:
    """Snapshots of :func:`backfill_days`: rebuilt from history, ``as_of``'s taken from the deals."""
    for day in backfill_days(as_of):
        if day == as_of:
            take_snapshot(connection, stages, day)
        else:
            rebuild_snapshot(connection, stages, day)


def _replace(connection: Connection, day: dt.date, rows: Any) -> int:
    connection.execute(delete(PipelineSnapshot).where(PipelineSnapshot.day == day))
    columns = [
        "day",
        "opportunity_id",
        "owner_id",
        "stage",
        "amount",
        "close_date",
        "forecast_category",
        "probability",
    ]
    result = connection.execute(insert(PipelineSnapshot).from_select(columns, rows))
    return int(result.rowcount or 0)
