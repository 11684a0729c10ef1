"""The territory summary: accounts, potential, pipeline, bookings against quota, coverage and gaps.

Quota is the quota of the reps whose home territory is summarised (in the viewer's scope);
bookings and pipeline are the viewer's opportunities on the territory's accounts. Registered
metrics (open and weighted pipeline, bookings, quota, attainment, pipeline coverage) carry the
metric registry's definitions. The account lines (breakdowns, the largest accounts, account
briefs) are read in :mod:`tools.territory.summary_accounts`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import case, func

from tools.evidence import Figure, Unit, record_id
from tools.metrics import coverage, ratio
from tools.rollup import estimated_total, first_ids, measure, metric, money, period_of, weighted_amount
from tools.store.repository import Repository
from tools.store.schema import Account, Activity, Opportunity, Quota, User
from tools.territory.book import (
    PeriodRef,
    TerritoryRef,
    accounts_in,
    chosen_territories,
    deals_in,
    due_in,
    period_filter,
    period_ref,
    territory_ids,
    won_in,
)
from tools.territory.summary_accounts import AccountBrief, Breakdown, breakdown, briefs, ranked
from tools.viewer import Viewer

QUIET_DAYS = 60
TOP_ACCOUNTS = 10
GAP_ACCOUNTS = 20


class TerritorySummaryInput(BaseModel):
    territory: str | None = Field(
        default=None,
        description="Territory name; empty means your own territory (a manager: your team's territories).",
    )
    period: str = Field(default="this quarter", description="Period for bookings, quota and coverage.")


class CoverageGap(BaseModel):
    accounts: Figure
    largest: list[AccountBrief] = Field(description="The largest of these accounts by potential.")


class TerritorySummary(BaseModel):
    """Accounts, potential, pipeline, bookings vs quota, coverage and gaps of one or more territories."""

    territories: list[TerritoryRef]
    period: PeriodRef
    as_of: dt.date
    accounts: Figure
    by_segment: list[Breakdown]
    by_industry: list[Breakdown]
    potential: Figure
    open_deals: Figure
    open_pipeline: Figure
    weighted_pipeline: Figure
    pipeline_due_in_period: Figure
    bookings: Figure
    quota: Figure
    attainment: Figure
    pipeline_coverage: Figure
    no_activity_60_days: CoverageGap
    no_open_pipeline: CoverageGap
    top_accounts: list[AccountBrief]


def territory_summary(repo: Repository, viewer: Viewer, params: TerritorySummaryInput) -> TerritorySummary:
    """Summarise a territory: accounts, potential, pipeline, bookings vs quota, gaps and top accounts.

    Accounts are counted by segment and industry. Open pipeline (count, amount, weighted) counts your
    visible open deals on the territory's accounts; bookings are deals won (closed_at) in the period;
    quota is the quota of the territory's reps for the period; attainment = bookings / quota;
    pipeline coverage = open pipeline due in the period / (quota - bookings). Coverage gaps are
    accounts with no activity in 60 days and accounts with no open pipeline. A rep sees only their
    own deals, activities and quota; a manager sees the team's.

    Args:
        territory: Territory name; empty means your own territory (a manager: your team's territories).
        period: Period for bookings, quota and coverage, e.g. 'this quarter', 'Q1 2027', '2026'.

    Returns:
        The summary; every number is a figure with its formula, filters and record ids.

    Raises:
        UnknownName: No territory you can see has that name.
        InputError: No territory was named and you have none of your own, or the period is not understood.
    """
    period = period_of(repo, params.period)
    territories = chosen_territories(repo, viewer, params.territory, own_by_default=True)
    tids = territory_ids(territories)
    where = [f"territory: {', '.join(t.name for t in territories)}", "your scope"]
    in_period = [*where, f"period: {period_filter(period)}"]
    quiet_since = dt.datetime.combine(repo.as_of - dt.timedelta(days=QUIET_DAYS), dt.time(), dt.UTC)
    accounts = accounts_in(repo, viewer, tids)
    deals = deals_in(repo, viewer, tids)
    open_deals = deals.where(~Opportunity.is_closed)
    won = deals.where(*won_in(period))
    due = due_in(period)
    by_amount = [Opportunity.amount.desc()]
    with repo.connect() as connection:
        every = ranked(connection, accounts)
        n_open, open_amount, weighted, n_due, due_amount, *guessed = connection.execute(
            open_deals.with_only_columns(
                func.count(Opportunity.id),
                func.sum(Opportunity.amount),
                func.sum(weighted_amount()),
                func.coalesce(func.sum(case((due, 1), else_=0)), 0),
                func.sum(case((due, Opportunity.amount), else_=None)),
                estimated_total(),
                estimated_total(weighted_amount()),
                estimated_total(case((due, Opportunity.amount), else_=None)),
            )
        ).one()
        open_ids = first_ids(connection, open_deals, "opportunity", Opportunity.id, by_amount)
        due_ids = first_ids(connection, open_deals.where(due), "opportunity", Opportunity.id, by_amount)
        n_won, bookings = connection.execute(
            won.with_only_columns(func.count(Opportunity.id), func.sum(Opportunity.amount))
        ).one()
        won_ids = first_ids(connection, won, "opportunity", Opportunity.id, by_amount)
        quotas = connection.execute(
            repo.quotas(viewer, Quota.user_id, Quota.period, Quota.amount)
            .join(User, User.id == Quota.user_id)
            .where(User.territory_id.in_(tids), Quota.period.in_(period.quota_periods))
            .order_by(Quota.user_id, Quota.period)
        ).all()
        # anti-joins on grouped subqueries: one pass over each table, on SQLite and PostgreSQL alike
        touched = (
            repo.activities(viewer, Activity.account_id.label("account_id"))
            .where(Activity.occurred_at >= quiet_since, Activity.account_id.is_not(None))
            .group_by(Activity.account_id)
            .subquery()
        )
        covered = (
            repo.opportunities(viewer, Opportunity.account_id.label("account_id"))
            .where(~Opportunity.is_closed, Opportunity.account_id.is_not(None))
            .group_by(Opportunity.account_id)
            .subquery()
        )
        quiet = ranked(
            connection,
            accounts.outerjoin(touched, touched.c.account_id == Account.id).where(
                touched.c.account_id.is_(None)
            ),
        )
        uncovered = ranked(
            connection,
            accounts.outerjoin(covered, covered.c.account_id == Account.id).where(
                covered.c.account_id.is_(None)
            ),
        )
        by_segment = breakdown(connection, accounts, Account.segment, where)
        by_industry = breakdown(connection, accounts, Account.industry, where)
        top, quiet_largest, uncovered_largest = briefs(
            repo,
            viewer,
            connection,
            [every.rows[:TOP_ACCOUNTS], quiet.rows[:GAP_ACCOUNTS], uncovered.rows[:GAP_ACCOUNTS]],
        )
    quota = money(sum((q.amount for q in quotas), money(None)))
    quota_ids = [record_id("quota", f"{q.user_id}:{q.period}") for q in quotas]
    booked, due_total = money(bookings), money(due_amount)
    quota_filters = [*where, f"quota periods: {', '.join(period.quota_periods) or 'none'}"]
    return TerritorySummary(
        territories=territories,
        period=period_ref(period),
        as_of=repo.as_of,
        accounts=measure(
            "Accounts", every.count, Unit.COUNT, "count of accounts", where, every.ids, every.count
        ),
        by_segment=by_segment,
        by_industry=by_industry,
        potential=measure(
            "Potential", every.potential, Unit.USD, "sum(accounts.potential)", where, every.ids, every.count
        ),
        open_deals=measure(
            "Open deals", int(n_open), Unit.COUNT, "count of open opportunities", where, open_ids, int(n_open)
        ),
        open_pipeline=metric(
            "open_pipeline", money(open_amount), [*where, "open"], open_ids, int(n_open)
        ).with_estimate(guessed[0]),
        weighted_pipeline=metric(
            "weighted_pipeline", money(weighted), [*where, "open"], open_ids, int(n_open)
        ).with_estimate(guessed[1]),
        pipeline_due_in_period=metric(
            "open_pipeline", due_total, [*in_period, "open", "close date in the period"], due_ids, int(n_due)
        ).with_estimate(guessed[2]),
        bookings=metric("bookings", booked, in_period, won_ids, int(n_won)),
        quota=metric("quota", quota if quotas else None, quota_filters, quota_ids, len(quota_ids)),
        attainment=metric(
            "attainment", ratio(booked, quota), in_period, [*won_ids, *quota_ids], int(n_won) + len(quota_ids)
        ),
        pipeline_coverage=metric(
            "pipeline_coverage",
            coverage(due_total, quota, booked),
            in_period,
            [*due_ids, *won_ids, *quota_ids],
            int(n_due) + int(n_won) + len(quota_ids),
        ),
        no_activity_60_days=CoverageGap(
            accounts=measure(
                "Accounts with no activity in 60 days",
                quiet.count,
                Unit.COUNT,
                "count of accounts with no activity you can see on or after as-of - 60 days",
                [*where, f"no activity since {quiet_since.date()}"],
                quiet.ids,
                quiet.count,
            ),
            largest=quiet_largest,
        ),
        no_open_pipeline=CoverageGap(
            accounts=measure(
                "Accounts with no open pipeline",
                uncovered.count,
                Unit.COUNT,
                "count of accounts with none of your open opportunities",
                [*where, "no open opportunity"],
                uncovered.ids,
                uncovered.count,
            ),
            largest=uncovered_largest,
        ),
        top_accounts=top,
    )
