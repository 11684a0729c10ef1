"""The candidates of a territory plan: SMART objectives, actions and risks, computed from its facts.

Each candidate is tied to a record or a playbook passage (see :mod:`tools.plans.basis`); the narrative
layer only words them. The facts they are computed from are in :mod:`tools.plans.territory`.

Objective candidates: quota this quarter, 3x pipeline coverage of next quarter's quota, stalled
pipeline recovered, quiet and uncovered accounts worked, and rep balance when it is off. Action
candidates: each rep's riskiest flagged deal and largest account with no open pipeline (with no
rep to focus on, the three riskiest flagged deals). Risk candidates: low coverage, a gap to
quota, a large stalled share, uneven books, one account holding much of the pipeline, and
mostly quiet accounts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tools.deals.forecasting import Forecast
from tools.deals.stalled_evidence import StalledDeal
from tools.evidence import Figure, Unit
from tools.plans.basis import ActionBasis, ObjectiveBasis, PlanHorizon, PlaybookRef, RiskBasis, cite_for
from tools.plans.territory_measures import KPIs, RepFocus
from tools.rollup import money
from tools.territory.balance import TerritoryBalance
from tools.territory.balance_measures import Spread
from tools.territory.summary import CoverageGap, TerritorySummary

COVERAGE_TARGET = 3
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


def spread_cv(spreads: list[Spread], measure: str) -> float:
    """The coefficient of variation of ``measure`` among ``spreads``; 0 when it is unknown."""
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


def objectives(
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
    if spread is not None and spread_cv(balance.rep_spread, "potential") > BALANCE_CV:
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


def actions(
    as_of: dt.date,
    focus: list[RepFocus],
    flagged: list[StalledDeal],
    summary: TerritorySummary,
    person: str | None,
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
        owner = person or "the territory's manager"
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


def risks(
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
    cv = spread_cv(balance.rep_spread, "potential")
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
