"""Territory rebalancing: which accounts to move between reps so every rep carries a fair book.

A manager (their team's territories) or RevOps / an admin (every territory) names a territory, a
region (every territory of theirs in it) or nothing (every territory they manage). Reps cannot
ask: a rebalance moves other people's accounts, so a rep gets a refusal that says who can.

What is balanced, per rep (the measures of :mod:`tools.territory.balance_measures`):

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
:mod:`tools.rebalance.models`; the moves and rep lines in :mod:`tools.rebalance.lines`; each group's
result in :mod:`tools.rebalance.group_result`; the charts in :mod:`tools.rebalance.charts`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from tools.evidence import Figure, Unit, record_id
from tools.rebalance.book import (
    RECENT_ACTIVITY_DAYS,
    AccountFacts,
    chosen_territories,
    hire_dates,
    read_book,
)
from tools.rebalance.constraints import (
    HomeBase,
    apply_keeps,
    capacities,
    describe,
    effective_date,
    home_bases,
    read_arr,
    rep_ids,
    split_moves,
)
from tools.rebalance.group_result import group_result
from tools.rebalance.lines import ProposalBuilder, figure
from tools.rebalance.models import (
    GroupResult,
    Move,
    RampingRep,
    RebalanceInput,
    RebalanceProposal,
    RepLine,
    Status,
)
from tools.rebalance.problem import Group, disruption, greedy
from tools.rebalance.ramp import ramps_on
from tools.rebalance.solver import Result, SolverOptions, solve
from tools.rollup import money
from tools.store.repository import Repository
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
    #: Each rep's home base (see :mod:`tools.rebalance.constraints`).
    bases: dict[int, HomeBase] = field(default_factory=dict)
    #: Every move, largest first (the proposal lists at most ``limit``).
    all_moves: list[Move] = field(default_factory=list)

    def owner_after(self) -> dict[int, int]:
        found = {a.id: a.owner for a in self.accounts.values()}
        for _, _, result in self.groups:
            found.update(result.assignment)
        return found


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
        hired = hire_dates(connection, repo, viewer, reps)
        read_arr(connection, repo, viewer, accounts)
        apply_keeps(connection, repo, viewer, accounts, params)
    excluded = rep_ids(params.exclude_reps, reps, "--exclude-rep")
    effective_on, effective = effective_date(repo.as_of, repo.fy_start_month, params.effective_date)
    given = capacities(params, reps)
    ramping = {
        rep: ramp
        for rep, ramp in ramps_on(hired, effective_on, params.ramp_months).items()
        if rep not in given and rep not in excluded.values()
    }
    capacity = {**{rep: ramp.share for rep, ramp in ramping.items()}, **given}
    bases = home_bases(accounts.values(), reps)
    builder = ProposalBuilder(reps, accounts, fixed, params.band, bases)
    members: dict[str, list[int]] = defaultdict(list)
    grouped_territories: dict[str, list[str]] = {}
    for rep, (_, home) in reps.items():
        if rep in excluded.values():
            continue
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
    groups = {key: builder.group(key, members[key], capacity, params) for key in sorted(members)}
    needs = {key: disruption(g, greedy(g, params.band))[1] for key, g in groups.items()}
    budget = split_moves(params.max_moves, needs) if params.max_moves is not None else {}
    for key in sorted(members):
        group = replace(groups[key], max_moves=budget.get(key))
        result = solve(group, params.band, options)
        solved.append((key, group, result))
        results.append(group_result(builder, key, sorted(grouped_territories[key]), group, result, options))
        lines += builder.rep_lines(group, result)
        moves += builder.moves(group, result)
    owners = {a.id: a.owner for a in accounts.values()}
    for _, _, result in solved:
        owners.update(result.assignment)
    proposal = _proposal(repo, params, territories, results, lines, moves, accounts, owners)
    proposal.effective_date, proposal.effective = effective_on, effective
    proposal.ramping = [
        RampingRep(
            id=record_id("user", rep),
            name=reps[rep][0],
            share=ramp.share,
            hire_date=ramp.hire_date,
            months_in_seat=ramp.months_in_seat,
        )
        for rep, ramp in sorted(ramping.items(), key=lambda kv: (reps[kv[0]][0], kv[0]))
    ]
    proposal.constraints = describe(
        params,
        [reps[r][0] for r in excluded.values()],
        [ramp.describe(reps[rep][0]) for rep, ramp in sorted(ramping.items(), key=lambda kv: reps[kv[0]][0])],
    )
    return RebalancePlan(
        proposal=proposal,
        accounts=accounts,
        rep_names=rep_names,
        groups=solved,
        bases=bases,
        all_moves=sorted(moves, key=lambda m: (-m.potential, m.account, m.id)),
    )


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
    activity in the last 30 days never move. Constraints: at most max_moves moves; keep
    customers, accounts with open deals from a stage on, or named accounts; leave reps out;
    a ramping rep's capacity (a new hire's comes from their hire date: a share of a full book
    growing linearly to 1 at ramp_months; the answer lists who is ramping and their share); a
    maximum distance from the new rep's home base; a continuity weight; the effective date
    (default: the start of next quarter). Solved with OR-Tools CP-SAT
    (deterministic), with the optimality gap and a greedy baseline under the same constraints;
    when the band cannot be met the answer says "infeasible: best achievable is ±X%". Workload =
    accounts weighted by segment and tier + open opportunities.

    Args:
        territory: Territory or region name; empty means every territory you manage.
        across_territories: Balance all the reps against one mean, with moves between territories.
        band: Allowed deviation from the mean, e.g. 0.1 for ±10%.
        limit: Most moves listed, largest potential first; counts and totals cover all.
        max_moves: The most accounts moved in all; empty means no limit.
        keep_customers: Keep every customer (active ARR) with its owner.
        keep_open_deals_from: Keep accounts with an open deal in this stage or later.
        keep_accounts: Account names that must not move.
        exclude_reps: Reps left out (their book stays; not counted in the mean).
        rep_capacity: Rep name -> share of a full book (0.5 for a new hire ramping up); overrides
            the ramp from the hire date.
        ramp_months: Months from a rep's hire date to a full book; 0 treats everyone as fully ramped.
        max_distance_km: Moves only to reps whose home base is within this many km.
        continuity_weight: Weight of the ARR and open pipeline at stake in a move's cost.
        effective_date: When the moves take effect; empty means the start of next quarter.

    Returns:
        Per group and rep, the figures before and after; the moves with their reasons; the solver run.

    Raises:
        NotPermitted: The viewer is a rep.
        UnknownName: No territory or region you manage has that name.
    """
    return plan_rebalance(repository, viewer, params, options).proposal
