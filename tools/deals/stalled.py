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
``medium``; a deal's risk score is the sum of its flags (high 3, medium 2) and deals are ranked
by score, then amount, all in SQL (:mod:`tools.deals.stalled_scan`). A rule whose data the loaded data
set lacks (an import with no activities, no stage history, no contacts, no next steps) is skipped
and listed with the reason, never silently passed. The median won cycle is measured over the
viewer's own scope.

How it runs: one SQL query computes, for every open deal in scope, the numbers each rule needs
(days in stage, days since activity, close-date pushes from history, contacts engaged…) and
gives each rule a severity; the open and flagged counts, the amount at risk, the counts per rule
and per owner and the riskiest deals all come from that one pass over the open deals
(:func:`~tools.deals.stalled_scan.scan_once`), and the evidence (dates, names) is fetched only
for the deals actually listed (:mod:`tools.deals.stalled_evidence`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from tools.deals.details import resolve_deal
from tools.deals.pipeline import describe, open_deal_conditions
from tools.deals.stalled_evidence import StalledDeal, facts_of, listed_deals
from tools.deals.stalled_rules import Rule, Severity
from tools.deals.stalled_scan import SEVERITY, build_scan, scan_once
from tools.deals.stalled_support import median_won_cycle, unsupported_rules
from tools.evidence import Figure, Unit, record_id
from tools.filters import DealFilter, deal_conditions
from tools.scoring.norms import stall_thresholds, won_stage_days
from tools.scoring.store import scores_in_use
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity, User
from tools.store.types import to_money

#: Record ids listed on the totals (the count is always complete).
MAX_IDS = 50


class StalledQuery(DealFilter):
    deal: str | None = Field(
        default=None, description="One deal (its name or id): whether it is flagged, and why."
    )
    rule: Rule | None = Field(default=None, description="Only deals flagged by this rule.")
    no_activity_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Days without activity that count as no recent activity (default: the configured rule).",
    )
    limit: int = Field(default=25, ge=1, le=500, description="How many deals to list (all are counted).")


class SkippedRule(BaseModel):
    rule: Rule
    reason: str


class StalledDeals(BaseModel):
    as_of: dt.date
    deals: list[StalledDeal]
    flagged: Figure
    flagged_amount: Figure
    open_deals: int
    breaking_rules: int = Field(
        default=0,
        description="Open deals breaking at least one rule, at risk or not (with no rule asked, only those "
        "breaking one twice over or two rules, and with a win score scored well below their stage, "
        "are listed).",
    )
    by_rule: dict[str, int]
    by_owner: dict[str, int] = Field(
        default_factory=dict, description="Flagged deals per owner, most first (every flagged deal counted)."
    )
    skipped_rules: list[SkippedRule]
    thresholds: dict[str, Any]
    filters: list[str]
    estimate_basis: str | None = Field(
        default=None, description="What estimated amounts were taken from, when any amount is estimated."
    )
    open_amount: Decimal = Field(description="Open pipeline value scanned (the flagged share's base).")
    value_at_risk: Decimal = Field(
        description="Sum over flagged deals of amount x (1 - win probability) x urgency (the ranking)."
    )
    ranking: str


def stalled_deals(repo: Repository, viewer: ViewerLike, params: StalledQuery) -> StalledDeals:
    """Find open deals that are stalled or at risk, with the evidence for each flag and the next action.

    Args:
        owner: A rep's or manager's name (a manager means the team); default everyone in scope.
        territory: Territory name.
        region: Region name: the territories in it.
        account: Account name.
        product: Product name.
        stage: Stage name, or several: 'Proposal, Negotiation'.
        min_amount: Only deals of at least this amount.
        max_amount: Only deals of at most this amount.
        period: Only deals whose close date falls in this period.
        forecast_category: Forecast category: commit, best_case or pipeline.
        industry: The account's industry.
        segment: The account's segment.
        country: The account's country.
        state: The account's state: 'Texas' or 'TX'.
        city: The account's city.
        deal: One deal (its name or id): whether it is flagged, and why.
        no_activity_days: Days without activity that count as no recent activity (default: the rule's).
        rule: Only deals flagged by this rule (stage_age, no_activity, past_close, pushed, next_step,
            single_thread, aged).
        limit: How many deals to list, riskiest first (all are counted).
    """
    rules = repo.stages.stall_rules
    resolved = deal_conditions(repo, viewer, params)
    if params.deal:
        deal_id = resolve_deal(repo, viewer, params.deal)
        resolved.conditions.append(Opportunity.id == deal_id)
        resolved.descriptions.append(f"deal: {record_id('opportunity', deal_id)}")
    conditions = open_deal_conditions(resolved)
    with repo.connect() as connection:
        scope = repo.scope(viewer).users
        skipped = dict(
            repo.memo(("unsupported_rules", scope), lambda: unsupported_rules(connection, repo, viewer))
        )
        median, won_count = repo.memo(
            ("median_won_cycle", scope), lambda: median_won_cycle(connection, repo, viewer)
        )
        if median is None or won_count < 5:
            skipped[Rule.AGED] = f"only {won_count} won deals in scope to set a normal cycle (need 5)"
        aged_limit = rules.cycle_multiple * median if median and Rule.AGED not in skipped else None
        stall_days = repo.memo(("stall_days",), lambda: stage_thresholds(connection, repo))
        scored = scores_in_use(connection)
        scan = build_scan(repo, skipped, aged_limit, stall_days, scored)
        if params.no_activity_days is not None:
            scan.limits["no_activity"] = params.no_activity_days  # "no activity for over 30 days"
        found = scan_once(connection, repo, viewer, conditions, scan, params.rule, max(params.limit, MAX_IDS))
        names: dict[int, str] = {
            int(uid): str(name)
            for uid, name in connection.execute(
                repo.users(viewer, User.id, User.name).where(User.id.in_([o for o, _ in found.per_owner]))
            )
        }
    count, amount, estimated_amount, open_count = (
        found.flagged,
        found.amount,
        found.estimated,
        found.open_deals,
    )
    per_owner, top, per_rule = found.per_owner, found.top, found.per_rule
    by_rule = {rule.value: int(n) for rule, n in zip(scan.rules, per_rule, strict=True) if n}
    judged = [(int(row.score), facts_of(row), _flags(row, scan.rules)) for row in top]
    listed = listed_deals(repo, viewer, judged[: params.limit], median)
    filters = describe(resolved, "open opportunities", f"as of {repo.as_of}")
    ids = [record_id("opportunity", row.id) for row in top]
    return StalledDeals(
        as_of=repo.as_of,
        deals=listed,
        flagged=Figure.of(
            "Stalled or at-risk deals",
            int(count),
            Unit.COUNT,
            "count of open deals with at least one stall flag",
            filters,
            ids,
            int(count),
        ),
        flagged_amount=Figure.of(
            "Amount at risk",
            to_money(amount),
            Unit.USD,
            "sum(amount) of open deals with at least one stall flag",
            filters,
            ids,
            int(count),
        ).with_estimate(estimated_amount),
        open_deals=int(open_count),
        breaking_rules=found.breaking,
        by_rule=by_rule,
        by_owner=dict(
            sorted(((names[o], int(n)) for o, n in per_owner if o in names), key=lambda kv: (-kv[1], kv[0]))
        ),
        skipped_rules=[SkippedRule(rule=r, reason=why) for r, why in skipped.items()],
        thresholds={
            "stall_days": stall_days,
            **rules.model_dump(),
            **({"no_activity_days": params.no_activity_days} if params.no_activity_days else {}),
            "median_won_cycle_days": median,
        },
        filters=filters,
        estimate_basis=repo.estimate_basis() if estimated_amount else None,
        open_amount=to_money(found.open_amount),
        value_at_risk=to_money(found.at_risk),
        ranking=(
            "value at risk: amount x (1 - win probability) x urgency (1 when the deal should close within "
            "30 days or is past its date, 0.6 within 90 days, else 0.3); win probability from the "
            + ("learned win score" if scored else "stage probability (no learned win score in use)")
        ),
    )


def stage_thresholds(connection: Connection, repo: Repository) -> dict[str, int]:
    """Each open stage's stall threshold: the 75th percentile of won deals' days in the stage (the
    organisation's own history, over all its deals), or the configured ``stall_days`` when
    ``stage_days_from_history`` is off or too few won deals passed through the stage."""
    configured = {s.name: s.stall_days or 1 for s in repo.stages.open_stages}
    if not repo.stages.stall_rules.stage_days_from_history:
        return configured
    return stall_thresholds(won_stage_days(connection, repo.as_of), configured)


def _flags(row: Any, rules: list[Rule]) -> list[tuple[Rule, Severity]]:
    return [(rule, SEVERITY[code]) for rule in rules if (code := getattr(row, f"rule_{rule.value}"))]
