"""The rebalance maps: state outlines from the packaged boundaries (no download), one panel per
territory with the moves between reps counted, and an interactive HTML that needs no network."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tools.rebalance import plan_rebalance
from tools.rebalance.maps import draw_map, outlines, panels
from tools.rebalance.maps_html import draw_html
from tools.rebalance.models import RebalanceInput
from tools.rebalance.proposal import RebalancePlan
from tools.rebalance.solver import SolverOptions
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Role, User
from tools.store.stages import load_stages
from tools.viewer import Viewer


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RebalancePlan]:
    path: Path = tmp_path_factory.mktemp("maps") / "crm.db"
    engine: Engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=300, seed=4)
    repo = Repository(engine, load_stages(), DEFAULT_AS_OF)
    with repo.connect() as connection:
        uid, name = connection.execute(
            select(User.id, User.name).where(User.role == Role.MANAGER.value).order_by(User.id)
        ).first()  # type: ignore[misc]
    viewer = Viewer(user_id=uid, role=Role.MANAGER, name=name)
    yield plan_rebalance(repo, viewer, RebalanceInput(), SolverOptions(deterministic_time=5.0))
    engine.dispose()


def test_outlines_are_the_states_in_view() -> None:
    west = {code for code, _, _ in outlines((-125.0, -102.0, 31.0, 49.0))}
    assert {"CA", "NV", "OR", "WA", "UT", "CO", "AZ"} <= west
    assert "FL" not in west and "NY" not in west
    assert outlines((10.0, 20.0, 40.0, 50.0)) == []  # central Europe: no outlines, no error


def test_panels_count_the_moves_between_reps(plan: RebalancePlan) -> None:
    found = panels(plan)
    assert [p.title for p in found] == [key for key, _, _ in plan.groups]
    by_group = {g.name: g.moves for g in plan.proposal.groups}
    for panel in found:
        assert sum(panel.moves.values()) == by_group[panel.title]
        assert all(source != target for source, target in panel.moves)
    assert all(rep in plan.bases for panel in found for rep in panel.reps)


def test_the_maps_are_written_and_the_html_needs_no_network(plan: RebalancePlan, tmp_path: Path) -> None:
    assert draw_map(plan, tmp_path / "map.png")
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert draw_html(plan, tmp_path / "map.html")
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*\bsrc=", html) == []  # the JavaScript is inlined
    assert re.findall(r"<link[^>]*\bhref=\"http", html) == []
    moved = [m for m in plan.all_moves]
    assert moved and all(m.account in html for m in moved[:5])
    assert all(plan.rep_names[rep] in html for rep in plan.bases)
