"""A question that only names deals ("my lost deals last 90 days", "won deals in october over 5k",
"open healthcare deals over 100k") lists them, and "who owns them" then names each one's owner; a
filter the scorecard cannot take, said after it ("just the ones over 5k"), moves the figure to the
metric query rather than being dropped."""

from __future__ import annotations

import pytest

from tests.offline.conftest import ADMIN, Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics


@pytest.mark.parametrize(
    ("question", "measure", "bound"),
    [
        ("my lost deals last 90 days", "lost_revenue", None),
        ("won deals in october over 5k", "won_revenue", "5000"),
        ("open healthcare deals over 100k", "open_pipeline", "100000"),
    ],
)
def test_a_question_that_only_names_deals_lists_them(
    demo: World, cast: Cast, question: str, measure: str, bound: str | None
) -> None:
    ((call,),) = [demo.ask(cast.revops, question).tool_calls]
    assert (call.name, call.args["measure"], call.args["group_by"]) == ("query_metrics", measure, "deal")
    assert call.args.get("min_amount") == bound


def test_counting_or_breaking_down_deals_still_counts_or_breaks_down(demo: World, cast: Cast) -> None:
    ((counted,),) = [demo.ask(cast.revops, "how many lost deals last 90 days").tool_calls]
    assert counted.args["measure"] == "lost_deals" and "group_by" not in counted.args
    ((by_reason,),) = [demo.ask(cast.revops, "lost deals by reason").tool_calls]
    assert by_reason.args["group_by"] == "loss_reason"


def test_who_owns_them_after_the_deals_listed_names_each_owner(demo: World, cast: Cast) -> None:
    industry = (
        query_metrics(
            demo.repository, cast.revops, MetricQuery(measure="open_deals", group_by="industry", top=1)
        )
        .rows[0]
        .group
    )
    first = demo.ask(cast.revops, f"open {industry} deals over 20k")
    ((listed,),) = [first.tool_calls]
    assert (listed.args["group_by"], listed.args["industry"]) == ("deal", industry)
    ((owners,),) = [demo.ask(cast.revops, "who owns them", first.thread_id).tool_calls]
    # each deal with its owner when all were shown, else the owners of all of them
    assert "rep" in (owners.args["group_by"], owners.args.get("then_by"))
    assert owners.args.get("industry") == industry or len(
        owners.args["any_of"]["deal"]
    ) == first.answer.count("(#")


def test_a_filter_after_a_scorecard_is_kept_by_the_metric_query(maven: World) -> None:
    rep = maven.viewer("Darcel Schlecht")
    first = maven.ask(rep, "wins since september")
    assert [call.name for call in first.tool_calls] == ["rep_performance"]
    ((then,),) = [maven.ask(rep, "just the ones over 5k", first.thread_id).tool_calls]
    assert (then.name, then.args["measure"], then.args["min_amount"]) == (
        "query_metrics",
        "won_deals",
        "5000",
    )
    assert then.args["period"] == "since september"


def test_among_the_won_ones_swaps_the_outcome_of_the_thread_measure(maven: World) -> None:
    first = maven.ask(ADMIN, "which product family has the biggest average deal among lost deals?")
    ((lost,),) = [first.tool_calls]
    assert lost.args["measure"] == "average_lost_deal_size"
    for asked in ("and among won ones?", "what about among the ones we won"):
        ((won,),) = [maven.ask(ADMIN, asked, first.thread_id).tool_calls]
        assert (won.args["measure"], won.args["group_by"], won.args["top"]) == (
            "average_deal_size",
            "product_family",
            1,
        ), asked


def test_how_many_deals_was_that_counts_the_figure_before(maven: World) -> None:
    rep = maven.viewer("Darcel Schlecht")
    first = maven.ask(rep, "how much did I win in Q3 2017")
    for asked in ("how many deals was that", "and how many were there?"):
        ((call,),) = [maven.ask(rep, asked, first.thread_id).tool_calls]
        assert (call.name, call.args["measure"], call.args["period"]) == (
            "query_metrics",
            "won_deals",
            "q3 2017",
        )


def test_the_number_one_is_the_first_row_shown(maven: World) -> None:
    boss = maven.viewer("Rocco Neubert")
    first = maven.ask(boss, "top 3 reps on my team by won revenue in H2 2017 and their win rates")
    leader = first.answer.split("|---|---|---|\n| ")[1].split(" |")[0]
    then = maven.ask(boss, "how did the number one do in H1?", first.thread_id)
    assert [call.args.get("rep") for call in then.tool_calls] == [leader]


def test_who_owns_the_biggest_one_of_a_table_is_its_largest_row(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "combined won revenue from my team's top 5 accounts this year?")
    largest = first.answer.split("|---|---|\n| ")[1].split(" |")[0]
    then = demo.ask(cast.manager, "who owns the biggest one", first.thread_id)
    assert [(call.name, call.args.get("account")) for call in then.tool_calls] == [
        ("account_profile", largest)
    ]


def test_the_biggest_of_the_deals_flagged_is_one_of_them(demo: World, cast: Cast) -> None:
    def flagged() -> str:
        first = demo.ask(cast.manager, "show me my team's open deals closing this month that are over 20k")
        asked = "of those, which haven't had any activity in the last 2 weeks"
        return demo.ask(cast.manager, asked, first.thread_id).thread_id

    owner = demo.ask(cast.manager, "who owns the biggest one", flagged())
    assert [call.name for call in owner.tool_calls] == ["deal_details"]
    ranked = demo.ask(cast.manager, "the 3 biggest ones", flagged())
    ((call,),) = [ranked.tool_calls]
    assert (call.args["group_by"], call.args["top"], call.args["inactive_days"]) == ("deal", 3, 14)


def test_reps_under_a_percentage_are_measured_by_attainment(demo: World, cast: Cast) -> None:
    ((call,),) = [demo.ask(cast.revops, "how many reps were under 50% in Q3?").tool_calls]
    assert (call.args["measure"], call.args["group_by"], call.args["below"]) == ("attainment", "rep", 0.5)
    ((headcount,),) = [demo.ask(cast.revops, "how many reps do we have").tool_calls]
    assert headcount.args == {"measure": "reps"}


def test_a_bound_on_one_figure_is_not_carried_to_another(maven: World) -> None:
    boss = maven.viewer("Cara Losch")
    first = maven.ask(boss, "is anyone on my team below 50% of quota?")
    ((then,),) = [
        maven.ask(boss, "ok then who's lowest on won revenue this quarter", first.thread_id).tool_calls
    ]
    assert then.args["measure"] == "won_revenue" and "below" not in then.args and then.args["order"] == "asc"


def test_only_groups_with_more_records_than_said_after_a_rate(maven: World) -> None:
    first = maven.ask(ADMIN, "which industries have the best win rate")
    ((then,),) = [maven.ask(ADMIN, "only those with over 500 closed deals", first.thread_id).tool_calls]
    assert (then.args["measure"], then.args["group_by"], then.args["min_records"]) == (
        "win_rate",
        "industry",
        501,
    )
    assert "any_of" not in then.args and "above" not in then.args
    # after a sum by group, the count is a bound on the groups' own figure
    summed = maven.ask(ADMIN, "bookings by rep this year")
    ((count,),) = [maven.ask(ADMIN, "only those with over 50 won deals", summed.thread_id).tool_calls]
    assert (count.args["measure"], count.args["above"]) == (
        "won_deals",
        50.0,
    ) and "min_records" not in count.args


def test_sorting_rows_by_a_figure_keeps_every_row_in_that_order(maven: World) -> None:
    boss = maven.viewer("Summer Sewald")
    first = maven.ask(boss, "win rate by rep this quarter")
    ((worst,),) = [maven.ask(boss, "sort by win rate, worst first", first.thread_id).tool_calls]
    assert (worst.args["measure"], worst.args["group_by"], worst.args["order"]) == ("win_rate", "rep", "asc")
    assert "top" not in worst.args
    ((booked,),) = [maven.ask(boss, "sort them by bookings", first.thread_id).tool_calls]
    assert (booked.args["measure"], booked.args["also"]) == ("won_revenue", ["win_rate"])
    assert "any_of" not in booked.args and "order" not in booked.args


def test_how_much_of_that_is_commit_keeps_the_threads_period(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "pipeline closing next quarter by region and stage")
    ((then,),) = [demo.ask(cast.revops, "how much of that is commit", first.thread_id).tool_calls]
    assert (then.name, then.args.get("period")) == ("forecast", "next quarter")


def test_the_biggest_of_the_accounts_listed_by_headcount_is_by_employees(maven: World) -> None:
    boss = maven.viewer("Summer Sewald")
    first = maven.ask(boss, "combined won revenue of my team's top 5 accounts this year")
    ((then,),) = [
        maven.ask(boss, "which of those is the biggest company by headcount?", first.thread_id).tool_calls
    ]
    assert (then.name, then.args["sort_by"], len(then.args["names"])) == ("search_accounts", "employees", 5)


def test_a_stall_rule_in_a_ranking_is_the_querys_filter(demo: World, cast: Cast) -> None:
    question = "which of my reps has the most open deals with pushed close dates"
    ((call,),) = [demo.ask(cast.manager, question).tool_calls]
    assert (call.args["measure"], call.args["group_by"], call.args["min_pushes"], call.args["top"]) == (
        "open_deals",
        "rep",
        1,
        1,
    )


def test_who_won_it_puts_the_owner_beside_the_deal_and_its_activities_are_counted(
    demo: World, cast: Cast
) -> None:
    first = demo.ask(cast.manager, "biggest deal my team won this year, and who won it?")
    ((call,),) = [first.tool_calls]
    assert (call.args["group_by"], call.args["then_by"], call.args["top"]) == ("deal", "rep", 1)
    counted = demo.ask(cast.manager, "how many activities were logged on it?", first.thread_id)
    ((then,),) = [counted.tool_calls]
    assert (then.args["measure"], then.args["period"]) == ("activities", "all time")
    assert len(then.args["any_of"]["deal"]) == 1


def test_the_pushed_ones_after_a_bound_on_pushes_keep_that_bound(demo: World, cast: Cast) -> None:
    first = demo.ask(
        cast.manager, "how much of my team's pipeline has had the close date pushed more than twice?"
    )
    ((asked,),) = [first.tool_calls]
    assert asked.args["min_pushes"] == 3
    ((then,),) = [demo.ask(cast.manager, "list the pushed ones over 40k", first.thread_id).tool_calls]
    assert (then.name, then.args["group_by"], then.args["min_pushes"], then.args["min_amount"]) == (
        "query_metrics",
        "deal",
        3,
        "40000",
    )


def test_two_regions_set_against_each_other_are_both_shown(demo: World, cast: Cast) -> None:
    for asked in (
        "East vs West bookings this year",
        "is East ahead of West on closed-won bookings this year?",
    ):
        answer = demo.ask(cast.revops, asked)
        ((call,),) = [answer.tool_calls]
        assert call.args["group_by"] == "region" and "region" not in call.args, asked
        assert "| East |" in answer.answer and "| West |" in answer.answer, asked


def test_sorting_the_pipeline_by_count_then_the_one_at_the_bottom(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "pipeline review - open pipe by rep for deals closing this quarter")
    counted = demo.ask(cast.manager, "sort by # of deals instead", first.thread_id)
    ((call,),) = [counted.tool_calls]
    assert (call.args["measure"], call.args["also"], call.args["group_by"]) == (
        "open_deals",
        ["open_pipeline"],
        "rep",
    )
    last = counted.answer.split("\n\n")[1].splitlines()[-1].split(" | ")[0].lstrip("| ")
    bottom = demo.ask(cast.manager, "the one at the bottom, what's in their pipe", counted.thread_id)
    assert [c.args.get("owner") for c in bottom.tool_calls] == [last]


def test_the_company_average_asked_by_a_manager_is_said_not_to_be_theirs(maven: World) -> None:
    boss = maven.viewer("Cara Losch")
    answer = maven.ask(boss, "is my team's win rate this year better than the company average?")
    ((call,),) = [answer.tool_calls]
    assert (call.args["measure"], call.args["period"]) == ("win_rate", "this year")
    assert "the company's figure is not yours to see" in answer.answer
