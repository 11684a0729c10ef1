"""The action and risk candidates of an account plan, computed from its facts.

Each candidate is tied to a record or a playbook passage (see :mod:`tools.plans.basis`); the narrative
layer only words them. The measures they are computed from (open deals, engagement trend, upsell)
are in :mod:`tools.plans.account_measures`; the objective candidates in
:mod:`tools.plans.account_objectives`. Actions and risks that need contacts or activities are left
out when the data has none.
"""

from __future__ import annotations

import datetime as dt

from tools.accounts.profile import AccountProfile
from tools.accounts.profile_sections import DealLine
from tools.accounts.whitespace import CrossSell
from tools.evidence import Figure, Unit
from tools.plans.account_measures import TREND_DAYS, EngagementTrend, OpenDeal, Upsell
from tools.plans.basis import ActionBasis, PlaybookRef, RiskBasis, cite_for
from tools.plans.holdings import Holdings
from tools.rollup import money

STALE_TOUCH_DAYS = 30
MAX_DEAL_ACTIONS = 5
ENGAGED_CONTACTS_TARGET = 3
HIGH_SEVERITY_DAYS = 7
ACTION_DAYS = 14
EXPANSION_DAYS = 30


def _sum_figure(name: str, deals: list[DealLine], formula: str, filters: list[str]) -> Figure:
    total = sum((money(d.amount.value) for d in deals), money(0))
    return Figure.of(name, total, Unit.USD, formula, filters, [d.id for d in deals])


def actions(
    profile: AccountProfile,
    open_deals: list[OpenDeal],
    cross_sell: list[CrossSell],
    upsell: list[Upsell],
    refs: list[PlaybookRef],
    held: Holdings,
) -> list[ActionBasis]:
    as_of = profile.as_of
    owner = profile.firmographics.owner or "the account owner"
    found: list[ActionBasis] = []
    risky = sorted((d for d in open_deals if d.flags), key=lambda d: -d.risk_score)[:MAX_DEAL_ACTIONS]
    for item in risky:
        flag = max(item.flags, key=lambda f: f.severity == "high")
        days = HIGH_SEVERITY_DAYS if flag.severity == "high" else ACTION_DAYS
        found.append(
            ActionBasis(
                action=flag.next_action,
                owner=item.owner or owner,
                due=as_of + dt.timedelta(days=days),
                link=item.deal.id,
                link_label=item.deal.name,
                reason=f"{flag.title}: {flag.evidence}",
                playbook=flag.playbook,
            )
        )
    healthy = [d for d in open_deals if not d.flags and d.deal.next_step]
    for item in sorted(healthy, key=lambda d: -money(d.deal.amount.value))[:2]:
        due = item.deal.next_step_date or as_of + dt.timedelta(days=ACTION_DAYS)
        found.append(
            ActionBasis(
                action=f"Complete the next step: {item.deal.next_step}",
                owner=item.owner or owner,
                due=max(due, as_of),
                link=item.deal.id,
                link_label=item.deal.name,
                reason=f"{item.deal.stage}, {item.deal.amount.display()}, closing {item.deal.close_date}",
            )
        )
    if held.contacts and "no economic buyer" in " ".join(profile.contacts.gaps).lower():
        found.append(
            ActionBasis(
                action="Identify the economic buyer and get a meeting with them",
                owner=owner,
                due=as_of + dt.timedelta(days=ACTION_DAYS),
                link=profile.firmographics.id,
                link_label=profile.firmographics.name,
                reason="no contact with the economic buyer role",
                playbook=cite_for(refs, "relationships"),
            )
        )
    quiet = [
        c
        for group in profile.contacts.by_role
        for c in group.contacts
        if c.buying_role in ("Decision Maker", "Economic Buyer", "Champion")
        and (c.last_engaged_at is None or (as_of - c.last_engaged_at).days > TREND_DAYS)
    ]
    for contact in quiet[:2]:
        last = contact.last_engaged_at.isoformat() if contact.last_engaged_at else "never"
        found.append(
            ActionBasis(
                action=f"Re-engage {contact.name} ({contact.buying_role})",
                owner=owner,
                due=as_of + dt.timedelta(days=ACTION_DAYS),
                link=contact.id,
                link_label=contact.name,
                reason=f"last engaged: {last}",
                playbook=cite_for(refs, "relationships"),
            )
        )
    expansion: list[tuple[str, CrossSell | Upsell]] = [
        *((f"Qualify {c.product} with the account", c) for c in cross_sell[:2]),
        *((f"Review {u.product} usage and propose an expansion", u) for u in upsell[:1]),
    ]
    for action, offer in expansion:
        found.append(
            ActionBasis(
                action=action,
                owner=owner,
                due=as_of + dt.timedelta(days=EXPANSION_DAYS),
                link=offer.id,
                link_label=offer.product,
                reason=offer.reason,
                playbook=cite_for(refs, "expansion"),
            )
        )
    return found


def risks(
    profile: AccountProfile,
    open_deals: list[OpenDeal],
    cross_sell: list[CrossSell],
    engagement: EngagementTrend,
    refs: list[PlaybookRef],
    held: Holdings,
) -> list[RiskBasis]:
    found: list[RiskBasis] = []
    health = profile.health
    account = profile.firmographics.id
    if held.activities and health.band != "healthy":
        found.append(
            RiskBasis(
                risk=f"Account health is {health.score.display()} / 100 ({health.band})",
                evidence=health.score,
                link=account,
                mitigation="Agree a re-engagement plan with the sponsor; review adoption of owned products",
                playbook=cite_for(refs, "account health"),
            )
        )
    flagged = [d for d in open_deals if d.flags]
    if flagged:
        evidence = _sum_figure(
            "Flagged open pipeline",
            [d.deal for d in flagged],
            "sum(amount) of open deals with a stalled-deal flag",
            ["open deals on the account with at least one flag"],
        )
        largest = max(flagged, key=lambda d: money(d.deal.amount.value))
        unknown = sum(1 for d in flagged if d.deal.amount.value is None)
        worth = "amounts unknown" if unknown == len(flagged) else f"worth {evidence.display()}"
        if 0 < unknown < len(flagged):
            worth += f", {unknown} amount unknown"
        found.append(
            RiskBasis(
                risk=f"{len(flagged)} open deal(s) ({worth}) are stalled or at risk",
                evidence=evidence,
                link=largest.deal.id,
                mitigation="Work the flagged deals' next actions this week and re-confirm close dates",
                playbook=cite_for(refs, "stalled deals"),
            )
        )
    for gap in profile.contacts.gaps if held.contacts else []:
        found.append(
            RiskBasis(
                risk=f"Relationship gap: {gap}",
                evidence=profile.contacts.total,
                link=account,
                mitigation="Map the buying committee and add a second and third thread",
                playbook=cite_for(refs, "relationships"),
            )
        )
    if engagement.direction == "falling":
        found.append(
            RiskBasis(
                risk=(
                    f"Engagement is falling: {engagement.recent.value} activities in the last 90 days "
                    f"vs {engagement.previous.value} before"
                ),
                evidence=engagement.recent,
                link=account,
                mitigation="Schedule a business review and a touch with each engaged contact",
                playbook=cite_for(refs, "account health"),
            )
        )
    lost = health.losses.record_ids
    if lost:
        found.append(
            RiskBasis(
                risk=f"{len(lost)} deal(s) lost on the account in the last 180 days",
                evidence=Figure.of(
                    "Deals lost, last 180 days",
                    len(lost),
                    Unit.COUNT,
                    "count of deals closed lost in the last 180 days",
                    health.losses.filters,
                    lost,
                ),
                link=lost[0],
                mitigation="Review the loss reasons before the next proposal",
            )
        )
    churned = [c for c in cross_sell if "churn" in c.reason.lower()]
    for item in churned[:1]:
        found.append(
            RiskBasis(
                risk=f"{item.product} was churned",
                evidence=item.expected_value,
                link=item.id,
                mitigation="Find out why before proposing it again",
            )
        )
    return found
