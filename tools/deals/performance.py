"""Rep scorecards for a period, from the metric registry: quota, bookings, attainment, win rate,
deal size, cycle and coverage, one per rep in scope."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from sqlalchemy import and_, func

from tools import metrics
from tools.evidence import ExternalId, Figure, RecordUrl, record_id
from tools.filters import DealFilter, deal_conditions
from tools.periods import Period, parse_period
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity, Quota, Role, User
from tools.store.types import to_money

ZERO = Decimal("0.00")


class PerformanceQuery(BaseModel):
    rep: str | None = Field(default=None, description="A rep's or manager's name; default everyone in scope.")
    period: str | None = Field(default="this quarter", description="The period (default this quarter).")


class RepPerformance(BaseModel):
    source_field: ClassVar[str] = "rep_id"  # the record (tools.evidence.attach_sources)
    rep: str
    rep_id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    quota: Figure
    bookings: Figure
    attainment: Figure
    won_deals: int
    lost_deals: int
    win_rate: Figure
    average_deal_size: Figure
    sales_cycle: Figure
    open_pipeline: Figure
    coverage: Figure


class PerformanceReport(BaseModel):
    period: Period
    reps: list[RepPerformance]
    filters: list[str]


def rep_performance(repo: Repository, viewer: ViewerLike, params: PerformanceQuery) -> PerformanceReport:
    """Rep scorecards for a period: quota, bookings, attainment, win rate, deal size, cycle and coverage.

    Args:
        rep: A rep's or manager's name (a manager means the team); default everyone in scope.
        period: The period, e.g. 'this quarter', 'last quarter', '2026', 'YTD' (default this quarter).
    """
    period = parse_period(params.period or "this quarter", repo.as_of, repo.fy_start_month)
    resolved = deal_conditions(repo, viewer, DealFilter(owner=params.rep))
    reps_query = repo.users(viewer, User.id, User.name).where(User.role == Role.REP.value)
    if resolved.owner_ids is not None:
        reps_query = reps_query.where(User.id.in_(resolved.owner_ids))
    closed_in = and_(
        Opportunity.is_closed, Opportunity.closed_at >= period.start, Opportunity.closed_at < period.end
    )
    open_in = and_(
        ~Opportunity.is_closed, Opportunity.close_date >= period.start, Opportunity.close_date < period.end
    )
    with repo.connect() as connection:
        reps = connection.execute(reps_query.order_by(User.name)).all()
        rep_ids = [r.id for r in reps]
        deals = connection.execute(
            repo.opportunities(
                viewer,
                Opportunity.id,
                Opportunity.owner_id,
                Opportunity.is_won,
                Opportunity.amount,
                Opportunity.created_at,
                Opportunity.closed_at,
                Opportunity.is_closed,
            ).where(Opportunity.owner_id.in_(rep_ids), closed_in | open_in)
        ).all()
        quotas = connection.execute(
            repo.quotas(viewer, Quota.user_id, func.sum(Quota.amount))
            .where(Quota.user_id.in_(rep_ids), Quota.period.in_(period.quota_periods))
            .group_by(Quota.user_id)
        ).all()
    quota_by_rep = {int(u): to_money(a or 0) for u, a in quotas}
    by_rep: dict[int, list[Any]] = defaultdict(list)
    for deal in deals:
        by_rep[deal.owner_id].append(deal)
    base = [f"closed (closed_at) in {period.label}"]
    report = []
    for rep in reps:
        own = by_rep.get(rep.id, [])
        # the largest first, so the first ids of the bookings' records are its largest deals
        won = sorted((d for d in own if d.is_closed and d.is_won), key=lambda d: (-(d.amount or ZERO), d.id))
        lost = [d for d in own if d.is_closed and not d.is_won]
        open_deals = [d for d in own if not d.is_closed]
        bookings = to_money(sum((d.amount or ZERO for d in won), ZERO))
        pipeline = to_money(sum((d.amount or ZERO for d in open_deals), ZERO))
        quota = quota_by_rep.get(rep.id, ZERO)
        filters = [f"owner: {rep.name}", *base]
        won_ids = [record_id("opportunity", d.id) for d in won]
        closed_ids = won_ids + [record_id("opportunity", d.id) for d in lost]
        open_ids = [record_id("opportunity", d.id) for d in open_deals]
        cycles = [(d.closed_at - d.created_at).days for d in won if d.created_at and d.closed_at]
        report.append(
            RepPerformance(
                rep=rep.name,
                rep_id=record_id("user", rep.id),
                quota=metrics.figure(
                    "quota",
                    quota,
                    [f"owner: {rep.name}", *period.quota_periods],
                    [record_id("quota", f"{rep.id}:{p}") for p in period.quota_periods],
                ),
                bookings=metrics.figure("bookings", bookings, filters, won_ids),
                attainment=metrics.figure("attainment", metrics.ratio(bookings, quota), filters, won_ids),
                won_deals=len(won),
                lost_deals=len(lost),
                win_rate=metrics.figure(
                    "win_rate", metrics.win_rate(len(won), len(lost)), filters, closed_ids
                ),
                average_deal_size=metrics.figure(
                    "average_deal_size",
                    metrics.average([d.amount for d in won if d.amount]),
                    filters,
                    won_ids,
                ),
                sales_cycle=metrics.figure("sales_cycle", metrics.median_days(cycles), filters, won_ids),
                open_pipeline=metrics.figure(
                    "open_pipeline",
                    pipeline,
                    [f"owner: {rep.name}", f"close date in {period.label}"],
                    open_ids,
                ),
                coverage=metrics.figure(
                    "pipeline_coverage",
                    metrics.coverage(pipeline, quota, bookings),
                    [f"owner: {rep.name}", period.label],
                    open_ids,
                ),
            )
        )
    return PerformanceReport(period=period, reps=report, filters=["viewer's scope", *resolved.descriptions])
