"""Balancing reps' books with OR-Tools CP-SAT (the problem and its measures are in
:mod:`tools.rebalance.problem`).

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
which an account of a rep above the mean may move only to a few of the reps below the mean
nearest to it (:mod:`tools.rebalance.solver_start` chooses them, and builds the warm start); the
greedy baseline's own moves are always candidates, so the solver's answer is never worse than
the baseline's. The gap is then relative to the restricted model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from tools.rebalance.problem import DEFAULT_BAND, TOLERANCE, Group, current, greedy, max_deviation
from tools.rebalance.solver_start import candidate_reps, warm_start

#: Each group's total potential (and workload) is scaled to at most this many integer units.
SCALE_BUDGET = 100_000_000
#: Deviations in the min-max model are counted in basis points (0.01%).
BASIS = 10_000
LINEARIZATION = 2


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


def _scaled(values: Sequence[float], fixed: Sequence[float]) -> tuple[list[int], list[int]]:
    """Values as integers: exact when they are whole numbers within :data:`SCALE_BUDGET`, else the
    group's total scaled to :data:`SCALE_BUDGET` units."""
    total = sum(abs(v) for v in values) + sum(abs(v) for v in fixed)
    whole = all(float(v).is_integer() for v in (*values, *fixed))
    unit = 1.0 if total == 0 or (whole and total <= SCALE_BUDGET) else total / SCALE_BUDGET
    return [round(v / unit) for v in values], [round(v / unit) for v in fixed]


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
    candidates = candidate_reps(group, baseline, options.full_model_pairs, options.candidates)
    start_from = warm_start(group, band, candidates, baseline)
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
