"""Forecast-call prep for a manager: what moved in commit and best case since a day, and the deals
to inspect, following the playbook's weekly forecast call (forecasting.md#weekly-forecast-call):
the number and its change, commit deals at risk, best case that could be upgraded.

- **the number**: closed won in the period so far, commit and best case now and at the start
  (the pipeline snapshot of ``since``, default a week ago: :mod:`tools.deals.changes`), with every
  move in and out (:mod:`tools.manager.forecast_moves`); a change in commit of more than 10% is
  marked, as the playbook asks for an explanation of it;
- **commit at risk**: commit deals closing in the period that the stalled-deal scan flags
  (:func:`tools.deals.stalled_deals`: rules broken and a low win score), largest value at risk first;
- **pushed**: deals in commit or best case (at the start or now) whose close date moved later;
- **slipped**: deals in commit or best case that moved back a stage or down a forecast category;
- **upgrade candidates**: best-case deals closing in the period with the highest expected value
  (amount x win probability).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func

from tools.deals.changes import snapshot_day, start_day
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_evidence import StalledDeal
from tools.filters import DealFilter, deal_conditions
from tools.manager.forecast_moves import RANK, CategoryMoves, MovedDeal, category_moves, category_of, moved
from tools.manager.pace import probability_source
from tools.periods import Period, parse_period
from tools.scoring.store import refresh
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity, User
from tools.store.schema_scores import DealScore, PipelineSnapshot
from tools.store.types import to_money

PLAYBOOK = "forecasting.md#weekly-forecast-call"
#: A change in commit above this share of its start value needs an explanation on the call.
EXPLAIN_SHARE = 0.10
FORECAST = ("commit", "best_case")


class ForecastCallQuery(BaseModel):
    since: str = Field(
        default="last week",
        description="Start of the comparison: 'last week', 'monday', 'yesterday', 'my last digest', "
        "'N days ago' or a date (YYYY-MM-DD).",
    )
    owner: str | None = Field(
        default=None, description="A rep's or manager's name (a manager means the team)."
    )
    territory: str | None = Field(default=None, description="Territory name.")
    period: str | None = Field(
        default="this quarter", description="The forecast period (default this quarter)."
    )
    limit: int = Field(default=5, ge=1, le=50, description="Deals listed per section (all are counted).")


class UpgradeCandidate(BaseModel):
    id: str
    name: str
    owner: str
    stage: str
    amount: Decimal | None
    close_date: dt.date | None
    win_probability: float


class ForecastCallPrep(BaseModel):
    period: Period
    asked: str
    start: dt.date = Field(description="The snapshot day the comparison starts from.")
    end: dt.date
    note: str | None = None
    closed_won: Decimal = Field(description="Amount won (closed_at) in the period so far.")
    open_deals: int = Field(description="Open deals in scope now.")
    undated_deals: int = Field(description="Open deals in scope with no close date (in no period).")
    commit: CategoryMoves
    best_case: CategoryMoves
    commit_needs_explanation: bool = Field(description="Commit changed by more than 10% since the start.")
    commit_at_risk: list[StalledDeal]
    commit_at_risk_count: int
    commit_at_risk_amount: Decimal
    pushed: list[MovedDeal]
    pushed_count: int
    slipped: list[MovedDeal]
    slipped_count: int
    upgrade_candidates: list[UpgradeCandidate]
    probability: str
    playbook: str
    filters: list[str]


def forecast_call_prep(repo: Repository, viewer: ViewerLike, params: ForecastCallQuery) -> ForecastCallPrep:
    """Prep for the weekly forecast call: what moved in commit and best case since a day (default a
    week ago), and the deals to inspect: commit deals at risk, deals pushed, deals that slipped back,
    best case that could be upgraded.

    Args:
        since: Start of the comparison: 'last week', 'monday', 'yesterday', 'my last digest', 'N days
            ago' or a date (YYYY-MM-DD).
        owner: A rep's or manager's name (a manager means the team).
        territory: Territory name.
        period: The forecast period (default this quarter).
        limit: Deals listed per section (all are counted).
    """
    report = refresh(repo.engine, repo.stages, repo.as_of)
    asked = start_day(repo, viewer, params.since)
    period = parse_period(params.period or "this quarter", repo.as_of, repo.fy_start_month)
    resolved = deal_conditions(repo, viewer, DealFilter(owner=params.owner, territory=params.territory))
    snap = PipelineSnapshot
    with repo.connect() as connection:
        day, note = snapshot_day(connection, asked)
        before = {
            row.id: row
            for row in connection.execute(
                repo.opportunities(
                    viewer, Opportunity.id, snap.stage, snap.amount, snap.close_date, snap.forecast_category
                )
                .join(snap, (snap.opportunity_id == Opportunity.id) & (snap.day == day))
                .where(*resolved.conditions)
            )
        }
        columns: list[Any] = [Opportunity.id, Opportunity.name, User.name.label("owner"), Opportunity.stage]
        columns += [Opportunity.amount, Opportunity.close_date, Opportunity.forecast_category]
        columns += [Opportunity.is_closed, Opportunity.is_won, DealScore.probability]
        current = (
            repo.opportunities(viewer, *columns)
            .outerjoin(User, User.id == Opportunity.owner_id)
            .outerjoin(DealScore, DealScore.opportunity_id == Opportunity.id)
            .where(*resolved.conditions)
        )
        now = {row.id: row for row in connection.execute(current.where(~Opportunity.is_closed))}
        gone = [deal for deal in before if deal not in now]
        for start in range(0, len(gone), 5_000):
            ids = gone[start : start + 5_000]
            now.update((row.id, row) for row in connection.execute(current.where(Opportunity.id.in_(ids))))
        won = connection.execute(
            repo.opportunities(viewer, func.coalesce(func.sum(Opportunity.amount), 0)).where(
                *resolved.conditions,
                Opportunity.is_won,
                Opportunity.closed_at >= period.start,
                Opportunity.closed_at < period.end,
            )
        ).scalar_one()
    commit = category_moves("commit", period, before, now, params.limit)
    best_case = category_moves("best_case", period, before, now, params.limit)
    at_risk = stalled_deals(
        repo,
        viewer,
        StalledQuery(
            owner=params.owner,
            territory=params.territory,
            period=period.label,
            forecast_category="commit",
            limit=params.limit,
        ),
    )
    pushed, slipped = _pushed_and_slipped(repo, before, now)
    return ForecastCallPrep(
        period=period,
        asked=params.since,
        start=day,
        end=repo.as_of,
        note=note,
        closed_won=to_money(won),
        open_deals=sum(1 for row in now.values() if not row.is_closed),
        undated_deals=sum(1 for row in now.values() if not row.is_closed and row.close_date is None),
        commit=commit,
        best_case=best_case,
        commit_needs_explanation=abs(commit.change_share or 0.0) > EXPLAIN_SHARE,
        commit_at_risk=at_risk.deals,
        commit_at_risk_count=int(at_risk.flagged.value or 0),
        commit_at_risk_amount=to_money(at_risk.flagged_amount.value or 0),
        pushed=pushed[: params.limit],
        pushed_count=len(pushed),
        slipped=slipped[: params.limit],
        slipped_count=len(slipped),
        upgrade_candidates=_upgrades(now, period, params.limit),
        probability=probability_source(report),
        playbook=PLAYBOOK,
        filters=["viewer's scope", *resolved.descriptions, f"period: {period.label}", f"since {day}"],
    )


def _pushed_and_slipped(
    repo: Repository, before: dict[int, Any], now: dict[int, Any]
) -> tuple[list[MovedDeal], list[MovedDeal]]:
    """Deals in commit or best case (at the start or now) pushed later, and those that slipped back
    a stage or down a category, largest first."""
    order = {name: i for i, name in enumerate(repo.stages.names)}
    pushed: list[tuple[Decimal, MovedDeal]] = []
    slipped: list[tuple[Decimal, MovedDeal]] = []
    for deal, old in before.items():
        new = now.get(deal)
        if new is None or new.is_closed:
            continue
        if category_of(old) not in FORECAST and category_of(new) not in FORECAST:
            continue
        amount = Decimal(new.amount or 0)
        if old.close_date and new.close_date and new.close_date > old.close_date:
            days = (new.close_date - old.close_date).days
            pushed.append((amount, moved(deal, f"pushed {days} days", amount, old, new)))
        back = order.get(new.stage, -1) < order.get(old.stage, -1)
        down = RANK.get(category_of(new), 0) < RANK.get(category_of(old), 0)
        if back or down:
            how = f"back to {new.stage}" if back else f"down to {category_of(new).replace('_', ' ')}"
            slipped.append((amount, moved(deal, how, amount, old, new)))
    pushed.sort(key=lambda p: (-p[0], p[1].id))
    slipped.sort(key=lambda p: (-p[0], p[1].id))
    return [p for _, p in pushed], [s for _, s in slipped]


def _upgrades(now: dict[int, Any], period: Period, limit: int) -> list[UpgradeCandidate]:
    """Best-case deals closing in the period, by amount x win probability."""
    found = [
        row
        for row in now.values()
        if not row.is_closed
        and category_of(row) == "best_case"
        and period.contains(row.close_date)
        and row.probability is not None
    ]
    found.sort(key=lambda r: (-(float(r.amount or 0) * r.probability), r.id))
    return [
        UpgradeCandidate(
            id=f"opportunity/{row.id}",
            name=row.name,
            owner=row.owner or "",
            stage=row.stage,
            amount=row.amount,
            close_date=row.close_date,
            win_probability=row.probability,
        )
        for row in found[:limit]
    ]
