"""Balancing reps' books with OR-Tools CP-SAT (the problem and its measures are in
:mod:`tools.rebalance.problem`).

When no assignment meets the band (locked accounts make it impossible, or one account is larger
than the band is wide), the model minimises the worst deviation from the mean across reps and
both measures instead, then the disruption at that deviation; the result says
"infeasible: best achievable is +/-X%".

Solver: OR-Tools CP-SAT, with the money and workload values scaled to integers (each group's total
to at most :data:`~tools.rebalance.cpsat.SCALE_BUDGET` units), warm-started from the better of the
greedy baseline and a rounded LP relaxation (GLOP) repaired by greedy moves. Runs are
deterministic: one search worker (CP-SAT's parallel search is not deterministic, and its
deterministic interleaved mode aborts on some of these models in the OR-Tools release used), a
fixed seed, and a limit in deterministic time (``max_deterministic_time``, work units that do not
depend on the machine's speed or load). A wall-clock limit stays as a safety net only; when it
stops a run, the result says so, since such a run may differ between machines. More workers may be
asked for (faster on large machines) at the cost of determinism. The gap is reported from the best
bound. The CP-SAT model is :mod:`tools.rebalance.cpsat`, loaded (with OR-Tools) only when a group
is solved.

Size: a group with more candidate moves than ``full_model_pairs`` gets a restricted model in
which an account of a rep above the mean may move only to a few of the reps below the mean
nearest to it (:mod:`tools.rebalance.solver_start` chooses them, and builds the warm start); the
greedy baseline's own moves are always candidates, so the solver's answer is never worse than
the baseline's. The gap is then relative to the restricted model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tools.rebalance.problem import DEFAULT_BAND, TOLERANCE, Group, current, greedy, max_deviation


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


def solve(
    group: Group,
    band: float = DEFAULT_BAND,
    options: SolverOptions | None = None,
    hint: Mapping[int, int] | None = None,
) -> Result:
    """The least disruptive assignment meeting the band, else the one closest to it."""
    # OR-Tools loads only when a group is actually solved (it takes a noticeable share of a
    # command's start-up otherwise).
    from tools.rebalance.cpsat import Model as _Model
    from tools.rebalance.solver_start import candidate_reps, warm_start

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
