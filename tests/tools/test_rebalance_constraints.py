"""A manager's constraints on a rebalance: the solver and the greedy baseline honour the most moves,
the reps an account may go to and each rep's capacity (checked against every assignment on small
instances), and the tool keeps customers, stages and named accounts, leaves reps out, limits the
distance and dates the moves, on generated data."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tools.errors import InputError
from tools.rebalance import plan_rebalance
from tools.rebalance.constraints import effective_date, split_moves
from tools.rebalance.models import RebalanceInput
from tools.rebalance.problem import Group, Item, deviations, greedy, max_deviation, move_cost
from tools.rebalance.solver import SolverOptions, solve
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Role, User
from tools.store.stages import load_stages
from tools.territory.geo import distance_km
from tools.viewer import Viewer

FAST = SolverOptions(deterministic_time=5.0)


def _moved(group: Group, assignment: dict[int, int]) -> list[Item]:
    return [i for i in group.items if assignment[i.key] != i.owner]


def _respects(group: Group, assignment: dict[int, int]) -> bool:
    moved = _moved(group, assignment)
    return all(group.may_go(i, assignment[i.key]) for i in moved) and (
        group.max_moves is None or len(moved) <= group.max_moves
    )


def _best(group: Group, band: float) -> float | None:
    """The least cost of an assignment within the band and the constraints (None: none is)."""
    keys = [i.key for i in group.items]
    costs = [
        move_cost(group, assignment)
        for combo in itertools.product(group.reps, repeat=len(keys))
        if _respects(group, assignment := dict(zip(keys, combo, strict=True)))
        and max_deviation(group, assignment) <= band + 1e-9
    ]
    return min(costs) if costs else None


def _group(seed: int) -> Group:
    rng = random.Random(seed)
    reps = (1, 2, 3)
    items = tuple(
        Item(
            key=k,
            owner=rng.choice(reps),
            potential=rng.randint(1, 20) * 10,
            workload=rng.choice([1, 2, 4]),
            locked=rng.random() < 0.15,
            cost=rng.randint(1, 30) * 10 if rng.random() < 0.5 else None,
        )
        for k in range(1, 8)
    )
    return Group(
        "g",
        reps,
        items,
        capacity={3: 0.5} if seed % 2 else {},
        allowed={i.key: frozenset(r for r in reps if rng.random() < 0.6) for i in items},
        max_moves=rng.choice([1, 2, 3]),
    )


@pytest.mark.parametrize("seed", range(12))
def test_the_solver_finds_the_constrained_optimum_and_the_baseline_stays_inside(seed: int) -> None:
    group, band = _group(seed), 0.3
    result = solve(group, band, FAST)
    assert _respects(group, result.assignment)
    assert all(result.assignment[i.key] == i.owner for i in group.items if i.locked)
    best = _best(group, band)
    if best is None:
        assert not result.band_met
    else:
        assert result.band_met
        assert move_cost(group, result.assignment) == pytest.approx(best)
    assert _respects(group, greedy(group, band))


def test_a_ramping_rep_is_balanced_toward_their_share() -> None:
    # 6 equal accounts, all with rep 1; rep 2 has capacity 0.5: targets 4 and 2 accounts.
    items = tuple(Item(key=k, owner=1, potential=100, workload=1) for k in range(1, 7))
    group = Group("g", (1, 2), items, capacity={2: 0.5})
    result = solve(group, 0.05, FAST)
    assert sorted(result.assignment.values()).count(2) == 2
    assert all(abs(p) < 1e-9 and abs(w) < 1e-9 for p, w in deviations(group, result.assignment).values())
    assert sorted(greedy(group, 0.05).values()).count(2) == 2


def test_the_move_limit_binds_and_the_worst_deviation_is_minimised_within_it() -> None:
    items = tuple(Item(key=k, owner=1, potential=100, workload=1) for k in range(1, 9))
    group = Group("g", (1, 2), items, max_moves=2)
    result = solve(group, 0.1, FAST)
    assert not result.band_met
    assert len(_moved(group, result.assignment)) == 2  # the closest to the band two moves get
    assert len(_moved(group, greedy(group, 0.1))) == 2
    assert solve(replace(group, max_moves=0), 0.1, FAST).assignment == {i.key: 1 for i in items}


def test_a_budget_is_shared_in_proportion_to_need() -> None:
    assert split_moves(10, {"a": 23, "b": 17}) == {"a": 6, "b": 4}
    assert split_moves(10, {"a": 3, "b": 2}) == {"a": 3, "b": 2}
    assert split_moves(1, {"a": 1, "b": 1}) == {"a": 1, "b": 0}
    assert split_moves(None, {"a": 4}) == {"a": None}


def test_the_effective_date_defaults_to_the_next_quarter() -> None:
    day, note = effective_date(dt.date(2026, 11, 20), 1, None)
    assert day == dt.date(2027, 1, 1) and "start of the next quarter" in note
    day, note = effective_date(dt.date(2026, 11, 20), 2, None)  # fiscal year from February
    assert day == dt.date(2027, 2, 1)
    assert "mid-quarter" in effective_date(dt.date(2026, 11, 20), 1, dt.date(2026, 12, 1))[1]
    assert "mid-quarter" not in effective_date(dt.date(2026, 11, 20), 1, dt.date(2027, 4, 1))[1]
    with pytest.raises(InputError, match="before the data's as-of date"):
        effective_date(dt.date(2026, 11, 20), 1, dt.date(2026, 1, 1))


# --- the tool on generated data --------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    path: Path = tmp_path_factory.mktemp("constraints") / "crm.db"
    engine: Engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=600, seed=5)
    yield Repository(engine, load_stages(), DEFAULT_AS_OF)
    engine.dispose()


def _manager(repo: Repository) -> Viewer:
    with repo.connect() as connection:
        uid, name = connection.execute(
            select(User.id, User.name).where(User.role == Role.MANAGER.value).order_by(User.id)
        ).first()  # type: ignore[misc]
    return Viewer(user_id=uid, role=Role.MANAGER, name=name)


def test_customers_and_late_deals_stay_and_the_move_limit_holds(demo: Repository) -> None:
    manager = _manager(demo)
    free = plan_rebalance(demo, manager, RebalanceInput(limit=500), FAST)
    plan = plan_rebalance(demo, manager, RebalanceInput(limit=500, keep_customers=True, max_moves=10), FAST)
    owners = plan.owner_after()
    customers = [a for a in plan.accounts.values() if a.arr > 0]
    assert customers and all(owners[a.id] == a.owner for a in customers)
    # without the constraint some customers would move: the constraint is what keeps them
    free_owners = free.owner_after()
    assert any(free_owners[a.id] != a.owner for a in customers)
    assert int(free.proposal.move_count.value or 0) > 10
    moved = [a for a in plan.accounts.values() if owners[a.id] != a.owner]
    assert 0 < len(moved) <= 10
    assert "at most 10 moves" in plan.proposal.constraints
    assert all(a.lock is None for a in moved)
    assert sum(g.baseline.moves for g in plan.proposal.groups if g.baseline) <= 10
    assert plan.proposal.effective_date == dt.date(2027, 1, 1)
    for group in plan.proposal.groups:
        assert group.max_deviation_after <= group.max_deviation_before + 1e-9


def test_left_out_reps_keep_their_book_and_distance_and_stage_limits_hold(demo: Repository) -> None:
    manager = _manager(demo)
    base = plan_rebalance(demo, manager, RebalanceInput(limit=500), FAST)
    busiest = max(base.proposal.reps, key=lambda r: r.gained_count + r.lost_count)
    plan = plan_rebalance(
        demo,
        manager,
        RebalanceInput(
            limit=500, exclude_reps=[busiest.name], max_distance_km=400, keep_open_deals_from="Qualification"
        ),
        FAST,
    )
    proposal = plan.proposal
    assert busiest.id not in {r.id for r in proposal.reps}
    assert all(busiest.id not in (m.from_id, m.to_id) for m in proposal.moves)
    bases = {f"user/{rep}": base.point for rep, base in plan.bases.items()}
    for move in proposal.moves:
        facts = plan.accounts[int(move.id.split("/")[1])]
        assert facts.latitude is not None and facts.longitude is not None
        assert distance_km((facts.latitude, facts.longitude), bases[move.to_id]) <= 400
        assert move.distance_km is not None and move.distance_km <= 400
        assert facts.open_deals == 0 or facts.lock is None
    assert any(a.lock and a.lock.startswith("open deal in Qualification") for a in plan.accounts.values())


def test_bad_constraints_are_errors_that_name_them(demo: Repository) -> None:
    manager = _manager(demo)
    with pytest.raises(InputError, match="no open stage named 'Closing'"):
        plan_rebalance(demo, manager, RebalanceInput(keep_open_deals_from="Closing"), FAST)
    with pytest.raises(InputError, match="--exclude-rep"):
        plan_rebalance(demo, manager, RebalanceInput(exclude_reps=["Nobody Atall Xq"]), FAST)
    with pytest.raises(ValueError, match=r"between 0\.05 and 2"):
        RebalanceInput(rep_capacity={"Someone": 3.0})
