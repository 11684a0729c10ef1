"""A follow-up edits the question before it: shorthand read as in any question ("same period last
yr?"), names set side by side on the thread's measure, a stage narrowing a pipeline breakdown, and
"which have…" asking about the records the previous answer covered."""

from __future__ import annotations

from tests.offline.conftest import Cast, World
from tests.offline.test_threads import _teammate, calls, thread
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics


def test_the_same_period_last_year_in_shorthand_keeps_the_to_date_window(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.revops, "bookings by team ytd", t)
    again = demo.ask(cast.revops, "same period last yr?", t)
    assert calls(again) == [
        (
            "query_metrics",
            {"measure": "won_revenue", "group_by": "team", "period": "ytd", "compare": "last_year"},
        )
    ]
    grew = demo.ask(cast.revops, "which team grew the most", t)
    assert calls(grew)[0][1]["compare"] == "last_year"
    assert " rose the most (by $" in grew.answer


def test_two_names_after_a_measure_by_rep_are_set_side_by_side_on_it(demo: World, cast: Cast) -> None:
    other = _teammate(demo, cast)
    assert other is not None
    t = thread()
    team = demo.ask(cast.manager, "avg won deal size on my team this yr", t)
    assert calls(team) == [("query_metrics", {"measure": "average_deal_size", "period": "this year"})]
    demo.ask(cast.manager, "by rep", t)
    pair = demo.ask(cast.manager, f"{cast.rep.name.lower()} vs {other.lower()}", t)
    name, args = calls(pair)[0]
    assert name == "query_metrics" and args["measure"] == "average_deal_size" and args["group_by"] == "rep"
    rows = [line.split("|")[1].strip() for line in pair.answer.splitlines() if line.startswith("| ")][1:]
    assert sorted(rows) == sorted([cast.rep.name, other])
    before = demo.ask(cast.manager, "and last yr?", t)
    args = calls(before)[0][1]
    assert (args["measure"], args["group_by"], args["period"]) == ("average_deal_size", "rep", "last year")


def test_a_stage_after_open_deals_by_rep_narrows_them_and_which_have_asks_about_them(
    maven: World, cast: Cast
) -> None:
    manager = maven.viewer("Celia Rouche")
    t = thread()
    maven.ask(manager, "open deals on my team by agent", t)
    engaging = maven.ask(manager, "only engaging", t)
    assert calls(engaging) == [
        ("query_metrics", {"measure": "open_deals", "group_by": "rep", "stage": "Engaging"})
    ]
    oldest = maven.ask(manager, "which have been sitting the longest", t)
    assert calls(oldest) == [
        ("query_metrics", {"measure": "average_deal_age", "group_by": "deal", "stage": "Engaging"})
    ]


def test_us_in_capitals_is_the_country_and_narrows_the_breakdown(maven: World, cast: Cast) -> None:
    t = thread()
    maven.ask(cast.revops, "revenue by sector in H2", t)
    us = maven.ask(cast.revops, "only US accounts", t)
    assert calls(us)[0][1] | {"country": "United States", "group_by": "industry"} == calls(us)[0][1]
    ours = maven.ask(cast.revops, "what did we sell to us this year", t)
    assert "country" not in calls(ours)[0][1]  # "us" in lower case is the team


def test_a_change_after_two_periods_asked_one_after_the_other(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Dustin Brinkmann")
    t = thread()
    maven.ask(manager, "won revenue by agent this qtr", t)
    maven.ask(manager, "and last qtr?", t)
    dropped = maven.ask(manager, "who dropped the most", t)
    assert calls(dropped) == [
        (
            "query_metrics",
            {
                "measure": "won_revenue",
                "group_by": "rep",
                "period": "this quarter",
                "compare": "previous_period",
            },
        )
    ]
    assert " fell the most (by $" in dropped.answer


def test_money_asked_of_deals_counted_before_and_the_biggest_of_them(maven: World, cast: Cast) -> None:
    rep = maven.viewer("Moses Frase")
    t = thread()
    maven.ask(rep, "how many deals did i win in q4", t)
    biggest = maven.ask(rep, "the 3 biggest?", t)
    assert calls(biggest) == [
        ("query_metrics", {"measure": "won_revenue", "group_by": "deal", "period": "q4", "top": 3})
    ]
    t = thread()
    maven.ask(rep, "my lost deals this yr by product", t)
    cost = maven.ask(rep, "which product cost me the most $", t)
    assert calls(cost)[0][1]["measure"] == "lost_revenue" and calls(cost)[0][1]["group_by"] == "product"


def test_who_drove_the_change_breaks_the_comparison_down_by_rep(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Cara Losch")
    t = thread()
    maven.ask(manager, "team bookings this qtr vs last qtr", t)
    drove = maven.ask(manager, "who drove the change", t)
    assert calls(drove) == [
        (
            "query_metrics",
            {
                "measure": "won_revenue",
                "group_by": "rep",
                "period": "this quarter",
                "compare": "previous_period",
            },
        )
    ]
    rows = [line.split("|")[1].strip() for line in drove.answer.splitlines() if line.startswith("| ")][1:]
    result = query_metrics(
        maven.repository,
        manager,
        MetricQuery(
            measure="won_revenue", group_by="rep", period="this quarter", compare="previous_period", top=50
        ),
    )
    biggest = max(result.rows, key=lambda r: abs(float(r.changes[0].absolute or 0)))
    assert rows[0] == biggest.group and drove.answer.count(f"{biggest.group} ") >= 2


def test_fewer_or_smaller_deals_splits_the_figure_then_a_region_narrows_it(maven: World, cast: Cast) -> None:
    t = thread()
    maven.ask(cast.revops, "bookings by product family q4 vs q3", t)
    product = maven.ask(cast.revops, "which product drove the drop", t)
    assert calls(product)[0][1]["group_by"] == "product"
    split = maven.ask(cast.revops, "was that fewer deals or smaller deals", t)
    args = calls(split)[0][1]
    assert (args["measure"], args["also"], args["compare"]) == (
        "won_deals",
        ["average_deal_size"],
        "previous_period",
    )


def test_ranking_the_whole_team_by_a_past_quarter(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "now rank the whole team by q3 attainment")
    assert calls(answer) == [("query_metrics", {"measure": "attainment", "group_by": "rep", "period": "q3"})]


def test_who_owns_the_biggest_one_is_the_largest_deal_with_its_owner(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.manager, "whats my team's open pipe closing this qtr, by rep", t)
    demo.ask(cast.manager, "only the ones over 50k", t)
    owner = demo.ask(cast.manager, "who owns the biggest one", t)
    name, args = calls(owner)[0]
    assert (name, args["group_by"], args["then_by"], args["top"]) == ("query_metrics", "deal", "rep", 1)
    biggest = query_metrics(
        demo.repository,
        cast.manager,
        MetricQuery(measure="open_pipeline", group_by="deal", period="this quarter", min_amount=50000, top=1),
    ).rows[0]
    assert biggest.group.split(" [")[0] in owner.answer


def test_the_oldest_one_in_a_stage_is_the_deal_by_age(maven: World, cast: Cast) -> None:
    rep = maven.viewer("Versie Hillebrand")
    answer = maven.ask(rep, "whats the oldest one in engaging")
    assert calls(answer) == [
        ("query_metrics", {"measure": "average_deal_age", "group_by": "deal", "stage": "Engaging", "top": 1})
    ]


def test_my_accounts_on_an_export_without_account_owners_are_the_ones_i_sell_to(
    maven: World, cast: Cast
) -> None:
    answer = maven.ask(
        maven.viewer("Darcel Schlecht"), "which of my accts havent bought anything from me this qtr?"
    )
    args = calls(answer)[0][1]
    assert "owner" not in args and args["has_bought"] is False
    assert "does not take a period" in answer.answer
