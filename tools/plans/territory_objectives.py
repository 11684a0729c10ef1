"""The objective candidates of a territory plan: SMART goals with targets grounded in history.

Each objective is a measure, its baseline, a target and a date in the next two quarters, tied to
records or a playbook passage (see :mod:`tools.plans.basis`); the narrative layer only words it.
Targets are grounded in the book's own history (:mod:`tools.plans.history`, the last 12 months),
and every target's formula says how it was set:

* this quarter's number: bookings up to the quarter's quota (only with a quota and quota left);
* next quarter's pipeline: the pipeline the trailing win rate needs to make next quarter's quota
  (quota / win rate), or, with no quota, the average quarter of the last 12 months; in deals at
  the trailing average won deal size; due the median won cycle before next quarter ends, since
  pipeline created later is unlikely to close in time (3x when no deal closed to set a win rate);
* stalled pipeline: half the flagged deals re-qualified, advanced or closed out (by amount, or by
  count when their amounts are unknown);
* quiet accounts (only when the data has activities) and uncovered accounts: the largest of them
  worked, ranked by the plan's ranking measure;
* rep balance, when it is off.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from tools.evidence import Figure, Unit
from tools.plans.basis import ObjectiveBasis, PlanHorizon, PlaybookRef, cite_for, near_term
from tools.plans.history import Trailing, deals_needed
from tools.plans.key_accounts import Ranking
from tools.plans.outlook import Outlook
from tools.rollup import money
from tools.territory.balance import TerritoryBalance
from tools.territory.balance_measures import Spread

COVERAGE_TARGET = 3
STALLED_RECOVERY = Decimal("0.5")
QUIET_TARGET = 20
UNCOVERED_TARGET = 10
#: Rep balance is worth an objective above this coefficient of variation of potential.
BALANCE_CV = 0.20
BAND = 0.10
#: A pipeline goal is due no sooner than this many days from today.
MIN_LEAD_DAYS = 14


def spread_cv(spreads: list[Spread], measure: str) -> float:
    """The coefficient of variation of ``measure`` among ``spreads``; 0 when it is unknown."""
    found = next((s for s in spreads if s.measure == measure), None)
    value = None if found is None else found.coefficient_of_variation.value
    return float(value) if value is not None else 0.0


def number(fig: Figure) -> Decimal:
    return Decimal(str(fig.value)) if fig.value is not None else Decimal(0)


def usd(value: Decimal | float | int) -> str:
    return f"${Decimal(str(value)):,.0f}"


def _gap_objective(theme: str, gap: Ranking, cap: int, which: str, done: str, due: dt.date) -> ObjectiveBasis:
    """Work the ``cap`` largest accounts of a coverage gap by ``due``."""
    wanted = min(cap, gap.total)
    return ObjectiveBasis(
        theme=theme,
        measure=f"the {wanted} largest by {gap.label} of the {gap.total} accounts {which}, {done}",
        baseline=Figure.of(f"Accounts {done}", 0, Unit.COUNT, "none yet"),
        target=Figure.of(
            f"Accounts to be {done}", wanted, Unit.COUNT, f"min({cap}, accounts), largest {gap.label} first"
        ),
        due=due,
        links=[a.id for a in gap.accounts[:5]],
    )


def _quarter_objective(
    now: Outlook, span: PlanHorizon, as_of: dt.date, goals: list[str]
) -> ObjectiveBasis | None:
    """Close the rest of this quarter's quota, when there is a quota, some left and days left."""
    if not number(now.quota) or not number(now.remaining_quota) or as_of >= span.this_quarter_end:
        return None
    gap = number(now.gap)
    outlook = f"forecast {usd(number(now.forecast))}, " + (
        f"{usd(gap)} short" if gap > 0 else f"{usd(-gap)} above quota"
    )
    left = usd(number(now.remaining_quota))
    target = now.quota.model_copy(
        update={"formula": f"{span.this_quarter} quota; {left} still to win ({outlook})"}
    )
    return ObjectiveBasis(
        theme="make this quarter's number",
        measure=f"bookings in {span.this_quarter}",
        baseline=now.won,
        target=target,
        due=span.this_quarter_end,
        links=[*now.quota.record_ids[:5], *goals],
    )


def pipeline_needed(nxt: Outlook, trailing: Trailing, span: PlanHorizon) -> tuple[Decimal, str] | None:
    """The pipeline next quarter needs: its quota (else the average quarter) / the trailing win rate."""
    months = trailing.label
    if number(nxt.quota):
        bar, bar_text = number(nxt.quota), f"{span.next_quarter} quota {usd(number(nxt.quota))}"
    elif number(trailing.quarterly_bookings):
        bar = number(trailing.quarterly_bookings)
        bar_text = f"no quota recorded, so the average quarter's bookings over {months} ({usd(bar)})"
        months = "the same months"
    else:
        return None
    rate = trailing.win_rate.value
    if rate:
        needed = money(bar / Decimal(str(rate)))
        basis = f"{bar_text} / the {float(rate):.0%} win rate over {months}"
    else:
        needed = money(bar * COVERAGE_TARGET)
        basis = f"{bar_text} x {COVERAGE_TARGET} (no deal closed over {months} to set a win rate)"
    deals = deals_needed(needed, trailing.average_deal_size)
    if deals is not None:
        basis += f"; about {deals} deals at the {usd(number(trailing.average_deal_size))} average won deal"
    return needed, basis


def _pipeline_objective(
    nxt: Outlook, trailing: Trailing, span: PlanHorizon, as_of: dt.date, links: list[str]
) -> ObjectiveBasis | None:
    found = pipeline_needed(nxt, trailing, span)
    if found is None:
        return None
    needed, basis = found
    dated = nxt.open_without_close_date < nxt.open_deals
    if dated and number(nxt.pipeline_due) >= needed:
        return None
    cycle = trailing.sales_cycle.value
    due = span.next_quarter_end - dt.timedelta(days=round(float(cycle))) if cycle else near_term(span, as_of)
    due = min(max(due, as_of + dt.timedelta(days=MIN_LEAD_DAYS)), span.next_quarter_end)
    if cycle:
        basis += (
            f"; in place {round(float(cycle))} days (the median won cycle) before {span.next_quarter} ends"
        )
    if dated:
        baseline, measure = nxt.pipeline_due, f"open pipeline due in {span.next_quarter}"
    else:
        baseline = Figure.of(f"Pipeline created after {as_of}", 0, Unit.USD, "none yet")
        measure = f"new pipeline for {span.next_quarter}"
        basis += "; measured as new pipeline, since open deals carry no close date"
    return ObjectiveBasis(
        theme="build next quarter's pipeline",
        measure=measure,
        baseline=baseline,
        target=Figure.of(
            f"Pipeline needed for {span.next_quarter}",
            needed,
            Unit.USD,
            basis,
            [*nxt.quota.filters, *trailing.win_rate.filters],
            nxt.quota.record_ids,
        ),
        due=due,
        links=[*nxt.pipeline_due.record_ids[:5], *links],
    )


def _stalled_objective(
    count: Figure, amount: Figure, unknown: int, due: dt.date, links: list[str]
) -> ObjectiveBasis | None:
    flagged = int(count.value or 0)
    if not flagged:
        return None
    why = "half re-qualified, advanced or closed out"
    if unknown < flagged and number(amount):
        baseline, target = (
            amount,
            Figure.of(
                "Flagged pipeline, target",
                money(number(amount) * (1 - STALLED_RECOVERY)),
                Unit.USD,
                f"flagged pipeline x {1 - STALLED_RECOVERY}: {why}",
            ),
        )
        measure = "flagged open pipeline (stalled or at-risk deals)"
    else:
        baseline, target = (
            count,
            Figure.of(
                "Flagged deals, target",
                flagged - math.ceil(flagged * STALLED_RECOVERY),
                Unit.COUNT,
                f"flagged deals - half, rounded up: {why} (their amounts are unknown)",
            ),
        )
        measure = "open deals flagged as stalled or at risk"
    return ObjectiveBasis(
        theme="recover stalled pipeline",
        measure=measure,
        baseline=baseline,
        target=target,
        due=due,
        links=[*count.record_ids[:5], *links],
    )


def objectives(
    now: Outlook,
    nxt: Outlook,
    trailing: Trailing,
    stalled: tuple[Figure, Figure, int],
    uncovered: Ranking,
    quiet: Ranking | None,
    balance: TerritoryBalance,
    span: PlanHorizon,
    as_of: dt.date,
    refs: list[PlaybookRef],
) -> list[ObjectiveBasis]:
    def cite(topic: str) -> list[str]:
        return [x for x in [cite_for(refs, topic)] if x]

    found = [
        _quarter_objective(now, span, as_of, cite("goals")),
        _pipeline_objective(nxt, trailing, span, as_of, cite("coverage")),
        _stalled_objective(*stalled, near_term(span, as_of), cite("stalled deals")),
    ]
    if quiet is not None and quiet.total:
        found.append(
            _gap_objective(
                "cover quiet accounts",
                quiet,
                QUIET_TARGET,
                "with no activity in 60 days",
                "touched",
                near_term(span, as_of),
            )
        )
    if uncovered.total:
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
                links=[o.id for o in spread.outside_band[:5]] + cite("balance"),
            )
        )
    return [o for o in found if o is not None]
