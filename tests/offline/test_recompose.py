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
from tests.offline.conftest import ADMIN, Cast, World
from tools.store.schema import Account, User
from tools.viewer import Viewer


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


def _first_deal(answer: str) -> str:
    shown = re.search(r"\(#O0*(\d+)\)", answer)
    assert shown is not None
    return f"opportunity/{int(shown[1])}"


def test_the_play_for_the_stalled_deals_is_each_deals_next_actions(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "stalled deals on my team")
    plays = demo.ask(cast.manager, "whats the play for these", first.thread_id)
    [(name, args)] = _calls(plays)
    assert name == "stalled_deals" and args == _calls(first)[0][1]
    assert plays.answer.startswith("**What to do about your team's")
    listed = [line for line in plays.answer.splitlines() if line.startswith("- **")]
    assert len(listed) == args["limit"] and all("[stalled-deal-recovery.md#" in line for line in listed)
    assert "Riskiest first" not in plays.answer  # not the list again


def test_what_to_do_about_it_after_one_stalled_deal_is_that_deals_advice(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "my team's riskiest deal")
    [(_, args)] = _calls(first)
    assert args["limit"] == 1
    deal = _first_deal(first.answer)
    advice = demo.ask(cast.manager, "ok what should I do about it", first.thread_id)
    assert ("deal_details", {"deal": deal}) in _calls(advice)
    assert ("stalled_deals", {"deal": deal}) in _calls(advice)
    # "the biggest one" after a list of one is that one, not the biggest of an earlier, longer list
    longer = demo.ask(cast.manager, "stalled deals on my team")
    one = demo.ask(cast.manager, f"show me {cast.rep.name}'s riskiest deal", longer.thread_id)
    only = _first_deal(one.answer)
    biggest = demo.ask(cast.manager, "what should he do about the biggest one", longer.thread_id)
    assert ("deal_details", {"deal": only}) in _calls(biggest)


def test_a_week_to_focus_on_is_not_a_close_period_for_the_follow_up(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "what should i focus on this week")
    those = demo.ask(cast.rep, "which of those are stalled", first.thread_id)
    assert all("period" not in args for _, args in _calls(those))


def test_what_closes_next_week_is_the_pipeline_closing_next_week(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "what closes next week")
    [(name, args)] = _calls(answer)
    assert name == "pipeline_summary" and args["period"] == "next week"


def test_members_ranked_with_no_measure_take_the_threads_measure(maven: World) -> None:
    manager = maven.viewer("Summer Sewald")
    won = maven.ask(manager, "how much did my team win in 2017")
    ranked = maven.ask(manager, "rank my reps on that", won.thread_id)
    [(_, args)] = _calls(ranked)
    assert (args["measure"], args["group_by"], args["period"]) == ("won_revenue", "rep", "2017")
    monthly = maven.ask(manager, "monthly won revenue for my team in the second half of 2017")
    most = maven.ask(manager, "which rep contributed the most over that period", monthly.thread_id)
    [(_, args)] = _calls(most)
    assert (args["measure"], args["group_by"], args["top"]) == ("won_revenue", "rep", 1)
    assert args["period"] == _calls(monthly)[0][1]["period"]


def test_what_share_of_the_total_is_that_is_the_figures_share(demo: World, cast: Cast) -> None:
    top = demo.ask(cast.revops, "which product brought in the most closed won revenue in 2026")
    share = demo.ask(cast.revops, "what share of the total is that", top.thread_id)
    [(_, args)] = _calls(share)
    assert args["share_of_total"] is True and args["measure"] == "won_revenue" and args["period"] == "2026"
    assert "% of all bookings" in share.answer


def test_families_named_as_products_and_alone_are_families(maven: World, cast: Cast) -> None:
    answer = maven.ask(cast.revops, "what % of won revenue came from GTX products vs MG vs GTK")
    [(_, args)] = _calls(answer)
    assert args["group_by"] == "product_family" and "product" not in args and args["share_of_total"]
    assert all(f"| {family} |" in answer.answer for family in ("GTX", "MG", "GTK"))


def test_deals_that_dont_have_an_amount_are_counted(maven: World, cast: Cast) -> None:
    answer = maven.ask(cast.revops, "how many open deals don't have an amount")
    [(_, args)] = _calls(answer)
    assert args["measure"] == "open_deals" and args["without_amount"] is True


def test_a_forecast_for_the_quarter_with_closed_so_far_is_the_whole_quarter(demo: World, cast: Cast) -> None:
    whole = demo.ask(cast.manager, "what's my team's forecast for this quarter")
    so_far = demo.ask(
        cast.manager, "team forecast for this quarter: closed so far, commit, best case and quota"
    )
    assert _calls(so_far) == _calls(whole) and so_far.answer.splitlines()[0] == whole.answer.splitlines()[0]


def test_a_parents_subsidiaries_are_the_group_it_heads(maven: World, cast: Cast) -> None:
    most = maven.ask(cast.revops, "which parent has the most subsidiaries")
    [(_, args)] = _calls(most)
    assert (args["measure"], args["group_by"], args["top"]) == ("accounts", "parent_account", 1)
    combined = maven.ask(cast.revops, "how much have we won from Acme Corporation's subsidiaries combined")
    [(_, args)] = _calls(combined)
    assert args["parent_account"] == "Acme Corporation" and args["measure"] == "won_revenue"
    which = maven.ask(cast.revops, "which subsidiary contributed most", combined.thread_id)
    [(_, args)] = _calls(which)
    assert (args["group_by"], args["top"], args["parent_account"]) == ("account", 1, "Acme Corporation")


def test_accounts_sold_to_are_listed_then_asked_about(maven: World) -> None:
    rep = maven.viewer("Kami Bicknell")
    sold = maven.ask(rep, "accounts i sold to in medical")
    [(_, args)] = _calls(sold)
    assert (args["measure"], args["group_by"], args["industry"]) == ("won_revenue", "account", "medical")
    revenue = maven.ask(rep, "whats their annual revenue", sold.thread_id)
    [(name, args)] = _calls(revenue)
    shown = re.findall(r"^\| ([^|]+?) \| \$", sold.answer, re.M)
    assert name == "search_accounts" and sorted(args["names"]) == sorted(shown) and shown
    assert "annual revenue $" in revenue.answer


def test_those_after_an_account_search_are_the_accounts_it_found(maven: World, cast: Cast) -> None:
    outside = maven.ask(cast.revops, "how many of our accounts are outside the US")
    bought = maven.ask(cast.revops, "what have those bought, total won", outside.thread_id)
    [(_, args)] = _calls(bought)
    assert args["measure"] == "won_revenue" and args["exclude"] == {"country": "United States"}


def test_which_of_my_teams_deals_lists_the_deals(maven: World) -> None:
    manager = maven.viewer("Melvin Marxen")
    answer = maven.ask(manager, "which of my team's deals have been sitting in engaging the longest")
    [(_, args)] = _calls(answer)
    assert (args["measure"], args["group_by"], args["stage"]) == ("average_days_in_stage", "deal", "Engaging")


def test_how_does_one_team_compare_after_the_best_team_shows_every_team(maven: World, cast: Cast) -> None:
    best = maven.ask(cast.revops, "which manager's team has the highest win rate in Q4 2017")
    assert _calls(best)[0][1]["top"] == 1
    compared = maven.ask(cast.revops, "and how does Summer Sewald's team compare", best.thread_id)
    [(_, args)] = _calls(compared)
    assert (args["measure"], args["group_by"]) == ("win_rate", "team")
    assert "top" not in args and "owner" not in args
    assert "| Summer Sewald |" in compared.answer


def test_teams_named_again_are_not_listed_twice(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "compare the managers' teams on closed won revenue this year")
    rates = demo.ask(cast.revops, "and their win rates", first.thread_id)
    rows = re.findall(r"^\| (?!Team |---)([^|]+?) \|", rates.answer, re.M)
    assert rows and len(rows) == len(set(rows)) and not any(row.endswith("'s team") for row in rows)
    assert "n/a" not in rates.answer


def test_activities_by_type_and_nobody_with_a_kind_of_activity(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "activity count by rep last week")
    by_type = demo.ask(cast.manager, "break it down by type", first.thread_id)
    [(_, args)] = _calls(by_type)
    assert (args["measure"], args["group_by"], args["period"]) == ("activities", "activity_type", "last week")
    none = demo.ask(cast.manager, "anyone with zero meetings?", first.thread_id)
    [(_, args)] = _calls(none)
    assert (args["group_by"], args["activity_type"], args["below"]) == ("rep", "meeting", 1)


def test_who_has_the_most_after_a_stall_rule_keeps_the_rules_definition(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "deals that slipped this quarter")
    most = demo.ask(cast.manager, "which rep has the most", first.thread_id)
    assert _calls(most) == _calls(first)  # the rule's own count, not "pushed at least once"
    stalled = demo.ask(cast.manager, "stalled deals on my team")
    most = demo.ask(cast.manager, "which rep has the most", stalled.thread_id)
    assert _calls(most) == _calls(stalled)
    counts = re.search(r"By owner, most first: ([^.]+)\.", stalled.answer)
    assert counts is not None
    top = int(counts[1].split(", ")[0].rsplit(" ", 1)[1])
    assert re.match(rf"\*\*[^*]+ (?:has|have) the most of these: {top}", most.answer)


def _then(world: World, viewer: Viewer, first: str, then: str) -> tuple[Any, dict[str, Any]]:
    """The answer to ``then`` asked after ``first`` in one thread, and the one call it made."""
    opened = world.ask(viewer, first)
    answer = world.ask(viewer, then, opened.thread_id)
    [(_, args)] = _calls(answer)
    return answer, args


def test_why_a_compared_figure_moved_is_its_parts_for_both_periods(maven: World) -> None:
    rep = maven.viewer("Darcel Schlecht")
    why, args = _then(maven, rep, "win rate this quarter vs last quarter", "why did it change")
    assert (args["measure"], args["also"], args["compare"]) == (
        "won_deals",
        ["lost_deals", "win_rate"],
        "previous_period",
    )
    assert why.answer.startswith("**The CRM records what happened, not why**")
    assert "won deals down" in why.answer or "won deals up" in why.answer


def test_pipeline_hygiene_filters_are_read_as_said(demo: World, cast: Cast) -> None:
    passed = demo.ask(cast.revops, "how many open deals have a close date that's already passed")
    [(name, args)] = _calls(passed)
    assert (name, args["rule"]) == ("stalled_deals", "past_close")
    without = demo.ask(cast.rep, "how many open deals w/o a next step?")
    [(name, args)] = _calls(without)
    assert (name, args["measure"], args["missing"]) == ("query_metrics", "open_deals", "next_step")
    nobody = demo.ask(cast.manager, "who on my team hasnt logged any activity this week")
    [(_, args)] = _calls(nobody)
    assert (args["measure"], args["group_by"], args["below"]) == ("activities", "rep", 1)


def test_what_a_team_did_close_in_a_month_is_what_it_won(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "how many deals did each manager's team close in October")
    [(_, args)] = _calls(answer)
    assert (args["measure"], args["group_by"]) == ("won_deals", "team")


def test_two_stages_set_against_each_other_are_each_a_row(maven: World) -> None:
    rep = maven.viewer("Darcel Schlecht")
    _, args = _then(
        maven, rep, "how much open pipeline do I have", "how many of those are prospecting vs engaging"
    )
    assert (args["measure"], args["group_by"], args["stage"]) == (
        "open_deals",
        "stage",
        "Prospecting, Engaging",
    )


def test_kinds_of_activity_listed_by_rep_are_each_a_column_of_the_split(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "how many calls, meetings and emails did each of my reps log last week")
    [(_, args)] = _calls(answer)
    assert (args["group_by"], args["then_by"]) == ("rep", "activity_type")


def test_money_listed_beside_a_count_is_asked_too(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "how did my team do in Q3 vs Q2 this year - won $ and number of deals")
    [(_, args)] = _calls(answer)
    assert {args["measure"], *args["also"]} == {"won_deals", "won_revenue"}
    assert args["compare"] == "previous_period"


def test_just_a_short_form_and_a_value_keeps_both(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "win rate by sector, ranked")
    both = maven.ask(cast.revops, "just tech and software", first.thread_id)
    [(_, args)] = _calls(both)
    assert args["group_by"] == "industry"
    rows = re.findall(r"^\| (?!Industry |---)([^|]+?) \|", both.answer, re.M)
    assert sorted(rows) == ["software", "technolgy"]  # the data's own spelling of technology


def test_facts_of_the_top_few_listed_are_those_accounts_facts(demo: World, cast: Cast) -> None:
    ranked = demo.ask(cast.rep, "which accounts have I sold the most to, all time")
    shown = re.findall(r"^\| ([^|]+?)(?: \(#A\d+\))? \| \$", ranked.answer, re.M)
    facts = demo.ask(
        cast.rep, "what industry are the top 3 in and how many employees do they have", ranked.thread_id
    )
    [(name, args)] = _calls(facts)
    assert name == "search_accounts" and sorted(args["names"]) == sorted(shown[:3]) and len(shown) > 3
    assert facts.answer.count("employees") >= 3


def test_accounts_counted_by_product_are_the_accounts_owning_it(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.revops, "which products do our customers own most - number of accounts per product"
    )
    [(_, args)] = _calls(answer)
    assert (args["measure"], args["group_by"]) == ("active_products", "product")
    assert "no product for these records" not in answer.answer


def test_what_is_replaced_is_not_asked(demo: World, cast: Cast) -> None:
    reasons = "why did we lose deals last quarter? top loss reasons"
    _, args = _then(demo, cast.manager, reasons, "rank them by amount lost instead of count")
    assert (args["measure"], args["group_by"]) == ("lost_revenue", "loss_reason")


def test_he_after_a_declined_request_is_the_person_it_named(demo: World, cast: Cast) -> None:
    first = f"what's the commission payout for {cast.rep.name} this quarter"
    _, args = _then(demo, cast.revops, first, "ok then what has he closed won this quarter")
    assert (args["measure"], args["rep"], args["period"]) == ("won_revenue", cast.rep.name, "this quarter")
    declined = demo.ask(cast.revops, first)
    other = demo.ask(cast.revops, "whats the pipeline by stage", declined.thread_id)
    assert all("rep" not in args and "owner" not in args for _, args in _calls(other))


def test_accounts_ranked_by_headcount_then_their_bookings_then_a_trait_of_those(maven: World) -> None:
    with maven.engine.connect() as connection:
        biggest = connection.execute(
            select(Account.name, Account.country).order_by(Account.employees.desc()).limit(10)
        ).all()
    answer = maven.ask(ADMIN, "top 10 accts by headcount and how much weve won from each")
    (searched, first), (measured, second) = _calls(answer)
    # a company's headcount is its employees, not the reps on it; the bookings are of those ten
    assert (searched, first["sort_by"], first["limit"]) == ("search_accounts", "employees", 10)
    assert measured == "query_metrics" and sorted(second["any_of"]["account"]) == sorted(
        n for n, _ in biggest
    )
    narrowed = maven.ask(ADMIN, "which of those are in the us", answer.thread_id)
    [(_, args)] = _calls(narrowed)
    assert args["group_by"] == "account" and args["country"] == "United States"
    assert sorted(args["any_of"]["account"]) == sorted(n for n, _ in biggest)
    in_us = {n for n, country in biggest if country == "United States"}
    listed = set(re.findall(r"^\| ([^|]+?) \| \$", narrowed.answer, re.M)) - {"Account"}
    assert listed <= in_us and listed
