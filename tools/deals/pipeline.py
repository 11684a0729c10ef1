"""Pipeline tools: open pipeline by stage / owner / product / territory / month, and deal details.

Open pipeline means opportunities not closed; "weighted" multiplies each amount by its stage
probability. A period filters on the close date. Every figure lists its formula, filters and the
opportunities behind it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, String, cast, func, or_

from tools.errors import InputError
from tools.evidence import Figure, Unit, record_id
from tools.filters import DealFilter, ResolvedFilter, deal_conditions
from tools.metrics import figure
from tools.resolve import best_match
from tools.rollup import sample_ids
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import (
    Account,
    Activity,
    Contact,
    Opportunity,
    OpportunityHistory,
    Product,
    Territory,
    User,
    table_of,
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
    record_ids: list[str]


class PipelineSummary(BaseModel):
    group_by: GroupBy
    groups: list[PipelineGroup]
    open_pipeline: Figure
    weighted_pipeline: Figure
    deal_count: Figure
    filters: list[str]


def open_deal_conditions(resolved: ResolvedFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [~Opportunity.is_closed, *resolved.conditions]
    if resolved.period:
        conditions += [
            Opportunity.close_date >= resolved.period.start,
            Opportunity.close_date < resolved.period.end,
        ]
    return conditions


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
        account: Account name.
        product: Product name.
        stage: Stage name.
        min_amount: Only deals of at least this amount.
        max_amount: Only deals of at most this amount.
        period: Close date within a period, e.g. 'this quarter'.
        group_by: stage, owner, product, territory, month or forecast_category.
    """
    resolved = deal_conditions(repo, viewer, params)
    key = _group_column(params.group_by).label("key")
    weighted = func.sum(Opportunity.amount * func.coalesce(Opportunity.probability, 0))
    query = (
        _joined(
            repo.opportunities(
                viewer, key, func.count(), func.coalesce(func.sum(Opportunity.amount), 0), weighted
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
            record_ids=ids.get(str(k), []),
        )
        for k, c, a, w in rows
    ]
    if params.group_by is GroupBy.STAGE:
        groups.sort(key=lambda g: order.get(g.key, len(order)))
    elif params.group_by is GroupBy.MONTH:
        groups.sort(key=lambda g: g.key)
    else:
        groups.sort(key=lambda g: g.amount, reverse=True)
    filters = describe(resolved, "open opportunities")
    total = sum((g.amount for g in groups), Decimal(0))
    count = sum(g.count for g in groups)
    all_ids = [i for g in sorted(groups, key=lambda g: g.amount, reverse=True) for i in g.record_ids]
    return PipelineSummary(
        group_by=params.group_by,
        groups=groups,
        open_pipeline=figure("open_pipeline", to_money(total), filters, all_ids, count),
        weighted_pipeline=figure(
            "weighted_pipeline",
            to_money(sum((g.weighted_amount for g in groups), Decimal(0))),
            filters,
            all_ids,
            count,
        ),
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
    )


class DealQuery(BaseModel):
    deal: str = Field(
        description="The deal's name (or part of it), or its id such as 'opportunity/42' or '42'."
    )


class HistoryEntry(BaseModel):
    changed_at: dt.date
    stage: str
    amount: Decimal | None
    close_date: dt.date | None


class ActivityLine(BaseModel):
    id: str
    occurred_at: dt.datetime
    kind: str
    subject: str | None
    contact: str | None


class DealDetails(BaseModel):
    id: str
    name: str
    account: str | None
    account_id: str | None
    owner: str
    product: str | None
    stage: str
    amount: Decimal | None
    probability: float | None
    forecast_category: str | None
    created_at: dt.date | None
    stage_entered_at: dt.date | None
    close_date: dt.date | None
    closed_at: dt.date | None
    is_closed: bool
    is_won: bool
    next_step: str | None
    next_step_date: dt.date | None
    last_activity_at: dt.date | None
    loss_reason: str | None
    days_in_stage: int | None
    age_days: int | None
    history: list[HistoryEntry]
    activities: list[ActivityLine]
    contacts_engaged: list[str]


def resolve_deal(repo: Repository, viewer: ViewerLike, text: str) -> int:
    """The id of the visible opportunity ``text`` names (id, ``opportunity/ID``, external id or name)."""
    key = text.strip().removeprefix("opportunity/")
    with repo.connect() as connection:
        if key.isdigit():
            found = connection.execute(
                repo.opportunities(viewer, Opportunity.id).where(Opportunity.id == int(key))
            )
            hit = found.scalar()
            if hit is not None:
                return int(hit)
        by_external = connection.execute(
            repo.opportunities(viewer, Opportunity.id).where(Opportunity.external_id == key)
        ).scalar()
        if by_external is not None:
            return int(by_external)
        words = [w for w in key.split() if len(w) > 2][:3]
        candidates = connection.execute(
            repo.opportunities(viewer, Opportunity.id, Opportunity.name)
            .where(or_(*(Opportunity.name.ilike(f"%{w}%") for w in words)) if words else Opportunity.id < 0)
            .limit(5000)
        ).all()
    if not candidates:
        raise InputError(f"no deal named {text!r}")
    return best_match("deal", text, {int(i): str(n) for i, n in candidates}).id


def deal_details(repo: Repository, viewer: ViewerLike, params: DealQuery) -> DealDetails:
    """Everything about one deal: stage, amount, dates, next step, stage history and recent activity.

    Args:
        deal: The deal's name (or part of it), or its id such as 'opportunity/42'.
    """
    opp_id = resolve_deal(repo, viewer, params.deal)
    with repo.connect() as connection:
        row = connection.execute(
            repo.opportunities(
                viewer,
                *table_of(Opportunity).c,
                Account.name.label("account_name"),
                User.name.label("owner_name"),
                Product.name.label("product_name"),
            )
            .outerjoin(Account, Account.id == Opportunity.account_id)
            .outerjoin(User, User.id == Opportunity.owner_id)
            .outerjoin(Product, Product.id == Opportunity.product_id)
            .where(Opportunity.id == opp_id)
        ).one()
        history = connection.execute(
            repo.history(
                viewer,
                OpportunityHistory.changed_at,
                OpportunityHistory.stage,
                OpportunityHistory.amount,
                OpportunityHistory.close_date,
            )
            .where(OpportunityHistory.opportunity_id == opp_id)
            .order_by(OpportunityHistory.changed_at, OpportunityHistory.id)
        ).all()
        activities = connection.execute(
            repo.activities(
                viewer, Activity.id, Activity.occurred_at, Activity.kind, Activity.subject, Contact.name
            )
            .outerjoin(Contact, Contact.id == Activity.contact_id)
            .where(Activity.opportunity_id == opp_id)
            .order_by(Activity.occurred_at.desc())
        ).all()
    opp = row
    as_of = repo.as_of
    return DealDetails(
        id=record_id("opportunity", opp.id),
        name=opp.name,
        account=row.account_name,
        account_id=record_id("account", opp.account_id) if opp.account_id else None,
        owner=row.owner_name,
        product=row.product_name,
        stage=opp.stage,
        amount=opp.amount,
        probability=opp.probability,
        forecast_category=opp.forecast_category,
        created_at=opp.created_at,
        stage_entered_at=opp.stage_entered_at,
        close_date=opp.close_date,
        closed_at=opp.closed_at,
        is_closed=opp.is_closed,
        is_won=opp.is_won,
        next_step=opp.next_step,
        next_step_date=opp.next_step_date,
        last_activity_at=opp.last_activity_at,
        loss_reason=opp.loss_reason,
        days_in_stage=(as_of - opp.stage_entered_at).days
        if opp.stage_entered_at and not opp.is_closed
        else None,
        age_days=((opp.closed_at or as_of) - opp.created_at).days if opp.created_at else None,
        history=[HistoryEntry(changed_at=h[0], stage=h[1], amount=h[2], close_date=h[3]) for h in history],
        activities=[
            ActivityLine(
                id=record_id("activity", a[0]), occurred_at=a[1], kind=a[2], subject=a[3], contact=a[4]
            )
            for a in activities[:10]
        ],
        contacts_engaged=sorted({a[4] for a in activities if a[4]}),
    )
