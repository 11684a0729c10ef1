"""Parts of a question asked together, each kept: both ends of a ranking, measures listed side by
side, members set against each other, and a name written in lower case that the viewer cannot see."""

from __future__ import annotations

from typing import Any

from tests.offline.conftest import Cast, World
from tools.store.schema import Role
from tools.viewer import Viewer

REVOPS = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")


def _query(answer: Any) -> dict[str, Any]:
    return next(dict(c.args) for c in answer.tool_calls if c.name == "query_metrics")


def _table_rows(answer: Any) -> list[str]:
    rows = [line for line in answer.answer.splitlines() if line.startswith("| ") and "---" not in line]
    return [row.split("|")[1].strip() for row in rows[1:]]


def test_the_best_and_the_worst_at_once(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.revops, "which industries have the best and worst win rate this year? top 3 / bottom 3"
    )
    args = _query(answer)
    assert args["group_by"] == "industry" and args.get("order") != "asc" and args["top"] >= 10
    assert len(_table_rows(answer)) == 6 and "The top 3 and the bottom 3 of" in answer.answer
    one_each = demo.ask(cast.revops, "bookings by month this year - best and worst month?")
    assert len(_table_rows(one_each)) == 2 and "The top 1 and the bottom 1" in one_each.answer


def test_measures_listed_together_are_each_computed(demo: World, cast: Cast) -> None:
    args = _query(demo.ask(cast.revops, "avg deal size and median sales cycle by segment this year"))
    assert args["measure"] == "average_deal_size" and args["also"] == ["median_sales_cycle"]
    counted = _query(demo.ask(cast.revops, "how many deals did we win this yr and what's that in $?"))
    assert counted["measure"] == "won_deals" and counted["also"] == ["won_revenue"]


def test_compare_the_n_members_of_a_dimension(maven: World) -> None:
    answer = maven.ask(REVOPS, "compare the 3 regional offices: won $, win rate, open pipe")
    args = _query(answer)
    assert args["group_by"] == "region" and args["also"] == ["win_rate", "open_pipeline"]
    assert len(_table_rows(answer)) == 3


def test_two_territories_side_by_side_leave_the_pipeline_summary(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.revops, f"{cast.territory} vs {cast.other_territory} - open pipe and weighted pipe"
    )
    args = _query(answer)
    assert args["group_by"] == "territory" and args["also"] == ["weighted_pipeline"]
    assert set(_table_rows(answer)) == {cast.territory, cast.other_territory}


def test_a_lower_case_name_out_of_scope_is_not_answered_as_ones_own(demo: World, cast: Cast) -> None:
    other = cast.stranger.name.lower()
    for question in (
        f"how much pipe does {other} have open right now?",
        f"whats {other} at for q4 attainment?",
    ):
        answer = demo.ask(cast.rep, question)
        assert f'no person named "{other}"' in answer.answer, question
        assert not any(c.args.get("owner") in (None, cast.rep.name) for c in answer.tool_calls), question


def test_states_are_not_a_misspelt_stage_and_days_with_a_plus_count(demo: World, cast: Cast) -> None:
    assert _query(demo.ask(cast.revops, "top 5 states by open pipeline"))["group_by"] == "state"
    quiet = demo.ask(cast.rep, "anything of mine gone quiet? opps w/ no activity in 30+ days")
    stalled = next(c.args for c in quiet.tool_calls if c.name == "stalled_deals")
    assert stalled["no_activity_days"] == 30
