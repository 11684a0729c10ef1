"""From solver results to a proposal's parts: the moves with their reasons, and each rep's before
and after (potential, workload, pipeline, deviation from the mean, compactness)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tools.evidence import Figure, Unit, record_id
from tools.rebalance.book import AccountFacts
from tools.rebalance.constraints import HomeBase, allowed_reps, relationship
from tools.rebalance.models import MAX_ACCOUNTS_PER_REP, AccountRef, Move, RepLine
from tools.rebalance.problem import (
    Group,
    Item,
    centroids,
    coefficient_of_variation,
    current,
    deviations,
    loads,
)
from tools.rebalance.solver import Result
from tools.rollup import money
from tools.territory.balance_measures import workload_value
from tools.territory.geo import distance_km, mean_distance_km

if TYPE_CHECKING:
    from tools.rebalance.models import RebalanceInput

#: Record ids listed per figure (per rep line: the accounts moved in or out).
FIGURE_IDS = 5
LINE_IDS = 3


def figure(
    name: str, value: Any, unit: Unit, formula: str, filters: list[str], ids: list[str], count: int
) -> Figure:
    return Figure.of(name, value, unit, formula, filters, ids[:FIGURE_IDS], count)


def pct(value: float) -> str:
    return f"{value * 100:+.0f}%"


def cv(values: list[float]) -> float | None:
    found = coefficient_of_variation(values)
    return None if found is None else round(found, 4)


class ProposalBuilder:
    """Turns solver results into the proposal's lines, moves and figures."""

    def __init__(
        self,
        reps: dict[int, tuple[str, int]],
        accounts: dict[int, AccountFacts],
        fixed: dict[int, int],
        band: float,
        bases: Mapping[int, HomeBase] | None = None,
    ) -> None:
        self.reps, self.accounts, self.fixed, self.band = reps, accounts, fixed, band
        self.bases = dict(bases or {})

    def group(
        self,
        name: str,
        rep_ids: list[int],
        capacity: Mapping[int, float] | None = None,
        params: RebalanceInput | None = None,
    ) -> Group:
        """The solver's view of a group, with the constraints of ``params`` (see
        :mod:`tools.rebalance.constraints`)."""
        members = set(rep_ids)
        weight = params.continuity_weight if params is not None else 0.0
        owned = [a for a in self.accounts.values() if a.owner in members]
        items = tuple(
            Item(
                key=a.id,
                owner=a.owner,
                potential=float(a.potential),
                workload=float(a.workload),
                locked=a.lock is not None,
                latitude=a.latitude,
                longitude=a.longitude,
                cost=float(a.potential + Decimal(str(weight)) * relationship(a)) if weight else None,
            )
            for a in owned
        )
        max_km = params.max_distance_km if params is not None else None
        allowed = (
            allowed_reps((a for a in owned if a.lock is None), rep_ids, self.bases, max_km)
            if max_km is not None
            else {}
        )
        return Group(
            name,
            tuple(rep_ids),
            items,
            {r: float(self.fixed.get(r, 0)) for r in rep_ids},
            capacity={r: c for r, c in (capacity or {}).items() if r in members},
            allowed=allowed,
        )

    def moves(self, group: Group, result: Result) -> list[Move]:
        before = deviations(group, current(group))
        centres = centroids(group, current(group))
        found = []
        for item in group.items:
            target = result.assignment[item.key]
            if target == item.owner:
                continue
            facts = self.accounts[item.key]
            base = self.bases.get(target)
            centre = base.point if base is not None else centres[target]
            km = (
                round(distance_km((item.latitude, item.longitude), centre), 1)
                if centre is not None and item.latitude is not None and item.longitude is not None
                else None
            )
            source, dest = self.reps[item.owner][0], self.reps[target][0]
            (sp, sw), (tp, tw) = before[item.owner], before[target]
            reason = (
                f"{source} {pct(sp)} potential, {pct(sw)} workload vs the mean{_share(group, item.owner)}; "
                f"{dest} {pct(tp)}, {pct(tw)}{_share(group, target)}; not locked"
                + (f"; {km:,.0f} km from {dest}'s {_where(base)}" if km is not None else "")
            )
            found.append(
                Move(
                    id=record_id("account", facts.id),
                    account=facts.name,
                    from_rep=source,
                    from_id=record_id("user", item.owner),
                    to_rep=dest,
                    to_id=record_id("user", target),
                    group=group.key,
                    potential=facts.potential,
                    workload=workload_value(facts.workload),
                    open_deals=facts.open_deals,
                    distance_km=km,
                    arr=facts.arr,
                    reason=reason,
                )
            )
        return sorted(found, key=lambda m: (-m.potential, m.account, m.id))

    def rep_lines(self, group: Group, result: Result) -> list[RepLine]:
        start = current(group)
        dev_before, dev_after = deviations(group, start), deviations(group, result.assignment)
        compact_b, compact_a = _compactness(group, start), _compactness(group, result.assignment)
        lines = []
        for rep in group.reps:
            name = self.reps[rep][0]
            owned = [self.accounts[i.key] for i in group.items if start[i.key] == rep]
            after = [self.accounts[i.key] for i in group.items if result.assignment[i.key] == rep]
            gained = sorted((a for a in after if a.owner != rep), key=lambda a: (-a.potential, a.id))
            lost = sorted(
                (a for a in owned if result.assignment[a.id] != rep), key=lambda a: (-a.potential, a.id)
            )
            potential_before = sum((a.potential for a in owned), money(None))
            workload_before = sum((a.workload for a in owned), Decimal(self.fixed.get(rep, 0)))
            gp, lp = (
                sum((a.potential for a in gained), money(None)),
                sum((a.potential for a in lost), money(None)),
            )
            gw, lw = (
                sum((a.workload for a in gained), Decimal(0)),
                sum((a.workload for a in lost), Decimal(0)),
            )
            moved_ids = [record_id("account", a.id) for a in [*gained, *lost]][:LINE_IDS]
            filters: list[str] = []
            lines.append(
                RepLine(
                    id=record_id("user", rep),
                    name=name,
                    group=group.key,
                    home_base=self.bases[rep].city if rep in self.bases else None,
                    share=round(group.capacity.get(rep, 1.0), 2),
                    accounts_before=len(owned),
                    accounts_after=len(after),
                    potential_before=potential_before,
                    potential=figure(
                        "Potential after",
                        money(potential_before + gp - lp),
                        Unit.USD,
                        f"potential before ${potential_before:,.0f} + gained ${gp:,.0f} "
                        f"({len(gained)} accounts) - lost ${lp:,.0f} ({len(lost)} accounts)",
                        filters,
                        moved_ids,
                        len(after),
                    ),
                    workload_before=workload_value(workload_before),
                    workload=figure(
                        "Workload after",
                        workload_value(workload_before + gw - lw),
                        Unit.COUNT,
                        f"workload before {workload_value(workload_before)} + gained {workload_value(gw)} "
                        f"- lost {workload_value(lw)}",
                        filters,
                        moved_ids,
                        len(after),
                    ),
                    open_pipeline_before=sum((a.open_amount for a in owned), money(None)),
                    open_pipeline_after=sum((a.open_amount for a in after), money(None)),
                    potential_deviation_before=round(dev_before[rep][0], 4),
                    potential_deviation_after=round(dev_after[rep][0], 4),
                    workload_deviation_before=round(dev_before[rep][1], 4),
                    workload_deviation_after=round(dev_after[rep][1], 4),
                    compactness_before_km=compact_b[rep],
                    compactness_after_km=compact_a[rep],
                    gained_count=len(gained),
                    lost_count=len(lost),
                    gained=[_ref(a) for a in gained[:MAX_ACCOUNTS_PER_REP]],
                    lost=[_ref(a) for a in lost[:MAX_ACCOUNTS_PER_REP]],
                )
            )
        return lines


def _share(group: Group, rep: int) -> str:
    """ " (of a 65% share)" for a rep balanced toward less (or more) than a full book."""
    share = group.capacity.get(rep, 1.0)
    return "" if share == 1 else f" (of a {share:.0%} share)"


def _where(base: HomeBase | None) -> str:
    return f"home base in {base.city}" if base is not None else "accounts"


def _ref(facts: AccountFacts) -> AccountRef:
    return AccountRef(id=record_id("account", facts.id), name=facts.name, potential=facts.potential)


def _compactness(group: Group, assignment: dict[int, int]) -> dict[int, float | None]:
    points: dict[int, list[tuple[float, float]]] = {rep: [] for rep in group.reps}
    for item in group.items:
        if item.latitude is not None and item.longitude is not None:
            points[assignment[item.key]].append((item.latitude, item.longitude))
    found = {rep: mean_distance_km(p) for rep, p in points.items()}
    return {rep: None if km is None else round(km, 1) for rep, km in found.items()}


def outside_band(group: Group, assignment: dict[int, int], band: float) -> int:
    return sum(1 for p, w in deviations(group, assignment).values() if max(abs(p), abs(w)) > band + 1e-6)


def cvs(group: Group, assignment: dict[int, int]) -> tuple[float | None, float | None]:
    potential, workload = loads(group, assignment)
    return cv(list(potential.values())), cv(list(workload.values()))
