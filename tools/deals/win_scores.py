"""The learned win score of open deals, and its backtest (:mod:`tools.scoring`).

``win_scores`` lists the viewer's open deals with their win probability, the stage probability
beside it and the top factors in plain words, the largest value at stake first (amount x (1 -
win probability)). The model is trained on the organisation's own closed deals and kept with the
data set; it is retrained here when the data changed since. When it does not beat the stage
probability on the held-out period (or there are too few closed deals) the probability *is* the
stage probability, and ``used`` and ``reason`` say so.

``score_backtest`` is the diagnostic of the data set (not of one viewer): the deals that closed
after the cutoff, each scored by a model trained only on deals closed before it. The backtest's
figures (AUC, cutoff, deals learnt from) cover the whole organisation, so ``win_scores`` shows
them to RevOps and admins only; reps and managers get the verdict.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine, select

from tools.deals.details import resolve_deal
from tools.deals.pipeline import describe, open_deal_conditions
from tools.evidence import ExternalId, RecordUrl, record_id
from tools.filters import DealFilter, deal_conditions
from tools.scoring.store import refresh
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Account, Opportunity, Role, User
from tools.store.schema_scores import DealScore
from tools.store.stages import StageConfig

Used = Literal["model", "stage_probability"]
#: What a viewer who does not see the whole organisation is told about the model.
VERDICTS = {
    "model": "the organisation's win-score model beats the stage probability on recently closed deals",
    "stage_probability": "the stage probability: the organisation's closed deals do not support a "
    "better model (RevOps can see the backtest)",
}


class WinScoreQuery(DealFilter):
    deal: str | None = Field(default=None, description="One deal (its name or id): its win probability.")
    limit: int = Field(default=25, ge=1, le=500, description="How many deals to list (all are scored).")
    sort_by: Literal["value_at_stake", "amount"] = Field(
        default="value_at_stake",
        description="value_at_stake: the most at stake first; amount: the largest deals first.",
    )


class Factor(BaseModel):
    factor: str
    effect: float = Field(description="Probability points this factor adds (negative: takes away).")
    text: str


class ScoredDeal(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    account: str | None
    owner: str
    stage: str
    amount: Decimal | None
    close_date: dt.date | None
    probability: float = Field(
        description="Win probability (the model's, or the stage's when it falls back)."
    )
    stage_probability: float
    value_at_stake: Decimal | None = Field(description="amount x (1 - probability).")
    factors: list[Factor]


class WinScores(BaseModel):
    as_of: dt.date
    model: str
    used: Used
    reason: str
    auc: float | None
    baseline_auc: float | None
    cutoff: dt.date | None
    trained_on: int
    deals: list[ScoredDeal]
    filters: list[str]


def win_scores(repo: Repository, viewer: ViewerLike, params: WinScoreQuery) -> WinScores:
    """Win probability of open deals from a model trained on the organisation's closed deals, with
    each deal's top factors; the largest value at stake (amount x (1 - probability)) first, or the
    largest deals first.

    Args:
        owner: A rep's or manager's name (a manager means the team); default everyone in scope.
        territory: Territory name.
        region: Region name: the territories in it.
        account: Account name.
        product: Product name.
        stage: Stage name, or several: 'Proposal, Negotiation'.
        min_amount: Only deals of at least this amount.
        max_amount: Only deals of at most this amount.
        period: Only deals whose close date falls in this period.
        forecast_category: Forecast category: commit, best_case or pipeline.
        industry: The account's industry.
        segment: The account's segment.
        country: The account's country.
        state: The account's state: 'Texas' or 'TX'.
        city: The account's city.
        deal: One deal (its name or id): its win probability.
        limit: How many deals to list (all are scored).
        sort_by: value_at_stake (the most at stake first) or amount (the largest deals first).
    """
    report = refresh(repo.engine, repo.stages, repo.as_of)
    resolved = deal_conditions(repo, viewer, params)
    if params.deal:
        resolved.conditions.append(Opportunity.id == resolve_deal(repo, viewer, params.deal))
    stake = Opportunity.amount * (1 - DealScore.probability)
    query = (
        repo.opportunities(
            viewer,
            Opportunity.id,
            Opportunity.name,
            Opportunity.stage,
            Opportunity.amount,
            Opportunity.close_date,
            Account.name.label("account"),
            User.name.label("owner"),
            DealScore.probability,
            DealScore.stage_probability,
            DealScore.factors,
            stake.label("stake"),
        )
        .join(DealScore, DealScore.opportunity_id == Opportunity.id)
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .where(*open_deal_conditions(resolved))
        .order_by(
            (Opportunity.amount if params.sort_by == "amount" else stake).desc().nulls_last(), Opportunity.id
        )
        .limit(params.limit)
    )
    with repo.connect() as connection:
        rows = connection.execute(query).all()
    deals = [
        ScoredDeal(
            id=record_id("opportunity", row.id),
            name=row.name,
            account=row.account,
            owner=row.owner,
            stage=row.stage,
            amount=row.amount,
            close_date=row.close_date,
            probability=row.probability,
            stage_probability=row.stage_probability,
            value_at_stake=Decimal(str(round(row.stake, 2))) if row.stake is not None else None,
            factors=[Factor(**factor) for factor in json.loads(row.factors)],
        )
        for row in rows
    ]
    header = _header(report)
    if viewer.role not in (Role.ADMIN, Role.REVOPS):
        # the backtest's figures are the whole organisation's: a rep or manager gets the verdict only
        header.update(auc=None, baseline_auc=None, cutoff=None, trained_on=0, reason=VERDICTS[report["used"]])
    return WinScores(
        as_of=repo.as_of,
        deals=deals,
        filters=describe(resolved, "open opportunities", f"as of {repo.as_of}"),
        **header,
    )


def _header(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": report["model"],
        "used": report["used"],
        "reason": report["reason"],
        "auc": report["auc"],
        "baseline_auc": report["baseline_auc"],
        "cutoff": report["cutoff"],
        "trained_on": report["trained_on"],
    }


class BacktestDeal(BaseModel):
    id: str
    external_id: str | None
    probability: float
    stage_probability: float
    won: bool


class ScoreBacktest(BaseModel):
    """The backtest of the data set's win score, as ``salesplan deals score --backtest --json``
    prints it."""

    model: str
    trained_on: int
    cutoff: dt.date | None
    auc: float | None
    baseline_auc: float | None
    used: Used
    deals: list[BacktestDeal]


def score_backtest(engine: Engine, stages: StageConfig, as_of: dt.date) -> tuple[ScoreBacktest, str]:
    """The backtest of the data set's win score (training first when the data changed), and the
    sentence saying what is used and why."""
    report = refresh(engine, stages, as_of)
    ids = [deal["id"] for deal in report["deals"]]
    external: dict[int, str | None] = {}
    with engine.connect() as connection:
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            query = select(Opportunity.id, Opportunity.external_id).where(Opportunity.id.in_(chunk))
            external.update((int(key), value) for key, value in connection.execute(query))
    header = _header(report)
    reason = header.pop("reason")
    deals = [
        BacktestDeal(
            id=record_id("opportunity", deal["id"]),
            external_id=external.get(deal["id"]),
            probability=deal["probability"],
            stage_probability=deal["stage_probability"],
            won=deal["won"],
        )
        for deal in report["deals"]
    ]
    return ScoreBacktest(deals=deals, **header), reason
