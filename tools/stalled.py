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

How it runs: one SQL query computes, for every open deal in scope, the numbers each rule needs
(days in stage, days since activity, close-date pushes from history, contacts engaged…) and
returns only deals that trip a rule; severities and scores are worked out from those numbers,
and the evidence (dates, names) is fetched for the deals actually listed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
)

from tools.evidence import Figure, Unit, record_id
from tools.filters import DealFilter, deal_conditions
from tools.pipeline import describe, open_deal_conditions
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Account, Activity, Contact, Opportunity, OpportunityHistory, User
from tools.store.sqlfuncs import days_between
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


def median_won_cycle(
    connection: Connection, repo: Repository, viewer: ViewerLike
) -> tuple[float | None, int]:
    """Median days from created to closed of won deals in scope, and how many deals it is over."""
    days = days_between(Opportunity.closed_at, Opportunity.created_at)
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


@dataclass(slots=True)
class _Facts:
    """The numbers one open deal is judged on (from the scan query)."""

    id: int
    stage: str
    amount: Decimal | None
    stage_days: float | None
    threshold: int | None
    activity_days: float | None
    overdue_days: float | None
    pushes: int
    next_step_missing: bool
    next_step_overdue: float | None
    contacts: int
    age_days: float | None


def _scan_query(
    repo: Repository,
    viewer: ViewerLike,
    conditions: list[Any],
    skipped: dict[Rule, str],
    aged_limit: float | None,
) -> Any:
    """One pass over the open deals in scope (the ``ix_opportunities_open`` index), keeping flagged ones."""
    rules = repo.stages.stall_rules
    as_of = literal(repo.as_of, Date)
    large = Decimal(str(rules.large_deal_amount))
    threshold = case(
        {s.name: s.stall_days for s in repo.stages.open_stages}, value=Opportunity.stage, else_=None
    )
    stage_days = days_between(as_of, Opportunity.stage_entered_at)
    activity_days = days_between(as_of, func.coalesce(Opportunity.last_activity_at, Opportunity.created_at))
    overdue = days_between(as_of, Opportunity.close_date)
    step_missing = or_(Opportunity.next_step.is_(None), func.trim(Opportunity.next_step) == "")
    step_overdue = days_between(as_of, Opportunity.next_step_date)
    age = days_between(as_of, Opportunity.created_at)
    tests: dict[Rule, ColumnElement[bool]] = {
        Rule.STAGE_AGE: stage_days > threshold,
        Rule.NO_ACTIVITY: activity_days > rules.no_activity_days,
        Rule.PAST_CLOSE: Opportunity.close_date < as_of,
        Rule.PUSHED: Opportunity.close_date_pushes >= rules.close_date_pushes,
        Rule.NEXT_STEP: or_(step_missing, Opportunity.next_step_date < as_of),
        Rule.SINGLE_THREAD: (Opportunity.amount >= large) & (Opportunity.contacts_engaged <= 1),
        Rule.AGED: age > aged_limit if aged_limit is not None else false(),
    }
    any_flag = or_(false(), *(test for rule, test in tests.items() if rule not in skipped))
    return repo.opportunities(
        viewer,
        Opportunity.id,
        Opportunity.stage,
        Opportunity.amount,
        stage_days.label("stage_days"),
        threshold.label("threshold"),
        activity_days.label("activity_days"),
        overdue.label("overdue_days"),
        Opportunity.close_date_pushes.label("pushes"),
        case((step_missing, true()), else_=false()).label("missing"),
        step_overdue.label("next_step_overdue"),
        Opportunity.contacts_engaged.label("contacts"),
        age.label("age_days"),
    ).where(*conditions, any_flag)


def _judge(
    facts: _Facts, repo: Repository, skipped: dict[Rule, str], aged_limit: float | None
) -> list[tuple[Rule, Severity]]:
    """Which rules a deal trips and how badly (the same tests the scan query applies)."""
    rules, found = repo.stages.stall_rules, []

    def over(value: float | None, limit: float) -> Severity | None:
        if value is None or value <= limit:
            return None
        return Severity.HIGH if value > 2 * limit else Severity.MEDIUM

    def single_thread() -> Severity | None:
        if facts.amount is None or facts.amount < Decimal(str(rules.large_deal_amount)) or facts.contacts > 1:
            return None
        return Severity.HIGH if facts.contacts == 0 else Severity.MEDIUM

    def next_step() -> Severity | None:
        if facts.next_step_missing:
            return Severity.MEDIUM
        late = facts.next_step_overdue or 0
        return None if late <= 0 else Severity.HIGH if late > 14 else Severity.MEDIUM

    pushed = None
    if facts.pushes >= rules.close_date_pushes:
        pushed = Severity.HIGH if facts.pushes >= 2 * rules.close_date_pushes else Severity.MEDIUM
    checks: list[tuple[Rule, Severity | None]] = [
        (Rule.STAGE_AGE, over(facts.stage_days, facts.threshold) if facts.threshold else None),
        (Rule.NO_ACTIVITY, over(facts.activity_days, rules.no_activity_days)),
        (Rule.PAST_CLOSE, Severity.HIGH if (facts.overdue_days or 0) > 0 else None),
        (Rule.PUSHED, pushed),
        (Rule.NEXT_STEP, next_step()),
        (Rule.SINGLE_THREAD, single_thread()),
        (Rule.AGED, over(facts.age_days, aged_limit) if aged_limit else None),
    ]
    for rule, severity in checks:
        if severity is not None and rule not in skipped:
            found.append((rule, severity))
    return found


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
    conditions = open_deal_conditions(resolved)
    with repo.connect() as connection:
        skipped = _availability(connection, repo, viewer)
        median, won_count = median_won_cycle(connection, repo, viewer)
        if median is None or won_count < 5:
            skipped[Rule.AGED] = f"only {won_count} won deals in scope to set a normal cycle (need 5)"
        aged_limit = rules.cycle_multiple * median if median and Rule.AGED not in skipped else None
        open_count = connection.execute(
            repo.opportunities(viewer, func.count(Opportunity.id)).where(*conditions)
        ).scalar_one()
        rows = connection.execute(_scan_query(repo, viewer, conditions, skipped, aged_limit)).all()
    judged = []
    for row in rows:
        facts = _Facts(
            id=row.id,
            stage=row.stage,
            amount=row.amount,
            stage_days=row.stage_days,
            threshold=row.threshold,
            activity_days=row.activity_days,
            overdue_days=row.overdue_days,
            pushes=int(row.pushes),
            next_step_missing=bool(row.missing),
            next_step_overdue=row.next_step_overdue,
            contacts=int(row.contacts),
            age_days=row.age_days,
        )
        flags = _judge(facts, repo, skipped, aged_limit)
        if flags and (params.rule is None or any(rule is params.rule for rule, _ in flags)):
            judged.append((sum(WEIGHT[severity] for _, severity in flags), facts, flags))
    judged.sort(key=lambda item: (-item[0], -(item[1].amount or 0), item[1].id))
    counts: Counter[str] = Counter(rule.value for _, _, flags in judged for rule, _ in flags)
    listed = _evidence(repo, viewer, judged[: params.limit], median)
    filters = describe(resolved, "open opportunities", f"as of {repo.as_of}")
    all_ids = [record_id("opportunity", facts.id) for _, facts, _ in judged]
    return StalledDeals(
        as_of=repo.as_of,
        deals=listed,
        flagged=Figure.of(
            "Stalled or at-risk deals",
            len(judged),
            Unit.COUNT,
            "count of open deals with at least one stall flag",
            filters,
            all_ids,
        ),
        flagged_amount=Figure.of(
            "Amount at risk",
            to_money(sum((f.amount or 0 for _, f, _ in judged), Decimal(0))),
            Unit.USD,
            "sum(amount) of open deals with at least one stall flag",
            filters,
            all_ids,
        ),
        open_deals=int(open_count),
        by_rule=dict(counts),
        skipped_rules=[SkippedRule(rule=r, reason=why) for r, why in skipped.items()],
        thresholds={
            "stall_days": {s.name: s.stall_days for s in repo.stages.open_stages},
            **rules.model_dump(),
            "median_won_cycle_days": median,
        },
        filters=filters,
    )


def _evidence(
    repo: Repository,
    viewer: ViewerLike,
    judged: list[tuple[int, _Facts, list[tuple[Rule, Severity]]]],
    median: float | None,
) -> list[StalledDeal]:
    """Full records, with dated evidence per flag, for the deals that are listed."""
    ids = [facts.id for _, facts, _ in judged]
    if not ids:
        return []
    with repo.connect() as connection:
        details = {
            row.id: row
            for row in connection.execute(
                repo.opportunities(
                    viewer,
                    Opportunity.id,
                    Opportunity.name,
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
                .where(Opportunity.id.in_(ids))
            )
        }
        close_dates: dict[int, list[Any]] = defaultdict(list)
        for opp_id, close_date in connection.execute(
            repo.history(viewer, OpportunityHistory.opportunity_id, OpportunityHistory.close_date)
            .where(OpportunityHistory.opportunity_id.in_(ids), OpportunityHistory.close_date.is_not(None))
            .order_by(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.id)
        ):
            close_dates[opp_id].append(close_date)
        engaged: dict[int, list[str]] = defaultdict(list)
        for opp_id, name in connection.execute(
            repo.activities(viewer, Activity.opportunity_id, Contact.name)
            .join(Contact, Contact.id == Activity.contact_id)
            .where(Activity.opportunity_id.in_(ids))
            .distinct()
        ):
            engaged[opp_id].append(name)
    deals = []
    for score, facts, flags in judged:
        row = details[facts.id]
        deals.append(
            StalledDeal(
                id=record_id("opportunity", facts.id),
                name=row.name,
                account=row.account,
                owner=row.owner,
                stage=facts.stage,
                amount=facts.amount,
                close_date=row.close_date,
                risk_score=score,
                flags=[
                    _flag(
                        rule,
                        severity,
                        repo,
                        facts,
                        row,
                        close_dates[facts.id],
                        sorted(engaged[facts.id]),
                        median,
                    )
                    for rule, severity in flags
                ],
            )
        )
    return deals


def _flag(
    rule: Rule,
    severity: Severity,
    repo: Repository,
    facts: _Facts,
    row: Any,
    close_dates: list[Any],
    contacts: list[str],
    median: float | None,
) -> Flag:
    rules = repo.stages.stall_rules
    evidence: str
    details: dict[str, Any]
    if rule is Rule.STAGE_AGE:
        days = round(facts.stage_days or 0)
        evidence = f"{days} days in {facts.stage} since {row.stage_entered_at} (threshold {facts.threshold})"
        details = {"days_in_stage": days, "threshold": facts.threshold, "since": row.stage_entered_at}
    elif rule is Rule.NO_ACTIVITY:
        days = round(facts.activity_days or 0)
        what = f"last activity {row.last_activity_at}" if row.last_activity_at else "no activity logged"
        evidence = f"{what}, {days} days ago (threshold {rules.no_activity_days})"
        details = {
            "days_since_activity": days,
            "last_activity_at": row.last_activity_at,
            "threshold": rules.no_activity_days,
        }
    elif rule is Rule.PAST_CLOSE:
        days = round(facts.overdue_days or 0)
        evidence = f"close date {row.close_date} passed {days} days ago"
        details = {"close_date": row.close_date, "days_overdue": days}
    elif rule is Rule.PUSHED:
        first, last = (close_dates[0], close_dates[-1]) if close_dates else (None, row.close_date)
        evidence = f"close date pushed {facts.pushes} times, from {first} to {last}"
        details = {"pushes": facts.pushes, "first_close_date": first, "current_close_date": last}
    elif rule is Rule.NEXT_STEP:
        if facts.next_step_missing:
            evidence, details = "no next step recorded", {"next_step": None}
        else:
            days = round(facts.next_step_overdue or 0)
            evidence = f"next step '{row.next_step}' was due {row.next_step_date} ({days} days ago)"
            details = {"next_step": row.next_step, "next_step_date": row.next_step_date, "days_overdue": days}
    elif rule is Rule.SINGLE_THREAD:
        who = f"only {contacts[0]} engaged" if contacts else "no contact engaged"
        evidence = (
            f"${facts.amount:,.0f} deal with {who} (large-deal threshold ${rules.large_deal_amount:,.0f})"
        )
        details = {"amount": facts.amount, "contacts_engaged": contacts}
    else:
        limit = rules.cycle_multiple * (median or 0)
        age = round(facts.age_days or 0)
        evidence = (
            f"open {age} days since {row.created_at}; median won cycle {median:.0f} days "
            f"x {rules.cycle_multiple} = {limit:.0f}"
        )
        details = {"age_days": age, "median_won_cycle_days": median, "limit_days": round(limit)}
    title, action, passage = RULES[rule]
    return Flag(
        rule=rule,
        title=title,
        severity=severity,
        evidence=evidence,
        facts=details,
        next_action=action,
        playbook=passage,
    )
