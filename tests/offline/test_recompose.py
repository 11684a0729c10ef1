"""A follow-up that only asks for a breakdown ("by rep instead", "by manager", "count by rep") is
the thread's question asked again with that breakdown, period and filters kept, whatever kind of
answer it follows; and the next-step rule is read only when a next step is said to be missing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from assistant.offline.frame import Frame, Intent
from assistant.offline.recompose import recompose
from assistant.offline.slots import RULES
from tests.offline.conftest import Cast, World
from tools.store.schema import User


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def test_by_rep_after_a_forecast_is_the_forecast_by_rep_for_that_quarter(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "team forecast Q4")
    again = demo.ask(cast.manager, "by rep instead", first.thread_id)
    calls = _calls(again)
    assert len(calls) > 1 and all(name == "forecast" for name, _ in calls)
    assert {args["period"] for _, args in calls} == {_calls(first)[0][1]["period"]}
    with demo.engine.connect() as connection:
        team = set(
            connection.execute(select(User.name).where(User.manager_id == cast.manager.user_id)).scalars()
        )
    assert {args["owner"] for _, args in calls} == team
    assert "Forecast by rep" in again.answer


def test_by_manager_after_coverage_is_the_coverage_by_team_for_that_period(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "pipeline coverage for Q1 2027")
    again = demo.ask(cast.revops, "by manager", first.thread_id)
    [(name, args)] = _calls(again)
    assert (name, args["measure"], args["group_by"]) == ("query_metrics", "coverage", "team")
    assert args["period"].lower() == "q1 2027"


def test_count_by_rep_after_the_stalled_deals_counts_the_stalled_deals(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "stalled deals on my team")
    again = demo.ask(cast.manager, "count by rep", first.thread_id)
    [(name, _)] = _calls(again)
    assert name == "stalled_deals" and "most first" in again.answer


@pytest.mark.parametrize(
    ("reading", "question", "written"),
    [
        ("team forecast Q4", "by rep instead", "team forecast q4 by rep"),
        ("won revenue by product this year", "break it down by region", "won revenue this year by region"),
        ("pipeline by stage", "split by quarter too", "pipeline by stage by quarter"),
        ("team forecast Q4", "per region?", "team forecast q4 by region"),
    ],
)
def test_the_question_is_written_out_again_with_the_breakdown(
    reading: str, question: str, written: str
) -> None:
    previous = Frame(intent=Intent.PIPELINE, reading=reading)
    assert recompose(previous, question) == written


@pytest.mark.parametrize("question", ["by rep who has the most", "what about by rep for last year", "reps"])
def test_anything_more_than_a_breakdown_is_read_as_before(question: str) -> None:
    assert recompose(Frame(intent=Intent.FORECAST, reading="team forecast Q4"), question) is None


def test_a_follow_up_of_a_follow_up_is_not_written_out_again() -> None:
    assert recompose(Frame(intent=Intent.FORECAST, follow_up=True), "by rep") is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("next steps for each?", None),
        ("what are the next steps on my deals", None),
        ("which have no next step", "next_step"),
        ("deals without a next step", "next_step"),
        ("deals where the next step is overdue", "next_step"),
        ("any with a missing next step", "next_step"),
        ("deals whose next step date has passed", "next_step"),
    ],
)
def test_the_next_step_rule_is_read_only_when_a_next_step_is_missing_or_late(
    text: str, rule: str | None
) -> None:
    assert next((name for pattern, name in RULES if re.search(pattern, text)), None) == rule
