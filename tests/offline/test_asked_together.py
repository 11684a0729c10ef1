"""Parts of a question asked together, each kept: both ends of a ranking, measures listed side by
side, members set against each other, and a name written in lower case that the viewer cannot see."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import func, select

from tests.offline.conftest import Cast, World
from tools.accounts.search import AccountSearch, search_accounts
from tools.deals.pipeline import PipelineQuery, pipeline_summary
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Account, Opportunity, Role
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


def test_everyday_lower_case_words_are_not_read_as_a_name(demo: World, cast: Cast) -> None:
    """ "the board deck", "getting slower": words English uses all the time, not someone unknown."""
    deck = demo.ask(cast.revops, "for the board deck: bookings this year vs last year")
    assert "no account named" not in deck.answer and "no person named" not in deck.answer
    assert _query(deck) == {"measure": "won_revenue", "period": "this year", "compare": "last_year"}
    slower = demo.ask(cast.revops, "is the team getting slower at closing? avg sales cycle by quarter")
    assert "named" not in slower.answer.split("\n")[0]
    assert _query(slower)["group_by"] == "quarter" and "account" not in _query(slower)


def test_states_are_not_a_misspelt_stage_and_days_with_a_plus_count(demo: World, cast: Cast) -> None:
    assert _query(demo.ask(cast.revops, "top 5 states by open pipeline"))["group_by"] == "state"
    quiet = demo.ask(cast.rep, "anything of mine gone quiet? opps w/ no activity in 30+ days")
    stalled = next(c.args for c in quiet.tool_calls if c.name == "stalled_deals")
    assert stalled["no_activity_days"] == 30


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def test_stages_named_together_are_one_filter(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.manager, "opps on my team over 100k sitting in proposal or negotiation, largest first"
    )
    name, args = _calls(answer)[0]
    assert name == "pipeline_summary" and args["stage"] == "Proposal, Negotiation"
    both = pipeline_summary(demo.repository, cast.manager, PipelineQuery(stage="Proposal, Negotiation"))
    one = pipeline_summary(demo.repository, cast.manager, PipelineQuery(stage="Proposal"))
    other = pipeline_summary(demo.repository, cast.manager, PipelineQuery(stage="Negotiation"))
    assert both.deal_count.value == one.deal_count.value + other.deal_count.value  # type: ignore[operator]
    assert "in Proposal or Negotiation" in answer.answer


def test_never_won_there_is_not_never_bought(demo: World, cast: Cast) -> None:
    never_won = _calls(demo.ask(cast.revops, "which enterprise accounts have we never won a deal at?"))[0][1]
    assert never_won.get("has_won") is False and "has_bought" not in never_won
    never_bought = _calls(demo.ask(cast.revops, "which accounts have never bought from us?"))[0][1]
    assert never_bought.get("has_bought") is False and "has_won" not in never_bought
    unwon = search_accounts(demo.repository, cast.revops, AccountSearch(has_won=False, limit=100))
    unbought = search_accounts(demo.repository, cast.revops, AccountSearch(has_bought=False, limit=100))
    assert unwon.matched.value >= unbought.matched.value  # type: ignore[operator]


def test_customers_in_an_upsell_question_have_bought(demo: World, cast: Cast) -> None:
    args = _calls(demo.ask(cast.rep, "which of my customers don't have security shield yet?"))[0][1]
    assert args.get("has_bought") is True and args.get("without_product") == "Security Shield"


def test_an_account_search_keeps_the_product_they_have_and_the_one_they_lack(demo: World, cast: Cast) -> None:
    args = _calls(demo.ask(cast.revops, "customers on cobalt but not security shield"))[0][1]
    assert (args.get("with_product"), args.get("without_product")) == ("Cobalt Platform", "Security Shield")
    having = _calls(demo.ask(cast.revops, "accounts that have analytics cloud"))[0][1]
    assert having.get("with_product") == "Analytics Cloud" and "without_product" not in having

    def matched(**search: Any) -> int:
        return int(search_accounts(demo.repository, cast.revops, AccountSearch(**search)).matched.value or 0)

    everyone, cobalt = matched(), matched(with_product="Cobalt Platform")
    assert 0 < cobalt < everyone and cobalt + matched(without_product="Cobalt Platform") == everyone
    lacking = matched(with_product="Cobalt Platform", without_product="Security Shield")
    assert 0 < lacking < cobalt


def test_parents_and_countries_are_account_search_filters(maven: World, cast: Cast) -> None:
    parented = _calls(maven.ask(cast.revops, "which accounts have a parent company"))[0][1]
    alone = _calls(maven.ask(cast.revops, "list the standalone accounts, no parent"))[0][1]
    assert parented.get("is_subsidiary") is True and alone.get("is_subsidiary") is False
    abroad = maven.ask(cast.revops, "accounts outside the us")
    assert _calls(abroad)[0] == ("search_accounts", {"outside_country": "United States", "limit": 10})
    found = search_accounts(maven.repository, cast.revops, AccountSearch(outside_country="US", limit=100))
    assert found.accounts and all(a.country and a.country != "United States" for a in found.accounts)
    assert f"{found.accounts[0].name}" in abroad.answer and f"{found.accounts[0].country}," in abroad.answer


def test_listing_won_deals_lists_them(demo: World, cast: Cast) -> None:
    args = _query(demo.ask(cast.rep, "list my closed won deals this quarter, biggest first, with the total"))
    assert args["measure"] == "won_revenue" and args["group_by"] == "deal"


def test_two_reps_then_a_period_and_three_measures(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.manager,
        f"{cast.rep.name.lower()} vs {cast.manager.name.lower()}: q4 bookings, win rate, open pipe",
    )
    args = _query(answer)
    assert args["period"] == "q4" and args["group_by"] == "rep"
    assert args["measure"] == "won_revenue" and args["also"][:2] == ["win_rate", "open_pipeline"]


def test_the_biggest_deal_and_what_to_do_is_that_deal(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.rep, "whats my biggest open opp, where's it at, and what should i do next to move it forward"
    )
    names = [name for name, _ in _calls(answer)]
    assert "stalled_deals" not in names and "deal_details" in names
    assert "largest open deal" in answer.answer


def test_single_threaded_with_one_contact_engaged_is_the_stall_rule(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "any of my 50k+ deals single threaded (only 1 contact engaged)?")
    name, args = _calls(answer)[0]
    assert name == "stalled_deals" and args["rule"] == "single_thread" and float(args["min_amount"]) == 50_000


def _thread(world: World, viewer: Viewer, *questions: str) -> list[Any]:
    thread = uuid.uuid4().hex[:10]
    return [world.ask(viewer, question, thread) for question in questions]


def test_which_other_dimension_has_the_lowest_and_what_was_lost_there(maven: World) -> None:
    *_, lowest, there = _thread(
        maven,
        REVOPS,
        "win rate by regional office",
        "and by product series?",
        "which sector has the lowest?",
        "how much did we lose there in $?",
    )
    args = _query(lowest)
    assert args["group_by"] == "industry" and args["top"] == 1 and args["order"] == "asc"
    sector = _table_rows(lowest)[0]
    assert _query(there) == {"measure": "lost_revenue", "industry": sector}


def test_compare_them_after_the_top_and_the_bottom_one(maven: World) -> None:
    top, bottom, compared = _thread(
        maven, REVOPS, "who has the highest win rate?", "and the lowest?", "compare them on avg deal size"
    )
    args = _query(compared)
    assert args["measure"] == "average_deal_size" and args["group_by"] == "rep"
    assert set(_table_rows(compared)) == {_table_rows(top)[0], _table_rows(bottom)[0]}


def test_sort_by_amount_lists_the_same_deals_largest_first(demo: World, cast: Cast) -> None:
    listed, by_size = _thread(demo, cast.rep, "my deals closing next quarter", "sort by amount")
    assert _calls(by_size)[0] == _calls(listed)[0]
    assert "largest open deals" in by_size.answer.splitlines()[0]


def test_just_the_bottom_few_after_a_teams_figure_are_its_people(demo: World, cast: Cast) -> None:
    _, bottom = _thread(demo, cast.manager, "how's my team tracking vs quota this q?", "just the bottom 3")
    args = _query(bottom)
    assert args["group_by"] == "rep" and args["top"] == 3 and args["order"] == "asc"


def test_who_dropped_the_most_after_a_comparison_ranks_by_the_change(maven: World) -> None:
    *_, dropped = _thread(maven, REVOPS, "q4 bookings by rep", "compare with q3", "who dropped the most?")
    args = _query(dropped)
    assert args["measure"] == "won_revenue" and args["compare"] == "previous_period"
    changes = [
        line.split("|")[3]
        for line in dropped.answer.splitlines()
        if line.startswith("| ") and "from $" in line
    ]
    first = changes[0]
    assert "down" in first and f"{_table_rows(dropped)[0]} fell the most" in dropped.answer


def test_who_to_call_at_an_account_is_its_people_not_a_rep_count(maven: World) -> None:
    with maven.engine.connect() as connection:
        account = connection.execute(select(Account.name).order_by(Account.id)).scalars().first()
    answer = maven.ask(REVOPS, f"who should i call at {str(account).lower()} to get the open deals moving?")
    assert [c.name for c in answer.tool_calls] == ["account_profile"]
    assert "no contacts" in answer.answer


def test_counts_beside_a_sum_and_the_rest_of_a_named_team(demo: World, cast: Cast) -> None:
    counted = _query(demo.ask(cast.revops, "top 5 states by open pipeline $, w/ deal counts"))
    assert counted["measure"] == "open_pipeline" and counted["also"] == ["open_deals"]
    rest = demo.ask(cast.rep, "is my win rate this year better or worse than the rest of the central team?")
    assert "can't see" in rest.answer or "cannot see" in rest.answer


def test_what_moved_the_most_between_two_periods_is_the_comparison(demo: World, cast: Cast) -> None:
    args = _query(demo.ask(cast.revops, "bookings by product q3 vs q2, what moved the most (up and down)?"))
    assert args["group_by"] == "product" and args["compare"] == "previous_period"


def test_the_whole_family_of_an_account_is_the_group_it_heads(maven: World) -> None:
    args = _query(maven.ask(REVOPS, "what's the whole acme corporation family worth to us in won deals?"))
    assert args.get("parent_account") == "Acme Corporation" and "account" not in args


def test_leaving_someone_out_of_a_deal_list(demo: World, cast: Cast) -> None:
    *_, left_out = _thread(
        demo, cast.manager, "biggest open deals on my team", "just the top 3", f"exclude {cast.rep_short}'s"
    )
    args = _query(left_out)
    assert args["group_by"] == "deal" and args["top"] == 3 and args["exclude"] == {"rep": cast.rep.name}


def test_activities_asked_of_an_export_without_any_say_so(maven: World) -> None:
    answer = maven.ask(REVOPS, "how many calls did we make last week")
    assert "no activity (call, meeting, email) is recorded" in answer.answer


def test_deals_missing_a_field_are_found_and_listed(maven: World) -> None:
    with maven.engine.connect() as connection:
        unplaced = connection.execute(
            select(func.count())
            .select_from(Opportunity)
            .where(~Opportunity.is_closed, Opportunity.account_id.is_(None))
        ).scalar_one()
        undated = connection.execute(
            select(func.count())
            .select_from(Opportunity)
            .where(~Opportunity.is_closed, Opportunity.close_date.is_(None))
        ).scalar_one()
    for field, expected in (("account", unplaced), ("close_date", undated)):
        result = query_metrics(maven.repository, REVOPS, MetricQuery(measure="open_deals", missing=field))
        assert result.total[0].value == expected > 0, field
    listed = maven.ask(REVOPS, "which open deals have no account?")
    args = _query(listed)
    assert args["missing"] == "account" and args["group_by"] == "deal" and args["measure"] == "open_pipeline"
    *_, followed = _thread(maven, REVOPS, "our open deals", "which ones have no account?")
    assert _query(followed)["missing"] == "account"


def test_a_minimum_of_closed_deals_keeps_only_groups_with_that_many(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "bottom 3 reps by win rate last qtr, min 20 closed")
    args = _query(answer)
    assert (
        args["min_records"] == 20 and args["order"] == "asc" and args["top"] == 3 and "min_amount" not in args
    )
    every = query_metrics(
        demo.repository,
        cast.revops,
        MetricQuery(measure="win_rate", group_by="rep", period="last quarter", top=50),
    )
    kept = query_metrics(
        demo.repository,
        cast.revops,
        MetricQuery(measure="win_rate", group_by="rep", period="last quarter", top=50, min_records=20),
    )
    assert {r.group for r in kept.rows} == {r.group for r in every.rows if r.record_count >= 20}
    assert len(kept.rows) < len(every.rows)
    plus = _query(demo.ask(cast.revops, "win rate by rep this year, only ppl with 100+ closed deals"))
    assert plus["min_records"] == 100 and "min_amount" not in plus


def test_how_many_and_what_they_were_worth(maven: World) -> None:
    args = _query(maven.ask(REVOPS, "how many deals did we lose in december, and what were they worth?"))
    assert args["measure"] == "lost_deals" and args["also"] == ["lost_revenue"]


def test_sort_by_close_date_lists_the_same_deals_in_the_order_they_close(demo: World, cast: Cast) -> None:
    listed, by_close = _thread(demo, cast.rep, "my open deals over 20k", "sort by close date")
    first, again = _calls(listed)[0], _calls(by_close)[0]
    assert first[0] == "pipeline_summary" and again[0] == "query_metrics"
    assert (again[1]["measure"], again[1]["group_by"], again[1]["then_by"]) == (
        "open_pipeline",
        "day",
        "deal",
    )
    assert float(again[1]["min_amount"]) == float(first[1]["min_amount"])
    days = re.findall(r"^\| (\d{4}-\d\d-\d\d) · ", by_close.answer, re.M)
    assert len(days) > 1 and days == sorted(days)


def test_territory_design_in_conversation(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        city = (
            connection.execute(
                select(Account.city)
                .where(Account.city.is_not(None), Account.owner_id == cast.rep.user_id)
                .group_by(Account.city)
                .order_by(func.count().desc())
            )
            .scalars()
            .first()
        )
    answer = demo.ask(cast.manager, f"who should take the new {city} accounts?")
    assert _calls(answer) == [("assign_accounts", {"city": city})]
    assert "Proposed owners for" in answer.answer and "**" in answer.answer
    leaving = _calls(demo.ask(cast.manager, f"who should cover {cast.rep_short}'s accounts when he leaves?"))
    assert leaving == [("assign_accounts", {"from_rep": cast.rep.name})]
    scenarios = demo.ask(cast.manager, "compare my two scenarios")
    assert _calls(scenarios) == [("compare_scenarios", {})] and "scenario" in scenarios.answer


def test_breaking_down_the_one_row_shown_keeps_it_as_the_filter(demo: World, cast: Cast) -> None:
    top, by_quarter, compared = _thread(
        demo,
        cast.revops,
        "which industry brought in the most bookings this year",
        "break that down by quarter",
        "compare with last year",
    )
    industry = _table_rows(top)[0]
    args = _query(by_quarter)
    assert args["group_by"] == "quarter" and args["industry"] == industry and "top" not in args
    assert _query(compared)["industry"] == industry and _query(compared)["compare"] == "last_year"


def test_percent_of_quota_is_attainment_and_who_came_second_is_the_first_two(demo: World, cast: Cast) -> None:
    args = _query(demo.ask(cast.revops, "q4 bookings by team + % of quota, who's ahead"))
    assert (
        args["measure"] == "won_revenue" and args["also"] == ["attainment"] and "share_of_total" not in args
    )
    ranked = _query(demo.ask(cast.revops, "who sold the most Cobalt Platform last quarter, and who came 2nd"))
    assert ranked["group_by"] == "rep" and ranked["top"] == 2


def test_which_of_those_keeps_the_period_of_the_deals_shown(demo: World, cast: Cast) -> None:
    _, narrowed = _thread(demo, cast.rep, "my deals closing next quarter", "which of those have no next step")
    name, args = _calls(narrowed)[0]
    # those with no next step recorded (not the stall rule, which adds the overdue ones), same period
    assert name == "query_metrics" and args["period"] == "next quarter" and args["missing"] == "next_step"
