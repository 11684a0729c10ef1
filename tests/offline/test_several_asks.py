"""A question carrying several asks answers each of them, in order, the later ones about the earlier
answer ("top 5 accounts by bookings and their industry"); a question whose whole reading already
uses the later words stays one ask; a later ask that is not understood is said, not dropped."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from assistant.offline.compound import asks
from tests.offline.conftest import ADMIN, Cast, World
from tools.store.schema import Account, Opportunity, User


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "top 5 accounts by won revenue and their industry",
            ["top 5 accounts by won revenue", "their industry"],
        ),
        (
            "whats my pipeline? how does it compare to last quarter",
            ["whats my pipeline", "how does it compare to last quarter"],
        ),
        (
            "who has the most deals, and then which of those are stalled",
            ["who has the most deals", "which of those are stalled"],
        ),
        ("win rate by product plus what's the cycle", ["win rate by product", "what's the cycle"]),
        (
            "which sector has the highest win rate, and which brings the most won revenue",
            ["which sector has the highest win rate", "which sector brings the most won revenue"],
        ),
        (
            "how much did we win, what's the win rate and who closed the most?",
            ["how much did we win", "what's the win rate", "who closed the most?"],
        ),
        (
            "one two; three four and is there more and what else and who",
            ["one two; three four", "is there more", "what else and who"],
        ),
    ],
)
def test_a_question_is_cut_where_a_later_ask_begins(question: str, parts: list[str]) -> None:
    assert asks(question) == parts


@pytest.mark.parametrize(
    "question",
    [
        "deals that are open and are over 50k",  # an auxiliary without its subject joins two filters
        "Johnson and Johnson pipeline",
        "show me deals between 50k and 100k",
        "win rate and deal size by rep",
        "pipeline and how",  # too short to be an ask
    ],
)
def test_one_ask_is_left_whole(question: str) -> None:
    assert asks(question) == [question]


def test_the_facts_asked_of_a_ranking_are_of_the_accounts_it_listed(maven: World) -> None:
    answer = maven.ask(ADMIN, "top 5 accounts by won revenue in 2017 and their industry")
    (ranked, ranked_args), (searched, searched_args) = _calls(answer)
    assert (ranked, ranked_args["group_by"], ranked_args["top"]) == ("query_metrics", "account", 5)
    with maven.engine.connect() as connection:
        top = connection.execute(
            select(Account.name, Account.industry)
            .join(Opportunity, Opportunity.account_id == Account.id)
            .where(Opportunity.is_won, func.strftime("%Y", Opportunity.closed_at) == "2017")
            .group_by(Account.id)
            .order_by(func.sum(Opportunity.amount).desc())
            .limit(5)
        ).all()
    assert searched == "search_accounts" and set(searched_args["names"]) == {name for name, _ in top}
    for name, industry in top:
        assert f"{name}:" in answer.answer and industry in answer.answer
    assert answer.answer.index("| Account |") < answer.answer.index("**The accounts**")


def test_a_later_ask_about_the_leader_is_about_that_person(demo: World, cast: Cast) -> None:
    question = "who on my team has the most open pipeline and how many of their deals are stalled"
    answer = demo.ask(cast.manager, question)
    (_, ranked_args), (stalled, stalled_args) = _calls(answer)
    assert (ranked_args["measure"], ranked_args["group_by"], ranked_args["top"]) == (
        "open_pipeline",
        "rep",
        1,
    )
    with demo.engine.connect() as connection:
        leader = connection.execute(
            select(User.name)
            .join(Opportunity, Opportunity.owner_id == User.id)
            .where(User.manager_id == cast.manager.user_id, ~Opportunity.is_closed)
            .group_by(User.id)
            .order_by(func.sum(Opportunity.amount).desc())
            .limit(1)
        ).scalar_one()
    assert stalled == "stalled_deals" and stalled_args["owner"] == leader
    assert "Open pipeline by rep" in answer.answer and f"of {leader}'s" in answer.answer


def test_a_period_said_once_covers_every_ask(maven: World) -> None:
    answer = maven.ask(ADMIN, "top 3 accounts by bookings and their industry in q3 2017")
    ranked = _calls(answer)[0][1]
    assert ranked["group_by"] == "account" and ranked["period"].lower() == "q3 2017"


def test_a_whole_reading_that_uses_the_later_words_stays_one_ask(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "which of my deals are stalled and what should I do about them")
    assert [name for name, _ in _calls(answer)] == ["stalled_deals", "search_playbook"]


def test_a_later_ask_not_understood_is_said(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "top 3 deals by amount and can you juggle")
    assert {name for name, _ in _calls(answer)} <= {"pipeline_summary", "deal_details"}
    assert "3 largest open deals" in answer.answer
    assert 'did not follow the last part ("can you juggle")' in answer.answer


def test_the_thread_goes_on_from_the_question_asked(maven: World) -> None:
    first = maven.ask(ADMIN, "top 5 accounts by won revenue and their industry")
    again = maven.ask(ADMIN, "what about 2016", first.thread_id)
    ((name, args),) = _calls(again)
    assert (name, args["measure"], args["group_by"]) == ("query_metrics", "won_revenue", "account")
    assert "2016" in args["period"]


def test_a_later_ask_the_first_answer_already_shows_adds_nothing(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "how many territories do we have and how much potential is in each?")
    assert [name for name, _ in _calls(answer)] == ["list_territories"]
    assert "potential" in answer.answer and "did not follow" not in answer.answer


def test_those_after_a_question_of_two_asks_are_the_records_the_asks_listed(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "top 5 accounts by won revenue this year and what industry they're in")
    ranked = _calls(first)[0][1]
    assert (ranked["group_by"], ranked["top"]) == ("account", 5)
    listed = next(args["names"] for name, args in _calls(first) if name == "search_accounts")
    again = demo.ask(
        cast.revops, "which of those also have open pipeline right now, and how much", first.thread_id
    )
    ((name, args),) = _calls(again)
    assert name == "query_metrics" and "open_pipeline" in [args["measure"], *args.get("also", [])]
    assert sorted(args["any_of"]["account"]) == sorted(listed)


def test_a_later_ask_into_the_first_answer_is_answered_apart(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "who has the biggest pipeline on my team? how much of it is stalled?")
    (_, ranked), (stalled, args) = _calls(answer)
    assert (ranked["measure"], ranked["group_by"], ranked["top"]) == ("open_pipeline", "rep", 1)
    assert "share_of_total" not in ranked and stalled == "stalled_deals" and args["owner"]


def test_how_many_each_after_a_comparison_keeps_its_periods(maven: World) -> None:
    rep = maven.viewer("Darcel Schlecht")
    answer = maven.ask(rep, "how much did I win in Q3 vs Q4 2017 and how many deals each")
    (_, money), (_, count) = _calls(answer)
    assert (money["measure"], count["measure"]) == ("won_revenue", "won_deals")
    assert count["period"] == money["period"] and count["compare"] == money["compare"] == "previous_period"


def test_a_later_ask_narrowing_the_first_keeps_its_period_to_itself(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "list my open deals over 50k — also which of them close before year end?")
    listed, narrowed = [args for name, args in _calls(answer) if name == "pipeline_summary"]
    assert "period" not in listed and narrowed["period"] == "this year"


def test_people_ranked_after_a_breakdown_of_something_else_are_a_second_ask(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.manager, "activities by type for my team last month, and who logged the most meetings"
    )
    (_, by_type), (_, who) = _calls(answer)
    assert by_type["group_by"] == "activity_type" and "activity_type" not in by_type
    assert (who["group_by"], who["activity_type"], who["top"]) == ("rep", "meeting", 1)


def test_who_is_top_by_another_figure_is_a_second_ranking(maven: World) -> None:
    manager = maven.viewer("Cara Losch")
    answer = maven.ask(manager, "who's my top rep by won revenue this year — and who's top by deal count?")
    assert [args["measure"] for _, args in _calls(answer)] == ["won_revenue", "won_deals"]


def test_a_later_ask_that_takes_the_first_asks_measure_is_answered_apart(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "calls and meetings by rep this quarter")
    both = demo.ask(
        cast.manager, "who had the fewest, and what does their open pipeline look like", first.thread_id
    )
    names = [call.name for call in both.tool_calls]
    assert names == ["query_metrics", "pipeline_summary"], both.tool_calls
    fewest, pipeline = both.tool_calls
    assert (fewest.args["measure"], fewest.args["order"], fewest.args["top"]) == ("activities", "asc", 1)
    assert " · " not in pipeline.args["owner"]  # the rep of the row, not the row's pair label
