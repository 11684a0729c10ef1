"""Questions about the org chart ("who manages Lucas?", "who is on Morgan's team?", "what region is
Kenji in?", "who are their managers?" after a list of reps) run the roster tool with the people,
team or place asked about, and are answered from the sharing model like every record."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.offline.conftest import Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Role, User
from tools.viewer import Viewer


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


@pytest.mark.parametrize(
    "question",
    [
        "who is on {manager}'s team",
        "whos on {manager}s team?",
        "who reports to {manager}",
        "who works for {manager}",
        "list {manager}'s direct reports",
    ],
)
def test_a_team_is_asked_by_its_manager(demo: World, cast: Cast, question: str) -> None:
    answer = demo.ask(cast.revops, cast.fill(question))
    ((name, args),) = _calls(answer)
    assert (name, args["team"]) == ("team_roster", cast.manager.name), question
    with demo.engine.connect() as connection:
        reps = connection.execute(select(User.name).where(User.manager_id == cast.manager.user_id)).scalars()
        for rep in reps:
            assert rep in answer.answer, question
    assert cast.stranger.name not in answer.answer


def test_how_many_reps_a_manager_has_counts_the_reps(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, cast.fill("how many reps does {manager} have"))
    assert _calls(answer) == [("team_roster", {"team": cast.manager.name, "job": "rep"})]
    with demo.engine.connect() as connection:
        count = len(
            connection.execute(select(User.id).where(User.manager_id == cast.manager.user_id)).scalars().all()
        )
    assert f"team: {count} reps" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "who manages {rep}",
        "who is {rep}'s manager",
        "who does {rep} report to",
        "what territory is {rep} in",
        "which region is {rep} in?",
        "where does {rep} sit",
    ],
)
def test_one_person_is_placed_in_the_org(demo: World, cast: Cast, question: str) -> None:
    answer = demo.ask(cast.revops, cast.fill(question))
    assert _calls(answer) == [("team_roster", {"people": [cast.rep.name]})], question
    assert cast.manager.name in answer.answer and cast.territory in answer.answer, question


def test_a_rep_learns_their_manager_but_not_their_teammates(demo: World, cast: Cast) -> None:
    manager = demo.ask(cast.rep, "who's my manager?")
    assert _calls(manager) == [("team_roster", {"people": ["me"]})]
    assert manager.answer.startswith("You are a rep") and cast.manager.name in manager.answer
    team = demo.ask(cast.rep, "who is on my team")
    assert "can't list your teammates" in team.answer
    assert cast.stranger.name not in team.answer


def test_a_manager_lists_their_own_team_and_no_one_elses(demo: World, cast: Cast) -> None:
    mine = demo.ask(cast.manager, "who's on my team")
    assert _calls(mine) == [("team_roster", {"team": "me"})]
    assert mine.answer.startswith("**Your team:") and cast.rep.name in mine.answer
    other = demo.ask(cast.manager, cast.fill("who manages {stranger}"))
    assert cast.stranger.name.split()[0] not in other.answer.split("I can't find")[0]
    assert "I can't find" in other.answer or "no person named" in other.answer


def test_their_managers_after_a_list_of_reps_is_about_those_reps(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "top 3 reps by bookings this year")
    ((_, query),) = _calls(first)
    listed = [row.group for row in query_metrics(demo.repository, cast.revops, MetricQuery(**query)).rows]
    assert len(listed) == 3
    for question in ("who are their managers", "and which region are they in?"):
        answer = demo.ask(cast.revops, question, first.thread_id)
        ((name, args),) = _calls(answer)
        assert name == "team_roster", question
        assert sorted(args["people"]) == sorted(listed), question


def test_where_an_account_is_based_is_its_facts_not_the_org_chart(demo: World, cast: Cast) -> None:
    asked = ("what industry is {account} in, and where are they based?", "where is {account} located")
    for question in asked:
        answer = demo.ask(cast.rep, cast.fill(question))
        assert "team_roster" not in [c.name for c in answer.tool_calls], question
        assert cast.manager.name not in answer.answer, question


def test_a_place_lists_the_people_whose_home_it_is(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, cast.fill("who covers {territory}"))
    assert _calls(answer) == [("team_roster", {"territory": cast.territory})]
    assert cast.rep.name in answer.answer


def test_the_org_chart_of_the_maven_export(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    with maven.engine.connect() as connection:
        manager, reports = connection.execute(
            select(User.name, User.id).where(User.role == "manager").order_by(User.name).limit(1)
        ).one()
        reps = connection.execute(select(User.name).where(User.manager_id == reports)).scalars().all()
    answer = maven.ask(revops, f"who's on {manager.split()[0].lower()}'s team")
    assert _calls(answer) == [("team_roster", {"team": manager})]
    assert all(rep in answer.answer for rep in reps)
    one = maven.ask(revops, f"who does {reps[0]} report to")
    assert f"reporting to **{manager}**" in one.answer
