"""Stalled and at-risk deals: the rules of the playbook, with evidence, severity and a next action.

Rules (thresholds from the stage config file, ``stall_rules`` and each stage's ``stall_days``):

============== ==================================================================================
stage_age      days in the current stage above the stage's ``stall_days``
no_activity    no logged activity for ``no_activity_days`` (default 21) days
past_close     close date before today while the deal is open
pushed         close date moved later ``close_date_pushes`` (default 2) or more times (history)
next_step      next step missing, or its date has passed
single_thread  amount >= ``large_deal_amount`` (default $50,000) with at most one contact engaged
aged           open longer than ``cycle_multiple`` (default 1.5) x the median won sales cycle
============== ==================================================================================

Severity is ``high`` when a rule is exceeded twice over (or the close date is past), else
``medium``; a deal's risk score is the sum of its flags (high 3, medium 2, low 1) and deals are
ranked by score, then amount. A rule whose data the loaded data set lacks (an import with no
activities, no stage history, no contacts, no next steps) is skipped and listed with the reason,
never silently passed. The median won cycle is measured over the viewer's own scope.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from tools.evidence import Figure, Unit, record_id
from tools.filters import DealFilter, deal_conditions
from tools.pipeline import describe, open_deal_conditions
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Account, Activity, Contact, Opportunity, OpportunityHistory, User
from tools.store.types import to_money

PLAYBOOK = "stalled-deal-recovery.md"


class Rule(StrEnum):
    STAGE_AGE = "stage_age"
    NO_ACTIVITY = "no_activity"
    PAST_CLOSE = "past_close"
    PUSHED = "pushed"
    NEXT_STEP = "next_step"
    SINGLE_THREAD = "single_thread"
    AGED = "aged"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


WEIGHT = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}

#: Each rule: what it means, the next action, and the playbook passage with the recovery play.
RULES: dict[Rule, tuple[str, str, str]] = {
    Rule.STAGE_AGE: (
        "Stuck in stage",
        "Re-qualify: confirm the exit criteria of the stage with the buyer and "
        "agree a dated next step, or move the deal back.",
        f"{PLAYBOOK}#stuck-in-stage-diagnosis-and-steps",
    ),
    Rule.NO_ACTIVITY: (
        "No recent activity",
        "Reach the champion this week with a reason to talk; if silent, go to a second contact.",
        f"{PLAYBOOK}#no-activity-diagnosis-and-steps",
    ),
    Rule.PAST_CLOSE: (
        "Close date in the past",
        "Confirm a real close date with the buyer and update it, or close the deal out.",
        f"{PLAYBOOK}#past-close-date-diagnosis-and-steps",
    ),
    Rule.PUSHED: (
        "Close date pushed repeatedly",
        "Rebuild the mutual action plan with the economic buyer before moving the date again.",
        f"{PLAYBOOK}#repeated-pushes-diagnosis-and-steps",
    ),
    Rule.NEXT_STEP: (
        "Missing or overdue next step",
        "Book the next customer meeting and record it with a date.",
        f"{PLAYBOOK}#missing-next-step-diagnosis-and-steps",
    ),
    Rule.SINGLE_THREAD: (
        "Single-threaded large deal",
        "Multi-thread: get introduced to the economic buyer and a technical evaluator.",
        f"{PLAYBOOK}#single-threaded-deal-diagnosis-and-steps",
    ),
    Rule.AGED: (
        "Open far longer than a normal cycle",
        "Decide with your manager: re-plan with fresh evidence or close it out.",
        f"{PLAYBOOK}#aged-deal-diagnosis-and-steps",
    ),
}


class StalledQuery(DealFilter):
    rule: Rule | None = Field(default=None, description="Only deals flagged by this rule.")
    limit: int = Field(default=25, ge=1, le=500, description="How many deals to list (all are counted).")


class Flag(BaseModel):
    rule: Rule
    title: str
    severity: Severity
    evidence: str
    facts: dict[str, Any]
    next_action: str
    playbook: str


class StalledDeal(BaseModel):
    id: str
    name: str
    account: str | None
    owner: str
    stage: str
    amount: Decimal | None
    close_date: dt.date | None
    risk_score: int
    flags: list[Flag]


class SkippedRule(BaseModel):
    rule: Rule
    reason: str


class StalledDeals(BaseModel):
    as_of: dt.date
    deals: list[StalledDeal]
    flagged: Figure
    flagged_amount: Figure
    open_deals: int
    by_rule: dict[str, int]
    skipped_rules: list[SkippedRule]
    thresholds: dict[str, Any]
    filters: list[str]


def _pushes(
    connection: Connection, repo: Repository, viewer: ViewerLike, ids: list[int]
) -> dict[int, list[Any]]:
    rows = connection.execute(
        repo.history(
            viewer,
            OpportunityHistory.opportunity_id,
            OpportunityHistory.changed_at,
            OpportunityHistory.close_date,
        )
        .where(OpportunityHistory.opportunity_id.in_(ids))
        .order_by(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.id)
    ).all()
    history: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        history[row.opportunity_id].append(row)
    return history


def _engaged(
    connection: Connection, repo: Repository, viewer: ViewerLike, ids: list[int]
) -> dict[int, list[str]]:
    rows = connection.execute(
        repo.activities(viewer, Activity.opportunity_id, Contact.name)
        .join(Contact, Contact.id == Activity.contact_id)
        .where(Activity.opportunity_id.in_(ids))
        .distinct()
    ).all()
    engaged: dict[int, list[str]] = defaultdict(list)
    for opp_id, name in rows:
        engaged[opp_id].append(name)
    return engaged


def median_won_cycle(
    connection: Connection, repo: Repository, viewer: ViewerLike
) -> tuple[float | None, int]:
    """Median days from created to closed of won deals in scope, and how many deals it is over."""
    days = func.julianday(Opportunity.closed_at) - func.julianday(Opportunity.created_at)
    if connection.dialect.name == "postgresql":
        days = Opportunity.closed_at - Opportunity.created_at
    base = repo.opportunities(viewer, days.label("days")).where(
        Opportunity.is_won, Opportunity.created_at.is_not(None), Opportunity.closed_at.is_not(None)
    )
    count = connection.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    if count == 0:
        return None, 0
    ordered = base.order_by(days)
    middle = connection.execute(ordered.offset((count - 1) // 2).limit(2 - count % 2)).scalars().all()
    return float(sum(float(m) for m in middle) / len(middle)), int(count)


def _availability(connection: Connection, repo: Repository, viewer: ViewerLike) -> dict[Rule, str]:
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


def stalled_deals(repo: Repository, viewer: ViewerLike, params: StalledQuery) -> StalledDeals:
    """Find open deals that are stalled or at risk, with the evidence for each flag and the next action.

    Args:
        owner: A rep's or manager's name (a manager means the team); default everyone in scope.
        territory: Territory name.
        account: Account name.
        product: Product name.
        stage: Stage name.
        min_amount: Only deals of at least this amount.
        max_amount: Only deals of at most this amount.
        period: Only deals whose close date falls in this period.
        rule: Only deals flagged by this rule (stage_age, no_activity, past_close, pushed, next_step,
            single_thread, aged).
        limit: How many deals to list, riskiest first (all are counted).
    """
    rules = repo.stages.stall_rules
    resolved = deal_conditions(repo, viewer, params)
    as_of = repo.as_of
    with repo.connect() as connection:
        skipped = _availability(connection, repo, viewer)
        median, won_count = median_won_cycle(connection, repo, viewer)
        if median is None or won_count < 5:
            skipped[Rule.AGED] = f"only {won_count} won deals in scope to set a normal cycle (need 5)"
        deals = connection.execute(
            repo.opportunities(
                viewer,
                Opportunity.id,
                Opportunity.name,
                Opportunity.stage,
                Opportunity.amount,
                Opportunity.created_at,
                Opportunity.stage_entered_at,
                Opportunity.close_date,
                Opportunity.next_step,
                Opportunity.next_step_date,
                Opportunity.last_activity_at,
                Account.name.label("account"),
                User.name.label("owner"),
            )
            .outerjoin(Account, Account.id == Opportunity.account_id)
            .outerjoin(User, User.id == Opportunity.owner_id)
            .where(*open_deal_conditions(resolved))
        ).all()
        ids = [d.id for d in deals]
        history = _pushes(connection, repo, viewer, ids) if Rule.PUSHED not in skipped else {}
        large = [
            d.id for d in deals if d.amount is not None and d.amount >= Decimal(str(rules.large_deal_amount))
        ]
        engaged = _engaged(connection, repo, viewer, large) if Rule.SINGLE_THREAD not in skipped else {}
    found: list[StalledDeal] = []
    counts: Counter[str] = Counter()
    for deal in deals:
        flags = _flags(repo, deal, history.get(deal.id, []), engaged, large, median, skipped)
        if params.rule is not None:
            flags_match = any(f.rule is params.rule for f in flags)
            if not flags_match:
                continue
        if not flags:
            continue
        counts.update(f.rule.value for f in flags)
        found.append(
            StalledDeal(
                id=record_id("opportunity", deal.id),
                name=deal.name,
                account=deal.account,
                owner=deal.owner,
                stage=deal.stage,
                amount=deal.amount,
                close_date=deal.close_date,
                risk_score=sum(WEIGHT[f.severity] for f in flags),
                flags=flags,
            )
        )
    found.sort(key=lambda d: (-d.risk_score, -(d.amount or 0), d.id))
    filters = describe(resolved, "open opportunities", f"as of {as_of}")
    all_ids = [d.id for d in found]
    return StalledDeals(
        as_of=as_of,
        deals=found[: params.limit],
        flagged=Figure.of(
            "Stalled or at-risk deals",
            len(found),
            Unit.COUNT,
            "count of open deals with at least one stall flag",
            filters,
            all_ids,
        ),
        flagged_amount=Figure.of(
            "Amount at risk",
            to_money(sum((d.amount or 0 for d in found), Decimal(0))),
            Unit.USD,
            "sum(amount) of open deals with at least one stall flag",
            filters,
            all_ids,
        ),
        open_deals=len(deals),
        by_rule=dict(counts),
        skipped_rules=[SkippedRule(rule=r, reason=why) for r, why in skipped.items()],
        thresholds={
            "stall_days": {s.name: s.stall_days for s in repo.stages.open_stages},
            **rules.model_dump(),
            "median_won_cycle_days": median,
        },
        filters=filters,
    )


def _flag(rule: Rule, severity: Severity, evidence: str, **facts: Any) -> Flag:
    title, action, passage = RULES[rule]
    return Flag(
        rule=rule,
        title=title,
        severity=severity,
        evidence=evidence,
        facts=facts,
        next_action=action,
        playbook=passage,
    )


def _flags(
    repo: Repository,
    deal: Any,
    history: list[Any],
    engaged: dict[int, list[str]],
    large: list[int],
    median: float | None,
    skipped: dict[Rule, str],
) -> list[Flag]:
    rules, as_of, flags = repo.stages.stall_rules, repo.as_of, []
    stage = repo.stages.find(deal.stage)
    if Rule.STAGE_AGE not in skipped and stage and stage.stall_days and deal.stage_entered_at:
        days = (as_of - deal.stage_entered_at).days
        if days > stage.stall_days:
            flags.append(
                _flag(
                    Rule.STAGE_AGE,
                    Severity.HIGH if days > 2 * stage.stall_days else Severity.MEDIUM,
                    f"{days} days in {stage.name} since {deal.stage_entered_at} "
                    f"(threshold {stage.stall_days})",
                    days_in_stage=days,
                    threshold=stage.stall_days,
                    since=deal.stage_entered_at,
                )
            )
    if Rule.NO_ACTIVITY not in skipped:
        last = deal.last_activity_at or deal.created_at
        if last is not None and (as_of - last).days > rules.no_activity_days:
            days = (as_of - last).days
            what = f"last activity {deal.last_activity_at}" if deal.last_activity_at else "no activity logged"
            flags.append(
                _flag(
                    Rule.NO_ACTIVITY,
                    Severity.HIGH if days > 2 * rules.no_activity_days else Severity.MEDIUM,
                    f"{what}, {days} days ago (threshold {rules.no_activity_days})",
                    days_since_activity=days,
                    last_activity_at=deal.last_activity_at,
                    threshold=rules.no_activity_days,
                )
            )
    if deal.close_date is not None and deal.close_date < as_of:
        overdue = (as_of - deal.close_date).days
        flags.append(
            _flag(
                Rule.PAST_CLOSE,
                Severity.HIGH,
                f"close date {deal.close_date} passed {overdue} days ago",
                close_date=deal.close_date,
                days_overdue=overdue,
            )
        )
    if Rule.PUSHED not in skipped:
        dates = [h.close_date for h in history if h.close_date is not None]
        pushes = sum(1 for before, after in pairwise(dates) if after > before)
        if pushes >= rules.close_date_pushes:
            flags.append(
                _flag(
                    Rule.PUSHED,
                    Severity.HIGH if pushes >= 2 * rules.close_date_pushes else Severity.MEDIUM,
                    f"close date pushed {pushes} times, from {dates[0]} to {dates[-1]}",
                    pushes=pushes,
                    first_close_date=dates[0],
                    current_close_date=dates[-1],
                )
            )
    if Rule.NEXT_STEP not in skipped:
        if not (deal.next_step or "").strip():
            flags.append(_flag(Rule.NEXT_STEP, Severity.MEDIUM, "no next step recorded", next_step=None))
        elif deal.next_step_date is not None and deal.next_step_date < as_of:
            days = (as_of - deal.next_step_date).days
            flags.append(
                _flag(
                    Rule.NEXT_STEP,
                    Severity.HIGH if days > 14 else Severity.MEDIUM,
                    f"next step '{deal.next_step}' was due {deal.next_step_date} ({days} days ago)",
                    next_step=deal.next_step,
                    next_step_date=deal.next_step_date,
                    days_overdue=days,
                )
            )
    if Rule.SINGLE_THREAD not in skipped and deal.id in large:
        contacts = engaged.get(deal.id, [])
        if len(contacts) <= 1:
            who = f"only {contacts[0]} engaged" if contacts else "no contact engaged"
            flags.append(
                _flag(
                    Rule.SINGLE_THREAD,
                    Severity.HIGH if not contacts else Severity.MEDIUM,
                    f"${deal.amount:,.0f} deal with {who} (large-deal threshold "
                    f"${rules.large_deal_amount:,.0f})",
                    amount=deal.amount,
                    contacts_engaged=contacts,
                )
            )
    if Rule.AGED not in skipped and median and deal.created_at is not None:
        age, limit = (as_of - deal.created_at).days, rules.cycle_multiple * median
        if age > limit:
            flags.append(
                _flag(
                    Rule.AGED,
                    Severity.HIGH if age > 2 * limit else Severity.MEDIUM,
                    f"open {age} days since {deal.created_at}; median won cycle {median:.0f} days "
                    f"x {rules.cycle_multiple} = {limit:.0f}",
                    age_days=age,
                    median_won_cycle_days=median,
                    limit_days=round(limit),
                )
            )
    return flags
