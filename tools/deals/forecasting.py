"""The forecast for a period, against quota, from the metric registry.

Forecast categories come from each deal's ``forecast_category`` (set from the stage config):
``commit`` and ``best_case`` and ``pipeline`` for open deals whose close date falls in the
period; closed won counts deals won (``closed_at``) in the period. Gap to quota is
quota - (closed won + commit). Quota is the sum of the quota rows of the people in scope (or of
the filtered owner / territory) for the quota periods the period covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func

from tools import metrics
from tools.deals.outlook import ExpectedBookings, expected_bookings
from tools.deals.pipeline import describe, undated_open
from tools.evidence import Figure, Unit, record_id
from tools.filters import NOT_PER_PERSON, DealFilter, ResolvedFilter, deal_conditions
from tools.periods import Period, parse_period
from tools.rollup import estimated_total, first_ids, sample_ids
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity, Quota, User
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
    if not resolved.quota_applies:
        return ZERO, []  # quotas are set per person: none covers one product's or one state's deals
    query = repo.quotas(viewer, Quota.user_id, Quota.period, Quota.amount).where(
        Quota.period.in_(period.quota_periods)
    )
    if resolved.owner_ids is not None:
        query = query.where(Quota.user_id.in_(resolved.owner_ids))
    if resolved.territory_id is not None:
        query = query.join(User, User.id == Quota.user_id).where(User.territory_id == resolved.territory_id)
    elif resolved.region_territories is not None:
        query = query.join(User, User.id == Quota.user_id).where(
            User.territory_id.in_(resolved.region_territories)
        )
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
    closes = Opportunity.close_date
    due = [~Opportunity.is_closed, closes >= period.start, closes < period.end]
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
        industry: The account's industry.
        segment: The account's segment.
        country: The account's country.
        state: The account's state: 'Texas' or 'TX'.
        city: The account's city.
        owner: A rep's or manager's name (a manager means the team).
        territory: Territory name.
        region: Region name: the territories in it.
        account: Account name.
        product: Product name.
        stage: Stage name, or several: 'Proposal, Negotiation'.
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
            [f"quota periods {', '.join(period.quota_periods) or 'none'}", *resolved.descriptions]
            + ([] if resolved.quota_applies else [NOT_PER_PERSON]),
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
