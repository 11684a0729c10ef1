"""The action and risk candidates of a territory plan, computed from its facts.

Each candidate is tied to a record or a playbook passage (see :mod:`tools.plans.basis`); the narrative
layer only words them. The facts they are computed from are in :mod:`tools.plans.territory`; the
objective candidates in :mod:`tools.plans.territory_objectives`.

Action candidates: each rep's riskiest flagged deal and largest account with no open pipeline
(with no rep to focus on, the three riskiest flagged deals). Risk candidates: low coverage of this
quarter's quota still to win, a forecast short of quota, a large stalled share, uneven books, one
account holding much of the pipeline, and mostly quiet accounts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tools.deals.stalled_evidence import StalledDeal
from tools.evidence import Figure, Unit
from tools.plans.basis import ActionBasis, PlaybookRef, RiskBasis, cite_for
from tools.plans.key_accounts import Ranking
from tools.plans.outlook import Outlook
from tools.plans.territory_measures import RepFocus
from tools.plans.territory_objectives import BALANCE_CV, number, spread_cv, usd
from tools.territory.balance import TerritoryBalance

LOW_COVERAGE = 2.0
STALLED_SHARE = 0.25
CONCENTRATION = 0.20
ACTION_DAYS = 14
HIGH_SEVERITY_DAYS = 7


def actions(
    as_of: dt.date,
    focus: list[RepFocus],
    flagged: list[StalledDeal],
    ranked_by: str,
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
                    reason=f"the rep's largest account by {ranked_by} with no open pipeline",
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
    now: Outlook,
    open_pipeline: Figure,
    stalled: tuple[Figure, Figure, int],
    key: Ranking,
    quiet: Ranking | None,
    accounts: Figure,
    balance: TerritoryBalance,
    refs: list[PlaybookRef],
) -> list[RiskBasis]:
    found: list[RiskBasis] = []
    cover = now.coverage.value
    if cover is not None and float(cover) < LOW_COVERAGE:
        found.append(
            RiskBasis(
                risk=f"Open pipeline due in {now.period} covers {float(cover):.1f}x of the "
                f"{now.period} quota still to win",
                evidence=now.coverage,
                mitigation="Run a pipeline-generation push on uncovered high-potential accounts",
                playbook=cite_for(refs, "coverage"),
            )
        )
    gap = number(now.gap)
    if now.gap.value is not None and gap > 0:
        found.append(
            RiskBasis(
                risk=f"The {now.period} forecast is {usd(gap)} short of quota (quota - forecast)",
                evidence=now.gap,
                mitigation="Inspect commit and best-case deals weekly and pull forward what can close",
                playbook=cite_for(refs, "goals"),
            )
        )
    count, amount, unknown = stalled
    pipeline = number(open_pipeline)
    flagged = int(count.value or 0)
    share = float(number(amount) / pipeline) if pipeline and unknown < flagged else 0.0
    if share > STALLED_SHARE:
        found.append(
            RiskBasis(
                risk=f"{share:.0%} of all open pipeline ({usd(number(amount))}) is stalled or at risk",
                evidence=amount,
                link=amount.record_ids[0] if amount.record_ids else None,
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
    largest = max(key.accounts, key=lambda a: number(a.open.amount), default=None)
    if (
        largest is not None
        and pipeline
        and number(largest.open.amount) / pipeline > Decimal(str(CONCENTRATION))
    ):
        found.append(
            RiskBasis(
                risk=f"Concentration: {largest.name} holds {largest.open.amount.display()} "
                "of the open pipeline",
                evidence=largest.open.amount,
                link=largest.id,
                mitigation="Multi-thread the account and build pipeline elsewhere",
            )
        )
    total = number(accounts)
    if quiet is not None and quiet.total and total and Decimal(quiet.total) / total > Decimal("0.5"):
        found.append(
            RiskBasis(
                risk=f"{quiet.total:,} of {accounts.display()} accounts had no activity in 60 days",
                evidence=Figure.of(
                    "Accounts with no activity in 60 days",
                    quiet.total,
                    Unit.COUNT,
                    "count of accounts with no activity you can see in the last 60 days",
                    records=[a.id for a in quiet.accounts],
                    count=quiet.total,
                ),
                mitigation="Plan coverage: a cadence for the top accounts and a programme for the rest",
                playbook=cite_for(refs, "territory planning"),
            )
        )
    return found
