"""Balancing reps' books: which accounts to move so every rep is within a band around the mean.

The problem, per group of reps (one territory, or every territory of a manager at once):

* each account belongs to exactly one rep of the group; a *locked* account stays with its owner;
* a rep's potential is the sum of their accounts' potential; their workload is the sum of their
  accounts' workload plus a fixed part (open deals that do not move with an account);
* every rep's potential and workload must lie within ``mean x (1 +/- band)``; the means are
  fixed, since moves only shift load between the group's reps;
* among the assignments that meet the band, the one with the least *disruption* is chosen:
  the potential of the accounts moved (plus one unit per account moved, so that of two
  proposals moving the same potential the one with fewer moves wins).

When no assignment meets the band (locked accounts make it impossible, or one account is larger
than the band is wide), the model minimises the worst deviation from the mean across reps and
both measures instead, then the disruption at that deviation; the result says
"infeasible: best achievable is +/-X%".

Solver: OR-Tools CP-SAT, with the money and workload values scaled to integers (each group's
total to at most :data:`SCALE_BUDGET` units), warm-started from the better of the greedy baseline and
a rounded LP relaxation (GLOP) repaired by greedy moves. Runs are deterministic: one search worker
(CP-SAT's parallel search is not deterministic, and its deterministic interleaved mode aborts on
some of these models in the OR-Tools release used), a fixed seed, and a limit in deterministic
time (``max_deterministic_time``, work units that do not depend on the machine's speed or load).
A wall-clock limit stays as a safety net only; when it stops a run, the result says so, since
such a run may differ between machines. More workers may be asked for (faster on large
machines) at the cost of determinism. The gap is reported from the best bound.

Size: a group with more candidate moves than ``full_model_pairs`` gets a restricted model in
which an account of a rep above the mean may move only to one of the ``candidates`` reps below
the mean nearest to it (by distance to the centroid of their accounts, else by how far below
the mean they are); the greedy baseline's own moves are always candidates, so the solver's
answer is never worse than the baseline's. The gap is then relative to the restricted model.

Greedy baseline: repeatedly take the rep furthest outside the band and make the single move
(one of their accounts to another rep, or another rep's account to them) that most reduces the
total excess outside the band; stop when every rep is inside the band or no move helps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from tools.geo import Point, centroid, distance_km

#: Allowed deviation from the mean when none is given (+/-10%).
DEFAULT_BAND = 0.10
#: Each group's total potential (and workload) is scaled to at most this many integer units.
SCALE_BUDGET = 100_000_000
#: Deviations in the min-max model are counted in basis points (0.01%).
BASIS = 10_000
TOLERANCE = 1e-9
#: The LP warm start aims this much inside the band (0.05 percentage points).
HINT_MARGIN = 0.0005
LINEARIZATION = 2


@dataclass(frozen=True)
class Item:
    """One account as the solver sees it."""

    key: int
    owner: int
    potential: float
    workload: float
    locked: bool = False
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Group:
    """Reps balanced against one another, their accounts, and workload that does not move."""

    key: str
    reps: tuple[int, ...]
    items: tuple[Item, ...]
    fixed_workload: Mapping[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SolverOptions:
    """How hard the solver works. Defaults suit an interactive question (a few seconds)."""

    #: Deterministic-time limit of each CP-SAT solve (CP-SAT's machine-independent work units).
    deterministic_time: float = 10.0
    #: Wall-clock safety net per solve; a run it stops is reported as machine-dependent.
    max_seconds: float = 60.0
    #: Search workers; more than one is faster on large machines but not deterministic.
    workers: int = 1
    seed: int = 0
    #: Above this many (movable account, other rep) pairs a group gets the restricted model.
    full_model_pairs: int = 60_000
    #: Reps below the mean an account may move to, in the restricted model.
    candidates: int = 8


@dataclass
class Run:
    """What one CP-SAT solve of a group did."""

    status: str
    #: ``band`` (least disruption within the band) or ``min_max`` (smallest worst deviation).
    phase: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    wall_seconds: float
    deterministic_time: float
    variables: int
    restricted: bool
    stopped_by_wall_clock: bool = False


@dataclass
class Result:
    """An assignment of every account of a group to a rep, and how it was found."""

    assignment: dict[int, int]
    band_met: bool
    max_deviation: float
    runs: list[Run] = field(default_factory=list)


# --- measures --------------------------------------------------------------------------------


def loads(group: Group, assignment: Mapping[int, int]) -> tuple[dict[int, float], dict[int, float]]:
    """Potential and workload per rep under ``assignment``."""
    potential = dict.fromkeys(group.reps, 0.0)
    workload = {rep: float(group.fixed_workload.get(rep, 0.0)) for rep in group.reps}
    for item in group.items:
        rep = assignment[item.key]
        potential[rep] += item.potential
        workload[rep] += item.workload
    return potential, workload


def _ratio(value: float, mean: float) -> float:
    return value / mean - 1.0 if mean > 0 else 0.0


def deviations(group: Group, assignment: Mapping[int, int]) -> dict[int, tuple[float, float]]:
    """Per rep: (potential / mean - 1, workload / mean - 1); 0 for a measure whose mean is 0."""
    potential, workload = loads(group, assignment)
    n = len(group.reps)
    mean_p, mean_w = sum(potential.values()) / n, sum(workload.values()) / n
    return {rep: (_ratio(potential[rep], mean_p), _ratio(workload[rep], mean_w)) for rep in group.reps}


def max_deviation(group: Group, assignment: Mapping[int, int]) -> float:
    """The largest |deviation| from the mean over reps and both measures."""
    found = deviations(group, assignment).values()
    return max((max(abs(p), abs(w)) for p, w in found), default=0.0)


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """Population standard deviation / mean (``None`` when the mean is 0)."""
    if not values:
        return None
    mean = sum(values) / len(values)
    if mean <= 0:
        return None
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) / mean


def current(group: Group) -> dict[int, int]:
    return {item.key: item.owner for item in group.items}


def disruption(group: Group, assignment: Mapping[int, int]) -> tuple[float, int]:
    """Potential moved and accounts moved."""
    moved = [item for item in group.items if assignment[item.key] != item.owner]
    return sum(item.potential for item in moved), len(moved)


# --- geography -------------------------------------------------------------------------------


def _located(item: Item) -> Point | None:
    if item.latitude is None or item.longitude is None:
        return None
    return item.latitude, item.longitude


def centroids(group: Group, assignment: Mapping[int, int]) -> dict[int, Point | None]:
    points: dict[int, list[Point]] = {rep: [] for rep in group.reps}
    for item in group.items:
        where = _located(item)
        if where is not None:
            points[assignment[item.key]].append(where)
    return {rep: centroid(found) for rep, found in points.items()}


def compactness(group: Group, assignment: Mapping[int, int]) -> dict[int, float | None]:
    """Per rep: mean distance (km) of their located accounts to those accounts' centroid."""
    centres = centroids(group, assignment)
    total: dict[int, list[float]] = {rep: [] for rep in group.reps}
    for item in group.items:
        where, rep = _located(item), assignment[item.key]
        centre = centres[rep]
        if where is not None and centre is not None:
            total[rep].append(distance_km(where, centre))
    return {rep: (sum(d) / len(d) if d else None) for rep, d in total.items()}


# --- greedy baseline -------------------------------------------------------------------------


def greedy(
    group: Group, band: float = DEFAULT_BAND, start: Mapping[int, int] | None = None
) -> dict[int, int]:
    """The baseline: one best single move at a time until every rep is inside the band.

    ``start`` is the assignment to start from (default: the current owners).
    """
    reps = list(group.reps)
    n = len(reps)
    assignment = dict(start) if start is not None else current(group)
    if n < 2:
        return assignment
    index = {rep: i for i, rep in enumerate(reps)}
    movable = [item for item in group.items if not item.locked]
    if not movable:
        return assignment
    p = np.array([item.potential for item in movable])
    w = np.array([item.workload for item in movable])
    keys = np.array([item.key for item in movable])
    owner = np.array([index[assignment[item.key]] for item in movable])
    start_p, start_w = loads(group, assignment)
    load_p = np.array([start_p[rep] for rep in reps])
    load_w = np.array([start_w[rep] for rep in reps])
    mean_p, mean_w = load_p.sum() / n, load_w.sum() / n

    def excess(lp: np.ndarray, lw: np.ndarray) -> np.ndarray:
        dp = np.abs(lp / mean_p - 1) if mean_p > 0 else np.zeros_like(lp)
        dw = np.abs(lw / mean_w - 1) if mean_w > 0 else np.zeros_like(lw)
        return np.maximum(dp - band, 0.0) + np.maximum(dw - band, 0.0)

    stuck: set[int] = set()
    for _ in range(4 * len(movable) + 10):
        per_rep = excess(load_p, load_w)
        order = [i for i in np.argsort(-per_rep, kind="stable") if per_rep[i] > TOLERANCE and i not in stuck]
        if not order:
            break
        worst = int(order[0])
        dp = load_p[worst] / mean_p - 1 if mean_p > 0 else 0.0
        dw = load_w[worst] / mean_w - 1 if mean_w > 0 else 0.0
        above = (dp if abs(dp) >= abs(dw) else dw) > 0
        if above:
            chosen = np.flatnonzero(owner == worst)
            targets = np.array([i for i in range(n) if i != worst])
            if not len(chosen):
                stuck.add(worst)
                continue
            src = np.full((len(chosen), len(targets)), worst)
            dst = np.broadcast_to(targets, (len(chosen), len(targets)))
            rows = np.broadcast_to(chosen[:, None], (len(chosen), len(targets)))
        else:
            chosen = np.flatnonzero(owner != worst)
            if not len(chosen):
                stuck.add(worst)
                continue
            src = owner[chosen][:, None]
            dst = np.full((len(chosen), 1), worst)
            rows = chosen[:, None]
        pa, wa = p[rows], w[rows]
        before = per_rep[src] + per_rep[dst]
        after = excess(load_p[src] - pa, load_w[src] - wa) + excess(load_p[dst] + pa, load_w[dst] + wa)
        delta = (after - before).ravel()
        flat_rows, flat_dst = np.asarray(rows).ravel(), np.asarray(dst).ravel()
        pick = np.lexsort((flat_dst, keys[flat_rows], p[flat_rows], delta))[0]
        if delta[pick] >= -TOLERANCE:
            stuck.add(worst)
            continue
        row, target = int(flat_rows[pick]), int(flat_dst[pick])
        source = int(owner[row])
        load_p[source] -= p[row]
        load_w[source] -= w[row]
        load_p[target] += p[row]
        load_w[target] += w[row]
        owner[row] = target
        assignment[int(keys[row])] = reps[target]
        stuck.clear()
    return assignment


# --- CP-SAT ----------------------------------------------------------------------------------


def _scaled(values: Sequence[float], fixed: Sequence[float]) -> tuple[list[int], list[int]]:
    """Values as integers: exact when they are whole numbers within :data:`SCALE_BUDGET`, else the
    group's total scaled to :data:`SCALE_BUDGET` units."""
    total = sum(abs(v) for v in values) + sum(abs(v) for v in fixed)
    whole = all(float(v).is_integer() for v in (*values, *fixed))
    unit = 1.0 if total == 0 or (whole and total <= SCALE_BUDGET) else total / SCALE_BUDGET
    return [round(v / unit) for v in values], [round(v / unit) for v in fixed]


def _candidates(
    group: Group, band: float, options: SolverOptions, hint: Mapping[int, int]
) -> dict[int, list[int]]:
    """The reps each movable account may go to (its owner first)."""
    reps = list(group.reps)
    movable = [item for item in group.items if not item.locked]
    if len(movable) * (len(reps) - 1) <= options.full_model_pairs:
        return {item.key: [item.owner, *(r for r in reps if r != item.owner)] for item in movable}
    found = current(group)
    devs = deviations(group, found)
    donors = {rep for rep, (p, w) in devs.items() if p > 0 or w > 0}
    receivers = sorted(
        (rep for rep, (p, w) in devs.items() if p < 0 or w < 0), key=lambda r: (min(devs[r]), r)
    )
    centres = centroids(group, found)
    chosen: dict[int, list[int]] = {}
    for item in movable:
        options_for = [r for r in receivers if r != item.owner]
        where = _located(item)
        if item.owner in donors and options_for:
            if where is not None and all(centres[r] is not None for r in options_for):
                options_for.sort(key=lambda r: (distance_km(where, centres[r]), r))  # type: ignore[arg-type]
            near = options_for[: options.candidates]
        else:
            near = []
        extra = [hint[item.key]] if hint.get(item.key, item.owner) != item.owner else []
        reps_for = list(dict.fromkeys([item.owner, *near, *extra]))
        if len(reps_for) > 1:
            chosen[item.key] = reps_for
    return chosen


class _Model:
    """The CP-SAT model of one group: x[account, rep] for every candidate move."""

    def __init__(
        self,
        group: Group,
        band: float,
        options: SolverOptions,
        hint: Mapping[int, int],
        candidates: dict[int, list[int]],
    ) -> None:
        self.group, self.band, self.options = group, band, options
        self.model = cp_model.CpModel()
        reps = list(group.reps)
        self.n = len(reps)
        items = list(group.items)
        fixed_w = [float(group.fixed_workload.get(rep, 0.0)) for rep in reps]
        pot, fixed_p = _scaled([i.potential for i in items], [0.0] * self.n)
        work, fixed_wi = _scaled([i.workload for i in items], fixed_w)
        self.candidates = candidates
        self.restricted = any(len(c) < self.n for c in self.candidates.values()) or len(
            self.candidates
        ) < sum(1 for i in items if not i.locked)
        self.choice: dict[tuple[int, int], cp_model.IntVar] = {}
        terms_p: dict[int, list[tuple[cp_model.IntVar, int]]] = {rep: [] for rep in reps}
        terms_w: dict[int, list[tuple[cp_model.IntVar, int]]] = {rep: [] for rep in reps}
        const_p = dict(zip(reps, fixed_p, strict=True))
        const_w = dict(zip(reps, fixed_wi, strict=True))
        self.cost: list[tuple[cp_model.IntVar, int]] = []
        for item, p, w in zip(items, pot, work, strict=True):
            reps_for = self.candidates.get(item.key)
            if not reps_for:
                const_p[item.owner] += p
                const_w[item.owner] += w
                continue
            row = []
            for rep in reps_for:
                var = self.model.new_bool_var(f"x{item.key}_{rep}")
                self.choice[(item.key, rep)] = var
                row.append(var)
                terms_p[rep].append((var, p))
                terms_w[rep].append((var, w))
                if rep != item.owner:
                    self.cost.append((var, p + 1))
                self.model.add_hint(var, hint.get(item.key, item.owner) == rep)
            self.model.add_exactly_one(row)
        self.total_p = sum(pot) + sum(fixed_p)
        self.total_w = sum(work) + sum(fixed_wi)
        self.load_p = {
            rep: cp_model.LinearExpr.weighted_sum([v for v, _ in terms_p[rep]], [c for _, c in terms_p[rep]])
            + const_p[rep]
            for rep in reps
        }
        self.load_w = {
            rep: cp_model.LinearExpr.weighted_sum([v for v, _ in terms_w[rep]], [c for _, c in terms_w[rep]])
            + const_w[rep]
            for rep in reps
        }
        self.disruption = cp_model.LinearExpr.weighted_sum(
            [v for v, _ in self.cost], [c for _, c in self.cost]
        )

    def measures(self) -> list[tuple[dict[int, cp_model.LinearExpr], int]]:
        return [
            (loads, total)
            for loads, total in ((self.load_p, self.total_p), (self.load_w, self.total_w))
            if total > 0
        ]

    def add_band(self) -> None:
        for loads, total in self.measures():
            high = math.floor((1 + self.band) * total / self.n + TOLERANCE)
            low = math.ceil((1 - self.band) * total / self.n - TOLERANCE)
            for expr in loads.values():
                self.model.add(expr <= high)
                self.model.add(expr >= low)

    def add_deviation(self, limit: int | None = None) -> cp_model.IntVar:
        """``t``: the worst deviation in basis points (at most ``limit`` when given)."""
        t = self.model.new_int_var(0, 100 * BASIS if limit is None else limit, "t")
        for loads, total in self.measures():
            for expr in loads.values():
                self.model.add(BASIS * (self.n * expr - total) <= t * total)
                self.model.add(BASIS * (total - self.n * expr) <= t * total)
        return t

    def solve(self, phase: str) -> tuple[cp_model.CpSolver, Run, str]:
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = self.options.workers
        params.random_seed = self.options.seed
        params.max_deterministic_time = self.options.deterministic_time
        params.max_time_in_seconds = self.options.max_seconds
        # The LP relaxation of this model is tight (most of it is a transportation problem), so
        # the full linearisation gives a bound close to the optimum and guides the search.
        params.linearization_level = LINEARIZATION
        status = solver.solve(self.model)
        name = solver.status_name(status)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        objective = solver.objective_value if found else None
        bound = solver.best_objective_bound if found else None
        gap = None
        if objective is not None and bound is not None:
            gap = (
                0.0
                if status == cp_model.OPTIMAL
                else max(0.0, (objective - bound) / max(abs(objective), 1.0))
            )
        run = Run(
            status=name,
            phase=phase,
            objective=objective,
            best_bound=bound,
            gap=gap,
            wall_seconds=solver.wall_time,
            deterministic_time=solver.deterministic_time,
            variables=len(self.choice),
            restricted=self.restricted,
            stopped_by_wall_clock=status == cp_model.FEASIBLE
            and solver.wall_time >= self.options.max_seconds * 0.99
            and solver.deterministic_time < self.options.deterministic_time,
        )
        return solver, run, name

    def assignment(self, solver: cp_model.CpSolver) -> dict[int, int]:
        found = current(self.group)
        for (key, rep), var in self.choice.items():
            if solver.boolean_value(var):
                found[key] = rep
        return found


def _lp_start(group: Group, band: float, candidates: dict[int, list[int]]) -> dict[int, int] | None:
    """A warm start: the LP relaxation (GLOP), each account given to its largest share, repaired
    by the greedy moves. ``None`` when the relaxation has no solution."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None or not candidates:
        return None
    n = len(group.reps)
    terms_p: dict[int, list[Any]] = {rep: [] for rep in group.reps}
    terms_w: dict[int, list[Any]] = {rep: [] for rep in group.reps}
    fixed_p = dict.fromkeys(group.reps, 0.0)
    fixed_w = {rep: float(group.fixed_workload.get(rep, 0.0)) for rep in group.reps}
    share: dict[int, list[tuple[int, Any]]] = {}
    cost = []
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
                cost.append((item.potential + 1) * var)
    for terms, fixed in ((terms_p, fixed_p), (terms_w, fixed_w)):
        total = sum(fixed.values()) + sum(
            i.potential if terms is terms_p else i.workload for i in group.items if i.key in share
        )
        if total <= 0:
            continue
        for rep in group.reps:
            load = solver.Sum(terms[rep]) + fixed[rep]
            solver.Add(load <= (1 + band) * total / n)
            solver.Add(load >= (1 - band) * total / n)
    solver.Minimize(solver.Sum(cost))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    rounded = current(group)
    for key, row in share.items():
        rounded[key] = max(row, key=lambda pair: (round(pair[1].solution_value(), 9), -pair[0]))[0]
    return greedy(group, band, rounded)


def _warm_start(
    group: Group, band: float, candidates: dict[int, list[int]], baseline: Mapping[int, int]
) -> dict[int, int]:
    """The least disruptive of the baseline and the LP start among those meeting the band; its
    moves are added to ``candidates`` (the greedy repair may use other pairs)."""
    found = [dict(baseline)]
    # A start strictly inside the band stays feasible once values are scaled to integers.
    lp = _lp_start(group, max(0.0, band - HINT_MARGIN), candidates)
    if lp is not None:
        found.append(lp)
    meeting = [a for a in found if max_deviation(group, a) <= band + 1e-6]
    chosen = min(meeting or found, key=lambda a: disruption(group, a))
    for item in group.items:
        rep = chosen[item.key]
        if rep != item.owner and rep not in candidates.setdefault(item.key, [item.owner]):
            candidates[item.key].append(rep)
    return chosen


def solve(
    group: Group,
    band: float = DEFAULT_BAND,
    options: SolverOptions | None = None,
    hint: Mapping[int, int] | None = None,
) -> Result:
    """The least disruptive assignment meeting the band, else the one closest to it."""
    options = options or SolverOptions()
    start = current(group)
    if len(group.reps) < 2 or all(item.locked for item in group.items):
        return Result(start, max_deviation(group, start) <= band + TOLERANCE, max_deviation(group, start))
    baseline = dict(hint) if hint is not None else greedy(group, band)
    candidates = _candidates(group, band, options, baseline)
    start_from = _warm_start(group, band, candidates, baseline)
    model = _Model(group, band, options, start_from, candidates)
    model.add_band()
    model.model.minimize(model.disruption)
    solver, run, status = model.solve("band")
    runs = [run]
    if status in ("OPTIMAL", "FEASIBLE"):
        chosen = model.assignment(solver)
        return Result(chosen, max_deviation(group, chosen) <= band + 1e-6, max_deviation(group, chosen), runs)
    # The band cannot be met (or no solution was found in time): the smallest worst deviation,
    # then the least disruption at that deviation.
    widest = _Model(group, band, options, baseline, candidates)
    t = widest.add_deviation()
    widest.model.minimize(t)
    solver, run, status = widest.solve("min_max")
    runs.append(run)
    if status not in ("OPTIMAL", "FEASIBLE"):
        fallback = baseline if max_deviation(group, baseline) <= max_deviation(group, start) else start
        return Result(dict(fallback), False, max_deviation(group, fallback), runs)
    best = round(solver.value(t))
    closest = widest.assignment(solver)
    final = _Model(group, band, options, closest, candidates)
    final.add_deviation(best)
    final.model.minimize(final.disruption)
    solver, run, status = final.solve("min_max")
    runs.append(run)
    chosen = final.assignment(solver) if status in ("OPTIMAL", "FEASIBLE") else closest
    deviation = max_deviation(group, chosen)
    return Result(chosen, deviation <= band + 1e-6, deviation, runs)
