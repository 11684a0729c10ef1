"""The answer to "propose a rebalance": the verdict, each rep before and after, the moves and why.

Deviations are shown as whole percentages against the group's mean (+71% -> +9%); money as
$1.2M / $45,300; the solver's run (status, gap, time) and the greedy baseline measured on the
same data close the answer, so a manager can see how much better the proposal is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from assistant import formatting as fmt
from assistant.offline.render import render
from tools.rebalance.models import GroupResult, RebalanceProposal, RepLine

MAX_REPS = 12
MAX_MOVES = 8


@dataclass
class RebalanceView:
    headline: str
    moved: str
    locked: str
    groups: list[str]
    reps: list[str]
    more_reps: int
    moves: list[str]
    more_moves: int
    compactness: str
    locking: str
    notes: list[str]


def _signed(ratio: float) -> str:
    text = fmt.percent(ratio)
    return text if text.startswith("-") else f"+{text}"


def _cv(before: float | None, after: float | None) -> str:
    return f"{fmt.percent(before)} → {fmt.percent(after)}"


def _group(group: GroupResult) -> str:
    solver = group.solver
    run = (
        f"CP-SAT {solver.status.lower()}"
        + (f", gap {fmt.percent(solver.gap)}" if solver.gap is not None else "")
        + f", {solver.seconds:.1f} s"
        if solver is not None
        else "no solver run needed"
    )
    baseline = group.baseline
    compare = (
        f"; greedy baseline: {fmt.plural(baseline.moves, 'move')}, {fmt.money(baseline.disruption)} moved, "
        f"worst ±{fmt.percent(baseline.max_deviation)}{'' if baseline.band_met else ' (band not met)'}"
        if baseline is not None
        else ""
    )
    return (
        f"**{group.name}** ({fmt.plural(group.reps, 'rep')}): {group.message}. Worst deviation "
        f"±{fmt.percent(group.max_deviation_before)} → ±{fmt.percent(group.max_deviation_after)}; variation "
        f"of potential {_cv(group.potential_cv_before, group.potential_cv_after)}, of workload "
        f"{_cv(group.workload_cv_before, group.workload_cv_after)}; "
        f"{fmt.figure(group.disruption)} moved ({fmt.plural(group.moves, 'account')}); {run}{compare}."
    )


def _changes(line: RepLine) -> str:
    parts = []
    for word, count, refs in (
        ("gains", line.gained_count, line.gained),
        ("loses", line.lost_count, line.lost),
    ):
        if count:
            names = ", ".join(fmt.record(a.name, a.id) for a in refs)
            more = f" and {count - len(refs)} more" if count > len(refs) else ""
            parts.append(f"{word} {fmt.plural(count, 'account')} ({names}{more})")
    return "; ".join(parts) if parts else "no change"


def _rep(line: RepLine) -> str:
    return (
        f"{fmt.record(line.name, line.id)}: potential {fmt.money(line.potential_before)} → "
        f"{fmt.figure(line.potential)} ({_signed(line.potential_deviation_before)} → "
        f"{_signed(line.potential_deviation_after)}), workload {fmt.count(line.workload_before)} → "
        f"{fmt.figure(line.workload)} ({_signed(line.workload_deviation_before)} → "
        f"{_signed(line.workload_deviation_after)}); {_changes(line)}"
    )


def _headline(proposals: list[RebalanceProposal]) -> str:
    if len(proposals) == 1:
        result = proposals[0]
        return f"{', '.join(t.name for t in result.territories)}: {result.message}"
    changing = [p for p in proposals if p.status != "balanced"]
    if not changing:
        names = fmt.or_list([p.territories[0].name for p in proposals], "and")
        return f"Every rep in {names} is already within ±{proposals[0].band * 100:.0f}% of the mean"
    moves = sum(int(p.move_count.value or 0) for p in proposals)
    hard = [p for p in proposals if p.status in ("infeasible", "no_solution")]
    lead = f"{fmt.plural(moves, 'move')} across {fmt.plural(len(proposals), 'territory', 'territories')}"
    if hard:
        return f"{lead}; " + "; ".join(f"{p.territories[0].name}: {p.message}" for p in hard)
    return f"{lead} bring every rep within ±{proposals[0].band * 100:.0f}% of their territory's mean"


def _when_and_limits(proposals: list[RebalanceProposal]) -> list[str]:
    """When the moves take effect (the start of next quarter unless asked otherwise, and whether
    mid-quarter) and the constraints the proposal honoured, said once."""
    found = []
    for text in dict.fromkeys(p.effective for p in proposals if p.effective):
        found.append(text[:1].upper() + text[1:] + ".")
    for limits in dict.fromkeys("; ".join(p.constraints) for p in proposals if p.constraints):
        found.append(f"Constraints honoured by the solver and the baseline: {limits}.")
    return found


def proposal(proposals: list[RebalanceProposal], notes: list[str]) -> str:
    """The answer from one proposal, or from one per territory."""
    groups = [g for p in proposals for g in p.groups]
    lines = [r for p in proposals for r in p.reps]
    changed = sorted(lines, key=lambda r: (-(r.gained_count + r.lost_count), r.name))
    shown = changed[:MAX_REPS]
    total_moves = sum(int(p.move_count.value or 0) for p in proposals)
    listed = sorted((m for p in proposals for m in p.moves), key=lambda m: (-m.potential, m.account))
    moves = [
        f"{fmt.record(m.account, m.id)} ({fmt.money(m.potential)}, {fmt.plural(m.open_deals, 'open deal')}): "
        f"{m.from_rep} → {m.to_rep} — {m.reason}"
        for m in listed[:MAX_MOVES]
    ]
    located = [p for p in proposals if p.compactness_before.value is not None]
    compactness = (
        "; ".join(
            f"{fmt.figure(p.compactness_before)} → {fmt.figure(p.compactness_after)}"
            + (f" in {p.territories[0].name}" if len(proposals) > 1 else "")
            for p in located
        )
        + " (mean distance of accounts to the centre of their rep's accounts)"
        if located
        else "not available (the accounts have no coordinates)"
    )
    moved = sum((fmt.amount_of(p.disruption) for p in proposals), Decimal(0))
    view = RebalanceView(
        headline=_headline(proposals),
        moved=fmt.money(moved),
        locked=fmt.plural(sum(int(g.locked.value or 0) for g in groups), "account"),
        groups=[_group(g) for g in groups],
        reps=[_rep(r) for r in shown],
        more_reps=len(lines) - len(shown),
        moves=moves,
        more_moves=total_moves - len(moves),
        compactness=compactness,
        locking=proposals[0].locking,
        notes=[*_when_and_limits(proposals), *notes],
    )
    return render("rebalance", view)
