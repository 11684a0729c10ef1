"""Territory rebalancing: which accounts to move between reps so every rep carries a fair book.

A manager (their team's territories) or RevOps / an admin (every territory) names a territory, a
region (every territory of theirs in it) or nothing (every territory they manage). Reps cannot
ask: a rebalance moves other people's accounts, so a rep gets a refusal that says who can.

What is balanced, per rep (the measures of :mod:`tools.territory.balance`):

* potential — the sum of the potential of the accounts they own;
* workload — their accounts weighted by segment and tier, plus their open opportunities.

Moves: an account moves with its owner's open deals on it (they count in its workload and
pipeline); the rep's other open deals stay. Bookings are history and do not move.

Locked accounts never move: an account with an open deal in a late stage (forecast category
best case or commit, Proposal and Negotiation by default) or with activity in the last
:data:`RECENT_ACTIVITY_DAYS` days (an activity logged on it, or an open deal's last activity).

Groups: by default every territory is balanced on its own (its reps against their own mean, moves
stay inside it: a Commercial rep does not take Enterprise accounts); ``across_territories``
balances all the chosen reps against one mean, with moves between territories.

The proposal (:func:`propose_rebalance`): per group the status ("balanced" already, "proposed",
"infeasible: best achievable is ±X%"), the solver's run (CP-SAT status, gap from the best bound,
time) and the greedy baseline's result; per rep the before and after figures and what they gain
and lose; the moves with the reason for each; the disruption (potential moved). The solver is
in :mod:`tools.rebalance.solver`; the data it reads in :mod:`tools.rebalance.book`; the models in
:mod:`tools.rebalance.models`; the moves and rep lines in :mod:`tools.rebalance.lines`; the charts in
:mod:`tools.rebalance.charts`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from tools.evidence import Figure, Unit, record_id
from tools.rebalance.book import RECENT_ACTIVITY_DAYS, AccountFacts, chosen_territories, read_book
from tools.rebalance.lines import ProposalBuilder, cvs, figure, outside_band
from tools.rebalance.models import (
    BaselineReport,
    GroupResult,
    Move,
    RebalanceInput,
    RebalanceProposal,
    RepLine,
    SolverReport,
    Status,
)
from tools.rebalance.problem import Group, current, greedy, loads, max_deviation
from tools.rebalance.solver import Result, SolverOptions, solve
from tools.rollup import money
from tools.store.repository import Repository
from tools.territory.balance import WORKLOAD_FORMULA
from tools.territory.book import TerritoryRef
from tools.territory.geo import mean_distance_km
from tools.viewer import Viewer


@dataclass
class RebalancePlan:
    """Everything behind a proposal, for charts and reports: the accounts, the groups and results."""

    proposal: RebalanceProposal
    accounts: dict[int, AccountFacts]
    rep_names: dict[int, str]
    groups: list[tuple[str, Group, Result]] = field(default_factory=list)

    def owner_after(self) -> dict[int, int]:
        found = {a.id: a.owner for a in self.accounts.values()}
        for _, _, result in self.groups:
            found.update(result.assignment)
        return found


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
        return "proposed", f"{moves} moves bring every rep within {where} of the mean"
    if result.runs and result.runs[0].status == "INFEASIBLE":
        best = result.max_deviation * 100
        return (
            "infeasible",
            f"infeasible: best achievable is ±{best:.1f}% ({moves} moves; locked or large accounts "
            f"make {where} impossible)",
        )
    return "no_solution", (
        f"no assignment within {where} was found in the time allowed; the closest found is "
        f"±{result.max_deviation * 100:.1f}% ({moves} moves)"
    )


def _group_result(
    builder: ProposalBuilder,
    name: str,
    territories: list[str],
    group: Group,
    result: Result,
    options: SolverOptions,
) -> GroupResult:
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


STATUS_ORDER: dict[Status, int] = {
    "infeasible": 0,
    "no_solution": 1,
    "proposed": 2,
    "balanced": 3,
    "nothing_to_balance": 4,
}


def plan_rebalance(
    repo: Repository, viewer: Viewer, params: RebalanceInput, options: SolverOptions | None = None
) -> RebalancePlan:
    """The proposal and everything behind it (accounts, groups, assignments), for charts and reports."""
    options = options or SolverOptions()
    territories = chosen_territories(repo, viewer, params.territory)
    tids = [int(t.id.split("/", 1)[1]) for t in territories]
    names = {int(t.id.split("/", 1)[1]): t.name for t in territories}
    with repo.connect() as connection:
        reps, accounts, fixed = read_book(connection, repo, viewer, tids)
    builder = ProposalBuilder(reps, accounts, fixed, params.band)
    members: dict[str, list[int]] = defaultdict(list)
    grouped_territories: dict[str, list[str]] = {}
    for rep, (_, home) in reps.items():
        key = ", ".join(t.name for t in territories) if params.across_territories else names[home]
        members[key].append(rep)
        grouped_territories.setdefault(key, [])
        if names[home] not in grouped_territories[key]:
            grouped_territories[key].append(names[home])
    rep_names = {r: n for r, (n, _) in reps.items()}
    solved: list[tuple[str, Group, Result]] = []
    results: list[GroupResult] = []
    lines: list[RepLine] = []
    moves: list[Move] = []
    for key in sorted(members):
        group = builder.group(key, members[key])
        result = solve(group, params.band, options)
        solved.append((key, group, result))
        results.append(_group_result(builder, key, sorted(grouped_territories[key]), group, result, options))
        lines += builder.rep_lines(group, result)
        moves += builder.moves(group, result)
    owners = {a.id: a.owner for a in accounts.values()}
    for _, _, result in solved:
        owners.update(result.assignment)
    proposal = _proposal(repo, params, territories, results, lines, moves, accounts, owners)
    return RebalancePlan(proposal=proposal, accounts=accounts, rep_names=rep_names, groups=solved)


def _overall(groups: list[GroupResult], band: float) -> tuple[Status, str]:
    if not groups:
        return "nothing_to_balance", "no reps to balance in these territories"
    worst = min(groups, key=lambda g: (STATUS_ORDER[g.status], g.name))
    if len(groups) == 1:
        return worst.status, worst.message
    moves = sum(g.moves for g in groups)
    if worst.status in ("infeasible", "no_solution"):
        return worst.status, f"{worst.message} in {worst.name}"
    if worst.status == "proposed":
        return (
            "proposed",
            f"{moves} moves bring every rep within ±{band * 100:.0f}% of their territory's mean",
        )
    return worst.status, worst.message


def _proposal(
    repo: Repository,
    params: RebalanceInput,
    territories: list[TerritoryRef],
    groups: list[GroupResult],
    lines: list[RepLine],
    moves: list[Move],
    accounts: dict[int, AccountFacts],
    owners_after: dict[int, int],
) -> RebalanceProposal:
    status, message = _overall(groups, params.band)
    moved_ids = [m.id for m in moves]
    moved_potential = sum((m.potential for m in moves), money(None))
    total_potential = sum((a.potential for a in accounts.values()), money(None))
    filters = [f"territory: {', '.join(t.name for t in territories)}", "your scope"]
    compact = []
    for label, owners in (
        ("before", {a.id: a.owner for a in accounts.values()}),
        ("after", owners_after),
    ):
        points: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for a in accounts.values():
            if a.latitude is not None and a.longitude is not None:
                points[owners[a.id]].append((a.latitude, a.longitude))
        located = sum(len(p) for p in points.values())
        km = (
            sum((mean_distance_km(p) or 0.0) * len(p) for p in points.values()) / located if located else None
        )
        compact.append(
            Figure.of(
                f"Compactness {label}",
                None if km is None else round(km, 1),
                Unit.KM,
                f"mean distance (km) of the {located} of {len(accounts)} accounts with coordinates to "
                f"the centroid of their rep's accounts, {label} the moves"
                if km is not None
                else "not available: no account has coordinates",
                filters,
                (),
                located,
            )
        )
    return RebalanceProposal(
        territories=territories,
        across_territories=params.across_territories,
        band=params.band,
        as_of=repo.as_of,
        status=status,
        message=message,
        locking=(
            f"locked: accounts with an open deal in a late stage (best case or commit) or with activity in "
            f"the {RECENT_ACTIVITY_DAYS} days before {repo.as_of}"
        ),
        groups=groups,
        reps=lines,
        move_count=figure(
            "Accounts moved",
            len(moves),
            Unit.COUNT,
            "count of accounts moved",
            filters,
            moved_ids,
            len(moves),
        ),
        disruption=figure(
            "Disruption (potential moved)",
            moved_potential,
            Unit.USD,
            f"sum(potential) of the accounts moved: ${moved_potential:,.0f} of ${total_potential:,.0f}",
            filters,
            moved_ids,
            len(moves),
        ),
        compactness_before=compact[0],
        compactness_after=compact[1],
        moves=sorted(moves, key=lambda m: (-m.potential, m.account, m.id))[: params.limit],
    )


def propose_rebalance(
    repository: Repository, viewer: Viewer, params: RebalanceInput, options: SolverOptions | None = None
) -> RebalanceProposal:
    """Propose account moves between reps so every rep is within ±10% of the mean on potential and workload.

    For managers (their team's territories) and RevOps; reps get a refusal. Each territory is
    balanced on its own unless across_territories is set. Moves disturb as little as possible
    (least potential moved); accounts with a late-stage open deal (Proposal, Negotiation) or
    activity in the last 30 days never move. Solved with OR-Tools CP-SAT (deterministic), with
    the optimality gap and a greedy baseline for comparison; when the band cannot be met the
    answer says "infeasible: best achievable is ±X%". Workload = accounts weighted by segment
    and tier + open opportunities.

    Args:
        territory: Territory or region name; empty means every territory you manage.
        across_territories: Balance all the reps against one mean, with moves between territories.
        band: Allowed deviation from the mean, e.g. 0.1 for ±10%.
        limit: Most moves listed, largest potential first; counts and totals cover all.

    Returns:
        Per group and rep, the figures before and after; the moves with their reasons; the solver run.

    Raises:
        NotPermitted: The viewer is a rep.
        UnknownName: No territory or region you manage has that name.
    """
    return plan_rebalance(repository, viewer, params, options).proposal
