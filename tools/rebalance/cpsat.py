"""The CP-SAT model of one group of :mod:`tools.rebalance.solver` (the only module that imports
OR-Tools' CP-SAT; :func:`~tools.rebalance.solver.solve` imports it when it solves a group)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ortools.sat.python import cp_model

from tools.rebalance.problem import TOLERANCE, Group, current
from tools.rebalance.solver import Run, SolverOptions

#: Each group's total potential (and workload) is scaled to at most this many integer units.
SCALE_BUDGET = 100_000_000
#: Deviations in the min-max model are counted in basis points (0.01%).
BASIS = 10_000
LINEARIZATION = 2
#: Capacities are counted in hundredths of a full book.
CAPACITY_UNITS = 100


def _scaled(values: Sequence[float], fixed: Sequence[float]) -> tuple[list[int], list[int]]:
    """Values as integers: exact when they are whole numbers within :data:`SCALE_BUDGET`, else the
    group's total scaled to :data:`SCALE_BUDGET` units."""
    total = sum(abs(v) for v in values) + sum(abs(v) for v in fixed)
    whole = all(float(v).is_integer() for v in (*values, *fixed))
    unit = 1.0 if total == 0 or (whole and total <= SCALE_BUDGET) else total / SCALE_BUDGET
    return [round(v / unit) for v in values], [round(v / unit) for v in fixed]


def _capacity_units(group: Group) -> dict[int, int]:
    """Capacities as small integers (1 each when every rep carries a full book)."""
    caps = {rep: group.capacity.get(rep, 1.0) for rep in group.reps}
    if all(abs(c - 1.0) < TOLERANCE for c in caps.values()):
        return dict.fromkeys(group.reps, 1)
    units = {rep: max(0, round(c * CAPACITY_UNITS)) for rep, c in caps.items()}
    common = math.gcd(*units.values()) or 1
    return {rep: u // common for rep, u in units.items()}


class Model:
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
        costs, _ = _scaled([i.move_cost for i in items], [0.0] * self.n)
        self.units = _capacity_units(group)
        self.unit_total = sum(self.units.values())
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
        for item, p, w, c in zip(items, pot, work, costs, strict=True):
            reps_for = [r for r in self.candidates.get(item.key, []) if group.may_go(item, r)]
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
                    self.cost.append((var, c + 1))
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
        if group.max_moves is not None:
            self.model.add(sum(v for v, _ in self.cost) <= group.max_moves)

    def measures(self) -> list[tuple[dict[int, cp_model.LinearExpr], int]]:
        return [
            (loads, total)
            for loads, total in ((self.load_p, self.total_p), (self.load_w, self.total_w))
            if total > 0
        ]

    def add_band(self) -> None:
        """Every rep within the band around their target (total x units / all units)."""
        for loads, total in self.measures():
            for rep, expr in loads.items():
                target = total * self.units[rep] / self.unit_total
                self.model.add(expr <= math.floor((1 + self.band) * target + TOLERANCE))
                self.model.add(expr >= math.ceil((1 - self.band) * target - TOLERANCE))

    def add_deviation(self, limit: int | None = None) -> cp_model.IntVar:
        """``t``: the worst deviation in basis points (at most ``limit`` when given)."""
        t = self.model.new_int_var(0, 100 * BASIS if limit is None else limit, "t")
        for loads, total in self.measures():
            for rep, expr in loads.items():
                share = self.units[rep]
                self.model.add(BASIS * (self.unit_total * expr - total * share) <= t * total * share)
                self.model.add(BASIS * (total * share - self.unit_total * expr) <= t * total * share)
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
