"""One deal's details: resolving a deal by id, external id or name, and everything about it.

The deal is read through the viewer's scoped selects: its stage, amount, dates and next step, its
stage history and its activities (the latest ten listed, every engaged contact named).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import or_

from tools.errors import InputError
from tools.evidence import ExternalId, RecordUrl, record_id
from tools.resolve import best_match
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import (
    Account,
    Activity,
    Contact,
    Opportunity,
    OpportunityHistory,
    Product,
    User,
    table_of,
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
    external_id: ExternalId = None
    url: RecordUrl = None
    occurred_at: dt.datetime
    kind: str
    subject: str | None
    contact: str | None


class DealDetails(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    account: str | None
    account_id: str | None
    owner: str
    product: str | None
    stage: str
    amount: Decimal | None = Field(description="Empty when the deal has no amount (amount unknown, not $0).")
    amount_estimated: bool = Field(
        default=False, description="The amount is an estimate the import filled in."
    )
    estimate_basis: str | None = Field(
        default=None, description="What an estimated amount was taken from, e.g. the product's list price."
    )
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
    """The id of the visible opportunity ``text`` names (id, ``opportunity/ID``, external id — also as
    answers show it, ``#006A1`` — or name)."""
    key = text.strip().removeprefix("opportunity/").removeprefix("#")
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
        amount_estimated=opp.amount_estimated,
        estimate_basis=repo.estimate_basis() if opp.amount_estimated else None,
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
