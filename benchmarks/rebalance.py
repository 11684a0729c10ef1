"""Benchmark: territory rebalancing at 10,000 accounts and 50 reps, CP-SAT against the greedy baseline.

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
* the ratios solver / greedy for disruption and CV.

    python -m benchmarks.rebalance [--accounts N] [--reps N] [--repeat N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import time

from benchmarks.common import median, report
from tools.rebalance.problem import Group, Item, disruption, greedy, loads, max_deviation
from tools.rebalance.problem import coefficient_of_variation as cv
from tools.rebalance.solver import SolverOptions, solve

SEGMENTS = ((1.0, 0.20), (2.0, 0.62), (4.0, 0.18))
TIERS = (1.5, 1.0, 0.5)


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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    main(arguments.accounts, arguments.reps, arguments.repeat, arguments.seed)
