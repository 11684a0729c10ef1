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

Objective candidates: quota this quarter, 3x pipeline coverage of next quarter's quota, stalled
pipeline recovered, quiet and uncovered accounts worked, and rep balance when it is off.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tools.deals.forecasting import (
    Forecast,
    ForecastQuery,
    RepPerformance,
    forecast,
)
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_evidence import StalledDeal
from tools.errors import InputError
from tools.evidence import Figure, Unit, record_id
from tools.plans import territory_measures as measures
from tools.plans.basis import (
    ActionBasis,
    ObjectiveBasis,
    PlanHorizon,
    PlaybookRef,
    RiskBasis,
    cite_for,
    horizon,
    keyed,
    playbook_refs,
)
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
from tools.rollup import money
from tools.store.repository import Repository
from tools.store.schema import Role, User
from tools.territory.balance import TerritoryBalance, TerritoryBalanceInput, territory_balance
from tools.territory.balance_measures import Spread
from tools.territory.book import TerritoryRef, chosen_territories, territory_ids
from tools.territory.summary import CoverageGap, TerritorySummary, TerritorySummaryInput, territory_summary
from tools.territory.summary_accounts import AccountBrief
from tools.viewer import Viewer

MINE = frozenset({"", "my", "me", "mine", "my territory", "my territories", "my team", "our team", "myself"})
COVERAGE_TARGET = 3
STALLED_LISTED = 10
STALLED_RECOVERY = Decimal("0.5")
QUIET_TARGET = 20
UNCOVERED_TARGET = 10
#: Rep balance is worth an objective above this coefficient of variation of potential.
BALANCE_CV = 0.20
BAND = 0.10
LOW_COVERAGE = 2.0
STALLED_SHARE = 0.25
CONCENTRATION = 0.20
ACTION_DAYS = 14
HIGH_SEVERITY_DAYS = 7


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
            row = connection.execute(
                repo.users(viewer, User.role, User.territory_id).where(User.id == person.id)
            ).one()
        subject = Viewer(
            user_id=person.id, role=Role(row.role), name=person.name, territory_id=row.territory_id
        )
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
    if _cv(balance.rep_spread, "potential") > BALANCE_CV:
        topics.append(("balance", "territory design balance workload potential"))
    refs, note = playbook_refs(playbook, topics)
    rebalance, rebalance_note = _rebalance(repo, subject, territory)
    stalled_amount = flagged.flagged_amount
    objectives = _objectives(summary, kpis, next_quota, flagged.flagged, stalled_amount, balance, span, refs)
    actions = _actions(repo.as_of, focus, flagged.deals, summary, scope, refs)
    risks = _risks(summary, outlook, kpis, stalled_amount, balance, refs)
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


def _cv(spreads: list[Spread], measure: str) -> float:
    found = next((s for s in spreads if s.measure == measure), None)
    value = None if found is None else found.coefficient_of_variation.value
    return float(value) if value is not None else 0.0


def _number(fig: Figure) -> Decimal:
    return Decimal(str(fig.value)) if fig.value is not None else Decimal(0)


def _gap_objective(
    theme: str, gap: CoverageGap, cap: int, which: str, done: str, due: dt.date
) -> ObjectiveBasis:
    """Work the ``cap`` largest accounts of a coverage gap by ``due``."""
    total = int(gap.accounts.value or 0)
    wanted = min(cap, total)
    return ObjectiveBasis(
        theme=theme,
        measure=f"the {wanted} largest of the {total} accounts {which}, {done}",
        baseline=Figure.of(f"Accounts {done}", 0, Unit.COUNT, "none yet"),
        target=Figure.of(
            f"Accounts to be {done}", wanted, Unit.COUNT, f"min({cap}, accounts), largest potential first"
        ),
        due=due,
        links=[a.id for a in gap.largest[:5]],
    )


def _objectives(
    summary: TerritorySummary,
    kpis: KPIs,
    next_quota: Figure,
    stalled_count: Figure,
    stalled_amount: Figure,
    balance: TerritoryBalance,
    span: PlanHorizon,
    refs: list[PlaybookRef],
) -> list[ObjectiveBasis]:
    found: list[ObjectiveBasis] = []
    goals = [x for x in [cite_for(refs, "goals")] if x]
    if _number(kpis.quota) > 0:
        found.append(
            ObjectiveBasis(
                theme="make this quarter's number",
                measure=f"bookings in {span.this_quarter}",
                baseline=kpis.bookings,
                target=kpis.quota,
                due=span.this_quarter_end,
                links=[*kpis.quota.record_ids[:5], *goals],
            )
        )
    if (
        _number(next_quota) > 0
        and _number(kpis.pipeline_next_quarter) < _number(next_quota) * COVERAGE_TARGET
    ):
        found.append(
            ObjectiveBasis(
                theme="build next quarter's pipeline",
                measure=f"open pipeline closing in {span.next_quarter}",
                baseline=kpis.pipeline_next_quarter,
                target=Figure.of(
                    f"Pipeline needed for {span.next_quarter}",
                    _number(next_quota) * COVERAGE_TARGET,
                    Unit.USD,
                    f"{COVERAGE_TARGET} x next quarter's quota",
                    next_quota.filters,
                    next_quota.record_ids,
                ),
                due=span.this_quarter_end,
                links=[
                    *kpis.pipeline_next_quarter.record_ids[:5],
                    *[x for x in [cite_for(refs, "coverage")] if x],
                ],
            )
        )
    if stalled_count.value:
        found.append(
            ObjectiveBasis(
                theme="recover stalled pipeline",
                measure="flagged open pipeline (stalled or at-risk deals)",
                baseline=stalled_amount,
                target=Figure.of(
                    "Flagged pipeline, target",
                    money(_number(stalled_amount) * (1 - STALLED_RECOVERY)),
                    Unit.USD,
                    f"flagged pipeline x {1 - STALLED_RECOVERY}: half re-qualified, advanced or closed out",
                ),
                due=span.this_quarter_end,
                links=[*stalled_amount.record_ids[:5], *[x for x in [cite_for(refs, "stalled deals")] if x]],
            )
        )
    quiet, uncovered = summary.no_activity_60_days, summary.no_open_pipeline
    if quiet.accounts.value:
        found.append(
            _gap_objective(
                "cover quiet accounts",
                quiet,
                QUIET_TARGET,
                "with no activity in 60 days",
                "touched",
                span.this_quarter_end,
            )
        )
    if uncovered.accounts.value:
        found.append(
            _gap_objective(
                "open pipeline on uncovered accounts",
                uncovered,
                UNCOVERED_TARGET,
                "with no open pipeline",
                "opened with a qualified opportunity",
                span.next_quarter_end,
            )
        )
    spread = next((s for s in balance.rep_spread if s.measure == "potential"), None)
    if spread is not None and _cv(balance.rep_spread, "potential") > BALANCE_CV:
        found.append(
            ObjectiveBasis(
                theme="balance the reps' books",
                measure="coefficient of variation of potential across reps",
                baseline=spread.coefficient_of_variation,
                target=Figure.of(
                    "Potential CV, target", BAND, Unit.RATIO, "every rep within +/-10% of the mean"
                ),
                due=span.next_quarter_end,
                links=[o.id for o in spread.outside_band[:5]] + [x for x in [cite_for(refs, "balance")] if x],
            )
        )
    return found


def _actions(
    as_of: dt.date,
    focus: list[RepFocus],
    flagged: list[StalledDeal],
    summary: TerritorySummary,
    scope: PlanScope,
    refs: list[PlaybookRef],
) -> list[ActionBasis]:
    deals = {d.id: d for d in flagged}
    found: list[ActionBasis] = []
    for line in focus:
        deal = deals.get(line.top_stalled or "")
        if deal is not None and deal.flags:
            flag = max(deal.flags, key=lambda f: f.severity == "high")
            days = HIGH_SEVERITY_DAYS if flag.severity == "high" else ACTION_DAYS
            found.append(
                ActionBasis(
                    action=flag.next_action,
                    owner=line.rep,
                    due=as_of + dt.timedelta(days=days),
                    link=deal.id,
                    link_label=deal.name,
                    reason=f"{flag.title}: {flag.evidence}",
                    playbook=flag.playbook,
                )
            )
        if line.uncovered_account:
            found.append(
                ActionBasis(
                    action="Open a first opportunity: book a discovery meeting",
                    owner=line.rep,
                    due=as_of + dt.timedelta(days=2 * ACTION_DAYS),
                    link=line.uncovered_account,
                    link_label=line.uncovered_account_name,
                    reason="the rep's largest account by potential with no open pipeline",
                    playbook=cite_for(refs, "coverage"),
                )
            )
    if not focus:
        owner = scope.person or "the territory's manager"
        for deal in flagged[:3]:
            flag = deal.flags[0]
            found.append(
                ActionBasis(
                    action=flag.next_action,
                    owner=deal.owner or owner,
                    due=as_of + dt.timedelta(days=ACTION_DAYS),
                    link=deal.id,
                    link_label=deal.name,
                    reason=f"{flag.title}: {flag.evidence}",
                    playbook=flag.playbook,
                )
            )
    return found


def _risks(
    summary: TerritorySummary,
    outlook: Forecast,
    kpis: KPIs,
    stalled_amount: Figure,
    balance: TerritoryBalance,
    refs: list[PlaybookRef],
) -> list[RiskBasis]:
    found: list[RiskBasis] = []
    cover = kpis.coverage.value
    if cover is not None and float(cover) < LOW_COVERAGE:
        found.append(
            RiskBasis(
                risk=f"Pipeline coverage is {kpis.coverage.display()} of the remaining quota",
                evidence=kpis.coverage,
                mitigation="Run a pipeline-generation push on uncovered high-potential accounts",
                playbook=cite_for(refs, "coverage"),
            )
        )
    gap = outlook.gap_to_quota
    if _number(gap) > 0:
        found.append(
            RiskBasis(
                risk=f"Gap to quota this quarter: {gap.display()}",
                evidence=gap,
                mitigation="Inspect commit and best-case deals weekly and pull forward what can close",
                playbook=cite_for(refs, "goals"),
            )
        )
    pipeline = _number(summary.open_pipeline)
    share = float(_number(stalled_amount) / pipeline) if pipeline else 0.0
    if share > STALLED_SHARE:
        found.append(
            RiskBasis(
                risk=f"{share:.0%} of open pipeline ({stalled_amount.display()}) is stalled or at risk",
                evidence=stalled_amount,
                link=stalled_amount.record_ids[0] if stalled_amount.record_ids else None,
                mitigation="Re-qualify flagged deals with the reps; close out what will not move",
                playbook=cite_for(refs, "stalled deals"),
            )
        )
    cv = _cv(balance.rep_spread, "potential")
    if cv > BALANCE_CV:
        spread = next(s for s in balance.rep_spread if s.measure == "potential")
        found.append(
            RiskBasis(
                risk=f"Reps' books are uneven: potential CV {spread.coefficient_of_variation.display()}",
                evidence=spread.coefficient_of_variation,
                link=spread.outside_band[0].id if spread.outside_band else None,
                mitigation="Review account assignments and propose a rebalance",
                playbook=cite_for(refs, "balance"),
            )
        )
    largest = summary.top_accounts[0] if summary.top_accounts else None
    if (
        largest is not None
        and pipeline
        and _number(largest.open_pipeline) / pipeline > Decimal(str(CONCENTRATION))
    ):
        found.append(
            RiskBasis(
                risk=f"Concentration: {largest.name} holds {largest.open_pipeline.display()} of the pipeline",
                evidence=largest.open_pipeline,
                link=largest.id,
                mitigation="Multi-thread the account and build pipeline elsewhere",
            )
        )
    quiet = summary.no_activity_60_days.accounts
    total = _number(summary.accounts)
    if quiet.value and total and _number(quiet) / total > Decimal("0.5"):
        found.append(
            RiskBasis(
                risk=f"{quiet.display()} of {summary.accounts.display()} accounts had no activity in 60 days",
                evidence=quiet,
                mitigation="Plan coverage: a cadence for the top accounts and a programme for the rest",
                playbook=cite_for(refs, "territory planning"),
            )
        )
    return found
