"""A follow-up is answered as asked or said not to be understood: a change that was not read
("by value instead") is never answered with the last answer again; the thread's measure stays when a
ranking names none ("by rep - who's lowest?" after attainment, "who's best on gtx pro" after win
rates); a breakdown asked with its best member shows every member and names the best; a quarter that
has passed is last quarter's for attainment; a colleague or a place out of sight is said."""

from __future__ import annotations

from typing import Any

from tests.offline.conftest import Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def test_a_change_that_was_not_understood_is_said_not_repeated(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "win rate by rep for my team last quarter")
    again = demo.ask(cast.manager, "by effort instead", first.thread_id)
    assert _calls(again) == []
    assert 'I could not tell what "by effort instead" changes' in again.answer
    # the thread is kept: the next follow-up still reads the win rates
    later = demo.ask(cast.manager, "just the top 2", first.thread_id)
    assert _calls(later)[0][1]["measure"] == "win_rate"


def test_the_same_breakdown_asked_again_is_answered_again(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "lost deals by reason last month on my team")
    again = demo.ask(cast.manager, "sort those by reason", first.thread_id)
    assert _calls(again) == _calls(first)


def test_a_ranking_after_the_forecasts_attainment_keeps_attainment(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "team quota attainment q3")
    assert "2026-Q3" in first.answer  # the Q3 just ended, not next year's
    lowest = demo.ask(cast.manager, "by rep - who's lowest?", first.thread_id)
    args = _calls(lowest)[0][1]
    assert (args["measure"], args["group_by"], args.get("top")) == ("attainment", "rep", None)
    assert "Lowest: " in lowest.answer
    behind = demo.ask(cast.manager, "who's furthest behind", first.thread_id)
    args = _calls(behind)[0][1]
    assert (args["measure"], args["group_by"], args["order"]) == ("attainment", "rep", "asc")


def test_a_ranking_naming_a_product_keeps_the_threads_measure(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Melvin Marxen")
    first = maven.ask(manager, "win rate by product for my team")
    best = maven.ask(manager, "who's best on gtx pro", first.thread_id)
    args = _calls(best)[0][1]
    assert (args["measure"], args["product"], args["group_by"]) == ("win_rate", "GTX Pro", "rep")


def test_a_series_with_its_best_member_shows_the_series(maven: World, cast: Cast) -> None:
    answer = maven.ask(
        maven.viewer("Cara Losch"), "monthly won revenue for my team this year - which month was best?"
    )
    args = _calls(answer)[0][1]
    assert (args["group_by"], args.get("top")) == ("month", None)
    months = [line for line in answer.answer.splitlines() if line.strip().startswith("| 2017-")]
    assert len(months) > 3
    assert "Highest: 2017-" in answer.answer


def test_a_place_out_of_sight_is_said_not_swapped_for_my_own(maven: World, cast: Cast) -> None:
    rep = maven.viewer("Marty Freudenburg")  # Central
    answer = maven.ask(rep, "show me the west team's pipeline")
    assert 'named "west"' in answer.answer and "$" not in answer.answer
    manager = maven.viewer("Summer Sewald")  # West
    answer = maven.ask(manager, "show me the west team's pipeline")
    assert _calls(answer)[0][0] == "pipeline_summary" and "open pipeline" in answer.answer


def test_which_of_those_five_is_the_five_listed_before(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "my top 5 open deals by amt")
    demo.ask(cast.rep, "the 2nd one - whats the next step", first.thread_id)
    those = demo.ask(cast.rep, "which of those 5 have no next step?", first.thread_id)
    args = _calls(those)[0][1]
    assert len(args["any_of"]["deal"]) == 5 and args["missing"] == "next_step"


def test_which_of_those_slipped_keeps_the_deals_listed(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "top 10 deals closing in december")
    slipped = demo.ask(
        cast.manager, "which of those have slipped at least once, and whats their total", first.thread_id
    )
    args = _calls(slipped)[0][1]
    assert len(args["any_of"]["deal"]) == 10 and args["min_pushes"] == 1


def test_taking_out_pushed_deals_keeps_the_threads_measure(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "whats my team's pipeline coverage for q4")
    without = demo.ask(cast.manager, "and if you take out deals that got pushed 2+ times?", first.thread_id)
    args = _calls(without)[0][1]
    assert (args["measure"], args["max_pushes"]) == ("coverage", 1) and "min_pushes" not in args
    assert "close date pushed at most once" in without.answer


def test_quiet_accounts_are_accounts_not_deals(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "which of my accts have gone quiet - no activity in 30+ days")
    name, args = _calls(answer)[0]
    assert (name, args["inactive_days"]) == ("search_accounts", 30)


def test_the_worst_one_of_a_bottom_list_is_its_first_row(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "bottom 3 reps by win rate this year (min 20 closed deals)")
    worst = next(line for line in first.answer.splitlines() if line.startswith("| ") and "%" in line)
    name = worst.split("|")[1].strip()
    reason = demo.ask(cast.revops, "whats the main loss reason for the worst one", first.thread_id)
    args = _calls(reason)[0][1]
    assert (args["rep"], args["group_by"]) == (name, "loss_reason")


def test_two_outcomes_set_side_by_side_are_both_measured(maven: World, cast: Cast) -> None:
    args = _calls(maven.ask(cast.revops, "won vs lost by product this year"))[0][1]
    assert (args["measure"], args["also"], args["group_by"]) == ("won_revenue", ["lost_revenue"], "product")


def test_a_value_the_data_misspells_is_reached_beside_another(maven: World, cast: Cast) -> None:
    answer = maven.ask(cast.revops, "avg won deal size in technology vs software accounts")
    shown = [line.split("|")[1].strip() for line in answer.answer.splitlines() if line.startswith("| ")]
    assert {"technolgy", "software"} <= set(shown)


def test_the_other_outcome_of_the_threads_measure(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "avg sales cycle for won deals by product")
    lost = maven.ask(cast.revops, "what about for lost ones", first.thread_id)
    args = _calls(lost)[0][1]
    assert (args["measure"], args["group_by"]) == ("average_lost_cycle", "product")


def test_a_second_breakdown_asked_too_keeps_the_first(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "won revenue by regional office 2017")
    both = maven.ask(cast.revops, "split by quarter too", first.thread_id)
    args = _calls(both)[0][1]
    assert (args["group_by"], args["then_by"]) == ("region", "quarter")
    lines = [line for line in both.answer.splitlines() if " · 2017-Q" in line]
    assert lines == sorted(lines)  # each region's quarters together, in order


def test_deals_that_dont_even_have_an_account(maven: World, cast: Cast) -> None:
    answer = maven.ask(
        maven.viewer("Darcel Schlecht"), "how many of my open deals dont even have an account on them"
    )
    args = _calls(answer)[0][1]
    assert (args["measure"], args["missing"]) == ("open_deals", "account")


def test_the_bottom_few_by_money_name_those_with_none_apart(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "top 5 reps by won $ in 2017")
    bottom = maven.ask(cast.revops, "bottom 5?", first.thread_id)
    shown = [line for line in bottom.answer.splitlines() if line.startswith("| ") and "$" in line]
    assert len(shown) == 5  # five reps who booked something, the lowest first
    assert "with no bookings (closed won) in the period: " in bottom.answer


def test_deals_listed_by_a_count_show_their_amounts(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "which open deals have had the close date pushed 2+ times")
    args = _calls(answer)[0][1]
    assert (args["measure"], args["group_by"], args["min_pushes"]) == ("open_pipeline", "deal", 2)


def test_whose_are_they_after_a_count_is_the_count_by_owner(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Dustin Brinkmann")
    first = maven.ask(manager, "how many of my team's engaging deals have been sitting there 90+ days")
    whose = maven.ask(manager, "whose are they", first.thread_id)
    args = _calls(whose)[0][1]
    assert (args["measure"], args["group_by"], args["min_days_in_stage"]) == ("open_deals", "rep", 90)


def test_the_commit_of_the_forecast_asked_is_that_quarters(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "q4 forecast for my team - commit vs best case")
    commit = demo.ask(cast.manager, "whats in commit", first.thread_id)
    args = _calls(commit)[0][1]
    assert args["forecast_category"] == "commit" and args["period"] == "q4"


def test_the_median_too_keeps_the_average_ranked(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "avg deal size by industry for deals won in 2026")
    both = demo.ask(cast.revops, "top 3 only, and show the median too", first.thread_id)
    args = _calls(both)[0][1]
    assert (args["measure"], args["also"], args["top"]) == ("average_deal_size", ["median_deal_size"], 3)


def test_one_member_by_another_breakdown(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Rocco Neubert")
    first = maven.ask(manager, "won rev by industry for my team this yr")
    medical = maven.ask(manager, "just medical, by rep", first.thread_id)
    args = _calls(medical)[0][1]
    assert (args["industry"], args["group_by"]) == ("medical", "rep")


def test_show_me_their_deals_lists_them(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "who on my team has the most deals past their close date?")
    show = demo.ask(cast.manager, f"show me {cast.rep_short}'s", first.thread_id)
    args = _calls(show)[0][1]
    assert (args["measure"], args["group_by"], args["past_due"]) == ("open_pipeline", "deal", True)


def test_attainment_says_what_was_booked_against_what_quota(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "what did i close in q2 vs my quota")
    args = _calls(answer)[0][1]
    assert (args["measure"], args["also"]) == ("attainment", ["won_revenue", "quota"])


def test_against_the_playbooks_norm_is_the_teams_figure(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "what's a healthy pipeline coverage ratio?")
    ours = demo.ask(cast.manager, "how's my team doing against that for q4", first.thread_id)
    args = _calls(ours)[0][1]
    assert (args["measure"], args["period"]) == ("coverage", "q4")


def test_the_old_ones_are_every_period(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, f"tell me about {cast.account}")
    why = demo.ask(cast.rep, "why did we lose the old ones", first.thread_id)
    args = _calls(why)[0][1]
    assert (args["group_by"], args["period"]) == ("loss_reason", "the old ones")
    assert "all time" in why.answer


def test_the_forecast_by_rep_and_category(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "q4 forecast by rep - commit, best case, pipe")
    args = _calls(answer)[0][1]
    assert (args["group_by"], args["then_by"], args["period"]) == ("rep", "forecast_category", "q4")


def test_how_much_of_that_is_estimated(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Summer Sewald")
    first = maven.ask(manager, "whats the open pipe for my team")
    split = maven.ask(manager, "how much of that is real vs estimated", first.thread_id)
    args = _calls(split)[0][1]
    assert (args["measure"], args["group_by"]) == ("open_pipeline", "amount_basis")
    assert "no person named" not in split.answer and "estimated" in split.answer


def test_stuck_in_a_stage_the_longest_then_a_bound_in_days(maven: World, cast: Cast) -> None:
    rep = maven.viewer("Cecily Lampkin")
    first = maven.ask(rep, "which of my deals have been stuck in engaging the longest")
    args = _calls(first)[0][1]
    assert (args["measure"], args["group_by"], args["stage"]) == ("average_days_in_stage", "deal", "Engaging")
    over = maven.ask(rep, "how many are over 90 days and what are they worth", first.thread_id)
    args = _calls(over)[0][1]
    assert (args["measure"], args["also"], args["min_days_in_stage"]) == ("open_deals", ["open_pipeline"], 90)


def test_follow_ups_keep_the_threads_filters_and_breakdown(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "whats the team pipe closing in dec")
    commit = demo.ask(cast.manager, "only commit", first.thread_id)
    by_rep = demo.ask(cast.manager, "by rep", first.thread_id)
    for answer in (commit, by_rep):
        name, args = _calls(answer)[0]
        assert (args["forecast_category"], args["period"]) == ("commit", "dec"), (name, args)
    first = demo.ask(cast.manager, "pipeline by product for my team")
    weighted = demo.ask(cast.manager, "weighted?", first.thread_id)
    args = _calls(weighted)[0][1]
    assert (args["measure"], args["group_by"]) == ("weighted_pipeline", "product")


def test_calls_only_counts_the_calls(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "activity count per rep in the east last month")
    calls = demo.ask(cast.revops, "calls only", first.thread_id)
    args = _calls(calls)[0][1]
    assert (args["measure"], args["activity_type"], args["group_by"]) == ("activities", "call", "rep")


def test_who_has_the_most_of_the_stalled_deals(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "which of my team's deals are past their close date?")
    most = demo.ask(cast.manager, "who has the most of those", first.thread_id)
    args = _calls(most)[0][1]
    assert (args["measure"], args["group_by"], args["past_due"], args["top"]) == (
        "open_deals",
        "rep",
        True,
        1,
    )


def test_who_is_furthest_behind_after_the_teams_total(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "hows my team tracking vs q4 quota")
    behind = demo.ask(cast.manager, "who's furthest behind", first.thread_id)
    args = _calls(behind)[0][1]
    assert (args["measure"], args["group_by"], args["order"]) == ("attainment", "rep", "asc")


def test_a_segment_of_accounts_is_the_segment(demo: World, cast: Cast) -> None:
    args = _calls(demo.ask(cast.revops, "avg won deal size by account segment in 2026"))[0][1]
    assert args["group_by"] == "segment"


def test_how_many_of_those_counts_the_deals_behind_the_rows(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "how many deals did my team create last month, by rep")
    lost = demo.ask(cast.manager, "how many of those are already closed lost", first.thread_id)
    args = _calls(lost)[0][1]
    assert (args["measure"], args["date_field"], args["period"]) == ("lost_deals", "created", "last month")
    assert "any_of" not in args


def test_commit_vs_best_case_by_manager_then_what_each_team_closed(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "q4 commit vs best case by manager")
    args = _calls(first)[0][1]
    assert (args["group_by"], args["then_by"]) == ("team", "forecast_category")
    closed = demo.ask(cast.revops, "and how much has each team closed so far this q", first.thread_id)
    args = _calls(closed)[0][1]
    assert (args["measure"], args["group_by"]) == ("won_revenue", "team") and "then_by" not in args


def test_the_stall_check_of_the_deals_closing_next_week(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "what do i have closing next week")
    none = demo.ask(cast.rep, "any of them missing a next step?", first.thread_id)
    args = _calls(none)[0][1]
    assert (args["missing"], args["period"]) == ("next_step", "next week")


def test_whose_have_sat_there_longest_keeps_the_stage(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Summer Sewald")
    first = maven.ask(manager, "how many deals is my team working in engaging rn")
    longest = maven.ask(manager, "whose have been sitting there longest", first.thread_id)
    args = _calls(longest)[0][1]
    assert (args["measure"], args["stage"], args["group_by"], args["then_by"]) == (
        "average_days_in_stage",
        "Engaging",
        "deal",
        "rep",
    )


def test_a_win_rate_by_value(maven: World, cast: Cast) -> None:
    rep = maven.viewer("Darcel Schlecht")
    first = maven.ask(rep, "whats my win rate this yr")
    value = maven.ask(rep, "by $ instead of count?", first.thread_id)
    args = _calls(value)[0][1]
    assert (args["measure"], args["period"]) == ("win_rate_by_value", "this year")
    result = query_metrics(
        maven.repository, rep, MetricQuery(measure="win_rate_by_value", period="this year")
    ).total[0]
    won = query_metrics(maven.repository, rep, MetricQuery(measure="won_revenue", period="this year")).total[
        0
    ]
    lost = query_metrics(
        maven.repository, rep, MetricQuery(measure="lost_revenue", period="this year")
    ).total[0]
    assert result.value == round(float(won.value or 0) / float((won.value or 0) + (lost.value or 0)), 4)


def test_the_best_month_then_how_many_deals_that_was(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "won rev by month 2017")
    best = maven.ask(cast.revops, "best month?", first.thread_id)
    month = next(
        line.split("|")[1].strip() for line in best.answer.splitlines() if line.startswith("| 2017-")
    )
    count = maven.ask(cast.revops, "how many deals was that", first.thread_id)
    name, args = _calls(count)[0]
    assert (name, args["measure"]) == ("query_metrics", "won_deals")
    assert args["period"].endswith("2017") and month.endswith(
        f"{_MONTHS.index(args['period'].split()[0]) + 1:02d}"
    )


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def test_the_playbooks_criteria_for_a_category(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "what do we need for a deal to be in commit?")
    assert _calls(answer)[0][0] == "search_playbook"
    assert "criteria" in _calls(answer)[0][1]["query"]


def test_the_median_too_is_of_the_threads_figure(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "avg cycle time on won deals this yr for my team")
    demo.ask(cast.manager, "by rep", first.thread_id)
    median = demo.ask(cast.manager, "median too", first.thread_id)
    args = _calls(median)[0][1]
    assert (args["measure"], args["also"]) == ("average_sales_cycle", ["median_sales_cycle"])


def test_which_manager_are_they_under(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "who sold gtk 500 this yr")
    managers = maven.ask(cast.revops, "which mgr are they under", first.thread_id)
    assert _calls(managers)[0][0] == "team_roster"


def test_break_it_down_by_country_after_a_figure(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Summer Sewald")
    first = maven.ask(manager, "did we win anything w accts outside the US this yr?")
    split = maven.ask(manager, "break it down by country", first.thread_id)
    args = _calls(split)[0][1]
    assert (args["group_by"], args["exclude"]) == ("country", {"country": "United States"})


def test_a_size_bound_against_the_smaller_accounts(maven: World, cast: Cast) -> None:
    answer = maven.ask(
        cast.revops, "avg won deal size for accts with more than 5000 employees vs smaller ones"
    )
    (_, big), (_, small) = _calls(answer)
    assert big["min_employees"] == 5000 and small["max_employees"] == 4999 and "min_employees" not in small
    assert "The rest (account employees <= 4,999): average won deal size" in answer.answer


def test_a_region_named_with_a_breakdown_is_the_region(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "q1 2027 pipeline coverage by region")
    west = demo.ask(cast.revops, "just west, by rep", first.thread_id)
    args = _calls(west)[0][1]
    assert (args["region"], args["group_by"], args["measure"]) == ("West", "rep", "coverage")


def test_the_last_quarter_of_the_forecasts_attainment(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "what's my attainment this quarter?")
    last = demo.ask(cast.rep, "and last quarter?", first.thread_id)
    assert _calls(last)[0][0] == "forecast" and _calls(last)[0][1]["period"] == "last quarter"


def test_why_a_deal_is_flagged_and_what_to_do_about_it(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "any stalled deals on my team?")
    deal = demo.ask(cast.manager, "the biggest one", first.thread_id)
    why = demo.ask(cast.manager, "why's it flagged", first.thread_id)
    assert [name for name, _ in _calls(why)] == ["deal_details", "stalled_deals"]
    todo = demo.ask(cast.manager, "what should the rep do about it", first.thread_id)
    assert "stalled_deals" in [name for name, _ in _calls(todo)]
    assert deal.answer != why.answer
    assert "What to do (from the stalled-deal playbook)" in todo.answer


def test_reps_elsewhere_are_no_zero_rows_under_a_place_filter(demo: World, cast: Cast) -> None:
    result = query_metrics(
        demo.repository,
        cast.revops,
        MetricQuery(measure="activities", group_by="rep", region="East", period="last month", top=50),
    )
    everyone = query_metrics(
        demo.repository,
        cast.revops,
        MetricQuery(measure="activities", group_by="rep", period="last month", top=50),
    )
    assert all(row.record_count for row in result.rows)
    assert len(result.rows) < len(everyone.rows)


def test_there_after_a_ranking_is_its_first_row(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Summer Sewald")
    first = maven.ask(manager, "win rate by sector for my team 2017")
    worst = maven.ask(manager, "which ones the worst", first.thread_id)
    sector = next(
        line.split("|")[1].strip()
        for line in worst.answer.splitlines()
        if line.startswith("| ") and "%" in line
    )
    there = maven.ask(manager, "who on my team lost the most there", first.thread_id)
    args = _calls(there)[0][1]
    assert (args["industry"], args["group_by"]) == (sector, "rep")


def test_one_persons_biggest_ones_are_their_deals(maven: World, cast: Cast) -> None:
    manager = maven.viewer("Cara Losch")
    first = maven.ask(manager, "which reps have the most deals in engaging")
    biggest = maven.ask(manager, "just corliss's biggest ones", first.thread_id)
    args = _calls(biggest)[0][1]
    assert (args["rep"], args["group_by"], args["stage"]) == ("Corliss Cosme", "deal", "Engaging")


def test_an_order_asked_in_words(demo: World, cast: Cast) -> None:
    best = _calls(demo.ask(cast.revops, "q3 win rate by product family, best to worst"))[0][1]
    assert best["group_by"] == "product_family" and best.get("order", "desc") == "desc"
    worst = _calls(demo.ask(cast.revops, "q3 win rate by product family, worst to best"))[0][1]
    assert worst["order"] == "asc"
    fastest = _calls(demo.ask(cast.manager, "avg days to close won deals by rep on my team, fastest first"))[
        0
    ][1]
    assert (fastest["measure"], fastest["order"]) == ("average_sales_cycle", "asc")


def test_a_request_to_reassign_an_account_is_declined(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, f"can you reassign {cast.account} to {cast.rep.name}")
    assert _calls(answer) == [] and "can't" in answer.answer.lower()


def test_the_playbooks_range_then_am_i_in_it(maven: World, cast: Cast) -> None:
    rep = maven.viewer("Elease Gluck")
    first = maven.ask(rep, "whats a good win rate according to the playbook")
    mine = maven.ask(rep, "am i in that range?", first.thread_id)
    assert _calls(mine)[0] == ("query_metrics", {"measure": "win_rate"})


def test_is_that_healthy_searches_the_norm_for_the_figure(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "whats my team's win rate this quarter")
    norm = demo.ask(cast.manager, "is that healthy per the playbook?", first.thread_id)
    name, args = _calls(norm)[0]
    assert name == "search_playbook" and "win rate" in args["query"]


def test_commission_is_said_to_be_out_of_reach_not_read_as_a_name(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "whats the commission payout for my team this q")
    assert _calls(answer) == [] and "commission" in answer.answer and "no person named" not in answer.answer


def test_what_i_closed_in_one_month_against_another(maven: World, cast: Cast) -> None:
    answer = maven.ask(maven.viewer("Darcel Schlecht"), "what did i close in december vs november")
    args = _calls(answer)[0][1]
    assert (args["measure"], args["period"], args["compare"]) == (
        "won_revenue",
        "december",
        "previous_period",
    )
