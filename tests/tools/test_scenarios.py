"""Territory scenarios on generated data: saved with their constraints, listed and compared by
whoever may see them, published as a CRM import file and hand-over checklists that match the
moves, and refused once the data changed."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tools.errors import InputError, NotPermitted
from tools.rebalance.models import RebalanceInput
from tools.rebalance.scenarios import (
    ScenarioCompareInput,
    compare_scenarios,
    create_scenario,
    list_scenarios,
    publish_scenario,
    published_for,
)
from tools.rebalance.solver import SolverOptions
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Account, Role, User
from tools.store.scope import touch_org
from tools.store.stages import load_stages
from tools.viewer import Viewer

FAST = SolverOptions(deterministic_time=5.0)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Repository]:
    engine: Engine = make_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=300, seed=11)
    yield Repository(engine, load_stages(), DEFAULT_AS_OF)
    engine.dispose()


def _people(repo: Repository, role: Role) -> list[Viewer]:
    with repo.connect() as connection:
        rows = connection.execute(
            select(User.id, User.name).where(User.role == role.value).order_by(User.id)
        ).all()
    return [Viewer(user_id=uid, role=role, name=name) for uid, name in rows]


def test_create_list_compare_and_publish(demo: Repository, tmp_path: Path) -> None:
    manager, other = _people(demo, Role.MANAGER)[:2]
    kept, _ = create_scenario(
        demo, manager, "Keep customers", RebalanceInput(keep_customers=True, max_moves=6), FAST, NOW
    )
    free, plan = create_scenario(demo, manager, "Free", RebalanceInput(), FAST, NOW)
    assert kept.status == free.status == "draft"
    assert kept.moves <= 6 and kept.customers_moved == 0 and kept.constraints[0] == "at most 6 moves"
    assert free.moves == len(plan.all_moves) > kept.moves  # every move is saved, not only those listed
    assert [s.name for s in list_scenarios(demo, manager).scenarios] == ["Keep customers", "Free"]
    assert list_scenarios(demo, other).scenarios == []  # another team's scenarios are not theirs
    revops = _people(demo, Role.REVOPS)[0]
    assert len(list_scenarios(demo, revops).scenarios) == 2
    side = compare_scenarios(demo, manager, ScenarioCompareInput())
    assert [s.name for s in side.scenarios] == ["Keep customers", "Free"]
    assert side.scenarios[1].worst_deviation_after <= side.scenarios[0].worst_deviation_after

    out = tmp_path / "published"
    published, _ = publish_scenario(demo, manager, "keep customers", out, FAST, NOW)
    assert published.scenario.status == "published"
    assert {"moves.csv", "handover.md", "balance.png", "report.md"} <= {p.name for p in out.iterdir()}
    rows = list(csv.DictReader((out / "moves.csv").open(encoding="utf-8")))
    assert len(rows) == kept.moves
    with demo.connect() as connection:
        accounts = dict(connection.execute(select(Account.external_id, Account.owner_id)).all())
        users = dict(connection.execute(select(User.external_id, User.id)).all())
    for row in rows:
        assert row["Id"] in accounts and row["OwnerId"] in users  # the CRM's own ids
        assert users[row["OwnerId"]] != accounts[row["Id"]]  # the owner changes
        assert users[row["PreviousOwnerId"]] == accounts[row["Id"]]
        assert row["EffectiveDate"] == "2027-01-01"
    handover = (out / "handover.md").read_text(encoding="utf-8")
    assert handover.count("\n### ") == kept.moves
    assert all(f"### {row['Account']} (" in handover for row in rows)
    assert "Risks:" in handover and "- [ ] Introduction call" in handover
    # the plan of the territories it touches shows it, with the files and the first hand-overs
    assert published_for(demo, manager, ["No Such Territory"]) is None
    shown = published_for(demo, manager, [])
    assert shown is not None and shown.name == "Keep customers" and shown.moves == kept.moves
    assert shown.map_html == str((out / "map.html").resolve())
    assert shown.handover_file == str((out / "handover.md").resolve())
    assert shown.handovers and {h.move.account for h in shown.handovers} <= {row["Account"] for row in rows}
    assert published_for(demo, _people(demo, Role.REP)[0], []) is None


def test_a_scenario_on_changed_data_is_stale_and_is_not_published(demo: Repository, tmp_path: Path) -> None:
    manager = _people(demo, Role.MANAGER)[0]
    create_scenario(demo, manager, "Before", RebalanceInput(max_moves=3), FAST, NOW)
    with demo.engine.begin() as connection:
        touch_org(connection)
    assert list_scenarios(demo, manager).scenarios[0].status == "stale"
    with pytest.raises(InputError, match="data that has changed"):
        publish_scenario(demo, manager, "Before", tmp_path / "x", FAST, NOW)


def test_reps_and_unknown_names_are_refused(demo: Repository) -> None:
    manager, rep = _people(demo, Role.MANAGER)[0], _people(demo, Role.REP)[0]
    with pytest.raises(NotPermitted):
        list_scenarios(demo, rep)
    with pytest.raises(NotPermitted):
        create_scenario(demo, rep, "Mine", RebalanceInput(), FAST, NOW)
    alone = compare_scenarios(demo, manager, ScenarioCompareInput())
    assert alone.scenarios == [] and alone.note is not None and "nothing to compare" in alone.note
    create_scenario(demo, manager, "Only", RebalanceInput(max_moves=1), FAST, NOW)
    with pytest.raises(InputError, match="scenario"):
        compare_scenarios(demo, manager, ScenarioCompareInput(scenarios=["Zzzz qqq"]))
