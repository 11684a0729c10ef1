"""The pipeline tool: open pipeline by stage / owner / product / territory / month.

Open pipeline means opportunities not closed; "weighted" multiplies each amount by its stage
probability. A period filters on the close date. Every figure lists its formula, filters and the
opportunities behind it. One deal's details are in :mod:`tools.deals.details`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, String, cast, func

from tools.evidence import Figure, Unit
from tools.filters import DealFilter, ResolvedFilter, deal_conditions
from tools.metrics import figure
from tools.rollup import estimated_total, sample_ids, sample_per_key
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import (
    Account,
    Opportunity,
    Product,
    Territory,
    User,
)
from tools.store.types import to_money

MAX_IDS_PER_GROUP = 20


class GroupBy(StrEnum):
    STAGE = "stage"
    OWNER = "owner"
    PRODUCT = "product"
    TERRITORY = "territory"
    MONTH = "month"
    FORECAST_CATEGORY = "forecast_category"


class PipelineQuery(DealFilter):
    group_by: GroupBy = Field(default=GroupBy.STAGE, description="How to break the pipeline down.")


class PipelineGroup(BaseModel):
    key: str
    count: int
    amount: Decimal
    weighted_amount: Decimal
    estimated_amount: Decimal = Field(
        default=Decimal("0.00"), description="The part of amount that is estimated (filled in by the import)."
    )
    unknown_amounts: int = Field(default=0, description="Deals counted here that have no amount at all.")
    record_ids: list[str]


class PipelineSummary(BaseModel):
    group_by: GroupBy
    groups: list[PipelineGroup]
    open_pipeline: Figure
    weighted_pipeline: Figure
    deal_count: Figure
    filters: list[str]
    estimate_basis: str | None = Field(
        default=None, description="What estimated amounts were taken from, when any amount is estimated."
    )
    undated: int = Field(
        default=0,
        description="Open deals matching the other filters that have no close date, so no period holds them.",
    )


def open_deal_conditions(resolved: ResolvedFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [~Opportunity.is_closed, *resolved.conditions]
    if resolved.period:
        conditions += [
            Opportunity.close_date >= resolved.period.start,
            Opportunity.close_date < resolved.period.end,
        ]
    return conditions


def undated_open(repo: Repository, viewer: ViewerLike, conditions: list[ColumnElement[bool]]) -> int:
    """Open deals matching ``conditions`` that have no close date (no period can hold them)."""
    query = repo.opportunities(viewer, func.count()).where(
        ~Opportunity.is_closed, Opportunity.close_date.is_(None), *conditions
    )
    with repo.connect() as connection:
        return int(connection.execute(query).scalar_one())


def describe(resolved: ResolvedFilter, *extra: str) -> list[str]:
    period = resolved.period
    dates = [f"close date in {period.label} ({period.start} to {period.last_day})"] if period else []
    return ["viewer's scope", *extra, *resolved.descriptions, *dates]


def _group_column(group_by: GroupBy) -> Any:
    return {
        GroupBy.STAGE: Opportunity.stage,
        GroupBy.OWNER: User.name,
        GroupBy.PRODUCT: func.coalesce(Product.name, "(no product)"),
        GroupBy.TERRITORY: func.coalesce(Territory.name, "(no territory)"),
        GroupBy.MONTH: func.coalesce(
            func.substr(cast(Opportunity.close_date, String), 1, 7), "(no close date)"
        ),
        GroupBy.FORECAST_CATEGORY: func.coalesce(Opportunity.forecast_category, "(none)"),
    }[group_by]


def _joined(query: Any, group_by: GroupBy) -> Any:
    """Join only what the grouping needs (filters use subqueries, not joins)."""
    if group_by is GroupBy.OWNER:
        return query.outerjoin(User, User.id == Opportunity.owner_id)
    if group_by is GroupBy.PRODUCT:
        return query.outerjoin(Product, Product.id == Opportunity.product_id)
    if group_by is GroupBy.TERRITORY:
        return query.outerjoin(Account, Account.id == Opportunity.account_id).outerjoin(
            Territory, Territory.id == Account.territory_id
        )
    return query


def pipeline_summary(repo: Repository, viewer: ViewerLike, params: PipelineQuery) -> PipelineSummary:
    """Summarise open pipeline: deal count, amount and weighted amount, broken down by a dimension.

    Args:
        owner: A rep's or manager's name (a manager means the team).
        territory: Territory name.
        region: Region name: the territories in it.
        account: Account name.
        product: Product name.
        stage: Stage name, or several: 'Proposal, Negotiation'.
        min_amount: Only deals of at least this amount.
        max_amount: Only deals of at most this amount.
        period: Close date within a period, e.g. 'this quarter'.
        forecast_category: Forecast category: commit, best_case or pipeline.
        industry: The account's industry.
        segment: The account's segment.
        country: The account's country.
        state: The account's state: 'Texas' or 'TX'.
        city: The account's city.
        group_by: stage, owner, product, territory, month or forecast_category.
    """
    resolved = deal_conditions(repo, viewer, params)
    key = _group_column(params.group_by).label("key")
    weighted = func.sum(Opportunity.amount * func.coalesce(Opportunity.probability, 0))
    query = (
        _joined(
            repo.opportunities(
                viewer,
                key,
                func.count(),
                func.coalesce(func.sum(Opportunity.amount), 0),
                weighted,
                estimated_total(),
                func.count() - func.count(Opportunity.amount),
                estimated_total(Opportunity.amount * func.coalesce(Opportunity.probability, 0)),
            ),
            params.group_by,
        )
        .where(*open_deal_conditions(resolved))
        .group_by(key)
    )
    in_scope = _joined(repo.opportunities(viewer, Opportunity.id), params.group_by).where(
        *open_deal_conditions(resolved)
    )
    with repo.connect() as connection:
        rows = connection.execute(query).all()
        # an export whose open deals carry no close date: a period leaves them all out; say so
        undated = undated_open(repo, viewer, resolved.conditions) if resolved.period is not None else 0
        if params.group_by is GroupBy.STAGE:  # each stage's largest deals: ix_opportunities_open_stage
            sampled = sample_per_key(
                connection,
                in_scope,
                "opportunity",
                Opportunity.id,
                Opportunity.amount,
                Opportunity.stage,
                [row[0] for row in rows],
                limit=MAX_IDS_PER_GROUP,
            )
        else:
            sampled = sample_ids(
                connection,
                in_scope,
                "opportunity",
                Opportunity.id,
                [Opportunity.amount.desc()],
                group=_group_column(params.group_by),
                limit=MAX_IDS_PER_GROUP,
            )
    ids = {str(group): found for group, found in sampled.items()}
    order = {name: i for i, name in enumerate(repo.stages.names)}
    groups = [
        PipelineGroup(
            key=str(k),
            count=int(c),
            amount=to_money(a or 0),
            weighted_amount=to_money(w or 0),
            estimated_amount=to_money(e or 0),
            unknown_amounts=int(u),
            record_ids=ids.get(str(k), []),
        )
        for k, c, a, w, e, u, _ in rows
    ]
    estimated_weighted = sum((to_money(row[6] or 0) for row in rows), Decimal(0))
    if params.group_by is GroupBy.STAGE:
        groups.sort(key=lambda g: order.get(g.key, len(order)))
    elif params.group_by is GroupBy.MONTH:
        groups.sort(key=lambda g: g.key)
    else:
        groups.sort(key=lambda g: g.amount, reverse=True)
    filters = describe(resolved, "open opportunities")
    total = sum((g.amount for g in groups), Decimal(0))
    count = sum(g.count for g in groups)
    estimated = sum((g.estimated_amount for g in groups), Decimal(0))
    all_ids = [i for g in sorted(groups, key=lambda g: g.amount, reverse=True) for i in g.record_ids]
    return PipelineSummary(
        group_by=params.group_by,
        groups=groups,
        open_pipeline=figure("open_pipeline", to_money(total), filters, all_ids, count).with_estimate(
            estimated
        ),
        weighted_pipeline=figure(
            "weighted_pipeline",
            to_money(sum((g.weighted_amount for g in groups), Decimal(0))),
            filters,
            all_ids,
            count,
        ).with_estimate(estimated_weighted),
        deal_count=Figure.of(
            "Open deals",
            sum(g.count for g in groups),
            Unit.COUNT,
            "count of open opportunities",
            filters,
            all_ids,
            count,
        ),
        filters=filters,
        estimate_basis=repo.estimate_basis() if estimated else None,
        undated=undated,
    )
