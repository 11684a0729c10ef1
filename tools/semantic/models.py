"""What a metric query asks (:class:`MetricQuery`, the tool's schema) and what it returns: the
measures and their periods, the total, and one row per group.

Kept compact for the model (a tool result is capped at 12,000 characters): a row cites at most
:data:`ROW_IDS` records and a total :data:`TOTAL_IDS`; ``record_count`` always has the full count.
Without ``top``, the rows shown are the largest groups (by a time grain: the latest buckets) that
fit :func:`row_limit`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tools.evidence import Figure, Unit
from tools.filters import MAX_AMOUNT

ROW_IDS = 5
TOTAL_IDS = 20
#: Without ``top``, rows are shown up to about this many characters (``groups_total`` says how many
#: groups there were), estimating a row's size from its measures and comparisons.
ROWS_BUDGET = 8_000
ROW_CHARS, FIGURE_CHARS, CHANGE_CHARS = 80, 260, 110
MIN_ROWS, MAX_ROWS = 5, 50


def row_limit(measures: int, compare: bool) -> int:
    """How many rows fit the budget when no ``top`` is asked for."""
    per_row = ROW_CHARS + measures * (FIGURE_CHARS + (CHANGE_CHARS if compare else 0))
    return max(MIN_ROWS, min(MAX_ROWS, ROWS_BUDGET // per_row))


class PeriodInfo(BaseModel):
    label: str
    start: dt.date | None = Field(default=None, description="First day (none: no date bound).")
    end: dt.date | None = Field(default=None, description="Last day, included.")


class MeasureInfo(BaseModel):
    key: str
    name: str
    unit: Unit
    formula: str
    period: PeriodInfo
    dated_by: str


class Change(BaseModel):
    """A measure now against the compared period."""

    measure: str
    previous: Decimal | float | int | None
    absolute: Decimal | float | int | None = Field(description="Now minus before.")
    relative: float | None = Field(description="(now - before) / before; none when before is 0 or unknown.")


class MetricRow(BaseModel):
    group: str
    figures: list[Figure] = Field(description="One per measure, in the order of `measures`.")
    record_count: int = Field(description="Records behind the first measure in this group.")
    missing_amounts: int = 0
    share_of_total: float | None = None
    changes: list[Change] = []


class MetricResult(BaseModel):
    measures: list[MeasureInfo]
    group_by: str | None
    then_by: str | None = Field(default=None, description="The second breakdown: rows are pairs 'a · b'.")
    filters: list[str]
    period: PeriodInfo
    period_note: str
    compare: str | None = None
    compare_period: PeriodInfo | None = None
    total: list[Figure] = Field(description="One per measure, over every matched record.")
    total_changes: list[Change] = []
    whole: Figure | None = Field(
        default=None,
        description="A share asked with filters and no breakdown: the first measure over everything "
        "in scope in the same period, without the filters.",
    )
    share_of_whole: float | None = Field(
        default=None, description="The filtered total's share of `whole` (none when `whole` is 0)."
    )
    rows: list[MetricRow] = []
    groups_total: int = Field(default=0, description="Groups before top-N (or the row limit) was applied.")
    shown_together: Figure | None = Field(
        default=None,
        description="A sum or count cut to its top N groups: the first measure over the groups shown, "
        "added up ('my top 5 accounts combined'); `total` is over every group.",
    )
    missing_amounts: int = Field(
        default=0,
        description="Deals behind an amount-based measure whose amount is unknown (not counted as $0).",
    )
    estimated_amounts: int = Field(
        default=0,
        description="Deals behind an amount-based measure whose amount is an estimate the import filled "
        "in; sums include them and each figure's `estimated` says how much of it is estimated.",
    )
    notes: list[str] = []


class MetricQuery(BaseModel):
    measure: str = Field(
        description="A measure key, e.g. won_revenue, win_rate, open_pipeline, attainment (or 'bookings')."
    )
    also: list[str] = Field(
        default_factory=list, max_length=5, description="More measures for the same groups."
    )
    group_by: str | None = Field(default=None, description="A dimension or time grain to break down by.")
    then_by: str | None = Field(
        default=None, description="A second dimension or grain inside the first (rows are the pairs)."
    )
    rep: str | None = Field(default=None, description="A rep's name (a manager's name means their team).")
    team: str | None = Field(default=None, description="A manager's name: their team's records.")
    territory: str | None = Field(default=None, description="Territory name.")
    region: str | None = Field(default=None, description="Region name.")
    product: str | None = Field(default=None, description="Product name.")
    product_family: str | None = Field(default=None, description="Product family (series) name.")
    account: str | None = Field(default=None, description="Account name.")
    parent_account: str | None = Field(
        default=None, description="An account with its subsidiaries (the group it heads)."
    )
    industry: str | None = Field(default=None, description="Account industry.")
    segment: str | None = Field(default=None, description="Account segment.")
    tier: str | None = Field(default=None, description="Account tier: 'A'.")
    country: str | None = Field(default=None, description="The account's country.")
    state: str | None = Field(default=None, description="The account's state: 'Texas' or 'TX'.")
    city: str | None = Field(default=None, description="The account's city.")
    loss_reason: str | None = Field(default=None, description="Why a lost deal was lost, as recorded.")
    stage: str | None = Field(default=None, description="Deal stage, or several: 'Proposal, Negotiation'.")
    forecast_category: str | None = Field(default=None, description="commit, best_case, pipeline…")
    activity_type: str | None = Field(
        default=None,
        description="Activity kind as recorded (call, meeting, email…), or several: 'call, meeting'.",
    )
    min_age_days: int | None = Field(
        default=None, ge=0, le=36_500, description="Deals created at least this many days ago."
    )
    max_age_days: int | None = Field(
        default=None, ge=0, le=36_500, description="Deals created at most this many days ago."
    )
    past_due: bool | None = Field(
        default=None, description="Only open deals whose close date has passed (past due)."
    )
    min_pushes: int | None = Field(
        default=None, ge=1, le=100, description="Deals whose close date was pushed out at least this often."
    )
    max_pushes: int | None = Field(
        default=None, ge=0, le=100, description="Deals whose close date was pushed out at most this often."
    )
    inactive_days: int | None = Field(
        default=None, ge=1, le=36_500, description="Deals with no activity in this many days (or none ever)."
    )
    min_days_in_stage: int | None = Field(
        default=None, ge=0, le=36_500, description="Deals in their current stage at least this many days."
    )
    exclude: dict[str, str] | None = Field(
        default=None,
        description="Leave out what a filter would keep: {'country': 'United States'} is everything "
        "outside the US; keys are the filter names above (rep, team, territory, product, industry…).",
    )
    any_of: dict[str, Annotated[list[str], Field(min_length=1, max_length=50)]] | None = Field(
        default=None,
        description="Keep what any of several names of one filter would keep: {'product': ['GTK 500', "
        "'GTX Plus Pro']}, or the accounts an earlier answer listed; keys are the filter names above.",
    )
    each_of: dict[str, Annotated[list[str], Field(min_length=1, max_length=10)]] | None = Field(
        default=None,
        description="Only records at accounts that have a record (of closed deals, a won one) of every one "
        "of several names, in the same period: {'product': ['GTK 500', 'MG Advanced']} by account is the "
        "accounts that bought both.",
    )
    min_amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Deals of at least this."
    )
    max_amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Deals of at most this."
    )
    min_employees: int | None = Field(
        default=None, ge=0, le=10_000_000, description="Deals at accounts with at least this many employees."
    )
    max_employees: int | None = Field(
        default=None, ge=0, le=10_000_000, description="Deals at accounts with at most this many employees."
    )
    min_annual_revenue: Decimal | None = Field(
        default=None,
        ge=0,
        le=MAX_AMOUNT,
        description="Deals at accounts whose annual revenue is at least this.",
    )
    max_annual_revenue: Decimal | None = Field(
        default=None,
        ge=0,
        le=MAX_AMOUNT,
        description="Deals at accounts whose annual revenue is at most this.",
    )
    min_records: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Only groups with at least this many records behind the first measure "
        "(a win rate over at least 20 closed deals).",
    )
    missing: str | None = Field(
        default=None,
        description="Only deals where this field is empty: account, product, close_date, next_step "
        "or created.",
    )
    without_amount: bool | None = Field(
        default=None, description="Only deals whose amount is unknown (none recorded, or estimated)."
    )
    period: str | None = Field(
        default=None, description="'this quarter', 'Q3 2026', 'last year', 'YTD', '2026-01-01..2026-03-31'."
    )
    date_field: Literal["close", "created"] | None = Field(
        default=None, description="Which deal date the period applies to (default: the measure's own)."
    )
    compare: str | None = Field(
        default=None,
        max_length=60,
        description="Also compute an earlier period, with the change: previous_period (the one just "
        "before), last_year (the same dates a year earlier) or a period named as for `period` ('all of "
        "last year', 'Q1').",
    )
    top: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description="Only the first N groups by the measure (a tie at the Nth is kept).",
    )
    order: Literal["desc", "asc"] = Field(default="desc", description="desc: largest first; asc: bottom N.")
    share_of_total: bool = Field(default=False, description="Each group's share of the total.")
    above: float | None = Field(
        default=None, description="Only groups whose first measure is above this (a ratio as 0.5 for 50%)."
    )
    below: float | None = Field(
        default=None, description="Only groups whose first measure is below this (a ratio as 0.5 for 50%)."
    )
