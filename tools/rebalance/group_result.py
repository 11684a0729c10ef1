"""A group's result in a rebalancing proposal (see :mod:`tools.rebalance.proposal`).

Per group: the status and its message ("balanced" already, "proposed", "infeasible: best
achievable is ±X%", no solution in the time allowed, nothing to balance), the worst deviation and
the coefficients of variation before and after, the reps outside the band, the accounts and the
locked ones, the mean potential and workload per rep, the disruption (potential moved), the
solver's run (CP-SAT status, gap from the best bound, time, whether it is deterministic) and the
greedy baseline's result on the same group.
"""

from __future__ import annotations

from decimal import Decimal

from tools.evidence import Unit, record_id
from tools.rebalance.book import RECENT_ACTIVITY_DAYS
from tools.rebalance.lines import ProposalBuilder, cvs, figure, outside_band
from tools.rebalance.models import BaselineReport, GroupResult, SolverReport, Status
from tools.rebalance.problem import Group, current, greedy, loads, max_deviation
from tools.rebalance.solver import Result, SolverOptions
from tools.rollup import money
from tools.territory.balance_measures import WORKLOAD_FORMULA


def _solver_report(result: Result, options: SolverOptions) -> SolverReport | None:
    if not result.runs:
        return None
    final = result.runs[-1]
    return SolverReport(
        band_status=result.runs[0].status,
        status=final.status,
        objective=final.objective,
        best_bound=final.best_bound,
        gap=None if final.gap is None else round(final.gap, 4),
        seconds=round(sum(r.wall_seconds for r in result.runs), 2),
        deterministic_time=round(sum(r.deterministic_time for r in result.runs), 2),
        variables=max(r.variables for r in result.runs),
        restricted=any(r.restricted for r in result.runs),
        deterministic=options.workers == 1 and not any(r.stopped_by_wall_clock for r in result.runs),
    )


def _status(group: Group, result: Result, band: float) -> tuple[Status, str]:
    moves = sum(1 for i in group.items if result.assignment[i.key] != i.owner)
    where = f"±{band * 100:.0f}%"
    if len(group.reps) < 2:
        return "nothing_to_balance", f"{group.key} has {len(group.reps)} rep: nothing to balance"
    if max_deviation(group, current(group)) <= band + 1e-6:
        return "balanced", f"every rep is already within {where} of the mean: no moves needed"
    if result.band_met:
        verb = "brings" if moves == 1 else "bring"
        return "proposed", f"{_moves(moves)} {verb} every rep within {where} of the mean"
    if result.runs and result.runs[0].status == "INFEASIBLE":
        best = result.max_deviation * 100
        return (
            "infeasible",
            f"infeasible: best achievable is ±{best:.1f}% ({_moves(moves)}; {_limits(group)} "
            f"make {where} impossible)",
        )
    return "no_solution", (
        f"no assignment within {where} was found in the time allowed; the closest found is "
        f"±{result.max_deviation * 100:.1f}% ({_moves(moves)})"
    )


def _moves(count: int) -> str:
    return f"{count} move" if count == 1 else f"{count} moves"


def _limits(group: Group) -> str:
    found = []
    if group.max_moves is not None:
        found.append(f"the limit of {_moves(group.max_moves)}")
    if group.allowed:
        found.append("the distance limit")
    return ", ".join([*found, "locked or large accounts"]) if found else "locked or large accounts"


def group_result(
    builder: ProposalBuilder,
    name: str,
    territories: list[str],
    group: Group,
    result: Result,
    options: SolverOptions,
) -> GroupResult:
    """One group's part of the proposal: its status, figures before and after, solver run and baseline."""
    band = builder.band
    start = current(group)
    status, message = _status(group, result, band)
    baseline_assignment = greedy(group, band) if len(group.reps) > 1 else start
    base_moved = [i for i in group.items if baseline_assignment[i.key] != i.owner]
    base_cv = cvs(group, baseline_assignment)
    moved = [builder.accounts[i.key] for i in group.items if result.assignment[i.key] != i.owner]
    moved_potential = sum((a.potential for a in moved), money(None))
    total_potential = sum((builder.accounts[i.key].potential for i in group.items), money(None))
    locked = [builder.accounts[i.key] for i in group.items if i.locked]
    potential, workload = loads(group, start)
    n = max(1, len(group.reps))
    ids = [record_id("account", i.key) for i in group.items]
    rep_ids = [record_id("user", r) for r in group.reps]
    filters = [f"group: {name}", "accounts owned by its reps", "your scope"]
    cv_before, cv_after = cvs(group, start), cvs(group, result.assignment)
    return GroupResult(
        name=name,
        territories=territories,
        reps=len(group.reps),
        status=status,
        message=message,
        max_deviation_before=round(max_deviation(group, start), 4),
        max_deviation_after=round(max_deviation(group, result.assignment), 4),
        potential_cv_before=cv_before[0],
        potential_cv_after=cv_after[0],
        workload_cv_before=cv_before[1],
        workload_cv_after=cv_after[1],
        outside_band_before=outside_band(group, start, band),
        outside_band_after=outside_band(group, result.assignment, band),
        accounts=figure("Accounts", len(ids), Unit.COUNT, "count of accounts", filters, ids, len(ids)),
        locked=figure(
            "Locked accounts",
            len(locked),
            Unit.COUNT,
            f"accounts with an open deal in a late stage (best case or commit) or activity in the last "
            f"{RECENT_ACTIVITY_DAYS} days; they stay with their rep",
            filters,
            [record_id("account", a.id) for a in locked],
            len(locked),
        ),
        mean_potential=figure(
            "Mean potential per rep",
            money(Decimal(str(sum(potential.values()) / n))),
            Unit.USD,
            "sum(accounts.potential) / number of reps",
            filters,
            rep_ids,
            len(rep_ids),
        ),
        mean_workload=figure(
            "Mean workload per rep",
            round(sum(workload.values()) / n, 2),
            Unit.COUNT,
            f"sum of workload / number of reps; workload = {WORKLOAD_FORMULA}",
            filters,
            rep_ids,
            len(rep_ids),
        ),
        moves=len(moved),
        disruption=figure(
            "Disruption (potential moved)",
            moved_potential,
            Unit.USD,
            f"sum(potential) of the accounts moved: ${moved_potential:,.0f} of ${total_potential:,.0f} "
            f"({len(moved)} of {len(ids)} accounts)",
            filters,
            [record_id("account", a.id) for a in sorted(moved, key=lambda a: (-a.potential, a.id))],
            len(moved),
        ),
        solver=_solver_report(result, options),
        baseline=BaselineReport(
            moves=len(base_moved),
            disruption=sum((builder.accounts[i.key].potential for i in base_moved), money(None)),
            band_met=max_deviation(group, baseline_assignment) <= band + 1e-6,
            max_deviation=round(max_deviation(group, baseline_assignment), 4),
            potential_cv=base_cv[0],
            workload_cv=base_cv[1],
        )
        if len(group.reps) > 1
        else None,
    )
