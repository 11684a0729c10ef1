"""Ranking and narrowing what a thread is about: "who has the most $ in that?" after the deals in a
stage closing this year, "how many?" and "whos their manager?" after the rep with the most deals,
"who closed it?" after the one deal shown, "the price ones" after losses by reason, "which
accounts" then "any of those subsidiaries", "east only, by rep" then "who lost the most", a
manager's part "- by rep", and "as % of total" after a breakdown."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tests.offline.conftest import Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Account, Opportunity, User


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def _rows(answer: Any) -> list[str]:
    return [line.split("|")[1].strip() for line in answer.answer.splitlines() if line.startswith("| ")][1:]


def test_who_has_the_most_in_that_ranks_the_thread_by_rep(demo: World, cast: Cast) -> None:
    stage = demo.repository.stages.names[-3]  # an open stage late in the funnel
    first = demo.ask(cast.revops, f"whats sitting in {stage.lower()} rn")
    assert _calls(first) == [("pipeline_summary", {"stage": stage})]
    closing = demo.ask(cast.revops, "which of those close before end of yr", first.thread_id)
    most = demo.ask(cast.revops, "who has the most $ in that", closing.thread_id)
    ((name, args),) = _calls(most)
    assert name == "query_metrics"
    assert args | {"measure": "open_pipeline", "group_by": "rep", "stage": stage, "top": 1} == args
    assert args["period"] == "this year"
    query = MetricQuery(measure="open_pipeline", group_by="rep", stage=stage, period="this year", top=1)
    top = query_metrics(demo.repository, cast.revops, query).rows[0].group
    assert _rows(most) == [top]
    deals = demo.ask(cast.revops, "and who has the fewest deals in that", most.thread_id)
    ((_, fewest),) = _calls(deals)
    assert (fewest["measure"], fewest["order"], fewest["stage"]) == ("open_deals", "asc", stage)


def test_how_many_then_their_manager_after_the_top_rep(maven: World, cast: Cast) -> None:
    stage = maven.repository.stages.names[0]
    top = maven.ask(cast.revops, f"which rep has the most deals in {stage.lower()}")
    ((_, args),) = _calls(top)
    many = maven.ask(cast.revops, "how many", top.thread_id)
    assert _calls(many) == [("query_metrics", args)]  # the same count, the one rep shown
    (rep,) = _rows(top)
    manager = maven.ask(cast.revops, "whos their manager", many.thread_id)
    assert _calls(manager) == [("team_roster", {"people": [rep]})]
    assert f"**{rep}**" in manager.answer and "reporting to" in manager.answer


def test_a_share_of_the_total_without_an_article(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "bookings by product series 2017")
    share = maven.ask(cast.revops, "as % of total", first.thread_id)
    ((_, args),) = _calls(share)
    assert args["share_of_total"] is True and args["group_by"] == "product_family"
    assert "% of the total" in share.answer


def test_who_closed_the_one_deal_shown_then_what_else_its_account_bought(maven: World, cast: Cast) -> None:
    biggest = maven.ask(cast.revops, "biggest win in q2")
    ((_, args),) = _calls(biggest)
    assert (args["group_by"], args["top"]) == ("deal", 1)
    closer = maven.ask(cast.revops, "who closed it", biggest.thread_id)
    ((name, deal),) = _calls(closer)
    assert name == "deal_details" and deal["deal"].startswith("opportunity/")
    with maven.engine.connect() as connection:
        owner, account = connection.execute(
            select(User.name, Account.name)
            .join(Opportunity, Opportunity.owner_id == User.id)
            .join(Account, Opportunity.account_id == Account.id)
            .where(Opportunity.id == int(deal["deal"].split("/")[1]))
        ).one()
    assert f"Owner: {owner}" in closer.answer
    bought = maven.ask(cast.revops, "what else has that account bought", closer.thread_id)
    assert _calls(bought) == [("account_purchases", {"account": account})]


def test_the_x_ones_pick_a_row_of_the_breakdown_by_its_name(demo: World, cast: Cast) -> None:
    lost = demo.ask(cast.manager, "how many deals did my team lose this qtr")
    reasons = demo.ask(cast.manager, "break it down by reason", lost.thread_id)
    reason = _rows(reasons)[-1]  # the least common reason, named as people write it
    products = demo.ask(cast.manager, f"the {reason.lower()} ones - which products", reasons.thread_id)
    ((_, args),) = _calls(products)
    assert args | {"measure": "lost_deals", "group_by": "product", "loss_reason": reason} == args
    assert args["period"] == "this quarter"
    # a size word is a ranking, not a row's name
    again = demo.ask(cast.manager, "lost deals this quarter by reason")
    biggest = demo.ask(cast.manager, "the biggest ones?", again.thread_id)
    assert all(called.get("loss_reason") is None for _, called in _calls(biggest)), _calls(biggest)


def test_a_count_with_no_subject_counts_the_threads_deals(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "open pipe for the central office")
    assert _calls(first) == [("pipeline_summary", {"territory": "Central"})]
    none = maven.ask(cast.revops, "how many have no account", first.thread_id)
    ((_, args),) = _calls(none)
    assert args == {"measure": "open_deals", "territory": "Central", "missing": "account"}
    query = MetricQuery(measure="open_deals", territory="Central", missing="account")
    counted = query_metrics(maven.repository, cast.revops, query).total[0].value
    everywhere = query_metrics(
        maven.repository, cast.revops, MetricQuery(measure="open_deals", missing="account")
    )
    assert counted and counted < (everywhere.total[0].value or 0) and f"open deals {counted:,}" in none.answer
    most = maven.ask(cast.revops, "who owns the most of those", none.thread_id)
    ((_, ranked),) = _calls(most)
    assert ranked | {"group_by": "rep", "top": 1, "territory": "Central", "missing": "account"} == ranked


def test_which_accounts_then_which_of_those_are_subsidiaries(maven: World, cast: Cast) -> None:
    wins = maven.ask(cast.revops, "gtk 500 wins in 2017")
    accounts = maven.ask(cast.revops, "which accounts", wins.thread_id)
    ((_, args),) = _calls(accounts)
    assert args == {"measure": "won_deals", "group_by": "account", "product": "GTK 500", "period": "2017"}
    listed = _rows(accounts)
    owned = maven.ask(cast.revops, "any of those subsidiaries of another company", accounts.thread_id)
    ((name, search),) = _calls(owned)
    assert (
        name == "search_accounts" and search["is_subsidiary"] is True and set(search["names"]) == set(listed)
    )


def test_one_office_by_rep_then_who_lost_the_most_keeps_the_count(maven: World, cast: Cast) -> None:
    offices = maven.ask(cast.revops, "lost deals in q4 by office")
    east = maven.ask(cast.revops, "east only, by rep", offices.thread_id)
    ((_, args),) = _calls(east)
    assert args | {"measure": "lost_deals", "group_by": "rep", "territory": "East", "period": "q4"} == args
    most = maven.ask(cast.revops, "who lost the most", east.thread_id)
    ((_, ranked),) = _calls(most)
    assert ranked | {"measure": "lost_deals", "territory": "East", "period": "q4", "top": 1} == ranked


def test_a_managers_part_then_by_rep_keeps_the_filters(maven: World, cast: Cast) -> None:
    stage = maven.repository.stages.names[1]
    old = maven.ask(cast.revops, f"how many {stage.lower()} deals are over 120 days old")
    teams = maven.ask(cast.revops, "by manager", old.thread_id)
    manager = _rows(teams)[0]
    mine = maven.ask(cast.revops, f"{manager.lower()}'s - by rep", teams.thread_id)
    ((_, args),) = _calls(mine)
    assert args | {"measure": "open_deals", "group_by": "rep", "team": manager, "stage": stage} == args
    assert args["min_age_days"] == 121


def test_a_scorecard_figure_by_quarter_then_the_worst_quarter(demo: World, cast: Cast) -> None:
    rate = demo.ask(cast.rep, "whats my win rate this yr")
    quarters = demo.ask(cast.rep, "by quarter", rate.thread_id)
    ((_, args),) = _calls(quarters)
    assert args | {"measure": "win_rate", "group_by": "quarter", "period": "this year"} == args
    worst = demo.ask(cast.rep, "which quarter was worst", quarters.thread_id)
    ((_, ranked),) = _calls(worst)
    assert ranked | {"measure": "win_rate", "group_by": "quarter", "top": 1, "order": "asc"} == ranked


def test_vs_another_product_after_a_breakdown_sets_both_in_each_group(maven: World, cast: Cast) -> None:
    size = maven.ask(cast.revops, "avg deal size on mg advnced wins")
    assert _calls(size) == [("query_metrics", {"measure": "average_deal_size", "product": "MG Advanced"})]
    regions = maven.ask(cast.revops, "by region", size.thread_id)
    both = maven.ask(cast.revops, "vs gtx pro", regions.thread_id)
    ((_, args),) = _calls(both)
    assert (args["group_by"], args["then_by"]) == ("region", "product") and "product" not in args
    assert args["any_of"] == {"product": ["MG Advanced", "GTX Pro"]}
    assert len(_rows(both)) == 2 * len(_rows(regions))


def test_vs_the_quota_after_pipeline_by_region_is_coverage(demo: World, cast: Cast) -> None:
    pipe = demo.ask(cast.revops, "pipe by forcast category for next qtr")
    regions = demo.ask(cast.revops, "by region", pipe.thread_id)
    quota = demo.ask(cast.revops, "vs the quota", regions.thread_id)
    ((_, args),) = _calls(quota)
    assert args | {"measure": "coverage", "also": ["open_pipeline", "quota"], "group_by": "region"} == args


def test_with_their_rates_then_drop_the_ones_under_a_bound(demo: World, cast: Cast) -> None:
    top = demo.ask(cast.revops, "top 5 reps by bookings ytd")
    shown = _rows(top)
    rates = demo.ask(cast.revops, "w/ their win rates", top.thread_id)
    ((_, args),) = _calls(rates)
    assert (args["measure"], args["also"], sorted(args["any_of"]["rep"])) == (
        "won_revenue",
        ["win_rate"],
        sorted(shown),
    )
    dropped = demo.ask(cast.revops, "drop the ones under 25%", rates.thread_id)
    ((_, kept),) = _calls(dropped)
    assert (kept["measure"], kept["above"], sorted(kept["any_of"]["rep"])) == (
        "win_rate",
        0.25,
        sorted(shown),
    )
    query = MetricQuery(measure="win_rate", group_by="rep", any_of={"rep": shown}, period="ytd")
    expected = [
        r.group
        for r in query_metrics(demo.repository, cast.revops, query).rows
        if (r.figures[0].value or 0) > 0.25
    ]
    assert sorted(_rows(dropped)) == sorted(expected)


def test_drop_anyone_under_an_amount_keeps_the_money_measure(maven: World, cast: Cast) -> None:
    wins = maven.ask(cast.revops, "how many deals did each rep win in nov")
    total = maven.ask(cast.revops, "and their total $", wins.thread_id)
    dropped = maven.ask(cast.revops, "drop anyone under 25k", total.thread_id)
    ((_, args),) = _calls(dropped)
    assert args["measure"] == "won_revenue" and args["above"] == 25_000 and args["period"] == "nov"
    only = maven.ask(cast.revops, "only the ones under 10k", total.thread_id)
    ((_, low),) = _calls(only)
    assert low["measure"] == "won_revenue" and low["below"] == 10_000


def test_the_best_quarter_then_that_one_by_office(maven: World, cast: Cast) -> None:
    quarters = maven.ask(cast.revops, "bookings by quarter 2017")
    best = maven.ask(cast.revops, "which was best", quarters.thread_id)
    ((_, ranked),) = _calls(best)
    assert (ranked["group_by"], ranked["top"]) == ("quarter", 1)
    (quarter,) = _rows(best)
    split = maven.ask(cast.revops, "split that one by office", best.thread_id)
    ((_, args),) = _calls(split)
    assert (args["group_by"], args["period"]) == ("region", quarter)


def test_versus_everywhere_else_then_the_biggest_country_outside(maven: World, cast: Cast) -> None:
    us = maven.ask(cast.revops, "how much did we win in the us")
    rest = maven.ask(cast.revops, "vs everywhere else", us.thread_id)
    assert [args for _, args in _calls(rest)][1] == {
        "measure": "won_revenue",
        "exclude": {"country": "United States"},
    }
    assert "Everything else (not United States)" in rest.answer
    country = maven.ask(cast.revops, "which country is biggest outside us", rest.thread_id)
    ((_, args),) = _calls(country)
    assert args | {"group_by": "country", "top": 1, "exclude": {"country": "United States"}} == args
    assert args["measure"] == "won_revenue"


def test_and_only_narrows_the_same_answer_with_every_filter_kept(demo: World, cast: Cast) -> None:
    stages = demo.ask(cast.manager, "pipe by stage for my team")
    enterprise = demo.ask(cast.manager, "just enterprise", stages.thread_id)
    closing = demo.ask(cast.manager, "and only closing this qtr", enterprise.thread_id)
    ((_, args),) = _calls(closing)
    assert args | {"group_by": "stage", "segment": "Enterprise", "period": "this quarter"} == args
    stalled = demo.ask(cast.manager, cast.fill("{rep_short}'s stalled deals"))
    month = demo.ask(cast.manager, "only the ones closing this month", stalled.thread_id)
    ((name, narrowed),) = _calls(month)
    assert (
        name == "stalled_deals" and narrowed["period"] == "this month" and narrowed["owner"] == cast.rep.name
    )


def test_who_manages_them_and_whose_are_they_after_lists(demo: World, cast: Cast) -> None:
    top = demo.ask(cast.revops, "top 3 reps by bookings this year")
    reps = _rows(top)
    managers = demo.ask(cast.revops, "who manages them", top.thread_id)
    ((name, args),) = _calls(managers)
    assert (
        name == "team_roster" and sorted(args["people"]) == sorted(reps) and "reports to" in managers.answer
    )
    pushed = demo.ask(cast.revops, "deals pushed 2+ times")
    whose = demo.ask(cast.revops, "whose are they", pushed.thread_id)
    ((_, owners),) = _calls(whose)
    assert owners["min_pushes"] == 2 and (owners.get("group_by"), owners.get("then_by")) in (
        ("rep", None),
        ("deal", "rep"),
    )


def test_a_whole_count_bound_keeps_the_bound_itself_when_dropping(demo: World, cast: Cast) -> None:
    won = demo.ask(cast.manager, "won deals by rep this year")
    dropped = demo.ask(cast.manager, "drop anyone under 3", won.thread_id)
    assert _calls(dropped)[0][1]["above"] == 2
    only = demo.ask(cast.manager, "only the ones under 3", won.thread_id)
    assert _calls(only)[0][1]["below"] == 3


def test_a_member_then_the_top_deals_and_a_place_alone_narrow_the_figure(
    demo: World, maven: World, cast: Cast
) -> None:
    tech = demo.ask(cast.revops, "open pipe in tech accounts")
    segments = demo.ask(cast.revops, "by segment", tech.thread_id)
    top = demo.ask(cast.revops, "just enterprise, top 3 deals", segments.thread_id)
    ((_, args),) = _calls(top)
    assert args | {"group_by": "deal", "top": 3, "segment": "Enterprise", "measure": "open_pipeline"} == args
    assert args["industry"] == "Technology" and len(_rows(top)) == 3
    most = maven.ask(cast.revops, "which product brings in the most $")
    west = maven.ask(cast.revops, "in the west office", most.thread_id)
    ((_, narrowed),) = _calls(west)
    assert narrowed | {"measure": "won_revenue", "group_by": "product", "top": 1} == narrowed
    assert "West" in (narrowed.get("territory"), narrowed.get("region"))


def test_two_products_by_month_are_every_month_in_time_order(maven: World, cast: Cast) -> None:
    first = maven.ask(cast.revops, "gtx pro bookings this yr")
    both = maven.ask(cast.revops, "vs mg advanced", first.thread_id)
    months = maven.ask(cast.revops, "by month", both.thread_id)
    ((_, args),) = _calls(months)
    assert (args["group_by"], args["then_by"]) == ("month", "product") and "top" not in args
    shown = [row.split(" · ")[0] for row in _rows(months)]
    assert shown == sorted(shown) and len(shown) > 12 and "Showing" not in months.answer


def test_the_week_before_compares_and_a_changes_period_carries_to_the_losses(demo: World, cast: Cast) -> None:
    calls = demo.ask(cast.rep, "how many calls did i log last week")
    meetings = demo.ask(cast.rep, "and meetings", calls.thread_id)
    before = demo.ask(cast.rep, "vs the week before", meetings.thread_id)
    ((_, args),) = _calls(before)
    assert args | {"activity_type": "meeting", "period": "last week", "compare": "previous_period"} == args
    changed = demo.ask(cast.manager, "what changed in my pipeline since monday")
    lost = demo.ask(cast.manager, "which deals did we lose", changed.thread_id)
    ((_, losses),) = _calls(lost)
    assert losses["period"] == "since monday" and losses["measure"].startswith("lost_")


def test_there_after_a_place_keeps_the_place(demo: World, cast: Cast) -> None:
    accounts = demo.ask(cast.revops, "which accounts in texas have open deals")
    there = demo.ask(cast.revops, "total pipe there", accounts.thread_id)
    assert _calls(there) == [("pipeline_summary", {"state": "TX"})]
    products = demo.ask(cast.revops, "by product", there.thread_id)
    assert _calls(products)[0][1].get("state") == "TX"


def test_who_was_best_after_a_breakdown_by_team_ranks_the_teams(demo: World, cast: Cast) -> None:
    teams = demo.ask(cast.revops, "bookings by team this quarter")
    best = demo.ask(cast.revops, "who was best", teams.thread_id)
    assert _calls(best)[0][1] | {"group_by": "team", "top": 1} == _calls(best)[0][1]
    rep = demo.ask(cast.revops, "which rep was best", teams.thread_id)
    assert _calls(rep)[0][1]["group_by"] == "rep"


def test_territories_ranked_by_a_figure_come_largest_first(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "rank all territories by open pipeline, biggest to smallest")
    ((call,),) = [answer.tool_calls]
    assert (call.name, call.args["measure"], call.args["group_by"]) == (
        "query_metrics",
        "open_pipeline",
        "territory",
    )
    amounts = [
        float(shown.strip("$M").replace(",", "")) * (1e6 if shown.endswith("M") else 1)
        for shown in re.findall(r"^\| [^|]+ \| (\$[\d.,]+M?) \|$", answer.answer, re.M)
    ]
    assert len(amounts) > 2 and amounts == sorted(amounts, reverse=True)
    # the biggest one's share, then a new breakdown: of the whole, not inside that territory
    share = demo.ask(cast.revops, "what share of total pipeline is the biggest one", answer.thread_id)
    by_product = demo.ask(cast.revops, "what about by product instead", share.thread_id)
    ((again,),) = [by_product.tool_calls]
    assert again.args["group_by"] == "product" and "territory" not in again.args


def test_deals_longest_in_a_stage_are_listed_and_the_oldest_one_is_the_first(maven: World) -> None:
    rep = maven.viewer("Markita Hansen")
    listed = maven.ask(rep, "my deals stuck in engaging the longest")
    ((call,),) = [listed.tool_calls]
    assert (call.args["measure"], call.args["group_by"], call.args["stage"]) == (
        "average_days_in_stage",
        "deal",
        "Engaging",
    )
    first = re.findall(r"^\| ([^|]+?) \| ([\d,]+) days \|$", listed.answer, re.M)[0]
    oldest = maven.ask(rep, "the oldest one, what acct is that", listed.thread_id)
    account = first[0].split(" - ")[0]
    assert f"Account: {account}" in oldest.answer and f"{first[1]} days" in oldest.answer
    # after a list by amount, "the oldest one" is not its first row: the oldest deal, by age
    by_amount = maven.ask(rep, "my biggest open deals")
    guess = maven.ask(rep, "the oldest one", by_amount.thread_id)
    ((aged,),) = [guess.tool_calls]
    assert (aged.args["measure"], aged.args["group_by"], aged.args["top"]) == ("average_deal_age", "deal", 1)
