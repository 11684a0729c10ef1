"""Pace to quota: each rep's bookings so far, the open pipeline that should still land, against quota.

For a period (default this quarter), for every rep in scope (a manager's team, a named rep, or the
reps of a named manager or territory):

- **booked**: amount won (``closed_at``) in the period;
- **expected**: booked + the sum over the rep's open deals closing in the period of amount x win
  probability (the learned win score, :mod:`tools.scoring`; the stage probability when the score
  falls back to it, and the result says which). Deals created later in the period are not in it;
- **gap**: quota - expected (positive: short of quota);
- **run-rate needed**: (quota - booked) / the days left, shown per week, beside what was booked per
  week so far.

Reps are ranked by gap, largest shortfall first; a rep is ``at_risk`` when expected < quota,
``on_pace`` when expected >= quota, ``quota_met`` when booked >= quota, and ``no_quota`` when the
data holds no quota for them in the period (listed last: there is no number to miss). Deals
without an amount add nothing and are counted in ``unpriced_deals``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Float, and_, case, cast, func

from tools.evidence import ExternalId, RecordUrl, record_id
from tools.filters import DealFilter, deal_conditions, deal_in_territories
from tools.periods import Period, parse_period
from tools.scoring.store import refresh
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity, Quota, Role, User
from tools.store.schema_scores import DealScore
from tools.store.types import to_money

ZERO = Decimal("0.00")
#: Deal ids listed per rep (won, and open closing in the period); the counts are complete.
MAX_IDS = 20
Status = Literal["at_risk", "on_pace", "quota_met", "no_quota"]
#: How each figure is computed (one line per figure, shown with ``--json``).
FORMULA = {
    "booked": "sum(amount) of deals won (closed_at) in the period",
    "expected": "booked + sum(amount x win probability) of open deals closing in the period",
    "gap": "quota - expected (positive: short of quota)",
    "needed_per_week": "(quota - booked) / days left x 7",
    "booked_per_week": "booked / days gone x 7",
}


class QuotaRiskQuery(BaseModel):
    owner: str | None = Field(
        default=None,
        description="A rep's or manager's name (a manager means the team); default everyone in scope.",
    )
    territory: str | None = Field(default=None, description="Only the reps of deals in this territory.")
    period: str | None = Field(default="this quarter", description="The period (default this quarter).")


class RepPace(BaseModel):
    source_field: ClassVar[str] = "rep_id"  # the record (tools.evidence.attach_sources)
    rep: str
    rep_id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    status: Status
    quota: Decimal | None
    booked: Decimal
    open_amount: Decimal = Field(description="Open pipeline closing in the period.")
    open_deals: int
    weighted_open: Decimal = Field(description="sum(amount x win probability) of those open deals.")
    expected: Decimal
    gap: Decimal | None = Field(description="quota - expected; positive: short of quota.")
    attainment: float | None = Field(description="booked / quota.")
    expected_attainment: float | None = Field(description="expected / quota.")
    needed_per_week: Decimal | None = Field(description="(quota - booked) per week for the days left.")
    booked_per_week: Decimal | None = Field(description="What was booked per week so far.")
    won_ids: list[str]
    open_ids: list[str]


class QuotaPace(BaseModel):
    period: Period
    as_of: dt.date
    days_total: int
    days_gone: int
    days_left: int
    probability: str = Field(description="Which win probability weighs the open deals, and why.")
    reps: list[RepPace] = Field(description="Largest gap to quota first; reps without a quota last.")
    at_risk: int
    with_quota: int
    unpriced_deals: int = Field(description="Open deals closing in the period with no amount (not counted).")
    formula: dict[str, str]
    filters: list[str]


def days_of(period: Period, as_of: dt.date) -> tuple[int, int, int]:
    """Days in the period, days gone before ``as_of`` and days left (``as_of`` included)."""
    total = (period.end - period.start).days
    gone = min(max((as_of - period.start).days, 0), total)
    return total, gone, total - gone


def probability_source(report: dict[str, object]) -> str:
    if report.get("used") == "model":
        return "the learned win score, a model trained on the organisation's closed deals"
    return "the stage probability: the organisation's closed deals do not support a win-score model"


def _status(quota: Decimal | None, booked: Decimal, expected: Decimal) -> Status:
    if not quota:
        return "no_quota"
    if booked >= quota:
        return "quota_met"
    return "at_risk" if expected < quota else "on_pace"


def _per_week(amount: Decimal, days: int) -> Decimal | None:
    return to_money(amount * 7 / days) if days > 0 else None


def quota_risk(repo: Repository, viewer: ViewerLike, params: QuotaRiskQuery) -> QuotaPace:
    """Who is at risk of missing their number: each rep's pace to quota for a period (booked, open
    pipeline weighted by win score, expected bookings, gap, run-rate needed), largest gap first.

    Args:
        owner: A rep's or manager's name (a manager means the team); default everyone in scope.
        territory: Only the reps of deals in this territory.
        period: The period, e.g. 'this quarter', 'next quarter' (default this quarter).
    """
    report = refresh(repo.engine, repo.stages, repo.as_of)
    period = parse_period(params.period or "this quarter", repo.as_of, repo.fy_start_month)
    resolved = deal_conditions(repo, viewer, DealFilter(owner=params.owner, territory=params.territory))
    reps_query = repo.users(viewer, User.id, User.name).where(User.role == Role.REP.value)
    if resolved.owner_ids is not None:
        reps_query = reps_query.where(User.id.in_(resolved.owner_ids))
    if resolved.territory_id is not None:
        owners_there = repo.opportunities(viewer, Opportunity.owner_id).where(
            deal_in_territories([resolved.territory_id])
        )
        reps_query = reps_query.where(
            User.id.in_(owners_there) | (User.territory_id == resolved.territory_id)
        )
    won = and_(Opportunity.is_won, Opportunity.closed_at >= period.start, Opportunity.closed_at < period.end)
    due = and_(
        ~Opportunity.is_closed, Opportunity.close_date >= period.start, Opportunity.close_date < period.end
    )
    chance = func.coalesce(DealScore.probability, cast(Opportunity.probability, Float), 0.0)
    with repo.connect() as connection:
        reps = connection.execute(reps_query.order_by(User.name)).all()
        rep_ids = [r.id for r in reps]
        deals = connection.execute(
            repo.opportunities(
                viewer,
                Opportunity.id,
                Opportunity.owner_id,
                Opportunity.amount,
                case((won, True), else_=False).label("won"),
                chance.label("chance"),
            )
            .outerjoin(DealScore, DealScore.opportunity_id == Opportunity.id)
            .where(Opportunity.owner_id.in_(rep_ids), won | due, *resolved.conditions)
            .order_by(Opportunity.amount.desc().nulls_last(), Opportunity.id)
        ).all()
        quotas: dict[int, Decimal] = dict(
            connection.execute(
                repo.quotas(viewer, Quota.user_id, func.sum(Quota.amount))
                .where(Quota.user_id.in_(rep_ids), Quota.period.in_(period.quota_periods))
                .group_by(Quota.user_id)
            ).all()
        )
    total, gone, left = days_of(period, repo.as_of)
    rows = [_pace(rep.id, rep.name, quotas.get(rep.id), deals, gone, left) for rep in reps]
    ranked = sorted(
        rows, key=lambda r: (r.status == "no_quota", -(r.gap if r.gap is not None else ZERO), r.rep)
    )
    return QuotaPace(
        period=period,
        as_of=repo.as_of,
        days_total=total,
        days_gone=gone,
        days_left=left,
        probability=probability_source(report),
        reps=ranked,
        at_risk=sum(1 for r in rows if r.status == "at_risk"),
        with_quota=sum(1 for r in rows if r.status != "no_quota"),
        unpriced_deals=sum(1 for d in deals if not d.won and d.amount is None),
        formula=FORMULA,
        filters=["viewer's scope", "reps only", *resolved.descriptions, f"period: {period.label}"],
    )


def _pace(
    rep_id: int, name: str, quota: Decimal | None, deals: Sequence[Any], gone: int, left: int
) -> RepPace:
    won = [d for d in deals if d.owner_id == rep_id and d.won]
    due = [d for d in deals if d.owner_id == rep_id and not d.won]
    booked = to_money(sum((d.amount or ZERO for d in won), ZERO))
    open_amount = to_money(sum((d.amount or ZERO for d in due), ZERO))
    weighted = to_money(sum((Decimal(d.amount or 0) * Decimal(str(d.chance)) for d in due), ZERO))
    quota = to_money(quota) if quota else None
    expected = booked + weighted
    return RepPace(
        rep=name,
        rep_id=record_id("user", rep_id),
        status=_status(quota, booked, expected),
        quota=quota,
        booked=booked,
        open_amount=open_amount,
        open_deals=len(due),
        weighted_open=weighted,
        expected=expected,
        gap=quota - expected if quota else None,
        attainment=float(booked / quota) if quota else None,
        expected_attainment=float(expected / quota) if quota else None,
        needed_per_week=_per_week(max(quota - booked, ZERO), left) if quota else None,
        booked_per_week=_per_week(booked, gone),
        won_ids=[record_id("opportunity", d.id) for d in won][:MAX_IDS],
        open_ids=[record_id("opportunity", d.id) for d in due][:MAX_IDS],
    )


def team_pace(label: str, user_id: int, rows: list[RepPace], gone: int, left: int) -> RepPace:
    """One person's pace: their own row, or the rows added up under ``label`` (a manager's team)."""
    own = [r for r in rows if r.rep_id == record_id("user", user_id)]
    if own:
        return own[0]
    quota = sum((r.quota or ZERO for r in rows), ZERO) or None
    booked = sum((r.booked for r in rows), ZERO)
    weighted = sum((r.weighted_open for r in rows), ZERO)
    expected = booked + weighted
    return RepPace(
        rep=label,
        rep_id=record_id("user", user_id),
        status=_status(quota, booked, expected),
        quota=quota,
        booked=booked,
        open_amount=sum((r.open_amount for r in rows), ZERO),
        open_deals=sum(r.open_deals for r in rows),
        weighted_open=weighted,
        expected=expected,
        gap=quota - expected if quota else None,
        attainment=float(booked / quota) if quota else None,
        expected_attainment=float(expected / quota) if quota else None,
        needed_per_week=_per_week(max(quota - booked, ZERO), left) if quota else None,
        booked_per_week=_per_week(booked, gone),
        won_ids=[i for r in rows for i in r.won_ids][:MAX_IDS],
        open_ids=[i for r in rows for i in r.open_ids][:MAX_IDS],
    )
