"""The facts of a territory plan, for a territory, a person's team or "my territory".

What the plan covers is chosen by name:

* a territory's name — that territory, seen by you (your deals on its accounts);
* a person's name (yourself, someone on your team; RevOps: anyone) — that person's book as they
  see it: a manager's team's territories and deals, or a rep's own; since a manager sees
  everything their reports see, this never shows you more than you may see;
* "my territory", "my team", "mine", "me" or nothing — your own book.

Figures come from the territory tools (summary, balance, rep scorecards, stalled deals, the
rebalancing proposal), the history of :mod:`tools.plans.history` (year to date, the last four
quarters, the trailing 12 months), this and next quarter against quota from
:mod:`tools.plans.outlook` (coverage, forecast and gap defined together), the account rankings of
:mod:`tools.plans.key_accounts` and the measures of :mod:`tools.plans.territory_measures`. Every
figure is over the same deals: the plan's viewer's deals in the plan's territories.

What the data lacks (:mod:`tools.plans.holdings`) is said once, in ``data_notes``, and the
sections and rules that need it are left out rather than filled with "n/a".

Objective candidates are computed in :mod:`tools.plans.territory_objectives`, action and risk
candidates in :mod:`tools.plans.territory_candidates`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from tools.deals.performance import RepPerformance
from tools.deals.stalled import SkippedRule, StalledQuery, stalled_deals
from tools.deals.stalled_evidence import StalledDeal
from tools.errors import InputError
from tools.evidence import Figure, record_id
from tools.plans import key_accounts as ranking
from tools.plans import territory_candidates as candidates
from tools.plans import territory_measures as measures
from tools.plans import territory_objectives
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
from tools.plans.history import History, history
from tools.plans.holdings import Holdings, data_notes, holdings
from tools.plans.key_accounts import Ranking
from tools.plans.outlook import Outlook, outlook
from tools.plans.territory_measures import THIS_QUARTER, GeoLine, RepFocus, WhitespaceAccount
from tools.plans.territory_objectives import BALANCE_CV, spread_cv
from tools.playbook import PlaybookSearcher
from tools.rebalance.models import RebalanceInput, RebalanceProposal
from tools.rebalance.proposal import propose_rebalance
from tools.rebalance.scenarios import PublishedScenario, published_for
from tools.resolve import UnknownName, resolve_territory, resolve_user
from tools.rollup import period_of
from tools.store.repository import Repository
from tools.store.schema import Account, Role, User
from tools.territory.balance import TerritoryBalance, TerritoryBalanceInput, territory_balance
from tools.territory.book import TerritoryRef, accounts_in, chosen_territories, deals_in, territory_ids
from tools.territory.summary import TerritorySummary, TerritorySummaryInput, territory_summary
from tools.viewer import VIEWER_COLUMNS, Viewer, viewer_from_row

MINE = frozenset({"", "my", "me", "mine", "my territory", "my territories", "my team", "our team", "myself"})
STALLED_LISTED = 10
QUIET_DAYS = 60


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


class Stalled(BaseModel):
    deals: list[StalledDeal] = Field(description="The riskiest flagged deals.")
    count: Figure
    amount: Figure
    without_amount: int = Field(description="Flagged deals with no amount (not in the amount).")
    skipped_rules: list[SkippedRule]


class TerritoryPlanFacts(BaseModel):
    """Everything a territory plan shows, computed from the data; no prose."""

    as_of: dt.date
    horizon: PlanHorizon
    scope: PlanScope
    holdings: Holdings
    data_notes: list[str] = Field(description="What the data lacks and what the plan leaves out for it.")
    summary: TerritorySummary
    geography: list[GeoLine]
    history: History
    outlook: Outlook = Field(description="This quarter against quota: coverage, forecast and gap.")
    next_outlook: Outlook = Field(description="Next quarter against quota.")
    key_accounts: Ranking
    key_by_whitespace: list[WhitespaceAccount]
    uncovered: Ranking = Field(description="Accounts with no open deal in the plan, largest first.")
    quiet: Ranking | None = Field(
        description="Accounts with no activity in 60 days (None: no activity data)."
    )
    stalled: Stalled
    reps: list[RepPerformance]
    focus: list[RepFocus]
    balance: TerritoryBalance
    rebalance: RebalanceProposal | None = Field(
        default=None, description="Account moves that balance the reps (managers and RevOps only)."
    )
    rebalance_note: str | None = None
    published: PublishedScenario | None = Field(
        default=None, description="The latest published territory scenario: moves, hand-overs, map."
    )
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
    deals, accounts = deals_in(repo, subject, tids), accounts_in(repo, subject, tids)
    held = holdings(repo, subject, accounts)
    where = [f"territory: {', '.join(t.name for t in scope.territories)}", "your scope"]
    span = horizon(repo.as_of, repo.fy_start_month)
    now = outlook(repo, deals, period_of(repo, THIS_QUARTER), summary.quota, summary.bookings, where)
    next_quota = measures.next_quota(repo, subject, tids, span)
    nothing_won = Figure.of("Won", 0, summary.bookings.unit, "nothing is won in a quarter yet to come")
    nxt = outlook(repo, deals, period_of(repo, "next quarter"), next_quota, nothing_won, where)
    past = history(repo, deals, where)
    basis, why = ranking.choose_basis(repo, deals, held)
    key = ranking.rank(repo, subject, accounts, deals, basis, why)
    uncovered = ranking.rank(repo, subject, accounts, deals, basis, why, uncovered=True)
    quiet = None
    if held.activities:
        since = dt.datetime.combine(repo.as_of - dt.timedelta(days=QUIET_DAYS), dt.time(), dt.UTC)
        quiet = ranking.rank(repo, subject, accounts, deals, basis, why, quiet_since=since)
    reps = measures.reps(repo, subject, tids)
    balance = territory_balance(
        repo, subject, TerritoryBalanceInput(territory=territory, period=THIS_QUARTER)
    )
    flagged = stalled_deals(repo, subject, StalledQuery(territory=territory, limit=500))
    unknown = sum(1 for d in flagged.deals if d.amount is None)
    stalled = Stalled(
        deals=flagged.deals[:STALLED_LISTED],
        count=flagged.flagged,
        amount=flagged.flagged_amount,
        without_amount=unknown,
        skipped_rules=flagged.skipped_rules,
    )
    ranked_by = {"potential": Account.potential, "annual_revenue": Account.annual_revenue}.get(
        basis, Account.id
    )
    focus = measures.focus(repo, subject, tids, deals, reps, flagged.deals, ranked_by)
    topics = [
        ("territory planning", "territory plan priorities"),
        ("goals", "SMART goals sales targets"),
        ("coverage", "pipeline coverage ratio"),
    ]
    if flagged.deals:
        topics.append(("stalled deals", "stalled deal recovery"))
    if spread_cv(balance.rep_spread, "potential") > BALANCE_CV:
        topics.append(("balance", "territory design balance workload potential"))
    refs, note = playbook_refs(playbook, topics)
    rebalance, rebalance_note = _rebalance(repo, subject, territory, held)
    counts = (stalled.count, stalled.amount, stalled.without_amount)
    objectives = territory_objectives.objectives(
        now, nxt, past.trailing, counts, uncovered, quiet, balance, span, repo.as_of, refs
    )
    actions = candidates.actions(repo.as_of, focus, flagged.deals, key.label, scope.person, refs)
    risks = candidates.risks(now, summary.open_pipeline, counts, key, quiet, summary.accounts, balance, refs)
    for prefix, items in (("O", objectives), ("A", actions), ("R", risks)):
        keyed(prefix, items)
    return TerritoryPlanFacts(
        as_of=repo.as_of,
        horizon=span,
        scope=scope,
        holdings=held,
        data_notes=data_notes(held, now, key.label, flagged.skipped_rules),
        summary=summary,
        geography=measures.geography(repo, subject, tids),
        history=past,
        outlook=now,
        next_outlook=nxt,
        key_accounts=key,
        key_by_whitespace=measures.whitespace(repo, subject, tids) if held.potential else [],
        uncovered=uncovered,
        quiet=quiet,
        stalled=stalled,
        reps=reps,
        focus=focus,
        balance=balance,
        rebalance=rebalance,
        published=published_for(repo, subject, [t.name for t in scope.territories]),
        rebalance_note=rebalance_note,
        objectives=objectives,
        actions=actions,
        risks=risks,
        playbook=refs,
        playbook_note=note,
    )


def _rebalance(
    repo: Repository, subject: Viewer, territory: str | None, held: Holdings
) -> tuple[RebalanceProposal | None, str | None]:
    """The rebalancing proposal for the plan's territories, when the plan's viewer manages them."""
    if subject.role is Role.REP:
        return None, "Rebalancing proposals are drafted for managers and RevOps."
    if not held.potential:
        return None, "No rebalancing proposal: it balances account potential, and the data records none."
    try:
        return propose_rebalance(repo, subject, RebalanceInput(territory=territory)), None
    except InputError as exc:
        return None, f"No rebalancing proposal: {exc}."
