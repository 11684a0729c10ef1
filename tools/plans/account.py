"""The facts of an account plan: the account's profile, whitespace, deal risks, engagement trend and
the grounded candidates for its objectives, actions and risks (see :mod:`tools.plans.basis`).

Built from the account tools (profile, whitespace, stalled-deal flags) plus the measures of
:mod:`tools.plans.account_measures` (the open deals with their flags, the engagement trend, upsell).

The account's history (year to date and the last four quarters: bookings, win rate, pipeline
created) comes from :mod:`tools.plans.history`, over your deals on the account. What the data lacks
(contacts, activities, products owned) is said once in ``data_notes`` and the sections and goals
that need it are left out.

Objective candidates are computed in :mod:`tools.plans.account_objectives`, action and risk
candidates in :mod:`tools.plans.account_candidates`.
Objective candidates (each SMART: a measure, a baseline, a target and a date in the next two
quarters) cover the open pipeline due by the end of next quarter (the target: what the trailing win
rate says it brings), the best cross-sell (the target: the product's typical won deal) and upsell
candidates, the buying committee when it has gaps, and engagement when it is falling or stale.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from tools.accounts.profile import AccountProfileInput, account_profile
from tools.accounts.profile_sections import ActivityLine, Contacts, DealLine, Firmographics, OwnedProduct
from tools.accounts.whitespace import (
    CrossSell,
    PeerGroup,
    WhitespaceInput,
    WhitespaceProduct,
    account_whitespace,
)
from tools.evidence import Figure
from tools.plans import account_candidates as candidates
from tools.plans import account_measures as measures
from tools.plans import account_objectives
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
from tools.plans.history import History, history, trailing
from tools.plans.holdings import Holdings, account_notes, holdings
from tools.playbook import PlaybookSearcher
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity
from tools.viewer import Viewer

MAX_CROSS_SELL = 5
#: The account's own win rate sets its targets when it closed at least this many deals in 12 months.
MIN_CLOSED = 5


class AccountPlanInput(BaseModel):
    account: str = Field(description="The account's name; close spellings are matched.")


class AccountPlanFacts(BaseModel):
    """Everything an account plan shows, computed from the data; no prose."""

    as_of: dt.date
    horizon: PlanHorizon
    holdings: Holdings
    data_notes: list[str] = Field(description="What the data lacks and what the plan leaves out for it.")
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
    history: History = Field(
        description="Your deals on the account: year to date and the last four quarters."
    )
    win_rate_basis: Figure = Field(description="The trailing win rate the account's targets are set from.")
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
    held = holdings(repo, viewer, repo.accounts(viewer, Account.id).where(Account.id == account_id))
    where = [f"account: {name}", "your scope"]
    past = history(
        repo, repo.opportunities(viewer, Opportunity.id).where(Opportunity.account_id == account_id), where
    )
    rate = _rate_basis(repo, viewer, past)
    best = whitespace.cross_sell[0] if whitespace.cross_sell else None
    size = (
        None
        if best is None
        else measures.product_deal_size(
            repo, viewer, best.id, best.product, _estimate(whitespace.not_owned, best.id)
        )
    )
    objectives = account_objectives.objectives(
        profile, whitespace.cross_sell, upsell, engagement, span, refs, rate, size, held
    )
    actions = candidates.actions(profile, open_deals, whitespace.cross_sell, upsell, refs, held)
    risks = candidates.risks(profile, open_deals, whitespace.cross_sell, engagement, refs, held)
    for prefix, items in (("O", objectives), ("A", actions), ("R", risks)):
        keyed(prefix, items)
    return AccountPlanFacts(
        as_of=repo.as_of,
        horizon=span,
        holdings=held,
        data_notes=account_notes(held, [d.deal.amount.value for d in open_deals]),
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
        history=past,
        win_rate_basis=rate,
        objectives=objectives,
        actions=actions,
        risks=risks,
        playbook=refs,
        playbook_note=note,
    )


def _rate_basis(repo: Repository, viewer: Viewer, past: History) -> Figure:
    """The account's own trailing win rate when it closed enough deals and won some, else yours over
    the same months (a lost streak on the account is a risk of the plan, not a target of 0)."""
    own = past.trailing
    closed = own.won_deals + own.lost_deals
    if closed >= MIN_CLOSED and own.won_deals:
        return own.win_rate.model_copy(update={"name": f"the account's win rate over {own.label}"})
    book = trailing(repo, repo.opportunities(viewer, Opportunity.id), ["your scope"])
    if closed >= MIN_CLOSED:
        why = f"the account won none of its {closed} deals closed in that time"
    else:
        deals = f"{closed} deal{'' if closed == 1 else 's'}"
        why = f"the account closed {deals} in that time (fewer than {MIN_CLOSED})"
    return book.win_rate.model_copy(update={"name": f"your win rate over {book.label}, since {why}"})


def _estimate(products: list[WhitespaceProduct], product: str) -> Figure:
    """The whitespace estimate of a product (peers' mean ARR, else list price)."""
    line = next(p for p in products if p.id == product)
    return line.estimated_value
