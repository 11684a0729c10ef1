"""The metric registry: one written definition per sales metric, used by every tool.

Each :class:`Metric` has the definition a person reads and the function that computes it from
already-scoped aggregates, so "win rate" means the same thing in a pipeline answer, a rep
scorecard and a territory plan. The semantic layer (:mod:`tools.semantic`) declares its measures
on these definitions: a measure's name, unit and formula are the registry's, written once here.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from decimal import Decimal

from pydantic import BaseModel

from tools.evidence import Figure, Unit


class Metric(BaseModel):
    key: str
    name: str
    unit: Unit
    definition: str


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            key="bookings",
            name="Bookings (closed won)",
            unit=Unit.USD,
            definition="Sum of amount of opportunities won (closed_at) in the period.",
        ),
        Metric(
            key="win_rate",
            name="Win rate",
            unit=Unit.RATIO,
            definition="Won / (won + lost), counting opportunities closed (closed_at) in the period.",
        ),
        Metric(
            key="win_rate_by_value",
            name="Win rate by value",
            unit=Unit.RATIO,
            definition="Amount won / (amount won + amount lost), over opportunities closed (closed_at) in "
            "the period with an amount.",
        ),
        Metric(
            key="loss_rate",
            name="Loss rate",
            unit=Unit.RATIO,
            definition="Lost / (won + lost), counting opportunities closed (closed_at) in the period.",
        ),
        Metric(
            key="average_deal_size",
            name="Average won deal size",
            unit=Unit.USD,
            definition="Mean amount of opportunities won in the period.",
        ),
        Metric(
            key="average_lost_deal_size",
            name="Average lost deal size",
            unit=Unit.USD,
            definition="Mean amount of opportunities lost in the period.",
        ),
        Metric(
            key="sales_cycle",
            name="Median sales cycle",
            unit=Unit.DAYS,
            definition="Median days from created_at to closed_at of opportunities won in the period.",
        ),
        Metric(
            key="open_pipeline",
            name="Open pipeline",
            unit=Unit.USD,
            definition="Sum of amount of open opportunities (close date in the period when one is given).",
        ),
        Metric(
            key="weighted_pipeline",
            name="Weighted pipeline",
            unit=Unit.USD,
            definition="Sum of amount x stage probability of open opportunities.",
        ),
        Metric(
            key="quota",
            name="Quota",
            unit=Unit.USD,
            definition="Sum of the quotas of the people in scope for the quota periods of the period.",
        ),
        Metric(
            key="attainment",
            name="Quota attainment",
            unit=Unit.RATIO,
            definition="Bookings in the period / quota for the period.",
        ),
        Metric(
            key="pipeline_coverage",
            name="Pipeline coverage",
            unit=Unit.RATIO,
            definition="Open pipeline due (close date) in the period / remaining quota "
            "(quota - bookings, when positive).",
        ),
        Metric(
            key="gap_to_quota",
            name="Gap to quota",
            unit=Unit.USD,
            definition="Quota - (bookings + commit); positive means short of quota.",
        ),
        Metric(
            key="won_deals",
            name="Won deals",
            unit=Unit.COUNT,
            definition="Count of opportunities won (closed_at) in the period.",
        ),
        Metric(
            key="won_accounts",
            name="Customers won",
            unit=Unit.COUNT,
            definition="Count of distinct accounts with at least one opportunity won (closed_at) in the "
            "period.",
        ),
        Metric(
            key="lost_deals",
            name="Lost deals",
            unit=Unit.COUNT,
            definition="Count of opportunities lost (closed_at) in the period.",
        ),
        Metric(
            key="lost_revenue",
            name="Lost revenue",
            unit=Unit.USD,
            definition="Sum of amount of opportunities lost (closed_at) in the period.",
        ),
        Metric(
            key="closed_deals",
            name="Closed deals",
            unit=Unit.COUNT,
            definition="Count of opportunities closed, won or lost (closed_at), in the period.",
        ),
        Metric(
            key="open_deals",
            name="Open deals",
            unit=Unit.COUNT,
            definition="Count of open opportunities (close date in the period when one is given).",
        ),
        Metric(
            key="pipeline_created",
            name="Pipeline created",
            unit=Unit.USD,
            definition="Sum of amount of opportunities created (created_at) in the period, whatever "
            "their stage now.",
        ),
        Metric(
            key="deals_created",
            name="Deals created",
            unit=Unit.COUNT,
            definition="Count of opportunities created (created_at) in the period.",
        ),
        Metric(
            key="median_deal_size",
            name="Median won deal size",
            unit=Unit.USD,
            definition="Median amount of opportunities won in the period.",
        ),
        Metric(
            key="average_sales_cycle",
            name="Average sales cycle",
            unit=Unit.DAYS,
            definition="Mean days from created_at to closed_at of opportunities won in the period.",
        ),
        Metric(
            key="average_lost_cycle",
            name="Average time to loss",
            unit=Unit.DAYS,
            definition="Mean days from created_at to closed_at of opportunities lost in the period.",
        ),
        Metric(
            key="average_days_in_stage",
            name="Average days in stage",
            unit=Unit.DAYS,
            definition="Mean days open opportunities have been in their current stage "
            "(today - stage_entered_at).",
        ),
        Metric(
            key="average_deal_age",
            name="Average age of open deals",
            unit=Unit.DAYS,
            definition="Mean days since open opportunities were created (today - created_at).",
        ),
        Metric(
            key="activities",
            name="Activities",
            unit=Unit.COUNT,
            definition="Count of activities (calls, emails, meetings, demos) that occurred in the period.",
        ),
        Metric(
            key="reps",
            name="Reps",
            unit=Unit.COUNT,
            definition="Count of people with the rep role on the team today (not dated by any period).",
        ),
        Metric(
            key="active_arr",
            name="Active ARR",
            unit=Unit.USD,
            definition="Sum of the annual recurring revenue of the products accounts run today (status "
            "active; not dated by any period).",
        ),
        Metric(
            key="churned_arr",
            name="Churned ARR",
            unit=Unit.USD,
            definition="Sum of the annual recurring revenue of the products accounts have stopped using "
            "(status churned; not dated by any period).",
        ),
        Metric(
            key="churned_products",
            name="Churned products",
            unit=Unit.COUNT,
            definition="Count of products accounts have stopped using (status churned), one per account "
            "and product.",
        ),
        Metric(
            key="active_products",
            name="Installed products",
            unit=Unit.COUNT,
            definition="Count of products accounts run today (status active), one per account and product: "
            "by product, how many accounts own it (not dated by any period).",
        ),
        Metric(
            key="accounts",
            name="Accounts",
            unit=Unit.COUNT,
            definition="Count of the accounts you can see today, by their owner and territory "
            "(not dated by any period).",
        ),
        Metric(
            key="stage_conversion",
            name="Stage conversion",
            unit=Unit.RATIO,
            definition="Of opportunities that reached a stage, the share that reached the next stage "
            "(from opportunity history).",
        ),
    )
}


def ratio(numerator: Decimal | float | int, denominator: Decimal | float | int) -> float | None:
    """``numerator / denominator``, or None when the denominator is zero."""
    return None if not denominator else round(float(numerator) / float(denominator), 4)


def figure(
    key: str,
    value: Decimal | float | int | None,
    filters: Iterable[str] = (),
    records: Iterable[str] = (),
    count: int | None = None,
) -> Figure:
    """A :class:`Figure` for a registered metric, with the registry's definition as its formula.

    ``count`` is the number of records behind the value when ``records`` lists only some of them.
    """
    metric = METRICS[key]
    return Figure.of(metric.name, value, metric.unit, metric.definition, filters, records, count)


def win_rate(won: int, lost: int) -> float | None:
    return ratio(won, won + lost)


def average(amounts: list[Decimal]) -> Decimal | None:
    return (sum(amounts, Decimal(0)) / len(amounts)).quantize(Decimal("0.01")) if amounts else None


def median_days(days: list[int]) -> float | None:
    return float(statistics.median(days)) if days else None


def remaining_quota(quota: Decimal, bookings: Decimal) -> Decimal:
    return max(Decimal(0), quota - bookings)


def coverage(open_pipeline: Decimal, quota: Decimal, bookings: Decimal) -> float | None:
    return ratio(open_pipeline, remaining_quota(quota, bookings))


def definitions() -> list[Metric]:
    """Every registered metric, for 'what does win rate mean?' questions and the docs."""
    return list(METRICS.values())
