"""Forecast and rep performance for a period, against quota, from the metric registry.

Forecast categories come from each deal's ``forecast_category`` (set from the stage config):
``commit`` and ``best_case`` and ``pipeline`` for open deals whose close date falls in the
period; closed won counts deals won (``closed_at``) in the period. Gap to quota is
quota - (closed won + commit). Quota is the sum of the quota rows of the people in scope (or of
the filtered owner / territory) for the quota periods the period covers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from sqlalchemy import and_, func

from tools import metrics
from tools.deals.outlook import ExpectedBookings, expected_bookings
from tools.deals.pipeline import describe, undated_open
from tools.evidence import ExternalId, Figure, RecordUrl, Unit, record_id
from tools.filters import DealFilter, ResolvedFilter, deal_conditions
from tools.periods import Period, parse_period
from tools.rollup import estimated_total, first_ids, sample_ids
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity, Quota, Role, User
from tools.store.types import to_money

ZERO = Decimal("0.00")
#: Record ids listed per forecast category (the count is always complete).
MAX_IDS = 50


class ForecastQuery(DealFilter):
    period: str | None = Field(
        default="this quarter", description="The forecast period (default this quarter)."
    )


class Forecast(BaseModel):
    period: Period
    closed_won: Figure
    commit: Figure
    best_case: Figure
    pipeline: Figure
    quota: Figure
    attainment: Figure
    gap_to_quota: Figure
    coverage: Figure
    weighted_forecast: Figure
    expected: ExpectedBookings | None = Field(default=None, description="For a period not over.")
    filters: list[str]
    undated: int = Field(default=0, description="Open deals with no close date, so in no period.")


def _quota(
    repo: Repository, viewer: ViewerLike, resolved: ResolvedFilter, period: Period
) -> tuple[Decimal, list[str]]:
    query = repo.quotas(viewer, Quota.user_id, Quota.period, Quota.amount).where(
        Quota.period.in_(period.quota_periods)
    )
    if resolved.owner_ids is not None:
        query = query.where(Quota.user_id.in_(resolved.owner_ids))
    if resolved.territory_id is not None:
        query = query.join(User, User.id == Quota.user_id).where(User.territory_id == resolved.territory_id)
    with repo.connect() as connection:
        rows = connection.execute(query).all()
    return to_money(sum((r[2] for r in rows), ZERO)), [record_id("quota", f"{r[0]}:{r[1]}") for r in rows]


@dataclass
class _Bucket:
    count: int
    amount: Decimal
    weighted: Decimal
    ids: list[str]
    estimated: Decimal = ZERO


def _buckets(
    repo: Repository, viewer: ViewerLike, conditions: list[Any], period: Period
) -> dict[str, _Bucket]:
    """Closed won in the period, and open deals due in it by forecast category (aggregated in SQL)."""
    category = func.coalesce(Opportunity.forecast_category, "pipeline")
    due = [
        ~Opportunity.is_closed,
        Opportunity.close_date >= period.start,
        Opportunity.close_date < period.end,
    ]
    won = [
        Opportunity.is_closed,
        Opportunity.is_won,
        Opportunity.closed_at >= period.start,
        Opportunity.closed_at < period.end,
    ]
    total = func.coalesce(func.sum(Opportunity.amount), 0)
    weighted = func.coalesce(func.sum(Opportunity.amount * func.coalesce(Opportunity.probability, 0)), 0)
    buckets: dict[str, _Bucket] = {}
    with repo.connect() as connection:
        for key, count, amount, weight, guessed in connection.execute(
            repo.opportunities(viewer, category, func.count(), total, weighted, estimated_total())
            .where(*conditions, *due)
            .group_by(category)
        ):
            buckets[str(key)] = _Bucket(int(count), to_money(amount), to_money(weight), [], to_money(guessed))
        count, amount, guessed = connection.execute(
            repo.opportunities(viewer, func.count(), total, estimated_total()).where(*conditions, *won)
        ).one()
        buckets["closed_won"] = _Bucket(int(count), to_money(amount), to_money(amount), [], to_money(guessed))
        by_amount = [Opportunity.amount.desc()]
        due_ids = sample_ids(
            connection,
            repo.opportunities(viewer, Opportunity.id).where(*conditions, *due),
            "opportunity",
            Opportunity.id,
            by_amount,
            group=category,
            limit=MAX_IDS,
        )
        won_ids = first_ids(
            connection,
            repo.opportunities(viewer, Opportunity.id).where(*conditions, *won),
            "opportunity",
            Opportunity.id,
            by_amount,
        )
    for key, found in due_ids.items():
        buckets[str(key)].ids.extend(found)
    buckets["closed_won"].ids.extend(won_ids[:MAX_IDS])
    return buckets


def forecast(repo: Repository, viewer: ViewerLike, params: ForecastQuery) -> Forecast:
    """Forecast a period: closed won, commit, best case and pipeline against quota, with the gap, and
    the expected bookings (win scores plus the run-rate of pipeline not yet created) with a range.

    Args:
        period: The forecast period, e.g. 'this quarter', 'next quarter', 'Q1 2027' (default this quarter).
        forecast_category: Only deals in this forecast category (commit, best_case or pipeline).
        owner: A rep's or manager's name (a manager means the team).
        territory: Territory name.
        account: Account name.
        product: Product name.
        stage: Stage name.
        min_amount: Only deals of at least this amount.
        max_amount: Only deals of at most this amount.
    """
    resolved = deal_conditions(repo, viewer, params.model_copy(update={"period": None}))
    period = parse_period(params.period or "this quarter", repo.as_of, repo.fy_start_month)
    resolved.period = period
    buckets = _buckets(repo, viewer, resolved.conditions, period)
    amounts, ids, counts = (
        {k: getattr(b, f) for k, b in buckets.items()} for f in ("amount", "ids", "count")
    )
    quota, quota_ids = _quota(repo, viewer, resolved, period)
    won, commit = amounts.get("closed_won", ZERO), amounts.get("commit", ZERO)
    open_keys = ("commit", "best_case", "pipeline")
    open_amount = sum((amounts.get(k, ZERO) for k in open_keys), ZERO)
    weighted = won + sum((buckets[k].weighted for k in open_keys if k in buckets), ZERO)
    open_count = sum(counts.get(k, 0) for k in open_keys)
    filters = describe(resolved)
    open_filters = [*filters, "open opportunities"]
    won_filters = [f for f in filters if not f.startswith("close date")]
    won_filters.append(f"won (closed_at) in {period.label}")
    open_ids = [i for k in open_keys for i in ids.get(k, [])]

    def category(name: str, key: str) -> Figure:
        return Figure.of(
            name,
            amounts.get(key, ZERO),
            Unit.USD,
            f"sum(amount) of open opportunities with forecast category '{key}' closing in the period",
            open_filters,
            ids.get(key, []),
            counts.get(key, 0),
        ).with_estimate(buckets[key].estimated if key in buckets else None)

    return Forecast(
        period=period,
        closed_won=metrics.figure(
            "bookings", won, won_filters, ids.get("closed_won", []), counts.get("closed_won", 0)
        ).with_estimate(buckets["closed_won"].estimated),
        commit=category("Commit", "commit"),
        best_case=category("Best case", "best_case"),
        pipeline=category("Pipeline", "pipeline"),
        quota=metrics.figure(
            "quota",
            quota,
            [f"quota periods {', '.join(period.quota_periods) or 'none'}", *resolved.descriptions],
            quota_ids,
        ),
        attainment=metrics.figure(
            "attainment",
            metrics.ratio(won, quota),
            won_filters,
            ids.get("closed_won", []),
            counts.get("closed_won", 0),
        ),
        gap_to_quota=metrics.figure(
            "gap_to_quota",
            to_money(quota - won - commit) if quota else None,
            filters,
            ids.get("closed_won", []) + ids.get("commit", []),
            counts.get("closed_won", 0) + counts.get("commit", 0),
        ),
        coverage=metrics.figure(
            "pipeline_coverage", metrics.coverage(open_amount, quota, won), open_filters, open_ids, open_count
        ),
        weighted_forecast=Figure.of(
            "Weighted forecast",
            to_money(weighted),
            Unit.USD,
            "closed won + sum(amount x probability) of open deals closing in the period",
            filters,
            ids.get("closed_won", []) + open_ids,
            counts.get("closed_won", 0) + open_count,
        ),
        expected=expected_bookings(repo, viewer, resolved.conditions, period, won),
        filters=filters,
        undated=undated_open(repo, viewer, resolved.conditions),
    )


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
        won = [d for d in own if d.is_closed and d.is_won]
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
