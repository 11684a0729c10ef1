"""Follow-ups about the records the previous answer listed ("do any of those have open deals?",
"win rate at each?", "who owns them?", "which of those haven't been touched in 30 days?") are asked
of exactly those records, read back from the answer, not of the whole population again."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tests.offline.conftest import Cast, World
from tools.lexicon import deal_account
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Opportunity


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def _top_accounts(world: World, cast: Cast, question: str) -> tuple[Any, list[str]]:
    first = world.ask(cast.revops, question)
    (_, args), *_ = _calls(first)
    result = query_metrics(world.repository, cast.revops, MetricQuery(**args))
    return first, [row.group for row in result.rows]


def test_each_of_the_top_accounts_is_asked_about_not_every_account(demo: World, cast: Cast) -> None:
    first, top = _top_accounts(demo, cast, "top 4 accounts by churned arr")
    assert len(top) == 4
    for question, measure in (
        ("do any of those have open deals right now", "open_deals"),
        ("what's the win rate at each of them this year", "win_rate"),
        ("which of them still have active arr left", "active_arr"),
    ):
        (name, args), *_ = _calls(demo.ask(cast.revops, question, first.thread_id))
        assert (name, args["measure"], args["group_by"]) == ("query_metrics", measure, "account"), question
        assert sorted(args["any_of"]["account"]) == sorted(top), question
    owners = demo.ask(cast.revops, "who owns them", first.thread_id)
    ((name, args),) = _calls(owners)
    assert (name, sorted(args["names"]), args["limit"]) == ("search_accounts", sorted(top), 4)
    for account in top:
        assert account in owners.answer


def test_which_of_those_deals_are_quiet_keeps_the_deals_listed(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "my top 5 open deals by amount")
    listed = re.findall(r"\[(opportunity/\d+)\]", first.answer) or [
        f"opportunity/{int(n)}" for n in re.findall(r"#O0*(\d+)\)", first.answer)
    ]
    quiet = demo.ask(cast.rep, "which of those havent been touched in 30 days", first.thread_id)
    (name, args), *_ = _calls(quiet)
    assert (name, args["inactive_days"], args["group_by"]) == ("query_metrics", 30, "deal")
    assert args["any_of"]["deal"] == list(dict.fromkeys(listed))[:5]


def test_a_list_shown_in_part_is_not_taken_for_the_whole_set(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "open pipeline by account")
    assert "Showing" in first.answer
    again = demo.ask(cast.revops, "what's the win rate for those", first.thread_id)
    assert all("any_of" not in args for _, args in _calls(again))


def test_their_open_deals_after_a_person_is_that_persons_not_the_deals_named(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, f"what's {cast.rep_short}'s forecast this quarter")
    again = demo.ask(cast.manager, "and their open deals?", first.thread_id)
    assert all("any_of" not in args for _, args in _calls(again))


def test_their_win_rate_after_the_top_reps_of_a_year_is_those_reps_in_that_year(maven: World) -> None:
    """A manager's top 3: their win rate in the list's own year."""
    admin = maven.viewer("Melvin Marxen")
    first = maven.ask(admin, "top 3 reps by won revenue in 2017")
    (_, args), *_ = _calls(first)
    top = [r.group for r in query_metrics(maven.repository, admin, MetricQuery(**args)).rows]
    (name, again), *_ = _calls(maven.ask(admin, "whats their win rate", first.thread_id))
    assert (name, again["measure"], again["period"]) == ("query_metrics", "win_rate", "2017")
    assert sorted(again["any_of"]["rep"]) == sorted(top)


def test_one_of_a_long_list_of_accounts_is_asked_for_among_the_first_listed(maven: World) -> None:
    rep = maven.viewer("Violet Mclelland")
    first = maven.ask(rep, "which accounts have i won the most from")
    (_, args), *_ = _calls(first)
    leaders = [r.group for r in query_metrics(maven.repository, rep, MetricQuery(**args)).rows[:3]]
    which = maven.ask(rep, "what did they buy", first.thread_id)
    assert which.tool_calls == []
    assert all(name in which.answer for name in leaders), which.answer
    picked = maven.ask(rep, "the first one", first.thread_id)
    assert _calls(picked)[0] == ("account_purchases", {"account": leaders[0]})


def test_that_account_after_the_one_deal_shown_is_the_deals_account(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "whats my biggest open deal")
    contacts = demo.ask(cast.rep, "who are the contacts on that account", first.thread_id)
    ((name, args),) = _calls(contacts)
    with demo.engine.connect() as connection:
        biggest = connection.execute(
            select(Opportunity.id)
            .where(Opportunity.owner_id == cast.rep.user_id, ~Opportunity.is_closed)
            .order_by(Opportunity.amount.desc())
            .limit(1)
        ).scalar_one()
    account = deal_account(demo.repository, cast.rep, f"opportunity/{biggest}")
    assert (name, args) == ("account_profile", {"account": account})


def test_none_of_the_listed_having_any_says_so_not_a_table_of_zeros(maven: World) -> None:
    rep = maven.viewer("Violet Mclelland")
    first = maven.ask(rep, "my top 3 accounts by bookings")
    again = maven.ask(rep, "do any of those have open deals right now", first.thread_id)
    ((_, args),) = _calls(again)
    result = query_metrics(maven.repository, rep, MetricQuery(**args))
    assert [r.record_count for r in result.rows] == [0, 0, 0]  # the export's open deals have no account here
    assert "None of them:" in again.answer and "| 0 |" not in again.answer
    assert all(row.group in again.answer for row in result.rows)
