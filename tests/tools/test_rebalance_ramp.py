"""A new hire's ramp from their hire date: the share grows linearly to a full book at six months
(never below a quarter), the rebalance balances them toward that share on the day the moves take
effect (the solver and the greedy baseline alike) and says who is ramping, a capacity given by name
takes its place, and a rep's profile and seat use the same rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from tools.rebalance import plan_rebalance
from tools.rebalance.assign import assign
from tools.rebalance.assignment import AssignInput
from tools.rebalance.charts import markdown
from tools.rebalance.maps import rep_label
from tools.rebalance.models import RebalanceInput
from tools.rebalance.problem import deviations, greedy
from tools.rebalance.profiles import read_profiles
from tools.rebalance.ramp import MIN_SHARE, RAMP_MONTHS, full_on, ramp_on, ramps_on
from tools.rebalance.solver import SolverOptions
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Role, Territory, User
from tools.store.stages import load_stages
from tools.viewer import Viewer

FAST = SolverOptions(deterministic_time=5.0)
DAY = dt.date(2027, 1, 1)


def test_the_share_grows_linearly_from_the_hire_date_to_a_full_book() -> None:
    assert ramp_on(None, DAY) is None  # no hire date: fully ramped
    half = ramp_on(DAY - dt.timedelta(days=91), DAY)
    assert half is not None and half.share == pytest.approx(0.5, abs=0.01) and half.months_in_seat == 3.0
    later = ramp_on(DAY - dt.timedelta(days=152), DAY)
    assert later is not None and later.share > half.share
    assert ramp_on(DAY - dt.timedelta(days=183), DAY) is None  # six months in: a full book
    first_week = ramp_on(DAY - dt.timedelta(days=7), DAY)
    assert first_week is not None and first_week.share == MIN_SHARE
    starts_later = ramp_on(DAY + dt.timedelta(days=30), DAY)
    assert starts_later is not None and starts_later.share == MIN_SHARE and starts_later.months_in_seat == 0
    assert ramp_on(DAY - dt.timedelta(days=91), DAY, months=0) is None  # no ramp at all
    twelve = ramp_on(DAY - dt.timedelta(days=183), DAY, months=12)
    assert twelve is not None and twelve.share == pytest.approx(0.5, abs=0.01)
    assert ramps_on({1: None, 2: DAY - dt.timedelta(days=91), 3: dt.date(2020, 1, 1)}, DAY).keys() == {2}
    assert full_on(dt.date(2026, 9, 4)) == dt.date(2027, 3, 6)
    assert RAMP_MONTHS == 6


# --- the tool on generated data --------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    path: Path = tmp_path_factory.mktemp("ramp") / "crm.db"
    engine: Engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=500, seed=5)
    yield Repository(engine, load_stages(), DEFAULT_AS_OF)
    engine.dispose()


def _vp(repo: Repository) -> Viewer:
    with repo.connect() as connection:
        uid, name = connection.execute(
            select(User.id, User.name).where(User.role == Role.MANAGER.value).order_by(User.id)
        ).first()  # type: ignore[misc]
    return Viewer(user_id=uid, role=Role.MANAGER, name=name)


def _new_hire(repo: Repository) -> tuple[int, str, dt.date, str]:
    """The generated data's new hire in the territory where they are furthest below the mean."""
    with repo.connect() as connection:
        rows = connection.execute(
            select(User.id, User.name, User.hire_date, Territory.name)
            .join(Territory, Territory.id == User.territory_id)
            .where(User.role == Role.REP.value, User.hire_date > DEFAULT_AS_OF - dt.timedelta(days=180))
            .order_by(User.id)
        ).all()
    assert len(rows) == 3
    uid, name, hired, territory = rows[0]
    return int(uid), str(name), hired, str(territory)


def test_a_new_hire_is_balanced_toward_their_share_on_the_effective_date(demo: Repository) -> None:
    uid, name, hired, territory = _new_hire(demo)
    vp = _vp(demo)
    plan = plan_rebalance(demo, vp, RebalanceInput(territory=territory, limit=500), FAST)
    proposal = plan.proposal
    expected = ramp_on(hired, dt.date(2027, 1, 1))
    assert expected is not None and expected.share < 1
    (ramping,) = proposal.ramping
    assert (ramping.id, ramping.name, ramping.share, ramping.hire_date) == (
        f"user/{uid}",
        name,
        expected.share,
        hired,
    )
    assert ramping.months_in_seat == expected.months_in_seat
    assert any(
        c.startswith("ramping (a full book 6 months after the hire date): " + name)
        for c in proposal.constraints
    )
    assert f"{expected.share:.0%}" in proposal.constraints[-1]
    (line,) = [r for r in proposal.reps if r.id == f"user/{uid}"]
    assert line.share == expected.share
    # the map's legend and the report say it too
    assert rep_label(plan, uid, 7).endswith(f", ramping: {expected.share:.0%} share)")
    assert f"{name} {expected.share:.0%} (hired {hired}" in markdown(proposal, map_written=False)
    assert all(r.share == 1 for r in proposal.reps if r.id != line.id)
    # both the solver and the greedy baseline balance the new hire toward their share
    (_, group, result) = plan.groups[0]
    assert group.capacity == {uid: expected.share}
    band = proposal.band + 1e-6
    if result.band_met:
        assert all(max(abs(p), abs(w)) <= band for p, w in deviations(group, result.assignment).values())
        total = sum(float(a.potential) for a in plan.accounts.values() if a.owner in group.reps)
        share = expected.share / (len(group.reps) - 1 + expected.share)
        assert float(line.potential.value or 0) == pytest.approx(total * share, rel=proposal.band + 0.01)
    baseline = greedy(group, proposal.band)
    assert proposal.groups[0].baseline is not None
    assert proposal.groups[0].baseline.max_deviation == pytest.approx(
        max(max(abs(p), abs(w)) for p, w in deviations(group, baseline).values()), abs=1e-4
    )
    # without the ramp the new hire is measured against a full book and takes on more
    full = plan_rebalance(demo, vp, RebalanceInput(territory=territory, limit=500, ramp_months=0), FAST)
    assert full.proposal.ramping == [] and not any("ramping" in c for c in full.proposal.constraints)
    (full_line,) = [r for r in full.proposal.reps if r.id == f"user/{uid}"]
    assert full_line.share == 1
    assert float(full_line.potential.value or 0) > float(line.potential.value or 0)
    assert full_line.potential_deviation_before < line.potential_deviation_before


def test_the_ramp_is_measured_when_the_moves_take_effect(demo: Repository) -> None:
    _, _, hired, territory = _new_hire(demo)
    vp = _vp(demo)
    soon = plan_rebalance(demo, vp, RebalanceInput(territory=territory, effective_date=DEFAULT_AS_OF), FAST)
    later = plan_rebalance(
        demo, vp, RebalanceInput(territory=territory, effective_date=dt.date(2027, 1, 1)), FAST
    )
    assert soon.proposal.ramping[0].share < later.proposal.ramping[0].share
    ramped = plan_rebalance(
        demo, vp, RebalanceInput(territory=territory, effective_date=full_on(hired)), FAST
    )
    assert ramped.proposal.ramping == []


def test_a_capacity_given_or_a_left_out_rep_takes_the_place_of_the_ramp(demo: Repository) -> None:
    uid, name, _, territory = _new_hire(demo)
    vp = _vp(demo)
    given = plan_rebalance(demo, vp, RebalanceInput(territory=territory, rep_capacity={name: 0.9}), FAST)
    assert given.proposal.ramping == []
    assert given.groups[0][1].capacity == {uid: 0.9}
    assert f"capacity {name} 0.9" in given.proposal.constraints
    left_out = plan_rebalance(demo, vp, RebalanceInput(territory=territory, exclude_reps=[name]), FAST)
    assert left_out.proposal.ramping == [] and all(g.capacity == {} for _, g, _ in left_out.groups)


def test_a_reps_profile_and_seat_use_the_hire_date(demo: Repository) -> None:
    uid, name, hired, _ = _new_hire(demo)
    vp = _vp(demo)
    with demo.connect() as connection:
        veteran = connection.execute(
            select(User.id, User.name, User.hire_date)
            .where(User.role == Role.REP.value, User.hire_date < DEFAULT_AS_OF - dt.timedelta(days=700))
            .order_by(User.id)
        ).first()
    assert veteran is not None
    profiles = read_profiles(demo, vp, {uid: name, veteran.id: veteran.name})
    new, old = profiles[uid], profiles[veteran.id]
    expected = ramp_on(hired, DEFAULT_AS_OF)
    assert expected is not None
    assert new.ramping and new.hire_date == hired and new.suggested_capacity == expected.share
    assert new.tenure_months is not None and new.tenure_months < RAMP_MONTHS  # from the hire date
    assert not old.ramping and old.suggested_capacity == 1.0 and (old.tenure_months or 0) >= 23
    seat = assign(demo, vp, AssignInput(rep=name))
    assert seat.note is not None and seat.note.startswith(f"{name} is ramping: {expected.share:.0%}")
    assert f"hired {hired}" in seat.note
    # with no hire date recorded the rep is fully ramped, whatever their history
    with demo.engine.begin() as connection:
        connection.execute(update(User).where(User.id == uid).values(hire_date=None))
    try:
        cleared = read_profiles(demo, vp, {uid: name})[uid]
        assert not cleared.ramping and cleared.suggested_capacity == 1.0 and cleared.hire_date is None
    finally:
        with demo.engine.begin() as connection:
            connection.execute(update(User).where(User.id == uid).values(hire_date=hired))
