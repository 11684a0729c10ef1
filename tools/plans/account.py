"""The facts of an account plan: the account's profile, whitespace, deal risks, engagement trend and
the grounded candidates for its objectives, actions and risks (see :mod:`tools.plans.basis`).

Built from the account tools (profile, whitespace, stalled-deal flags) plus the measures of
:mod:`tools.plans.account_measures` (the open deals with their flags, the engagement trend, upsell).

Objective, action and risk candidates are computed in :mod:`tools.plans.account_candidates`.
Objective candidates (each SMART: a measure, a baseline, a target and a date in the next two
quarters) cover the open pipeline due by the end of next quarter, the best cross-sell and upsell
candidates, the buying committee when it has gaps, and engagement when it is falling or stale.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from tools.accounts.profile import AccountProfileInput, account_profile
from tools.accounts.profile_sections import ActivityLine, Contacts, DealLine, Firmographics, OwnedProduct
from tools.accounts.whitespace import CrossSell, PeerGroup, WhitespaceInput, account_whitespace
from tools.evidence import Figure
from tools.plans import account_candidates as candidates
from tools.plans import account_measures as measures
from tools.plans.account_measures import EngagementTrend, OpenDeal, Upsell
from tools.plans.basis import (
    ActionBasis,
    ObjectiveBasis,
    PlanHorizon,
    PlaybookRef,
    RiskBasis,
    horizon,
    keyed,
    playbook_refs,
)
from tools.playbook import PlaybookSearcher
from tools.store.repository import Repository
from tools.viewer import Viewer

MAX_CROSS_SELL = 5


class AccountPlanInput(BaseModel):
    account: str = Field(description="The account's name; close spellings are matched.")


class AccountPlanFacts(BaseModel):
    """Everything an account plan shows, computed from the data; no prose."""

    as_of: dt.date
    horizon: PlanHorizon
    account: Firmographics
    contacts: Contacts
    products: list[OwnedProduct]
    active_arr: Figure
    open_pipeline: Figure
    weighted_pipeline: Figure
    won_last_180_days: Figure
    win_rate_last_180_days: Figure
    health_score: Figure
    health_band: str
    days_since_last_touch: Figure
    peer_group: PeerGroup
    cross_sell: list[CrossSell]
    upsell: list[Upsell]
    open_deals: list[OpenDeal]
    recent_closed: list[DealLine]
    recent_activities: list[ActivityLine]
    engagement: EngagementTrend
    objectives: list[ObjectiveBasis]
    actions: list[ActionBasis]
    risks: list[RiskBasis]
    playbook: list[PlaybookRef]
    playbook_note: str | None = None


def account_plan_facts(
    repo: Repository, viewer: Viewer, params: AccountPlanInput, playbook: PlaybookSearcher | None = None
) -> AccountPlanFacts:
    """The facts of an account plan for one account in the viewer's scope."""
    profile = account_profile(repo, viewer, AccountProfileInput(account=params.account))
    name = profile.firmographics.name
    whitespace = account_whitespace(repo, viewer, WhitespaceInput(account=name))
    account_id = int(profile.firmographics.id.rsplit("/", 1)[1])
    open_deals = measures.open_deals(repo, viewer, profile)
    engagement = measures.engagement(repo, viewer, account_id)
    upsell = measures.upsell(repo, viewer, account_id, profile)
    topics = [("account planning", "strategic account plan objectives")]
    if profile.contacts.gaps:
        topics.append(("relationships", "multi-threading buying committee economic buyer"))
    if any(d.flags for d in open_deals):
        topics.append(("stalled deals", "stalled deal recovery next step"))
    if whitespace.cross_sell or upsell:
        topics.append(("expansion", "cross-sell upsell whitespace expansion"))
    if profile.health.band != "healthy":
        topics.append(("account health", "account health churn risk re-engage"))
    refs, note = playbook_refs(playbook, topics)
    span = horizon(repo.as_of, repo.fy_start_month)
    objectives = candidates.objectives(profile, whitespace.cross_sell, upsell, engagement, span, refs)
    actions = candidates.actions(profile, open_deals, whitespace.cross_sell, upsell, refs)
    risks = candidates.risks(profile, open_deals, whitespace.cross_sell, engagement, refs)
    for prefix, items in (("O", objectives), ("A", actions), ("R", risks)):
        keyed(prefix, items)
    return AccountPlanFacts(
        as_of=repo.as_of,
        horizon=span,
        account=profile.firmographics,
        contacts=profile.contacts,
        products=profile.products,
        active_arr=profile.active_arr,
        open_pipeline=profile.open_pipeline,
        weighted_pipeline=profile.weighted_pipeline,
        won_last_180_days=profile.won_last_180_days,
        win_rate_last_180_days=profile.win_rate_last_180_days,
        health_score=profile.health.score,
        health_band=profile.health.band,
        days_since_last_touch=profile.health.days_since_last_touch,
        peer_group=whitespace.peer_group,
        cross_sell=whitespace.cross_sell[:MAX_CROSS_SELL],
        upsell=upsell,
        open_deals=open_deals,
        recent_closed=profile.recent_closed[:10],
        recent_activities=profile.recent_activities[:10],
        engagement=engagement,
        objectives=objectives,
        actions=actions,
        risks=risks,
        playbook=refs,
        playbook_note=note,
    )
