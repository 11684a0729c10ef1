"""The stalled deals that are listed: their full records and, for each flag, the dated evidence.

The scan (:mod:`tools.deals.stalled_scan`) judges every open deal in SQL; only the deals a
:func:`tools.deals.stalled.stalled_deals` answer lists are read again here, with their account,
owner, close-date history and engaged contacts, so each flag can say what it saw (dates, days,
names), with the rule's next action and playbook passage (:mod:`tools.deals.stalled_rules`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from tools.deals.stalled_rules import RULES, Rule, Severity
from tools.evidence import ExternalId, RecordUrl, record_id
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Account, Activity, Contact, Opportunity, OpportunityHistory, User


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
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    account: str | None
    owner: str
    stage: str
    amount: Decimal | None = Field(description="Empty when the deal has no amount (amount unknown, not $0).")
    amount_estimated: bool = Field(
        default=False, description="The amount is an estimate the import filled in (e.g. the list price)."
    )
    close_date: dt.date | None
    risk_score: int = Field(description="Sum of the flags' severities (high 3, medium 2).")
    win_probability: float | None = Field(
        default=None, description="The learned win score, or the stage probability without one."
    )
    value_at_risk: Decimal | None = Field(
        default=None, description="amount x (1 - win probability) x urgency: what the list is ranked by."
    )
    flags: list[Flag]


@dataclass(slots=True)
class Facts:
    """The numbers one open deal was judged on (from the scan query)."""

    id: int
    stage: str
    amount: Decimal | None
    amount_estimated: bool
    stage_days: float | None
    threshold: int | None
    activity_days: float | None
    overdue_days: float | None
    pushes: int
    next_step_overdue: float | None
    contacts: int
    age_days: float | None
    probability: float | None = None
    at_risk: float | None = None


def facts_of(row: Any) -> Facts:
    """The numbers the scan query judged a deal on, from its row."""
    return Facts(
        id=row.id,
        stage=row.stage,
        amount=row.amount,
        amount_estimated=bool(row.amount_estimated),
        stage_days=row.stage_days,
        threshold=row.threshold,
        activity_days=row.activity_days,
        overdue_days=row.overdue_days,
        pushes=int(row.pushes),
        next_step_overdue=row.next_step_overdue,
        contacts=int(row.contacts),
        age_days=row.age_days,
        probability=getattr(row, "probability", None),
        at_risk=getattr(row, "at_risk", None),
    )


def listed_deals(
    repo: Repository,
    viewer: ViewerLike,
    judged: list[tuple[int, Facts, list[tuple[Rule, Severity]]]],
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
                amount_estimated=facts.amount_estimated,
                close_date=row.close_date,
                risk_score=score,
                win_probability=round(facts.probability, 4) if facts.probability is not None else None,
                value_at_risk=Decimal(str(round(facts.at_risk, 2))) if facts.at_risk is not None else None,
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
    facts: Facts,
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
        since = row.stage_entered_at
        evidence = f"{_days(days)} in {facts.stage} since {since} (threshold {facts.threshold})"
        details = {"days_in_stage": days, "threshold": facts.threshold, "since": row.stage_entered_at}
    elif rule is Rule.NO_ACTIVITY:
        days = round(facts.activity_days or 0)
        what = f"last activity {row.last_activity_at}" if row.last_activity_at else "no activity logged"
        evidence = f"{what}, {_days(days)} ago (threshold {rules.no_activity_days})"
        details = {
            "days_since_activity": days,
            "last_activity_at": row.last_activity_at,
            "threshold": rules.no_activity_days,
        }
    elif rule is Rule.PAST_CLOSE:
        days = round(facts.overdue_days or 0)
        evidence = f"close date {row.close_date} passed {_days(days)} ago"
        details = {"close_date": row.close_date, "days_overdue": days}
    elif rule is Rule.PUSHED:
        first, last = (close_dates[0], close_dates[-1]) if close_dates else (None, row.close_date)
        evidence = f"close date pushed {facts.pushes} times, from {first} to {last}"
        details = {"pushes": facts.pushes, "first_close_date": first, "current_close_date": last}
    elif rule is Rule.NEXT_STEP:
        if not (row.next_step or "").strip():
            evidence, details = "no next step recorded", {"next_step": None}
        else:
            days = round(facts.next_step_overdue or 0)
            evidence = f"next step '{row.next_step}' was due {row.next_step_date} ({_days(days)} ago)"
            details = {"next_step": row.next_step, "next_step_date": row.next_step_date, "days_overdue": days}
    elif rule is Rule.SINGLE_THREAD:
        who = f"only {contacts[0]} engaged" if contacts else "no contact engaged"
        size = f"${facts.amount:,.0f}{' (estimated)' if facts.amount_estimated else ''}"
        evidence = f"{size} deal with {who} (large-deal threshold ${rules.large_deal_amount:,.0f})"
        details = {
            "amount": facts.amount,
            "amount_estimated": facts.amount_estimated,
            "contacts_engaged": contacts,
        }
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
        next_action=_gap(rule, facts, row, contacts) or action,
        playbook=passage,
    )


def _gap(rule: Rule, facts: Facts, row: Any, contacts: list[str]) -> str | None:
    """The next action for this deal's own gap: who to reach, which date to fix (None: the
    rule's general action; the playbook passage says why)."""
    who = contacts[0] if contacts else f"a contact at {row.account}" if row.account else None
    if rule is Rule.STAGE_AGE and who:
        return (
            f"Confirm the {facts.stage} exit criteria with {who} and agree a dated next step, "
            f"or move the deal back."
        )
    if rule is Rule.NO_ACTIVITY and who:
        second = (
            f"; if silent, go to {contacts[1]}" if len(contacts) > 1 else "; if silent, find a second contact"
        )
        return f"Reach {who} this week with a reason to talk{second}."
    if rule is Rule.PAST_CLOSE:
        return (
            f"Fix the close date {row.close_date}: confirm a real one with the buyer, or close the deal out."
        )
    if rule is Rule.PUSHED:
        return f"Rebuild the mutual action plan with the economic buyer before moving {row.close_date} again."
    if rule is Rule.NEXT_STEP:
        if (row.next_step or "").strip():
            return f"Do or re-date '{row.next_step}' (due {row.next_step_date}) and record the new date."
        return f"Book the next meeting{f' with {who}' if who else ''} and record it with a date."
    if rule is Rule.SINGLE_THREAD and contacts:
        return f"Ask {contacts[0]} to introduce you to the economic buyer and a technical evaluator."
    return None


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"
