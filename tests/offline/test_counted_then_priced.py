"""A team's count asked as a count is the count ("how many deals did my team win last quarter?"),
said once, not each rep's scorecard; and the amount of what was just counted is asked in many ways
("what's the total value of that?", "how much is that worth in total", "and the value?"): the same
deals and period, in money."""

from __future__ import annotations

import re

import pytest

from tests.offline.conftest import Cast, World


def test_a_teams_count_is_the_count_said_once(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "how many deals did my team win last quarter?")
    ((call,),) = [answer.tool_calls]
    assert call.name == "query_metrics" and call.args["measure"] == "won_deals"
    assert call.args["period"] == "last quarter" and "group_by" not in call.args
    count = re.findall(r"In all: won deals (\d+)", answer.answer)
    assert count and f"({count[0]} deals)" not in answer.answer
    # one person's count stays their scorecard, which says it first
    mine = demo.ask(cast.rep, "how many deals did I win last quarter?")
    assert [c.name for c in mine.tool_calls] == ["rep_performance"]


@pytest.mark.parametrize(
    "priced",
    [
        "what's the total value of that?",
        "how much is that worth in total",
        "and the value?",
        "what is the dollar amount of those",
        "how much money is that?",
    ],
)
def test_the_amount_of_what_was_counted(demo: World, cast: Cast, priced: str) -> None:
    counted = demo.ask(cast.manager, "how many deals did my team win last quarter?")
    answer = demo.ask(cast.manager, priced, counted.thread_id)
    ((call,),) = [answer.tool_calls]
    assert (call.args["measure"], call.args["period"]) == ("won_revenue", "last quarter")
    number = re.findall(r"In all: won deals (\d+)", counted.answer)[0]
    assert f"({number} deals)" in answer.answer  # the same deals, in money
