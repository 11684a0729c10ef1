"""Balancing reps' books: the problem, its measures and the greedy baseline.

The problem, per group of reps (one territory, or every territory of a manager at once):

* each account belongs to exactly one rep of the group; a *locked* account stays with its owner;
* a rep's potential is the sum of their accounts' potential; their workload is the sum of their
  accounts' workload plus a fixed part (open deals that do not move with an account);
* every rep's potential and workload must lie within ``mean x (1 +/- band)``; the means are
  fixed, since moves only shift load between the group's reps;
* among the assignments that meet the band, the one with the least *disruption* is chosen:
  the cost of the accounts moved (their potential, plus the continuity weight times the
  relationship at stake, see :mod:`tools.rebalance.constraints`) plus one unit per account moved,
  so that of two proposals moving the same potential the one with fewer moves wins.

Constraints a manager sets (all optional, honoured by the solver and the greedy baseline alike):
a rep's *capacity* (1 = a full book; 0.5 = a rep ramping up, whose target is half a share of the
total: the band is around ``total x capacity / sum of capacities``), the reps each account may go
to (``allowed``: a maximum distance from a rep's home base), and the most accounts moved
(``max_moves``).

Greedy baseline: repeatedly take the rep furthest outside the band and make the single move
(one of their accounts to another rep, or another rep's account to them) that most reduces the
total excess outside the band; stop when every rep is inside the band or no move helps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tools.territory.geo import Point, centroid, distance_km

if TYPE_CHECKING:
    import numpy as np

#: Allowed deviation from the mean when none is given (+/-10%).
DEFAULT_BAND = 0.10
TOLERANCE = 1e-9


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
    #: What moving it costs (default: its potential); one unit per move is added on top.
    cost: float | None = None

    @property
    def move_cost(self) -> float:
        return self.potential if self.cost is None else self.cost


@dataclass(frozen=True)
class Group:
    """Reps balanced against one another, their accounts, and workload that does not move."""

    key: str
    reps: tuple[int, ...]
    items: tuple[Item, ...]
    fixed_workload: Mapping[int, float] = field(default_factory=dict)
    #: Share of a full book per rep (default 1); the targets are proportional to it.
    capacity: Mapping[int, float] = field(default_factory=dict)
    #: Per account, the reps other than its owner it may go to (absent: any rep of the group).
    allowed: Mapping[int, frozenset[int]] = field(default_factory=dict)
    #: The most accounts moved (None: no limit).
    max_moves: int | None = None

    def share(self, rep: int) -> float:
        """The rep's share of the group's total: capacity / sum of capacities."""
        total = sum(self.capacity.get(r, 1.0) for r in self.reps)
        return self.capacity.get(rep, 1.0) / total if total > 0 else 1.0 / max(1, len(self.reps))

    def may_go(self, item: Item, rep: int) -> bool:
        if rep == item.owner:
            return True
        if item.locked:
            return False
        allowed = self.allowed.get(item.key)
        return allowed is None or rep in allowed


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
    """Per rep: (potential / target - 1, workload / target - 1), where a rep's target is the
    group's total times their share (the mean when every capacity is 1); 0 for a measure whose
    total is 0."""
    potential, workload = loads(group, assignment)
    total_p, total_w = sum(potential.values()), sum(workload.values())
    return {
        rep: (
            _ratio(potential[rep], total_p * group.share(rep)),
            _ratio(workload[rep], total_w * group.share(rep)),
        )
        for rep in group.reps
    }


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


def move_cost(group: Group, assignment: Mapping[int, int]) -> float:
    """The objective the solver minimises: the cost of each account moved, plus one per move."""
    return sum(item.move_cost + 1 for item in group.items if assignment[item.key] != item.owner)


# --- geography -------------------------------------------------------------------------------


def located(item: Item) -> Point | None:
    if item.latitude is None or item.longitude is None:
        return None
    return item.latitude, item.longitude


def centroids(group: Group, assignment: Mapping[int, int]) -> dict[int, Point | None]:
    points: dict[int, list[Point]] = {rep: [] for rep in group.reps}
    for item in group.items:
        where = located(item)
        if where is not None:
            points[assignment[item.key]].append(where)
    return {rep: centroid(found) for rep, found in points.items()}


def compactness(group: Group, assignment: Mapping[int, int]) -> dict[int, float | None]:
    """Per rep: mean distance (km) of their located accounts to those accounts' centroid."""
    centres = centroids(group, assignment)
    total: dict[int, list[float]] = {rep: [] for rep in group.reps}
    for item in group.items:
        where, rep = located(item), assignment[item.key]
        centre = centres[rep]
        if where is not None and centre is not None:
            total[rep].append(distance_km(where, centre))
    return {rep: (sum(d) / len(d) if d else None) for rep, d in total.items()}


# --- greedy baseline -------------------------------------------------------------------------


def greedy(
    group: Group, band: float = DEFAULT_BAND, start: Mapping[int, int] | None = None
) -> dict[int, int]:
    """The baseline: one best single move at a time until every rep is inside the band, within
    the group's constraints (allowed reps, capacities, at most ``max_moves`` accounts moved).

    ``start`` is the assignment to start from (default: the current owners).
    """
    import numpy as np  # loaded when a group is balanced, not with every command

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
    c = np.array([item.move_cost for item in movable])
    keys = np.array([item.key for item in movable])
    owner = np.array([index[assignment[item.key]] for item in movable])
    home = np.array([index[item.owner] for item in movable])
    # may[row, rep]: the account may be given to the rep (its owner always)
    may = np.array([[group.may_go(item, rep) for rep in reps] for item in movable], dtype=bool)
    start_p, start_w = loads(group, assignment)
    load_p = np.array([start_p[rep] for rep in reps])
    load_w = np.array([start_w[rep] for rep in reps])
    shares = np.array([group.share(rep) for rep in reps])
    # a rep's target (the mean, scaled by capacity); a measure with no total is never outside
    target_p, target_w = load_p.sum() * shares, load_w.sum() * shares
    safe_p, safe_w = np.where(target_p > 0, target_p, 1.0), np.where(target_w > 0, target_w, 1.0)
    budget = group.max_moves

    def excess(lp: np.ndarray, lw: np.ndarray, at: np.ndarray | slice = slice(None)) -> np.ndarray:
        dp = np.where(target_p[at] > 0, np.abs(lp / safe_p[at] - 1), 0.0)
        dw = np.where(target_w[at] > 0, np.abs(lw / safe_w[at] - 1), 0.0)
        return np.maximum(dp - band, 0.0) + np.maximum(dw - band, 0.0)

    stuck: set[int] = set()
    for _ in range(4 * len(movable) + 10):
        per_rep = excess(load_p, load_w)
        order = [i for i in np.argsort(-per_rep, kind="stable") if per_rep[i] > TOLERANCE and i not in stuck]
        if not order:
            break
        worst = int(order[0])
        dp = load_p[worst] / target_p[worst] - 1 if target_p[worst] > 0 else 0.0
        dw = load_w[worst] / target_w[worst] - 1 if target_w[worst] > 0 else 0.0
        above = (dp if abs(dp) >= abs(dw) else dw) > 0
        moved_now = int(np.count_nonzero(owner != home))
        # with the budget spent, only accounts already moved may move again (back home or on)
        spent = budget is not None and moved_now >= budget
        if above:
            chosen = np.flatnonzero((owner == worst) & ((owner != home) if spent else True))
            targets = np.array([i for i in range(n) if i != worst])
            if not len(chosen):
                stuck.add(worst)
                continue
            src = np.full((len(chosen), len(targets)), worst)
            dst = np.broadcast_to(targets, (len(chosen), len(targets)))
            rows = np.broadcast_to(chosen[:, None], (len(chosen), len(targets)))
        else:
            chosen = np.flatnonzero((owner != worst) & ((owner != home) if spent else True))
            if not len(chosen):
                stuck.add(worst)
                continue
            src = owner[chosen][:, None]
            dst = np.full((len(chosen), 1), worst)
            rows = chosen[:, None]
        pa, wa = p[rows], w[rows]
        before = per_rep[src] + per_rep[dst]
        after = excess(load_p[src] - pa, load_w[src] - wa, src) + excess(
            load_p[dst] + pa, load_w[dst] + wa, dst
        )
        delta = (after - before).ravel()
        flat_rows, flat_dst = np.asarray(rows).ravel(), np.asarray(dst).ravel()
        # a move the constraints forbid, or one more account moved than the budget allows
        blocked = ~may[flat_rows, flat_dst]
        if budget is not None:
            blocked |= (owner[flat_rows] == home[flat_rows]) & (flat_dst != home[flat_rows]) & spent
        delta = np.where(blocked, np.inf, delta)
        pick = np.lexsort((flat_dst, keys[flat_rows], c[flat_rows], delta))[0]
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
