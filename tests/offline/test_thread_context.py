"""A follow-up keeps what the thread was about: "vs same time last year?" compares the thread's
measure to date; "West is lowest - what are they losing on?" is West's loss reasons, not a ranking;
"how does that compare to Q2?" sets the last figure against Q2."""

from __future__ import annotations

from typing import Any

from tests.offline.conftest import Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics


def _args(answer: Any) -> dict[str, Any]:
    ((name, args),) = [(c.name, dict(c.args)) for c in answer.tool_calls]
    assert name == "query_metrics"
    return args


def test_same_time_last_year_compares_the_threads_measure_to_date(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "win rate by region this year?")
    args = _args(demo.ask(cast.revops, "vs same time last year?", first.thread_id))
    assert (args["measure"], args["group_by"], args["period"], args["compare"]) == (
        "win_rate",
        "region",
        "ytd",
        "last_year",
    )
    assert "also" not in args


def test_a_superlative_said_of_a_named_member_is_no_ranking(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "win rate by region this year?")
    args = _args(demo.ask(cast.revops, "West is lowest - what are they losing on", first.thread_id))
    assert (args["measure"], args["group_by"], args["region"]) == ("lost_deals", "loss_reason", "West")
    assert "order" not in args and "any_of" not in args
    # asked as a question, the superlative is the ranking
    again = _args(
        demo.ask(
            cast.revops,
            "which region is the lowest?",
            demo.ask(cast.revops, "win rate by region this year?").thread_id,
        )
    )
    assert (again["group_by"], again.get("order")) == ("region", "asc")


def test_how_does_that_compare_to_a_quarter_sets_the_last_figure_against_it(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "bookings by product last quarter")
    narrowed = demo.ask(cast.revops, "only enterprise", first.thread_id)
    args = _args(demo.ask(cast.revops, "how does that compare to q2", narrowed.thread_id))
    assert (args["measure"], args["group_by"], args["segment"]) == ("won_revenue", "product", "Enterprise")
    assert args.get("compare") in ("previous_period", "q2")


def _ask_thread(world: World, viewer: Any, *questions: str) -> Any:
    thread = None
    answer = None
    for question in questions:
        answer = world.ask(viewer, question, thread)
        thread = answer.thread_id
    return answer


def test_a_bare_measure_keeps_the_threads_period_and_vs_quota_after_pipeline_is_coverage(
    demo: World, cast: Cast
) -> None:
    weighted = _ask_thread(demo, cast.rep, "how much pipe do i have closing next qtr", "weighted?")
    assert _args(weighted) == {"measure": "weighted_pipeline", "period": "next quarter"}
    covered = _ask_thread(
        demo, cast.rep, "how much pipe do i have closing next qtr", "weighted?", "vs my quota"
    )
    assert _args(covered) == {"measure": "coverage", "period": "next quarter"}
    size = _ask_thread(demo, cast.rep, "my wins last qtr", "avg size?")
    assert _args(size) == {"measure": "average_deal_size", "period": "last quarter"}


def test_the_same_outcome_asked_next_keeps_the_period_and_his_is_the_one_shown(maven: World) -> None:
    manager = maven.viewer("Rocco Neubert")
    first = "how many deals did my team lose in december"
    most = _ask_thread(maven, manager, first, "which rep lost the most")
    args = _args(most)
    # the thread counts deals, so "lost the most" is the most deals lost ("$" would ask what they were worth)
    assert (args["measure"], args["group_by"], args["period"], args["top"]) == (
        "lost_deals",
        "rep",
        "december",
        1,
    )
    result = query_metrics(maven.repository, manager, MetricQuery(**args))
    his = _ask_thread(
        maven, manager, first, "which rep lost the most", "whats his win rate for the month then"
    )
    ((name, call),) = [(c.name, dict(c.args)) for c in his.tool_calls]
    assert (name, call) == ("rep_performance", {"rep": result.rows[0].group, "period": "december"})


def test_their_biggest_ones_after_the_one_rep_shown_are_that_reps_deals(demo: World, cast: Cast) -> None:
    losses = "top loss reasons for my team last 2 quarters"
    price = _ask_thread(demo, cast.manager, losses, "who on the team loses the most on price")
    args = _args(price)
    assert (args["measure"], args["group_by"], args["loss_reason"], args["period"]) == (
        "lost_deals",  # the reasons were counted, so the most deals lost on price
        "rep",
        "Price",
        "last 2 quarters",
    )
    who = query_metrics(demo.repository, cast.manager, MetricQuery(**args)).rows[0].group
    biggest = _args(
        _ask_thread(
            demo,
            cast.manager,
            losses,
            "who on the team loses the most on price",
            "show me their biggest ones",
        )
    )
    assert (biggest["group_by"], biggest["rep"], biggest["loss_reason"], biggest["top"]) == (
        "deal",
        who,
        "Price",
        5,
    )


def test_whats_that_worth_after_a_count_gives_the_amount(maven: World) -> None:
    manager = maven.viewer("Celia Rouche")
    worth = _ask_thread(maven, manager, "how many open deals does my team have", "whats that worth")
    assert worth.tool_calls and "$" in worth.answer


def test_the_lowest_one_picks_the_last_row_and_ranks_nothing(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "win rate by region this yr")
    result = query_metrics(demo.repository, cast.revops, MetricQuery(**_args(first)))
    lowest = result.rows[-1].group
    args = _args(demo.ask(cast.revops, "break the lowest one down by rep", first.thread_id))
    assert (args["measure"], args["group_by"], args["region"]) == ("win_rate", "rep", lowest)
    assert "top" not in args and "order" not in args


def test_a_name_outside_a_reps_view_gets_what_a_rep_sees_as_no_such_name_does(
    demo: World, cast: Cast
) -> None:
    outside = demo.ask(cast.rep, f"how is {cast.stranger.name} doing this quarter")
    nobody = demo.ask(cast.rep, "how is Zedediah Quux doing this quarter")
    for answer in (outside, nobody):
        assert "As a rep, you see your own deals and accounts" in answer.answer, answer.answer
    # the same words for both: nothing says whether the name exists outside the rep's view
    assert outside.answer.split(". ")[-1] == nobody.answer.split(". ")[-1]


def test_past_due_deals_by_rep_and_a_count_asked_after_an_amount(demo: World, cast: Cast) -> None:
    args = _args(demo.ask(cast.manager, "who on my team has the most past due deals"))
    assert (args["measure"], args["group_by"], args["past_due"]) == ("open_deals", "rep", True)
    first = "bookings by product this qtr so far"
    counted = _args(
        _ask_thread(
            demo, cast.revops, first, "who sold the most of the top one this qtr", "and by # of deals?"
        )
    )
    assert (counted["measure"], counted["group_by"]) == ("won_deals", "rep")


def test_a_lower_case_possessive_before_team_names_a_person_not_the_askers_team(
    demo: World, cast: Cast
) -> None:
    first = demo.ask(cast.manager, "who on my team has the most past due deals")
    again = demo.ask(cast.manager, "same thing for zebulons team", first.thread_id)
    assert 'no person named "zebulon"' in again.answer, again.answer
    assert demo.ask(cast.manager, "whats on the sales team pipeline").tool_calls  # "sales" is no one
