"""Benchmark: territory rebalancing, CP-SAT against the greedy baseline, free and constrained.

A synthetic instance (seeded): 50 reps with uneven books (each rep's share of accounts is drawn
from 0.55-1.6, as in the demo organisation), accounts around each rep's home city, segments and
tiers as in the demo data, lognormal potential, 0-3 open deals per account, 35% of accounts locked.
One group (every rep against one mean), band ±10%.

Figures, measured in the same run:

* greedy baseline: median wall time, disruption (potential moved), moves, worst deviation and the
  coefficient of variation (CV) of potential and workload after;
* solver (the tool's default options: one worker, 10 units of deterministic time): wall time to
  the warm start (greedy + LP rounding, the first solution CP-SAT holds) and in total, CP-SAT's
  status and gap from the best bound, and the same balance and disruption figures;
* the ratios solver / greedy for disruption and CV;
* the same, solver and greedy, under constraints (at most a third of the moves the free greedy
  baseline makes, and no account moved more than :data:`MAX_KM` km from its new rep's home
  city): spread (worst deviation, CV of potential), moves, the mean distance from a moved account
  to its new rep's home, and time.

By default at 2,000 accounts (50 reps) and 50,000 accounts (250 reps), each a group of its own.

    python -m benchmarks.rebalance [--accounts N ...] [--reps N ...] [--repeat N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace

from benchmarks.common import median, report
from tools.rebalance.problem import Group, Item, disruption, greedy, loads, max_deviation
from tools.rebalance.problem import coefficient_of_variation as cv
from tools.rebalance.solver import SolverOptions, solve
from tools.territory.geo import distance_km

#: The distance limit of the constrained runs (km from the new rep's home city).
MAX_KM = 800.0

SEGMENTS = ((1.0, 0.20), (2.0, 0.62), (4.0, 0.18))
TIERS = (1.5, 1.0, 0.5)


def homes_of(reps: int, seed: int) -> list[tuple[float, float]]:
    """The reps' home cities of :func:`instance` (the same draws, in the same order)."""
    rng = random.Random(seed)
    _capacity = [rng.uniform(0.55, 1.6) for _ in range(reps)]
    return [(rng.uniform(30, 47), rng.uniform(-122, -72)) for _ in range(reps)]


def instance(accounts: int, reps: int, seed: int) -> Group:
    rng = random.Random(seed)
    people = tuple(range(1, reps + 1))
    capacity = [rng.uniform(0.55, 1.6) for _ in people]
    homes = [(rng.uniform(30, 47), rng.uniform(-122, -72)) for _ in people]
    items = []
    for key in range(1, accounts + 1):
        owner = rng.choices(people, weights=capacity)[0]
        lat, lon = homes[owner - 1]
        segment = rng.choices([s for s, _ in SEGMENTS], weights=[w for _, w in SEGMENTS])[0]
        items.append(
            Item(
                key=key,
                owner=owner,
                potential=round(rng.lognormvariate(10.5, 1.0), -2),
                workload=segment * rng.choice(TIERS) + rng.choice((0, 0, 1, 2, 3)),
                locked=rng.random() < 0.35,
                latitude=lat + rng.gauss(0, 1.0),
                longitude=lon + rng.gauss(0, 1.0),
            )
        )
    return Group("benchmark", people, tuple(items))


def _figures(group: Group, assignment: dict[int, int]) -> tuple[float, int, float, float, float]:
    moved, count = disruption(group, assignment)
    potential, workload = loads(group, assignment)
    return (
        moved,
        count,
        max_deviation(group, assignment),
        cv(list(potential.values())) or 0.0,
        cv(list(workload.values())) or 0.0,
    )


def constrained(group: Group, homes: list[tuple[float, float]], max_moves: int) -> Group:
    """The group under a move budget and a distance limit from each rep's home city."""
    allowed = {
        i.key: frozenset(
            r
            for r in group.reps
            if i.latitude is not None
            and i.longitude is not None
            and distance_km((i.latitude, i.longitude), homes[r - 1]) <= MAX_KM
        )
        for i in group.items
        if not i.locked
    }
    return replace(group, allowed=allowed, max_moves=max_moves)


def mean_km(group: Group, assignment: dict[int, int], homes: list[tuple[float, float]]) -> float:
    found = [
        distance_km((i.latitude, i.longitude), homes[assignment[i.key] - 1])
        for i in group.items
        if assignment[i.key] != i.owner and i.latitude is not None and i.longitude is not None
    ]
    return sum(found) / len(found) if found else 0.0


def compare(accounts: int, reps: int, repeat: int, seed: int) -> None:
    """Free and constrained, solver against greedy, at one size."""
    free = instance(accounts, reps, seed)
    homes = homes_of(reps, seed)
    band = 0.10
    rows = []
    budget = 0
    for label in ("free", "constrained"):
        group = free if label == "free" else constrained(free, homes, budget)
        timings = []
        baseline: dict[int, int] = {}
        for _ in range(repeat):
            began = time.perf_counter()
            baseline = greedy(group, band)
            timings.append(time.perf_counter() - began)
        if label == "free":
            budget = max(1, disruption(group, baseline)[1] // 3)
        began = time.perf_counter()
        result = solve(group, band, SolverOptions(), hint=baseline)
        total = time.perf_counter() - began
        final = result.runs[-1] if result.runs else None
        gap = "n/a" if final is None or final.gap is None else f"{final.gap:.1%}"
        for engine, assignment, seconds, extra in (
            ("greedy", baseline, median(timings), f"median of {repeat}"),
            ("CP-SAT", result.assignment, total, f"{final.status if final else 'n/a'}, gap {gap}"),
        ):
            moved, count, dev, cvp, _ = _figures(group, assignment)
            rows.append(
                (
                    f"{label}: {engine}",
                    f"worst ±{dev:.1%}, CV potential {cvp:.3f}; {count:,} moves, ${moved:,.0f} moved; "
                    f"mean {mean_km(group, assignment, homes):,.0f} km to the new rep's home; "
                    f"{seconds:.2f} s ({extra})",
                )
            )
    _, _, dev0, cvp0, _ = _figures(free, {i.key: i.owner for i in free.items})
    report(
        f"Rebalancing at {accounts:,} accounts, {reps} reps: free, and constrained (at most {budget:,} "
        f"moves, within {MAX_KM:,.0f} km of the new rep's home)",
        [("before", f"worst ±{dev0:.1%}, CV potential {cvp0:.3f}"), *rows],
    )


def main(accounts: int = 10_000, reps: int = 50, repeat: int = 3, seed: int = 1) -> None:
    group = instance(accounts, reps, seed)
    band = 0.10
    start = {i.key: i.owner for i in group.items}
    timings = []
    baseline: dict[int, int] = {}
    for _ in range(repeat):
        began = time.perf_counter()
        baseline = greedy(group, band)
        timings.append(time.perf_counter() - began)
    greedy_seconds = median(timings)
    options = SolverOptions()
    began = time.perf_counter()
    result = solve(group, band, options, hint=baseline)
    total = time.perf_counter() - began
    cp_sat = sum(r.wall_seconds for r in result.runs)
    final = result.runs[-1] if result.runs else None
    g_moved, g_count, g_dev, g_cvp, g_cvw = _figures(group, baseline)
    s_moved, s_count, s_dev, s_cvp, s_cvw = _figures(group, result.assignment)
    _, _, dev0, cvp0, cvw0 = _figures(group, start)
    locked = sum(1 for i in group.items if i.locked)
    gap = "n/a" if final is None or final.gap is None else f"{final.gap:.1%}"
    report(
        f"Territory rebalancing: {accounts:,} accounts, {reps} reps, {locked:,} locked, band ±{band:.0%}",
        [
            ("before", f"worst deviation ±{dev0:.1%}, CV potential {cvp0:.3f}, CV workload {cvw0:.3f}"),
            (
                "greedy baseline",
                f"{greedy_seconds:.2f} s (median of {repeat}); {g_count} moves, ${g_moved:,.0f} moved; "
                f"worst ±{g_dev:.1%}; CV potential {g_cvp:.3f}, workload {g_cvw:.3f}",
            ),
            (
                "solver: time to a solution",
                f"{greedy_seconds + total - cp_sat:.2f} s (the greedy baseline, then the LP-rounding warm "
                "start CP-SAT starts from)",
            ),
            (
                "solver: total",
                f"{total:.2f} s ({cp_sat:.2f} s in CP-SAT, {final.deterministic_time if final else 0:.1f} "
                f"deterministic units); status {final.status if final else 'n/a'}, gap {gap}, "
                f"{final.variables if final else 0:,} variables"
                f"{', restricted model' if final and final.restricted else ''}",
            ),
            (
                "solver: result",
                f"{s_count} moves, ${s_moved:,.0f} moved; worst ±{s_dev:.1%}; band met {result.band_met}; "
                f"CV potential {s_cvp:.3f}, workload {s_cvw:.3f}",
            ),
            (
                "solver / greedy",
                f"disruption x{s_moved / g_moved:.2f}, CV potential x{s_cvp / g_cvp:.2f}, "
                f"CV workload x{s_cvw / g_cvw:.2f}, time x{total / greedy_seconds:.1f}"
                if g_moved and g_cvp and g_cvw and greedy_seconds
                else "n/a",
            ),
        ],
    )


SIZES = ((2_000, 50), (50_000, 250))


def run(sizes: tuple[tuple[int, int], ...] = SIZES, repeat: int = 3, seed: int = 1) -> None:
    """The figures ``make bench`` prints: free and constrained at each size."""
    for accounts, reps in sizes:
        compare(accounts, reps, repeat if accounts <= 10_000 else 1, seed)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, nargs="*", default=[a for a, _ in SIZES])
    parser.add_argument("--reps", type=int, nargs="*", default=[r for _, r in SIZES])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--single", action="store_true", help="The earlier single-instance figures.")
    arguments = parser.parse_args()
    if arguments.single:
        main(arguments.accounts[0], arguments.reps[0], arguments.repeat, arguments.seed)
    else:
        run(tuple(zip(arguments.accounts, arguments.reps, strict=True)), arguments.repeat, arguments.seed)
