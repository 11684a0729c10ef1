"""The second half of a compound question is answered, not dropped: "and are we closing bigger or
smaller deals?", "count and $", "the best…? and the worst?"; a change asked of a breakdown ranks by
the change ("who dropped off the most?"); a breakdown named by an adjective ("regional
scorecard"); "the past week"; and open deals with no activity in N days, counted and summed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select

from tests.offline.conftest import Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Opportunity


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def _only(answer: Any) -> dict[str, Any]:
    ((name, args),) = _calls(answer)
    assert name == "query_metrics"
    return args


def test_a_second_measure_asked_after_a_comparison_is_compared_too(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.manager,
        "whats my teams win rate this qtr vs last qtr? and are we closing bigger or smaller deals",
    )
    args = _only(answer)
    assert (args["measure"], args["also"], args["compare"]) == (
        "win_rate",
        ["average_deal_size"],
        "previous_period",
    )
    assert "average won deal size up" in answer.answer or "average won deal size down" in answer.answer


def test_count_and_dollars_give_the_amount_beside_the_count(demo: World, cast: Cast) -> None:
    for question in (
        "loss reasons for my team past 90 days, count and $",
        "my team's losses this qtr broken out by product, w/ the $ we lost",
    ):
        args = _only(demo.ask(cast.manager, question))
        assert (args["measure"], args["also"]) == ("lost_deals", ["lost_revenue"]), question


def test_the_other_end_asked_last_shows_both_ends(maven: World) -> None:
    admin = maven.viewer("Melvin Marxen")
    args = _only(maven.ask(admin, "which rep on my team had the best win rate in q4? and the worst?"))
    assert (args["measure"], args["group_by"]) == ("win_rate", "rep")
    assert "top" not in args or args["top"] > 1  # every rep, so both ends can be shown


def test_who_dropped_off_the_most_ranks_the_reps_by_their_fall(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "q3 vs q2 bookings per rep on my team - who dropped off the most?")
    args = _only(answer)
    assert (args["measure"], args["group_by"], args["compare"]) == ("won_revenue", "rep", "previous_period")
    assert "top" not in args
    result = query_metrics(demo.repository, cast.manager, MetricQuery(**args))
    fell = [r for r in result.rows if r.changes and (r.changes[0].absolute or 0) < 0]
    assert fell, "the demo team has someone whose bookings fell from Q2 to Q3"
    most = min(fell, key=lambda r: r.changes[0].absolute or 0)
    first_row = next(
        line
        for line in answer.answer.splitlines()
        if line.startswith("| ") and "---" not in line and not line.startswith("| Rep")
    )
    assert first_row.startswith(f"| {most.group} |"), first_row


def test_a_regional_scorecard_is_broken_down_by_region(maven: World) -> None:
    admin = maven.viewer("Melvin Marxen")
    args = _only(maven.ask(admin, "regional scorecard for 2017 - bookings, # of wins, win rate"))
    assert (args["measure"], args["also"], args["group_by"]) == (
        "won_revenue",
        ["won_deals", "win_rate"],
        "region",
    )


def test_the_past_week_is_a_period(demo: World, cast: Cast) -> None:
    args = _only(demo.ask(cast.rep, "how many calls n meetings did i log this past week"))
    assert (args["measure"], args["period"]) == ("activities", "this past week")


def test_open_deals_with_no_activity_in_n_days_are_counted_and_summed(demo: World, cast: Cast) -> None:
    question = (
        "how many open opps have had zero activity in the last 60 days and how much pipe is sitting in them"
    )
    args = _only(demo.ask(cast.revops, question))
    assert (args["measure"], args["also"], args["inactive_days"]) == ("open_deals", ["open_pipeline"], 60)
    cutoff = demo.repository.as_of - dt.timedelta(days=60)
    with demo.engine.connect() as connection:
        count = connection.execute(
            select(func.count()).where(
                ~Opportunity.is_closed,
                or_(Opportunity.last_activity_at.is_(None), Opportunity.last_activity_at < cutoff),
            )
        ).scalar_one()
    result = query_metrics(demo.repository, cast.revops, MetricQuery(**args))
    assert result.total[0].value == count


def test_deals_not_tied_to_an_account_are_the_ones_missing_it(maven: World) -> None:
    rep = maven.viewer("Markita Hansen")
    args = _only(maven.ask(rep, "any of my open deals not tied to an account? how many"))
    assert (args["measure"], args["missing"]) == ("open_deals", "account")


def test_what_did_i_lose_lists_the_deals(maven: World) -> None:
    rep = maven.viewer("Violet Mclelland")
    args = _only(maven.ask(rep, "what did i lose in december"))
    assert (args["measure"], args["group_by"], args["period"]) == ("lost_revenue", "deal", "december")


def test_why_we_lost_each_one_lists_each_deal_with_its_reason(demo: World, cast: Cast) -> None:
    args = _only(demo.ask(cast.revops, "closed lost deals 250k+ this year and why we lost each one"))
    assert (args["measure"], args["group_by"], args["then_by"]) == ("lost_revenue", "deal", "loss_reason")
    assert args["min_amount"] == "250000"


def test_a_short_answer_keeps_the_comparison_asked_for(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.revops, "ytd bookings vs same time last yr? just the total and the % change is fine"
    )
    assert _only(answer)["compare"] == "last_year"
    assert len(answer.answer.splitlines()) == 1
    assert " from $" in answer.answer and ("up " in answer.answer or "down " in answer.answer)


def test_two_stages_named_before_the_time_in_stage(demo: World, cast: Cast) -> None:
    question = "which of my team's deals are stuck in proposal or qualification for over a month"
    args = _only(demo.ask(cast.manager, question))
    assert (args["group_by"], args["min_days_in_stage"]) == ("deal", 31)
    assert sorted(s.strip() for s in args["stage"].split(",")) == ["Proposal", "Qualification"]


def test_each_regions_pace_against_quota_is_its_attainment_beside_its_bookings(
    demo: World, cast: Cast
) -> None:
    args = _only(demo.ask(cast.revops, "h2 bookings by region so far + how is each region pacing vs quota"))
    assert (args["measure"], args["also"], args["group_by"], args["period"]) == (
        "won_revenue",
        ["attainment"],
        "region",
        "h2",
    )


def test_deals_pushed_n_times_are_filtered_by_that_count(demo: World, cast: Cast) -> None:
    args = _only(demo.ask(cast.revops, "how many open deals have been pushed 3+ times and whats the pipe"))
    assert (args["measure"], args["also"], args["min_pushes"]) == ("open_deals", ["open_pipeline"], 3)
    listed = _only(demo.ask(cast.revops, "which open deals slipped more than twice"))
    assert (listed["group_by"], listed["min_pushes"]) == ("deal", 3)
    with demo.engine.connect() as connection:
        count = connection.execute(
            select(func.count()).where(~Opportunity.is_closed, Opportunity.close_date_pushes >= 3)
        ).scalar_one()
    assert query_metrics(demo.repository, cast.revops, MetricQuery(**args)).total[0].value == count
