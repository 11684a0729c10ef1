"""The facts of a territory plan, for a territory, a person's team or "my territory".

What the plan covers is chosen by name:

* a territory's name — that territory, seen by you (your deals on its accounts);
* a person's name (yourself, someone on your team; RevOps: anyone) — that person's book as they
  see it: a manager's team's territories and deals, or a rep's own; since a manager sees
  everything their reports see, this never shows you more than you may see;
* "my territory", "my team", "mine", "me" or nothing — your own book.

Figures come from the territory tools (summary, balance, forecast, rep scorecards, stalled deals,
the rebalancing proposal) plus the measures of :mod:`tools.plans.territory_measures` (pipeline created,
win rate and cycle of the quarter, whitespace, geography, each rep's focus).

Objective, action and risk candidates are computed in :mod:`tools.plans.territory_candidates`.
Objective candidates: quota this quarter, 3x pipeline coverage of next quarter's quota, stalled
pipeline recovered, quiet and uncovered accounts worked, and rep balance when it is off.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from tools.deals.forecasting import Forecast, ForecastQuery, RepPerformance, forecast
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_evidence import StalledDeal
from tools.errors import InputError
from tools.evidence import Figure, record_id
from tools.plans import territory_candidates as candidates
from tools.plans import territory_measures as measures
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
from tools.plans.territory_candidates import BALANCE_CV
from tools.plans.territory_measures import (
    KEY_ACCOUNTS,
    THIS_QUARTER,
    GeoLine,
    KPIs,
    RepFocus,
    WhitespaceAccount,
)
from tools.playbook import PlaybookSearcher
from tools.rebalance.models import RebalanceInput, RebalanceProposal
from tools.rebalance.proposal import propose_rebalance
from tools.resolve import UnknownName, resolve_territory, resolve_user
from tools.store.repository import Repository
from tools.store.schema import Role, User
from tools.territory.balance import TerritoryBalance, TerritoryBalanceInput, territory_balance
from tools.territory.book import TerritoryRef, chosen_territories, territory_ids
from tools.territory.summary import TerritorySummary, TerritorySummaryInput, territory_summary
from tools.territory.summary_accounts import AccountBrief
from tools.viewer import VIEWER_COLUMNS, Viewer, viewer_from_row

MINE = frozenset({"", "my", "me", "mine", "my territory", "my territories", "my team", "our team", "myself"})
STALLED_LISTED = 10


class TerritoryPlanInput(BaseModel):
    territory: str | None = Field(
        default=None,
        description="A territory's name, a person's name (their team), or empty / 'my territory' for yours.",
    )


class PlanScope(BaseModel):
    kind: Literal["territory", "team", "mine"]
    label: str
    territories: list[TerritoryRef]
    person: str | None = Field(default=None, description="Whose book the plan covers (team and mine).")


class TerritoryPlanFacts(BaseModel):
    """Everything a territory plan shows, computed from the data; no prose."""

    as_of: dt.date
    horizon: PlanHorizon
    scope: PlanScope
    summary: TerritorySummary
    geography: list[GeoLine]
    kpis: KPIs
    forecast: Forecast
    next_quarter_quota: Figure
    key_by_potential: list[AccountBrief]
    key_by_whitespace: list[WhitespaceAccount]
    stalled: list[StalledDeal]
    stalled_count: Figure
    stalled_amount: Figure
    reps: list[RepPerformance]
    focus: list[RepFocus]
    balance: TerritoryBalance
    rebalance: RebalanceProposal | None = Field(
        default=None, description="Account moves that balance the reps (managers and RevOps only)."
    )
    rebalance_note: str | None = None
    objectives: list[ObjectiveBasis]
    actions: list[ActionBasis]
    risks: list[RiskBasis]
    playbook: list[PlaybookRef]
    playbook_note: str | None = None


def plan_scope(repo: Repository, viewer: Viewer, name: str | None) -> tuple[PlanScope, Viewer, str | None]:
    """What ``name`` means: the scope, the viewer the figures are computed as, and the territory filter."""
    key = (name or "").strip()
    if key.casefold() in MINE:
        territories = chosen_territories(repo, viewer, None, own_by_default=True)
        label = f"{viewer.name}'s team" if viewer.role is Role.MANAGER else f"{viewer.name}'s book"
        if viewer.role in (Role.ADMIN, Role.REVOPS):
            label = "All territories"
        return (
            PlanScope(kind="mine", label=label, territories=territories, person=viewer.name),
            viewer,
            None,
        )
    try:
        found = resolve_territory(repo, viewer, key)
    except UnknownName as missing:
        try:
            person = resolve_user(repo, viewer, key)
        except UnknownName:
            raise missing from None
        with repo.connect() as connection:
            row = connection.execute(repo.users(viewer, *VIEWER_COLUMNS).where(User.id == person.id)).one()
        subject = viewer_from_row(row)
        territories = chosen_territories(repo, subject, None, own_by_default=True)
        label = f"{person.name}'s team" if subject.role is Role.MANAGER else f"{person.name}'s book"
        return PlanScope(kind="team", label=label, territories=territories, person=person.name), subject, None
    ref = TerritoryRef(id=record_id("territory", found.id), name=found.name)
    return PlanScope(kind="territory", label=found.name, territories=[ref]), viewer, found.name


def territory_plan_facts(
    repo: Repository, viewer: Viewer, params: TerritoryPlanInput, playbook: PlaybookSearcher | None = None
) -> TerritoryPlanFacts:
    """The facts of a territory plan (see the module docstring for what the name may be)."""
    scope, subject, territory = plan_scope(repo, viewer, params.territory)
    tids = territory_ids(scope.territories)
    summary = territory_summary(
        repo, subject, TerritorySummaryInput(territory=territory, period=THIS_QUARTER)
    )
    outlook = forecast(repo, subject, ForecastQuery(territory=territory, period=THIS_QUARTER))
    reps = measures.reps(repo, subject, tids)
    balance = territory_balance(
        repo, subject, TerritoryBalanceInput(territory=territory, period=THIS_QUARTER)
    )
    flagged = stalled_deals(repo, subject, StalledQuery(territory=territory, limit=500))
    span = horizon(repo.as_of, repo.fy_start_month)
    kpis = measures.kpis(repo, subject, tids, summary)
    next_quota = measures.next_quota(repo, subject, tids, span)
    whitespace = measures.whitespace(repo, subject, tids)
    geography = measures.geography(repo, subject, tids)
    focus = measures.focus(repo, subject, tids, reps, flagged.deals)
    topics = [
        ("territory planning", "territory plan priorities"),
        ("goals", "SMART goals sales targets"),
        ("coverage", "pipeline coverage ratio"),
    ]
    if flagged.deals:
        topics.append(("stalled deals", "stalled deal recovery"))
    if candidates.spread_cv(balance.rep_spread, "potential") > BALANCE_CV:
        topics.append(("balance", "territory design balance workload potential"))
    refs, note = playbook_refs(playbook, topics)
    rebalance, rebalance_note = _rebalance(repo, subject, territory)
    stalled_amount = flagged.flagged_amount
    objectives = candidates.objectives(
        summary, kpis, next_quota, flagged.flagged, stalled_amount, balance, span, refs
    )
    actions = candidates.actions(repo.as_of, focus, flagged.deals, summary, scope.person, refs)
    risks = candidates.risks(summary, outlook, kpis, stalled_amount, balance, refs)
    for prefix, items in (("O", objectives), ("A", actions), ("R", risks)):
        keyed(prefix, items)
    return TerritoryPlanFacts(
        as_of=repo.as_of,
        horizon=span,
        scope=scope,
        summary=summary,
        geography=geography,
        kpis=kpis,
        forecast=outlook,
        next_quarter_quota=next_quota,
        key_by_potential=summary.top_accounts[:KEY_ACCOUNTS],
        key_by_whitespace=whitespace,
        stalled=flagged.deals[:STALLED_LISTED],
        stalled_count=flagged.flagged,
        stalled_amount=stalled_amount,
        reps=reps,
        focus=focus,
        balance=balance,
        rebalance=rebalance,
        rebalance_note=rebalance_note,
        objectives=objectives,
        actions=actions,
        risks=risks,
        playbook=refs,
        playbook_note=note,
    )


def _rebalance(
    repo: Repository, subject: Viewer, territory: str | None
) -> tuple[RebalanceProposal | None, str | None]:
    """The rebalancing proposal for the plan's territories, when the plan's viewer manages them."""
    if subject.role is Role.REP:
        return None, "Rebalancing proposals are drafted for managers and RevOps."
    try:
        return propose_rebalance(repo, subject, RebalanceInput(territory=territory)), None
    except InputError as exc:
        return None, f"No rebalancing proposal: {exc}."
