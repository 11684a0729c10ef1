"""Where the CP-SAT search of :mod:`tools.rebalance.solver` starts: the candidate moves and the
warm start.

Candidate moves: a group with at most ``full_model_pairs`` (movable account, other rep) pairs
lets every account go to every rep. A larger group gets a restricted model in which an account
of a rep above the mean may move only to one of the ``candidates`` reps below the mean nearest to
it (by distance to the centroid of their accounts, else by how far below the mean they are); the
greedy baseline's own moves are always candidates, so the solver's answer is never worse than the
baseline's. The gap is then relative to the restricted model.

Warm start: the less disruptive of the greedy baseline and a rounded LP relaxation (GLOP) of the
same problem repaired by greedy moves, among those that meet the band.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ortools.linear_solver import pywraplp

from tools.rebalance.problem import (
    Group,
    centroids,
    current,
    deviations,
    disruption,
    greedy,
    located,
    max_deviation,
    move_cost,
)
from tools.territory.geo import distance_km

#: The LP warm start aims this much inside the band (0.05 percentage points).
HINT_MARGIN = 0.0005


def candidate_reps(
    group: Group, hint: Mapping[int, int], full_model_pairs: int, nearest: int
) -> dict[int, list[int]]:
    """The reps each movable account may go to (its owner first).

    Every rep when the group has at most ``full_model_pairs`` (account, other rep) pairs; else,
    for an account of a rep above the mean, the ``nearest`` reps below the mean nearest to it, and
    for every account the rep ``hint`` gives it.
    """
    reps = list(group.reps)
    movable = [item for item in group.items if not item.locked]
    if len(movable) * (len(reps) - 1) <= full_model_pairs:
        full = {
            item.key: [item.owner, *(r for r in reps if r != item.owner and group.may_go(item, r))]
            for item in movable
        }
        return {key: found for key, found in full.items() if len(found) > 1}
    found = current(group)
    devs = deviations(group, found)
    donors = {rep for rep, (p, w) in devs.items() if p > 0 or w > 0}
    receivers = sorted(
        (rep for rep, (p, w) in devs.items() if p < 0 or w < 0), key=lambda r: (min(devs[r]), r)
    )
    centres = centroids(group, found)
    chosen: dict[int, list[int]] = {}
    for item in movable:
        options_for = [r for r in receivers if r != item.owner and group.may_go(item, r)]
        where = located(item)
        if item.owner in donors and options_for:
            if where is not None and all(centres[r] is not None for r in options_for):
                options_for.sort(key=lambda r: (distance_km(where, centres[r]), r))  # type: ignore[arg-type]
            near = options_for[:nearest]
        else:
            near = []
        extra = [hint[item.key]] if hint.get(item.key, item.owner) != item.owner else []
        reps_for = list(dict.fromkeys([item.owner, *near, *extra]))
        if len(reps_for) > 1:
            chosen[item.key] = reps_for
    return chosen


def _lp_start(group: Group, band: float, candidates: dict[int, list[int]]) -> dict[int, int] | None:
    """A warm start: the LP relaxation (GLOP), each account given to its largest share, repaired
    by the greedy moves. ``None`` when the relaxation has no solution."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None or not candidates:
        return None
    terms_p: dict[int, list[Any]] = {rep: [] for rep in group.reps}
    terms_w: dict[int, list[Any]] = {rep: [] for rep in group.reps}
    fixed_p = dict.fromkeys(group.reps, 0.0)
    fixed_w = {rep: float(group.fixed_workload.get(rep, 0.0)) for rep in group.reps}
    share: dict[int, list[tuple[int, Any]]] = {}
    cost = []
    moved = []
    for item in group.items:
        reps_for = candidates.get(item.key)
        if not reps_for:
            fixed_p[item.owner] += item.potential
            fixed_w[item.owner] += item.workload
            continue
        row = [(rep, solver.NumVar(0.0, 1.0, f"x{item.key}_{rep}")) for rep in reps_for]
        share[item.key] = row
        solver.Add(solver.Sum([var for _, var in row]) == 1)
        for rep, var in row:
            terms_p[rep].append(item.potential * var)
            terms_w[rep].append(item.workload * var)
            if rep != item.owner:
                cost.append((item.move_cost + 1) * var)
                moved.append(var)
    if group.max_moves is not None:
        solver.Add(solver.Sum(moved) <= group.max_moves)
    for terms, fixed in ((terms_p, fixed_p), (terms_w, fixed_w)):
        total = sum(fixed.values()) + sum(
            i.potential if terms is terms_p else i.workload for i in group.items if i.key in share
        )
        if total <= 0:
            continue
        for rep in group.reps:
            load = solver.Sum(terms[rep]) + fixed[rep]
            solver.Add(load <= (1 + band) * total * group.share(rep))
            solver.Add(load >= (1 - band) * total * group.share(rep))
    solver.Minimize(solver.Sum(cost))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    rounded = current(group)
    for key, row in share.items():
        rounded[key] = max(row, key=lambda pair: (round(pair[1].solution_value(), 9), -pair[0]))[0]
    return greedy(group, band, rounded)


def warm_start(
    group: Group, band: float, candidates: dict[int, list[int]], baseline: Mapping[int, int]
) -> dict[int, int]:
    """The least disruptive of the baseline and the LP start among those meeting the band; its
    moves are added to ``candidates`` (the greedy repair may use other pairs)."""
    found = [dict(baseline)]
    # A start strictly inside the band stays feasible once values are scaled to integers.
    lp = _lp_start(group, max(0.0, band - HINT_MARGIN), candidates)
    if lp is not None:
        found.append(lp)
    limit = group.max_moves
    found = [a for a in found if limit is None or disruption(group, a)[1] <= limit] or [current(group)]
    meeting = [a for a in found if max_deviation(group, a) <= band + 1e-6]
    chosen = min(meeting or found, key=lambda a: move_cost(group, a))
    for item in group.items:
        rep = chosen[item.key]
        if rep != item.owner and rep not in candidates.setdefault(item.key, [item.owner]):
            candidates[item.key].append(rep)
    return chosen
