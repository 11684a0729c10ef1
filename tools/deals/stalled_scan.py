"""The SQL side of the stalled-deal rules: one pass over the open deals in scope.

Every rule becomes a severity column (0 none, 2 medium, 3 high) computed in the database from
the deal's own columns (``ix_opportunities_open`` covers them all), so counting flags and ranking
deals by risk never leaves SQL; Python only formats the deals that are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Date, case, func, literal, or_, select

from tools.deals.stalled_rules import Rule, Severity
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Activity, Opportunity, OpportunityHistory
from tools.store.sqlfuncs import days_between

NONE, MEDIUM, HIGH = 0, 2, 3
SEVERITY = {MEDIUM: Severity.MEDIUM, HIGH: Severity.HIGH}


def median_won_cycle(
    connection: Connection, repo: Repository, viewer: ViewerLike
) -> tuple[float | None, int]:
    """Median days from created to closed of won deals in scope, and how many deals it is over."""
    days = days_between(Opportunity.closed_at, Opportunity.created_at)
    base = repo.opportunities(viewer, days.label("days")).where(
        Opportunity.is_closed,
        Opportunity.is_won,
        Opportunity.created_at.is_not(None),
        Opportunity.closed_at.is_not(None),
    )
    count = connection.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    if count == 0:
        return None, 0
    middle = (
        connection.execute(base.order_by(days).offset((count - 1) // 2).limit(2 - count % 2)).scalars().all()
    )
    return float(sum(float(m) for m in middle) / len(middle)), int(count)


def unsupported_rules(connection: Connection, repo: Repository, viewer: ViewerLike) -> dict[Rule, str]:
    """Rules the loaded data cannot support, with the reason."""

    def exists(query: Any) -> bool:
        return connection.execute(query.limit(1)).first() is not None

    missing: dict[Rule, str] = {}
    if not exists(repo.activities(viewer, Activity.id)) and not exists(
        repo.opportunities(viewer, Opportunity.id).where(Opportunity.last_activity_at.is_not(None))
    ):
        missing[Rule.NO_ACTIVITY] = "the data has no activities or last-activity dates"
    if not exists(repo.activities(viewer, Activity.id).where(Activity.contact_id.is_not(None))):
        missing[Rule.SINGLE_THREAD] = "the data has no activities linked to contacts"
    if not exists(repo.history(viewer, OpportunityHistory.id)):
        missing[Rule.PUSHED] = "the data has no opportunity history to count close-date changes"
    if not exists(repo.opportunities(viewer, Opportunity.id).where(Opportunity.next_step.is_not(None))):
        missing[Rule.NEXT_STEP] = "the data records no next steps"
    if not exists(
        repo.opportunities(viewer, Opportunity.id).where(Opportunity.stage_entered_at.is_not(None))
    ):
        missing[Rule.STAGE_AGE] = "the data has no stage-entry dates"
    return missing


def _over(value: ColumnElement[Any], limit: Any) -> ColumnElement[int]:
    """High beyond twice the limit, medium beyond it."""
    return case((value > 2 * limit, HIGH), (value > limit, MEDIUM), else_=NONE)


@dataclass
class Scan:
    """The scan's columns: per-rule severities, the risk score and the facts behind them."""

    severities: dict[Rule, ColumnElement[int]]
    score: ColumnElement[int]
    facts: list[ColumnElement[Any]]


def build_scan(repo: Repository, skipped: dict[Rule, str], aged_limit: float | None) -> Scan:
    rules = repo.stages.stall_rules
    as_of = literal(repo.as_of, Date)
    threshold = case(
        {s.name: s.stall_days for s in repo.stages.open_stages}, value=Opportunity.stage, else_=None
    )
    stage_days = days_between(as_of, Opportunity.stage_entered_at)
    activity_days = days_between(as_of, func.coalesce(Opportunity.last_activity_at, Opportunity.created_at))
    overdue = days_between(as_of, Opportunity.close_date)
    step_missing = or_(Opportunity.next_step.is_(None), func.trim(Opportunity.next_step) == "")
    step_overdue = days_between(as_of, Opportunity.next_step_date)
    age = days_between(as_of, Opportunity.created_at)
    pushes = Opportunity.close_date_pushes
    large = Opportunity.amount >= Decimal(str(rules.large_deal_amount))
    severities: dict[Rule, ColumnElement[int]] = {
        Rule.STAGE_AGE: case(
            (stage_days > 2 * threshold, HIGH), (stage_days > threshold, MEDIUM), else_=NONE
        ),
        Rule.NO_ACTIVITY: _over(activity_days, rules.no_activity_days),
        Rule.PAST_CLOSE: case((Opportunity.close_date < as_of, HIGH), else_=NONE),
        Rule.PUSHED: case(
            (pushes >= 2 * rules.close_date_pushes, HIGH),
            (pushes >= rules.close_date_pushes, MEDIUM),
            else_=NONE,
        ),
        Rule.NEXT_STEP: case(
            (step_missing, MEDIUM), (step_overdue > 14, HIGH), (step_overdue > 0, MEDIUM), else_=NONE
        ),
        Rule.SINGLE_THREAD: case(
            (large & (Opportunity.contacts_engaged == 0), HIGH),
            (large & (Opportunity.contacts_engaged == 1), MEDIUM),
            else_=NONE,
        ),
        Rule.AGED: _over(age, aged_limit) if aged_limit else literal(NONE),
    }
    for rule in skipped:
        severities[rule] = literal(NONE)
    score = sum((func.coalesce(column, NONE) for column in severities.values()), literal(NONE))
    facts = [
        stage_days.label("stage_days"),
        threshold.label("threshold"),
        activity_days.label("activity_days"),
        overdue.label("overdue_days"),
        pushes.label("pushes"),
        step_overdue.label("next_step_overdue"),
        Opportunity.contacts_engaged.label("contacts"),
        age.label("age_days"),
    ]
    return Scan(severities, score, facts)  # type: ignore[arg-type]
