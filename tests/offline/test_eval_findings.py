"""Planner fixes found by the evaluation suites (evals/cases/demo): phrasings that used to be misread."""

from __future__ import annotations

import pytest

from tests.offline.conftest import Cast, World


@pytest.mark.parametrize(
    "question",
    [
        "which deals have close dates in the past?",
        "which deals in the company have close dates that already passed?",
        "which of {rep_short}'s deals are past their close date?",
    ],
)
def test_a_close_date_in_the_past_is_the_stall_rule(demo: World, cast: Cast, question: str) -> None:
    answer = demo.ask(cast.manager, cast.fill(question))
    assert [c.name for c in answer.tool_calls][:1] == ["stalled_deals"], answer.tool_calls
    assert answer.tool_calls[0].args["rule"] == "past_close"


def test_what_the_playbook_says_about_plans_is_a_playbook_question(demo: World, cast: Cast) -> None:
    asked = demo.ask(cast.manager, "what does the playbook say a strategic account plan should contain?")
    assert [c.name for c in asked.tool_calls] == ["search_playbook"]
    drafted = demo.ask(cast.rep, cast.fill("draft an account plan for {account} following the playbook"))
    assert [c.name for c in drafted.tool_calls][:1] in (["account_plan"], ["account_profile"])


def test_a_breakdown_fragment_keeps_the_threads_rep(demo: World, cast: Cast) -> None:
    thread = "eval-findings-by-month"
    demo.ask(cast.manager, cast.fill("How is {rep_short} doing?"), thread)
    demo.ask(cast.manager, "and his pipeline?", thread)
    by_month = demo.ask(cast.manager, "by month", thread)
    assert [(c.name, c.args) for c in by_month.tool_calls] == [
        ("pipeline_summary", {"owner": cast.rep.name, "group_by": "month"})
    ]
