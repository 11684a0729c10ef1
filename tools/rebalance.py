"""Territory rebalancing: which accounts to move between reps so every rep carries a fair book.

A manager (their team's territories) or RevOps / an admin (every territory) names a territory, a
region (every territory of theirs in it) or nothing (every territory they manage). Reps cannot
ask: a rebalance moves other people's accounts, so a rep gets a refusal that says who can.

What is balanced, per rep (the measures of :mod:`tools.territory_balance`):

* potential — the sum of the potential of the accounts they own;
* workload — their accounts weighted by segment and tier, plus their open opportunities.

Moves: an account moves with its owner's open deals on it (they count in its workload and
pipeline); the rep's other open deals stay. Bookings are history and do not move.

Locked accounts never move: an account with an open deal in a late stage (forecast category
best case or commit, Proposal and Negotiation by default) or with activity in the last
:data:`RECENT_ACTIVITY_DAYS` days (an activity logged on it, or an open deal's last activity).

Groups: by default every territory is balanced on its own (its reps against their own mean, moves
stay inside it: a Commercial rep does not take Enterprise accounts); ``across_territories``
balances all the chosen reps against one mean, with moves between territories.

The proposal (:func:`propose_rebalance`): per group the status ("balanced" already, "proposed",
"infeasible: best achievable is ±X%"), the solver's run (CP-SAT status, gap from the best bound,
time) and the greedy baseline's result; per rep the before and after figures and what they gain
and lose; the moves with the reason for each; the disruption (potential moved). The solver is
in :mod:`tools.rebalance_solver`; the charts in :mod:`tools.rebalance_charts`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func

from tools.evidence import Figure, Unit, record_id
from tools.geo import distance_km, mean_distance_km
from tools.rebalance_solver import (
    DEFAULT_BAND,
    Group,
    Item,
    Result,
    SolverOptions,
    centroids,
    coefficient_of_variation,
    current,
    deviations,
    greedy,
    loads,
    max_deviation,
    solve,
)
from tools.resolve import best_match
from tools.rollup import money
from tools.store.errors import InputError
from tools.store.repository import Repository
from tools.store.schema import Account, Activity, Opportunity, Role, Territory, User
from tools.store.stages import ForecastCategory
from tools.territory_balance import WORKLOAD_FORMULA, account_weight, workload_value
from tools.territory_book import TerritoryRef
from tools.viewer import Viewer

RECENT_ACTIVITY_DAYS = 30
LATE_CATEGORIES = (ForecastCategory.BEST_CASE, ForecastCategory.COMMIT)
ALLOWED_ROLES = (Role.MANAGER, Role.REVOPS, Role.ADMIN)
#: Accounts listed per rep as gained or lost (the counts are always complete).
MAX_ACCOUNTS_PER_REP = 2
#: Record ids listed per figure (per rep line: the accounts moved in or out).
FIGURE_IDS = 5
LINE_IDS = 3

Status = Literal["balanced", "proposed", "infeasible", "no_solution", "nothing_to_balance"]


class NotAllowed(InputError):
    """The viewer may not ask for this (a rep asking for a rebalance)."""


class RebalanceInput(BaseModel):
    territory: str | None = Field(
        default=None, description="Territory or region name; empty means every territory you manage."
    )
    across_territories: bool = Field(
        default=False,
        description="Balance all the reps against one mean and allow moves between territories; "
        "by default each territory is balanced on its own.",
    )
    band: float = Field(
        default=DEFAULT_BAND,
        ge=0.01,
        le=0.5,
        description="Allowed deviation from the mean, e.g. 0.1 for ±10%.",
    )
    limit: int = Field(default=8, ge=1, le=500, description="Most moves listed; counts and totals cover all.")


class AccountRef(BaseModel):
    id: str
    name: str
    potential: Decimal


class Move(BaseModel):
    id: str = Field(description="The account moved.")
    account: str
    from_rep: str
    from_id: str
    to_rep: str
    to_id: str
    group: str
    potential: Decimal
    workload: int | float
    open_deals: int = Field(description="Open deals of the old owner on the account, which move with it.")
    distance_km: float | None = Field(description="From the account to the centre of the new rep's accounts.")
    reason: str


class RepLine(BaseModel):
    """One rep before and after; deviations are value / group mean - 1."""

    id: str
    name: str
    group: str
    accounts_before: int
    accounts_after: int
    potential_before: Decimal
    potential: Figure = Field(description="After the moves; the formula shows before, gained and lost.")
    workload_before: int | float
    workload: Figure = Field(description="After the moves; the formula shows before, gained and lost.")
    open_pipeline_before: Decimal
    open_pipeline_after: Decimal
    potential_deviation_before: float
    potential_deviation_after: float
    workload_deviation_before: float
    workload_deviation_after: float
    compactness_before_km: float | None
    compactness_after_km: float | None
    gained_count: int
    lost_count: int
    gained: list[AccountRef] = Field(description=f"Largest first, at most {MAX_ACCOUNTS_PER_REP}.")
    lost: list[AccountRef] = Field(description=f"Largest first, at most {MAX_ACCOUNTS_PER_REP}.")


class SolverReport(BaseModel):
    engine: str = "OR-Tools CP-SAT"
    band_status: str = Field(
        description="CP-SAT status of the within-band model (INFEASIBLE: band impossible)."
    )
    status: str = Field(description="CP-SAT status of the model whose solution is proposed.")
    objective: float | None = Field(description="Disruption: potential moved + 1 per move (scaled units).")
    best_bound: float | None
    gap: float | None = Field(description="(objective - best bound) / objective; 0 when proven optimal.")
    seconds: float
    deterministic_time: float
    variables: int
    restricted: bool = Field(
        description="True when accounts could move only to their nearest under-loaded reps."
    )
    deterministic: bool


class BaselineReport(BaseModel):
    """The greedy baseline on the same data."""

    moves: int
    disruption: Decimal
    band_met: bool
    max_deviation: float
    potential_cv: float | None
    workload_cv: float | None


class GroupResult(BaseModel):
    name: str
    territories: list[str]
    reps: int
    status: Status
    message: str
    max_deviation_before: float
    max_deviation_after: float
    potential_cv_before: float | None
    potential_cv_after: float | None
    workload_cv_before: float | None
    workload_cv_after: float | None
    outside_band_before: int
    outside_band_after: int
    accounts: Figure
    locked: Figure
    mean_potential: Figure
    mean_workload: Figure
    moves: int
    disruption: Figure
    solver: SolverReport | None
    baseline: BaselineReport | None


class RebalanceProposal(BaseModel):
    """Account moves that bring every rep within the band on potential and workload, disrupting least."""

    territories: list[TerritoryRef]
    across_territories: bool
    band: float
    as_of: dt.date
    status: Status
    message: str
    locking: str
    groups: list[GroupResult]
    reps: list[RepLine]
    move_count: Figure
    disruption: Figure
    compactness_before: Figure
    compactness_after: Figure
    moves: list[Move] = Field(description="Largest potential first, at most `limit`; move_count counts all.")


@dataclass
class AccountFacts:
    id: int
    name: str
    owner: int
    territory: int
    potential: Decimal
    weight: Decimal
    open_deals: int
    open_amount: Decimal
    lock: str | None
    latitude: float | None
    longitude: float | None

    @property
    def workload(self) -> Decimal:
        return self.weight + self.open_deals


@dataclass
class RebalancePlan:
    """Everything behind a proposal, for charts and reports: the accounts, the groups and results."""

    proposal: RebalanceProposal
    accounts: dict[int, AccountFacts]
    rep_names: dict[int, str]
    groups: list[tuple[str, Group, Result]] = field(default_factory=list)

    def owner_after(self) -> dict[int, int]:
        found = {a.id: a.owner for a in self.accounts.values()}
        for _, _, result in self.groups:
            found.update(result.assignment)
        return found


def _managed(repo: Repository, viewer: Viewer) -> list[Any]:
    scope = repo.scope(viewer)
    query = repo.territories(viewer, Territory.id, Territory.name, Territory.region)
    if scope.territories is not None:
        query = query.where(Territory.id.in_(scope.territories))
    with repo.connect() as connection:
        return list(connection.execute(query.order_by(Territory.name, Territory.id)).all())


def chosen_territories(repo: Repository, viewer: Viewer, name: str | None) -> list[TerritoryRef]:
    """The territories a rebalance covers: a territory, every managed one in a region, or all."""
    if viewer.role not in ALLOWED_ROLES:
        raise NotAllowed(
            "only managers and RevOps can ask for a rebalance of the territories they manage; "
            "ask your manager for one"
        )
    rows = _managed(repo, viewer)
    if not rows:
        raise InputError("you manage no territory to rebalance")
    picked = rows
    if name and name.strip():
        key = " ".join(name.split()).casefold()
        picked = [r for r in rows if r.name.casefold() == key] or [
            r for r in rows if (r.region or "").casefold() == key
        ]
        if not picked:
            found = best_match("territory", name, {int(r.id): str(r.name) for r in rows})
            picked = [r for r in rows if r.id == found.id]
    return [TerritoryRef(id=record_id("territory", r.id), name=r.name) for r in picked]


def _read(
    connection: Connection, repo: Repository, viewer: Viewer, tids: list[int]
) -> tuple[dict[int, tuple[str, int]], dict[int, AccountFacts], dict[int, int]]:
    """Reps (name, home territory), their accounts in the territories, and open deals per rep that
    stay with the rep whatever moves."""
    reps = {
        int(uid): (str(name), int(home))
        for uid, name, home in connection.execute(
            repo.users(viewer, User.id, User.name, User.territory_id)
            .where(User.role == Role.REP.value, User.territory_id.in_(tids))
            .order_by(User.name, User.id)
        )
    }
    accounts_query = repo.accounts(viewer, Account.id).where(
        Account.owner_id.in_(list(reps)), Account.territory_id.in_(tids)
    )
    accounts: dict[int, AccountFacts] = {}
    for row in connection.execute(
        accounts_query.with_only_columns(
            Account.id,
            Account.name,
            Account.owner_id,
            Account.territory_id,
            Account.segment,
            Account.tier,
            Account.potential,
            Account.latitude,
            Account.longitude,
        ).order_by(Account.id)
    ):
        accounts[int(row.id)] = AccountFacts(
            id=int(row.id),
            name=str(row.name),
            owner=int(row.owner_id),
            territory=int(row.territory_id),
            potential=money(row.potential),
            weight=account_weight(row.segment, row.tier),
            open_deals=0,
            open_amount=money(None),
            lock=None,
            latitude=row.latitude,
            longitude=row.longitude,
        )
    cutoff = repo.as_of - dt.timedelta(days=RECENT_ACTIVITY_DAYS)
    late = {s.name for s in repo.stages.open_stages if s.forecast_category in LATE_CATEGORIES}
    fixed: dict[int, int] = defaultdict(int)
    deals = repo.opportunities(
        viewer,
        Opportunity.id,
        Opportunity.account_id,
        Opportunity.owner_id,
        Opportunity.stage,
        Opportunity.amount,
        Opportunity.last_activity_at,
    ).where(~Opportunity.is_closed, Opportunity.account_id.in_(accounts_query))
    for deal in connection.execute(deals.order_by(Opportunity.id)):
        facts = accounts[int(deal.account_id)]
        if deal.owner_id == facts.owner:
            facts.open_deals += 1
            facts.open_amount += money(deal.amount)
        if facts.lock is None and deal.stage in late:
            facts.lock = f"late-stage deal in {deal.stage} [{record_id('opportunity', deal.id)}]"
        elif facts.lock is None and deal.last_activity_at is not None and deal.last_activity_at >= cutoff:
            facts.lock = f"deal activity on {deal.last_activity_at} [{record_id('opportunity', deal.id)}]"
    rep_deals = repo.opportunities(viewer, Opportunity.owner_id, func.count(Opportunity.id)).where(
        ~Opportunity.is_closed, Opportunity.owner_id.in_(list(reps))
    )
    for owner, count in connection.execute(rep_deals.group_by(Opportunity.owner_id)):
        fixed[int(owner)] = int(count)
    for facts in accounts.values():
        fixed[facts.owner] -= facts.open_deals
    since = dt.datetime.combine(cutoff, dt.time(), dt.UTC)
    recent = repo.activities(viewer, Activity.account_id, func.max(Activity.occurred_at)).where(
        Activity.account_id.in_(accounts_query), Activity.occurred_at >= since
    )
    for account_id, last in connection.execute(recent.group_by(Activity.account_id)):
        facts = accounts[int(account_id)]
        if facts.lock is None:
            day = last.date() if isinstance(last, dt.datetime) else last
            facts.lock = f"activity on {day}"
    return reps, accounts, dict(fixed)


def _figure(
    name: str, value: Any, unit: Unit, formula: str, filters: list[str], ids: list[str], count: int
) -> Figure:
    return Figure.of(name, value, unit, formula, filters, ids[:FIGURE_IDS], count)


def _pct(value: float) -> str:
    return f"{value * 100:+.0f}%"


def _cv(values: list[float]) -> float | None:
    found = coefficient_of_variation(values)
    return None if found is None else round(found, 4)


class _Builder:
    """Turns solver results into the proposal's lines, moves and figures."""

    def __init__(
        self,
        reps: dict[int, tuple[str, int]],
        accounts: dict[int, AccountFacts],
        fixed: dict[int, int],
        band: float,
    ) -> None:
        self.reps, self.accounts, self.fixed, self.band = reps, accounts, fixed, band

    def group(self, name: str, rep_ids: list[int]) -> Group:
        members = set(rep_ids)
        items = tuple(
            Item(
                key=a.id,
                owner=a.owner,
                potential=float(a.potential),
                workload=float(a.workload),
                locked=a.lock is not None,
                latitude=a.latitude,
                longitude=a.longitude,
            )
            for a in self.accounts.values()
            if a.owner in members
        )
        return Group(name, tuple(rep_ids), items, {r: float(self.fixed.get(r, 0)) for r in rep_ids})

    def moves(self, group: Group, result: Result) -> list[Move]:
        before = deviations(group, current(group))
        centres = centroids(group, current(group))
        found = []
        for item in group.items:
            target = result.assignment[item.key]
            if target == item.owner:
                continue
            facts = self.accounts[item.key]
            centre = centres[target]
            km = (
                round(distance_km((item.latitude, item.longitude), centre), 1)
                if centre is not None and item.latitude is not None and item.longitude is not None
                else None
            )
            source, dest = self.reps[item.owner][0], self.reps[target][0]
            (sp, sw), (tp, tw) = before[item.owner], before[target]
            reason = (
                f"{source} {_pct(sp)} potential, {_pct(sw)} workload vs the mean; {dest} {_pct(tp)}, "
                f"{_pct(tw)}; not locked"
                + (f"; {km:,.0f} km from {dest}'s accounts" if km is not None else "")
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
                    accounts_before=len(owned),
                    accounts_after=len(after),
                    potential_before=potential_before,
                    potential=_figure(
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
                    workload=_figure(
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


def _ref(facts: AccountFacts) -> AccountRef:
    return AccountRef(id=record_id("account", facts.id), name=facts.name, potential=facts.potential)


def _compactness(group: Group, assignment: dict[int, int]) -> dict[int, float | None]:
    points: dict[int, list[tuple[float, float]]] = {rep: [] for rep in group.reps}
    for item in group.items:
        if item.latitude is not None and item.longitude is not None:
            points[assignment[item.key]].append((item.latitude, item.longitude))
    found = {rep: mean_distance_km(p) for rep, p in points.items()}
    return {rep: None if km is None else round(km, 1) for rep, km in found.items()}


def _outside(group: Group, assignment: dict[int, int], band: float) -> int:
    return sum(1 for p, w in deviations(group, assignment).values() if max(abs(p), abs(w)) > band + 1e-6)


def _cvs(group: Group, assignment: dict[int, int]) -> tuple[float | None, float | None]:
    potential, workload = loads(group, assignment)
    return _cv(list(potential.values())), _cv(list(workload.values()))


def _solver_report(result: Result, options: SolverOptions) -> SolverReport | None:
    if not result.runs:
        return None
    final = result.runs[-1]
    return SolverReport(
        band_status=result.runs[0].status,
        status=final.status,
        objective=final.objective,
        best_bound=final.best_bound,
        gap=None if final.gap is None else round(final.gap, 4),
        seconds=round(sum(r.wall_seconds for r in result.runs), 2),
        deterministic_time=round(sum(r.deterministic_time for r in result.runs), 2),
        variables=max(r.variables for r in result.runs),
        restricted=any(r.restricted for r in result.runs),
        deterministic=options.workers == 1 and not any(r.stopped_by_wall_clock for r in result.runs),
    )


def _status(group: Group, result: Result, band: float) -> tuple[Status, str]:
    moves = sum(1 for i in group.items if result.assignment[i.key] != i.owner)
    where = f"±{band * 100:.0f}%"
    if len(group.reps) < 2:
        return "nothing_to_balance", f"{group.key} has {len(group.reps)} rep: nothing to balance"
    if max_deviation(group, current(group)) <= band + 1e-6:
        return "balanced", f"every rep is already within {where} of the mean: no moves needed"
    if result.band_met:
        return "proposed", f"{moves} moves bring every rep within {where} of the mean"
    if result.runs and result.runs[0].status == "INFEASIBLE":
        best = result.max_deviation * 100
        return (
            "infeasible",
            f"infeasible: best achievable is ±{best:.1f}% ({moves} moves; locked or large accounts "
            f"make {where} impossible)",
        )
    return "no_solution", (
        f"no assignment within {where} was found in the time allowed; the closest found is "
        f"±{result.max_deviation * 100:.1f}% ({moves} moves)"
    )


def _group_result(
    builder: _Builder, name: str, territories: list[str], group: Group, result: Result, options: SolverOptions
) -> GroupResult:
    band = builder.band
    start = current(group)
    status, message = _status(group, result, band)
    baseline_assignment = greedy(group, band) if len(group.reps) > 1 else start
    base_moved = [i for i in group.items if baseline_assignment[i.key] != i.owner]
    base_cv = _cvs(group, baseline_assignment)
    moved = [builder.accounts[i.key] for i in group.items if result.assignment[i.key] != i.owner]
    moved_potential = sum((a.potential for a in moved), money(None))
    total_potential = sum((builder.accounts[i.key].potential for i in group.items), money(None))
    locked = [builder.accounts[i.key] for i in group.items if i.locked]
    potential, workload = loads(group, start)
    n = max(1, len(group.reps))
    ids = [record_id("account", i.key) for i in group.items]
    rep_ids = [record_id("user", r) for r in group.reps]
    filters = [f"group: {name}", "accounts owned by its reps", "your scope"]
    cv_before, cv_after = _cvs(group, start), _cvs(group, result.assignment)
    return GroupResult(
        name=name,
        territories=territories,
        reps=len(group.reps),
        status=status,
        message=message,
        max_deviation_before=round(max_deviation(group, start), 4),
        max_deviation_after=round(max_deviation(group, result.assignment), 4),
        potential_cv_before=cv_before[0],
        potential_cv_after=cv_after[0],
        workload_cv_before=cv_before[1],
        workload_cv_after=cv_after[1],
        outside_band_before=_outside(group, start, band),
        outside_band_after=_outside(group, result.assignment, band),
        accounts=_figure("Accounts", len(ids), Unit.COUNT, "count of accounts", filters, ids, len(ids)),
        locked=_figure(
            "Locked accounts",
            len(locked),
            Unit.COUNT,
            f"accounts with an open deal in a late stage (best case or commit) or activity in the last "
            f"{RECENT_ACTIVITY_DAYS} days; they stay with their rep",
            filters,
            [record_id("account", a.id) for a in locked],
            len(locked),
        ),
        mean_potential=_figure(
            "Mean potential per rep",
            money(Decimal(str(sum(potential.values()) / n))),
            Unit.USD,
            "sum(accounts.potential) / number of reps",
            filters,
            rep_ids,
            len(rep_ids),
        ),
        mean_workload=_figure(
            "Mean workload per rep",
            round(sum(workload.values()) / n, 2),
            Unit.COUNT,
            f"sum of workload / number of reps; workload = {WORKLOAD_FORMULA}",
            filters,
            rep_ids,
            len(rep_ids),
        ),
        moves=len(moved),
        disruption=_figure(
            "Disruption (potential moved)",
            moved_potential,
            Unit.USD,
            f"sum(potential) of the accounts moved: ${moved_potential:,.0f} of ${total_potential:,.0f} "
            f"({len(moved)} of {len(ids)} accounts)",
            filters,
            [record_id("account", a.id) for a in sorted(moved, key=lambda a: (-a.potential, a.id))],
            len(moved),
        ),
        solver=_solver_report(result, options),
        baseline=BaselineReport(
            moves=len(base_moved),
            disruption=sum((builder.accounts[i.key].potential for i in base_moved), money(None)),
            band_met=max_deviation(group, baseline_assignment) <= band + 1e-6,
            max_deviation=round(max_deviation(group, baseline_assignment), 4),
            potential_cv=base_cv[0],
            workload_cv=base_cv[1],
        )
        if len(group.reps) > 1
        else None,
    )


STATUS_ORDER: dict[Status, int] = {
    "infeasible": 0,
    "no_solution": 1,
    "proposed": 2,
    "balanced": 3,
    "nothing_to_balance": 4,
}


def plan_rebalance(
    repo: Repository, viewer: Viewer, params: RebalanceInput, options: SolverOptions | None = None
) -> RebalancePlan:
    """The proposal and everything behind it (accounts, groups, assignments), for charts and reports."""
    options = options or SolverOptions()
    territories = chosen_territories(repo, viewer, params.territory)
    tids = [int(t.id.split("/", 1)[1]) for t in territories]
    names = {int(t.id.split("/", 1)[1]): t.name for t in territories}
    with repo.connect() as connection:
        reps, accounts, fixed = _read(connection, repo, viewer, tids)
    builder = _Builder(reps, accounts, fixed, params.band)
    members: dict[str, list[int]] = defaultdict(list)
    grouped_territories: dict[str, list[str]] = {}
    for rep, (_, home) in reps.items():
        key = ", ".join(t.name for t in territories) if params.across_territories else names[home]
        members[key].append(rep)
        grouped_territories.setdefault(key, [])
        if names[home] not in grouped_territories[key]:
            grouped_territories[key].append(names[home])
    rep_names = {r: n for r, (n, _) in reps.items()}
    solved: list[tuple[str, Group, Result]] = []
    results: list[GroupResult] = []
    lines: list[RepLine] = []
    moves: list[Move] = []
    for key in sorted(members):
        group = builder.group(key, members[key])
        result = solve(group, params.band, options)
        solved.append((key, group, result))
        results.append(_group_result(builder, key, sorted(grouped_territories[key]), group, result, options))
        lines += builder.rep_lines(group, result)
        moves += builder.moves(group, result)
    owners = {a.id: a.owner for a in accounts.values()}
    for _, _, result in solved:
        owners.update(result.assignment)
    proposal = _proposal(repo, params, territories, results, lines, moves, accounts, owners)
    return RebalancePlan(proposal=proposal, accounts=accounts, rep_names=rep_names, groups=solved)


def _overall(groups: list[GroupResult], band: float) -> tuple[Status, str]:
    if not groups:
        return "nothing_to_balance", "no reps to balance in these territories"
    worst = min(groups, key=lambda g: (STATUS_ORDER[g.status], g.name))
    if len(groups) == 1:
        return worst.status, worst.message
    moves = sum(g.moves for g in groups)
    if worst.status in ("infeasible", "no_solution"):
        return worst.status, f"{worst.message} in {worst.name}"
    if worst.status == "proposed":
        return (
            "proposed",
            f"{moves} moves bring every rep within ±{band * 100:.0f}% of their territory's mean",
        )
    return worst.status, worst.message


def _proposal(
    repo: Repository,
    params: RebalanceInput,
    territories: list[TerritoryRef],
    groups: list[GroupResult],
    lines: list[RepLine],
    moves: list[Move],
    accounts: dict[int, AccountFacts],
    owners_after: dict[int, int],
) -> RebalanceProposal:
    status, message = _overall(groups, params.band)
    moved_ids = [m.id for m in moves]
    moved_potential = sum((m.potential for m in moves), money(None))
    total_potential = sum((a.potential for a in accounts.values()), money(None))
    filters = [f"territory: {', '.join(t.name for t in territories)}", "your scope"]
    compact = []
    for label, owners in (
        ("before", {a.id: a.owner for a in accounts.values()}),
        ("after", owners_after),
    ):
        points: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for a in accounts.values():
            if a.latitude is not None and a.longitude is not None:
                points[owners[a.id]].append((a.latitude, a.longitude))
        located = sum(len(p) for p in points.values())
        km = (
            sum((mean_distance_km(p) or 0.0) * len(p) for p in points.values()) / located if located else None
        )
        compact.append(
            Figure.of(
                f"Compactness {label}",
                None if km is None else round(km, 1),
                Unit.KM,
                f"mean distance (km) of the {located} of {len(accounts)} accounts with coordinates to "
                f"the centroid of their rep's accounts, {label} the moves"
                if km is not None
                else "not available: no account has coordinates",
                filters,
                (),
                located,
            )
        )
    return RebalanceProposal(
        territories=territories,
        across_territories=params.across_territories,
        band=params.band,
        as_of=repo.as_of,
        status=status,
        message=message,
        locking=(
            f"locked: accounts with an open deal in a late stage (best case or commit) or with activity in "
            f"the {RECENT_ACTIVITY_DAYS} days before {repo.as_of}"
        ),
        groups=groups,
        reps=lines,
        move_count=_figure(
            "Accounts moved",
            len(moves),
            Unit.COUNT,
            "count of accounts moved",
            filters,
            moved_ids,
            len(moves),
        ),
        disruption=_figure(
            "Disruption (potential moved)",
            moved_potential,
            Unit.USD,
            f"sum(potential) of the accounts moved: ${moved_potential:,.0f} of ${total_potential:,.0f}",
            filters,
            moved_ids,
            len(moves),
        ),
        compactness_before=compact[0],
        compactness_after=compact[1],
        moves=sorted(moves, key=lambda m: (-m.potential, m.account, m.id))[: params.limit],
    )


def propose_rebalance(
    repository: Repository, viewer: Viewer, params: RebalanceInput, options: SolverOptions | None = None
) -> RebalanceProposal:
    """Propose account moves between reps so every rep is within ±10% of the mean on potential and workload.

    For managers (their team's territories) and RevOps; reps get a refusal. Each territory is
    balanced on its own unless across_territories is set. Moves disturb as little as possible
    (least potential moved); accounts with a late-stage open deal (Proposal, Negotiation) or
    activity in the last 30 days never move. Solved with OR-Tools CP-SAT (deterministic), with
    the optimality gap and a greedy baseline for comparison; when the band cannot be met the
    answer says "infeasible: best achievable is ±X%". Workload = accounts weighted by segment
    and tier + open opportunities.

    Args:
        territory: Territory or region name; empty means every territory you manage.
        across_territories: Balance all the reps against one mean, with moves between territories.
        band: Allowed deviation from the mean, e.g. 0.1 for ±10%.
        limit: Most moves listed, largest potential first; counts and totals cover all.

    Returns:
        Per group and rep, the figures before and after; the moves with their reasons; the solver run.

    Raises:
        NotAllowed: The viewer is a rep.
        UnknownName: No territory or region you manage has that name.
    """
    return plan_rebalance(repository, viewer, params, options).proposal
