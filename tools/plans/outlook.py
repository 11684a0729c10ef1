"""A quarter's outlook against quota: figures that are defined together, so they always agree.

For one fiscal quarter, over the plan's deals (the same base select as every other plan figure):

* quota = the quota of the plan's reps for the quarter;
* won = bookings in the quarter so far; attainment = won / quota;
* remaining quota = max(0, quota - won);
* pipeline due = open deals with a close date in the quarter, by forecast category (commit, best
  case, pipeline); coverage = pipeline due / remaining quota;
* forecast = won + weighted pipeline due (sum of amount x stage probability of those deals);
  forecast attainment = forecast / quota;
* gap = quota - forecast: positive is the shortfall the forecast leaves, negative means the
  forecast is above quota by that much.

Open deals with no amount are counted, never summed as $0 (``without_amount``); open deals with no
close date belong to no quarter (``open_without_close_date``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, case, func, literal

from tools import metrics
from tools.evidence import Figure, Unit
from tools.periods import Period
from tools.rollup import money, sample_ids, weighted_amount
from tools.store.repository import Repository
from tools.store.schema import Opportunity
from tools.territory.book import due_in, period_filter

CATEGORIES = ("commit", "best_case", "pipeline")


class Outlook(BaseModel):
    period: str
    quota: Figure
    won: Figure
    attainment: Figure
    remaining_quota: Figure
    pipeline_due: Figure
    due_deals: int
    due_without_amount: int
    categories: dict[str, Figure] = Field(description="Pipeline due by forecast category.")
    coverage: Figure
    weighted_due: Figure
    forecast: Figure
    forecast_attainment: Figure
    gap: Figure
    open_deals: int = Field(description="Every open deal of the plan, whatever its close date.")
    open_without_close_date: int
    open_without_amount: int


def outlook(
    repo: Repository,
    deals: Select[Any],
    period: Period,
    quota: Figure,
    won: Figure,
    filters: list[str],
) -> Outlook:
    """The quarter's outlook from ``deals`` (scoped), its ``quota`` and what is ``won`` so far."""
    due = deals.where(~Opportunity.is_closed, due_in(period))
    category = func.coalesce(Opportunity.forecast_category, "pipeline")
    one = literal(1)
    no_amount = case((Opportunity.amount.is_(None), one), else_=0)
    with repo.connect() as connection:
        rows = connection.execute(
            due.with_only_columns(
                category.label("category"),
                func.count(Opportunity.id).label("deals"),
                func.sum(Opportunity.amount).label("amount"),
                func.sum(weighted_amount()).label("weighted"),
                func.sum(no_amount).label("unknown"),
            ).group_by(category)
        ).all()
        every_open = connection.execute(
            deals.where(~Opportunity.is_closed).with_only_columns(
                func.count(Opportunity.id),
                func.sum(case((Opportunity.close_date.is_(None), one), else_=0)),
                func.sum(no_amount),
            )
        ).one()
        order = [Opportunity.amount.desc().nulls_last()]
        ids = sample_ids(connection, due, "opportunity", Opportunity.id, order, category)
    found = {str(r.category): r for r in rows}
    in_period = [*filters, f"period: {period_filter(period)}"]
    due_filters = [*in_period, "open", "close date in the period"]

    def amount(key: str) -> Decimal:
        return money(found[key].amount) if key in found else money(0)

    categories = {
        key: Figure.of(
            key.replace("_", " ").capitalize(),
            amount(key),
            Unit.USD,
            f"sum(amount) of open deals with forecast category '{key}' due in the period",
            due_filters,
            ids[key],
            int(found[key].deals) if key in found else 0,
        )
        for key in sorted({*CATEGORIES, *found}, key=lambda k: (k not in CATEGORIES, k))
    }
    due_ids = [i for key in categories for i in ids[key]]
    n_due = sum(int(r.deals) for r in rows)
    due_amount = sum((amount(k) for k in found), money(0))
    weighted = sum((money(r.weighted) for r in rows), money(0))
    booked = money(won.value)
    target = None if quota.value is None else money(quota.value)
    forecast = booked + weighted
    ratio_filters = [*in_period, "quota recorded for the period"]
    return Outlook(
        period=period.label,
        quota=quota,
        won=won,
        attainment=metrics.figure(
            "attainment", metrics.ratio(booked, target) if target else None, in_period, won.record_ids
        ),
        remaining_quota=Figure.of(
            "Remaining quota",
            metrics.remaining_quota(target, booked) if target else None,
            Unit.USD,
            "max(0, quota - won in the period)",
            ratio_filters,
        ),
        pipeline_due=metrics.figure("open_pipeline", due_amount, due_filters, due_ids, n_due),
        due_deals=n_due,
        due_without_amount=sum(int(r.unknown or 0) for r in rows),
        categories=categories,
        coverage=metrics.figure(
            "pipeline_coverage",
            metrics.coverage(due_amount, target, booked) if target else None,
            ratio_filters,
            due_ids,
            n_due,
        ),
        weighted_due=Figure.of(
            "Weighted pipeline due",
            weighted,
            Unit.USD,
            "sum(amount x stage probability) of open deals due in the period",
            due_filters,
            due_ids,
            n_due,
        ),
        forecast=Figure.of(
            "Forecast",
            forecast,
            Unit.USD,
            "won in the period + sum(amount x stage probability) of open deals due in it",
            in_period,
            [*won.record_ids, *due_ids],
            won.record_count + n_due,
        ),
        forecast_attainment=Figure.of(
            "Forecast attainment",
            metrics.ratio(forecast, target) if target else None,
            Unit.RATIO,
            "forecast / quota",
            ratio_filters,
        ),
        gap=Figure.of(
            "Gap to quota",
            target - forecast if target else None,
            Unit.USD,
            "quota - forecast (won + weighted pipeline due); negative: forecast above quota",
            ratio_filters,
        ),
        open_deals=int(every_open[0] or 0),
        open_without_close_date=int(every_open[1] or 0),
        open_without_amount=int(every_open[2] or 0),
    )
