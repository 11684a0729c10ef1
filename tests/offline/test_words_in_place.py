"""Words read for what they do where they stand: "at least 20 closed deals" is a threshold, not the
bottom of a ranking; "my biggest lost deals" are several; "won deals over 5000" bounds the deals'
amount, not the count of them; a segment named in a comparison is not an account's name too; and
"revenue" listed with a company's facts is the company's own revenue."""

from __future__ import annotations

from typing import Any

from tests.offline.conftest import ADMIN, Cast, World


def _only(answer: Any) -> tuple[str, dict[str, Any]]:
    ((name, args),) = [(c.name, dict(c.args)) for c in answer.tool_calls]
    return name, args


def test_at_least_n_closed_deals_keeps_the_top_of_the_ranking(demo: World, cast: Cast) -> None:
    _, args = _only(
        demo.ask(
            cast.revops, "top 3 reps by win rate this year, only counting reps with at least 20 closed deals"
        )
    )
    assert (args["measure"], args["top"], args["min_records"]) == ("win_rate", 3, 20)
    assert args.get("order", "desc") == "desc"


def test_the_biggest_lost_deals_are_several_and_the_biggest_lost_deal_one(demo: World, cast: Cast) -> None:
    _, several = _only(demo.ask(cast.rep, "my biggest lost deals this year and why we lost them"))
    assert (several["group_by"], several["then_by"]) == ("deal", "loss_reason") and several["top"] > 1
    _, one = _only(demo.ask(cast.rep, "the biggest deal I lost this year and why"))
    assert one["top"] == 1


def test_a_bound_right_after_the_deals_is_on_their_amount(maven: World) -> None:
    _, args = _only(maven.ask(ADMIN, "won deals over 5000 that closed in December"))
    # the deals, listed with their amounts
    assert (args["measure"], args["group_by"]) == ("won_revenue", "deal")
    assert float(args["min_amount"]) == 5000 and "above" not in args
    _, counted = _only(maven.ask(ADMIN, "which reps have more than 50 won deals this year"))
    assert counted["above"] == 50 and "min_amount" not in counted


def test_segments_compared_are_not_looked_up_as_accounts(demo: World, cast: Cast) -> None:
    question = (
        "what share of this year's closed-won revenue came from Enterprise vs Mid-Market vs SMB accounts"
    )
    _, args = _only(demo.ask(cast.revops, question))
    assert args["group_by"] == "segment" and "account" not in args


def test_revenue_listed_with_a_companys_facts_is_its_annual_revenue(maven: World) -> None:
    answer = maven.ask(ADMIN, "tell me about Kan-code - sector, employees, revenue")
    name, _ = _only(answer)
    assert name == "account_facts" and "Annual revenue" in answer.answer
    won, _ = _only(maven.ask(ADMIN, "how much revenue did we win from Kan-code"))
    assert won == "query_metrics"


def test_open_deals_after_a_years_win_rates_are_every_open_deal(maven: World) -> None:
    manager = maven.viewer("Melvin Marxen")
    first = maven.ask(manager, "win rate by rep on my team this year, ranked")
    _, args = _only(maven.ask(manager, "and who has the most open deals in engaging", first.thread_id))
    assert (args["measure"], args["stage"]) == ("open_deals", "Engaging") and "period" not in args
    _, named = _only(maven.ask(manager, "and open deals closing this year?", first.thread_id))
    assert named["period"] == "this year"  # a close period named is kept


def test_a_bound_asked_after_a_figure_bounds_that_figure(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "pipeline coverage for next quarter by team")
    _, args = _only(demo.ask(cast.revops, "which reps are under 2x", first.thread_id))
    assert (args["measure"], args["group_by"], args["below"], args["period"]) == (
        "coverage",
        "rep",
        2.0,
        "next quarter",
    )
    second = demo.ask(cast.revops, "quota attainment this quarter by team")
    _, bounded = _only(demo.ask(cast.revops, "any teams above 80%?", second.thread_id))
    assert (bounded["measure"], bounded["group_by"], bounded["above"]) == ("attainment", "team", 0.8)


def test_those_accounts_keep_every_condition_they_were_found_by(demo: World, cast: Cast) -> None:
    first = demo.ask(
        cast.revops, "accounts with more than 1000 employees that have never bought anything from us"
    )
    _, args = _only(demo.ask(cast.revops, "which of those have open deals right now", first.thread_id))
    assert (args["has_open_pipeline"], args["has_bought"], args["min_employees"]) == (True, False, 1000)


def test_what_they_bought_after_a_figure_of_a_set_of_accounts_is_that_figure_by_product(maven: World) -> None:
    first = maven.ask(
        ADMIN, "accounts with annual revenue over $1B - how much did we win from them this year"
    )
    name, args = _only(maven.ask(ADMIN, "and which products did they buy", first.thread_id))
    assert (name, args["measure"], args["group_by"], args["period"]) == (
        "query_metrics",
        "won_revenue",
        "product",
        "this year",
    )
    assert float(args["min_annual_revenue"]) == 1e9


def test_before_year_end_is_the_rest_of_this_year(demo: World, cast: Cast) -> None:
    _, args = _only(
        demo.ask(cast.manager, cast.fill("how much open pipeline does {rep} have closing before year end"))
    )
    assert args["period"] == "this year"


def test_those_deals_after_what_an_account_bought_are_its_wins(maven: World) -> None:
    first = maven.ask(ADMIN, "what has Kan-code bought")
    _, args = _only(maven.ask(ADMIN, "whos the rep on most of those deals", first.thread_id))
    assert (args["measure"], args["group_by"], args["account"]) == ("won_deals", "rep", "Kan-code")


def test_a_rule_asked_of_a_cut_list_is_asked_of_every_deal_it_was_drawn_from(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "whats my team's pipeline closing this quarter")
    narrowed = demo.ask(cast.manager, "which of those are in proposal or negotiation", first.thread_id)
    assert "out of" in narrowed.answer  # the largest few of them are listed
    quiet = demo.ask(
        cast.manager, "any of those gone quiet - no activity in the last 2 weeks?", first.thread_id
    )
    name, args = _only(quiet)
    assert (name, args["rule"], args["no_activity_days"], args["period"]) == (
        "stalled_deals",
        "no_activity",
        14,
        "this quarter",
    )
    assert args["stage"] == "Proposal, Negotiation" and "deal" not in args


def test_below_quota_is_under_100_percent_and_no_quota_on_file_is_said(demo: World, maven: World) -> None:
    manager = maven.viewer("Melvin Marxen")
    answer = maven.ask(manager, "which of my reps are below quota this quarter")
    _, args = _only(answer)
    assert (args["measure"], args["group_by"], args["below"]) == ("attainment", "rep", 1.0)
    assert "no quota is recorded for 2017-Q4" in answer.answer and "| none |" not in answer.answer
    _, quota = _only(demo.ask(demo.viewer("Hannah Moreau"), "which of my reps are below quota this quarter"))
    assert quota["below"] == 1.0


def test_what_percent_of_their_quota_each_listed_rep_hit_is_their_attainment(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "top 5 reps by bookings ytd")
    listed = _only(first)[1]
    assert listed["top"] == 5
    _, args = _only(demo.ask(cast.revops, "what % of their Q3 quota did each of them hit", first.thread_id))
    assert (args["measure"], args["group_by"], args["period"]) == ("attainment", "rep", "q3")
    assert len(args["any_of"]["rep"]) == 5


def test_deals_breaking_a_stall_rule_counted_by_a_breakdown(demo: World, cast: Cast) -> None:
    _, args = _only(demo.ask(cast.revops, "open deals with no activity in 30+ days - how many per stage"))
    assert (args["measure"], args["group_by"], args["inactive_days"]) == ("open_deals", "stage", 30)
    _, both = _only(demo.ask(cast.revops, "open opps with no next step - count and total amount"))
    assert (both["measure"], both["also"], both["missing"]) == ("open_deals", ["open_pipeline"], "next_step")


def test_a_second_breakdown_said_apart_from_the_first(demo: World, cast: Cast) -> None:
    question = "activity counts per rep on my team for the last 30 days, split by type"
    _, args = _only(demo.ask(cast.manager, question))
    assert (args["measure"], args["group_by"], args["then_by"]) == ("activities", "rep", "activity_type")


def test_no_next_step_on_a_narrowed_list_is_exactly_none_recorded(demo: World, cast: Cast) -> None:
    _, args = _only(demo.ask(cast.manager, "open deals over 20k in proposal with no next step"))
    assert (args["measure"], args["group_by"], args["missing"], args["stage"]) == (
        "open_pipeline",
        "deal",
        "next_step",
        "Proposal",
    )


def test_who_ranks_lowest_after_a_team_figure_is_a_rep(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "which manager's team had the best quota attainment in Q3")
    _, args = _only(
        demo.ask(cast.revops, "and who was the lowest rep across all three teams", first.thread_id)
    )
    assert (args["measure"], args["group_by"], args["top"], args["order"]) == ("attainment", "rep", 1, "asc")
    second = demo.ask(cast.manager, "how many calls and meetings did my team log last month")
    _, fewest = _only(demo.ask(cast.manager, "who logged the fewest last month", second.thread_id))
    assert (fewest["measure"], fewest["group_by"], fewest["order"]) == ("activities", "rep", "asc")


def test_one_of_a_set_ranked_is_one_and_plural_members_ranked_are_several(demo: World, cast: Cast) -> None:
    _, one = _only(demo.ask(cast.manager, "which of my reps had the lowest quota attainment in Q3"))
    assert (one["top"], one["order"]) == (1, "asc")
    _, several = _only(demo.ask(cast.rep, "which accounts did I win the most with this year"))
    assert several["group_by"] == "account" and "top" not in several


def test_the_biggest_losses_of_the_one_rep_shown_are_several(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "which of my reps had the lowest quota attainment in Q3")
    _, args = _only(demo.ask(cast.manager, "what were their biggest losses that quarter", first.thread_id))
    assert (args["measure"], args["group_by"], args["period"]) == ("lost_revenue", "deal", "q3")
    assert args.get("top", 10) > 1 and ("rep" in args or "rep" in args.get("any_of", {}))


def test_a_stage_or_later_is_that_stage_and_every_one_after_it(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "what's in my pipeline closing this quarter?")
    narrowed = demo.ask(cast.rep, "which of those are at proposal stage or later", first.thread_id)
    later = dict(narrowed.tool_calls[0].args)
    assert later["stage"] == "Proposal, Negotiation" and later["period"] == "this quarter"
    _, earlier = _only(demo.ask(cast.rep, "my open deals in discovery or earlier"))
    assert earlier["stage"] == "Prospecting, Qualification, Discovery"


def test_short_words_typed_without_their_vowels_are_read(maven: World) -> None:
    from assistant.offline.vocabulary import correct_typos

    assert correct_typos("wht ws our win rte in q2", set()) == "what was our win rate in q2"
    assert correct_typos("lst qtr", set()) == "lst qtr"  # last or lost: left for the shorthand
    ((call,),) = [maven.ask(ADMIN, "wht ws our win rte in q2 2017 for gtk 500").tool_calls]
    assert (call.args["measure"], call.args["product"], call.args["period"]) == (
        "win_rate",
        "GTK 500",
        "q2 2017",
    )
