"""Follow-ups within a thread, clarifying questions, and the viewer's scope.

A thread's earlier questions are read back from the conversation the agent keeps, so "and their
stalled deals?", "only the ones over 20k" and "why?" reuse the previous turn's names and intent;
another thread (or another user) starts from nothing.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from assistant.service import Answer
from tests.offline.conftest import Cast, World
from tools.store.schema import Account, Opportunity, User


def _teammate(demo: World, cast: Cast) -> str | None:
    """Another rep of the manager's team."""
    with demo.engine.connect() as connection:
        return (
            connection.execute(
                select(User.name)
                .where(User.manager_id == cast.manager.user_id, User.id != cast.rep.user_id)
                .order_by(User.id)
            )
            .scalars()
            .first()
        )


def thread() -> str:
    return uuid.uuid4().hex[:10]


def calls(answer: Answer) -> list[tuple[str, dict[str, object]]]:
    return [(c.name, c.args) for c in answer.tool_calls]


def test_a_person_then_their_stalled_deals_then_a_filter_then_why(demo: World, cast: Cast) -> None:
    t = thread()
    first = demo.ask(cast.manager, f"How is {cast.rep_short} doing?", t)
    assert calls(first) == [("rep_performance", {"rep": cast.rep.name})]
    second = demo.ask(cast.manager, "and their stalled deals?", t)
    assert calls(second) == [("stalled_deals", {"owner": cast.rep.name, "limit": 5})]
    third = demo.ask(cast.manager, "only the ones over 20k", t)
    assert calls(third) == [("stalled_deals", {"owner": cast.rep.name, "min_amount": "20000", "limit": 5})]
    assert "of $20,000 or more" in third.answer
    fourth = demo.ask(cast.manager, "why?", t)
    assert calls(fourth) == calls(third)
    assert "How those figures were worked out" in fourth.answer and "Stalled-deal rules" in fourth.answer


def test_an_account_then_whitespace_then_another_account(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        other = (
            connection.execute(
                select(Account.name)
                .where(Account.owner_id == cast.rep.user_id, Account.name != cast.account)
                .order_by(Account.potential.desc(), Account.id)
            )
            .scalars()
            .first()
        )
    assert other is not None
    t = thread()
    assert calls(demo.ask(cast.rep, f"tell me about {cast.account}", t)) == [
        ("account_profile", {"account": cast.account})
    ]
    assert calls(demo.ask(cast.rep, "what else could they buy?", t)) == [
        ("account_whitespace", {"account": cast.account})
    ]
    assert calls(demo.ask(cast.rep, f"what about {other}?", t)) == [
        ("account_whitespace", {"account": other})
    ]
    assert calls(demo.ask(cast.rep, "and its contacts?", t)) == [("account_profile", {"account": other})]


def test_filters_accumulate_while_the_intent_stays(demo: World, cast: Cast) -> None:
    t = thread()
    assert calls(demo.ask(cast.revops, f"pipeline in {cast.territory}", t)) == [
        ("pipeline_summary", {"territory": cast.territory})
    ]
    assert calls(demo.ask(cast.revops, "and by rep?", t)) == [
        ("pipeline_summary", {"territory": cast.territory, "group_by": "owner"})
    ]
    assert calls(demo.ask(cast.revops, "just the ones over 50k", t)) == [
        ("pipeline_summary", {"territory": cast.territory, "min_amount": "50000", "group_by": "owner"})
    ]
    last = demo.ask(cast.revops, "what about next quarter?", t)
    assert calls(last) == [
        (
            "pipeline_summary",
            {
                "territory": cast.territory,
                "min_amount": "50000",
                "period": "next quarter",
                "group_by": "owner",
            },
        )
    ]


def test_a_period_carries_between_answers_about_a_period_but_not_into_open_deals(
    demo: World, cast: Cast
) -> None:
    t = thread()
    won = demo.ask(cast.manager, f"how much did {cast.rep_short} win last quarter?", t)
    assert calls(won) == [("rep_performance", {"rep": cast.rep.name, "period": "last quarter"})]
    assert calls(demo.ask(cast.manager, "and the forecast?", t))[0][1].get("period") == "last quarter"
    open_deals = demo.ask(cast.manager, "and their open deals?", t)
    assert calls(open_deals) == [("pipeline_summary", {"owner": cast.rep.name})]
    # within the pipeline a period said once stays
    demo.ask(cast.manager, "pipeline next quarter", t)
    assert calls(demo.ask(cast.manager, "by rep", t)) == [
        ("pipeline_summary", {"period": "next quarter", "group_by": "owner"})
    ]


def _shared_name(demo: World) -> tuple[str, list[str]]:
    """A first or last name two or more reps share (the demo data always has some)."""
    with demo.engine.connect() as connection:
        names = connection.execute(select(User.name).where(User.role == "rep")).scalars().all()
    parts = Counter(part for name in names for part in {name.split()[0], name.split()[-1]})
    shared = sorted(p for p, n in parts.items() if n >= 2)
    assert shared, "the demo data should have reps sharing a name"
    word = shared[0]
    return word, sorted(n for n in names if word in (n.split()[0], n.split()[-1]))


def test_an_ambiguous_name_gets_one_clarifying_question_then_a_choice(demo: World, cast: Cast) -> None:
    word, people = _shared_name(demo)
    t = thread()
    question = demo.ask(cast.revops, f"How is {word} doing?", t)
    assert question.tool_calls == []
    assert question.answer.startswith("Which person do you mean") and question.answer.endswith("?")
    assert question.answer.count("?") == 1
    for person in people:
        assert person in question.answer
    listed = re.split(r", | or ", question.answer.split(": ", 1)[1].rstrip("?"))
    chosen = demo.ask(cast.revops, "the second one", t)
    assert calls(chosen) == [("rep_performance", {"rep": listed[1]})]
    follow = demo.ask(cast.revops, "and their forecast?", t)
    assert calls(follow) == [("forecast", {"owner": listed[1]})]


def test_a_tool_ambiguity_becomes_a_clarifying_question(demo: World, cast: Cast) -> None:
    """Deal names repeat ("Acme - Platform" twice): the planner lists the candidates with their ids."""
    with demo.engine.connect() as connection:
        account = (
            connection.execute(
                select(Account.name)
                .join(Opportunity, Opportunity.account_id == Account.id)
                .where(Opportunity.owner_id == cast.rep.user_id, ~Opportunity.is_closed)
                .group_by(Account.id, Account.name)
                .having(select(Opportunity.id).where(Opportunity.id > 0).exists())
                .order_by(Account.id)
            )
            .scalars()
            .all()
        )
        several = [
            a
            for a in account
            if connection.execute(
                select(Opportunity.id)
                .join(Account, Account.id == Opportunity.account_id)
                .where(Account.name == a, Opportunity.owner_id == cast.rep.user_id, ~Opportunity.is_closed)
            )
            .all()
            .__len__()
            > 1
        ]
    assert several
    t = thread()
    answer = demo.ask(cast.rep, f"what's happening with the {several[0]} deal?", t)
    assert answer.tool_calls == [] and answer.answer.startswith("Which deal do you mean")
    listed = [r.id for r in answer.records]  # the deals the question names, in order
    assert len(listed) >= 2 and all(
        r.external_id and f"#{r.external_id}" in answer.answer for r in answer.records
    )
    # the answer to the clarifying question picks from the deals listed
    assert calls(demo.ask(cast.rep, "the second one", t)) == [("deal_details", {"deal": listed[1]})]


def test_a_deal_asked_for_by_a_shared_account_name_lists_only_the_viewers_deals(
    demo: World, cast: Cast
) -> None:
    """ "the Evergreen deal" where several accounts start with "Evergreen": the question lists the
    manager's open deals on any of them (not every account so named), and "the second one" picks."""
    with demo.engine.connect() as connection:
        rows = connection.execute(
            select(Account.name, Opportunity.id)
            .join(Opportunity, Opportunity.account_id == Account.id)
            .join(User, User.id == Opportunity.owner_id)
            .where(User.manager_id == cast.manager.user_id, ~Opportunity.is_closed)
        ).all()
        names = connection.execute(select(Account.name)).scalars().all()
    first_words = Counter(name.split()[0] for name in set(names))
    with_deals: dict[str, set[str]] = {}
    for name, _ in rows:
        with_deals.setdefault(name.split()[0], set()).add(name)
    word = next(
        w
        for w, accounts in sorted(with_deals.items())
        if len(accounts) >= 2 and first_words[w] > len(accounts) and w not in names
    )
    expected = {f"opportunity/{i}" for name, i in rows if name.split()[0] == word}
    t = thread()
    answer = demo.ask(cast.manager, f"what's the status of the {word} deal?", t)
    assert answer.tool_calls == [] and answer.answer.startswith(f'Which deal do you mean by "{word}"')
    listed = [r.id for r in answer.records]
    assert len(listed) == min(len(expected), 8) and set(listed) <= expected
    chosen = demo.ask(cast.manager, "the second one", t)
    assert calls(chosen) == [("deal_details", {"deal": listed[1]})]
    assert chosen.records[0].id == listed[1] and answer.records[1].label in chosen.answer


def test_a_new_thread_starts_from_nothing(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.rep, f"tell me about {cast.account}", t)
    fresh = demo.ask(cast.rep, "what else could they buy?", thread())
    assert fresh.tool_calls == [] and fresh.answer.startswith("Which account do you mean?")


def test_another_reps_deal_is_reported_as_not_existing(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        mine = set(
            connection.execute(
                select(Opportunity.name).where(Opportunity.owner_id == cast.rep.user_id)
            ).scalars()
        )
        theirs = (
            connection.execute(
                select(Opportunity.name)
                .where(Opportunity.owner_id == cast.stranger.user_id, Opportunity.account_id.is_not(None))
                .order_by(Opportunity.amount.desc())
            )
            .scalars()
            .all()
        )
    name = next(n for n in theirs if n not in mine)
    answer = demo.ask(cast.rep, f'what is the status of the "{name}" deal?')
    assert "no deal named" in answer.answer
    assert not re.search(r"\$\d", answer.answer)


def test_another_reps_name_gives_no_data(demo: World, cast: Cast) -> None:
    for question in (
        f"How is {cast.stranger.name} doing?",
        f"What's {cast.stranger.name}'s pipeline?",
        f"{cast.stranger.name}'s stalled deals",
    ):
        answer = demo.ask(cast.rep, question)
        assert "no person named" in answer.answer, answer.answer
        assert not re.search(r"\$\d", answer.answer)


def test_a_lower_case_name_sharing_my_first_or_last_name_is_someone_else(demo: World, cast: Cast) -> None:
    """ "whats lucas duarte got" asked by Lucas Jensen, Slack-style in lower case: a person who is not in
    scope (the first name alone would be the asker), never the asker's own figures."""
    first, last = cast.rep.name.lower().split()[0], cast.rep.name.lower().split()[-1]
    for question in (
        f"whats {first} quillfeather got in his pipeline",
        f"hows {first} quillfeather doing",
        f"how is zorbrandt {last} doing this quarter",
    ):
        answer = demo.ask(cast.rep, question)
        text = answer.answer.lower()
        assert "no person named" in text and ("quillfeather" in text or "zorbrandt" in text), text
        assert not re.search(r"\$\d", answer.answer)
    # a first name in scope followed by the planner's own shorthand is still that person
    answer = demo.ask(cast.manager, f"{cast.rep_short.lower()} pipe")
    assert calls(answer) == [("pipeline_summary", {"owner": cast.rep.name})]


def test_a_follow_up_naming_another_reps_book_is_not_answered_with_my_own(demo: World, cast: Cast) -> None:
    """ "now show the same for <someone I cannot see>": the name replaces "me", and is not found."""
    for first, intent_tool in (
        ("what's my pipeline?", "pipeline_summary"),
        ("my stalled deals", "stalled_deals"),
    ):
        for follow_up in (
            f"now show the same for {cast.stranger.name}",
            f"what about {cast.stranger.name}?",
            f"and {cast.stranger.name.split()[0]} Zed's?",
        ):
            t = thread()
            mine = demo.ask(cast.rep, first, t)
            answer = demo.ask(cast.rep, follow_up, t)
            [(tool, args)] = calls(answer)
            assert tool == intent_tool and args["owner"] != cast.rep.name, (follow_up, args)
            assert "no person named" in answer.answer, answer.answer
            assert not re.search(r"\$\d", answer.answer) and answer.answer != mine.answer


def test_a_follow_up_naming_an_unknown_account_asks_for_that_account(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.rep, f"tell me about {cast.account}", t)
    answer = demo.ask(cast.rep, "and Zorblax Quux?", t)
    assert calls(answer) == [("account_profile", {"account": "Zorblax Quux"})]
    assert "no account named" in answer.answer


def test_a_manager_never_sees_another_team(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "pipeline by rep")
    assert cast.stranger.name not in answer.answer
    assert Decimal(0) <= Decimal(len(answer.tool_calls))
    scorecards = demo.ask(cast.manager, "how is my team doing this quarter?")
    assert cast.stranger.name not in scorecards.answer
    assert all(c.args.get("rep") != cast.stranger.name for c in scorecards.tool_calls)


def test_a_metric_answer_is_reshaped_by_its_follow_ups(demo: World, cast: Cast) -> None:
    """ "Break that down by product", then "just the top 3", then "too long": the same measure and
    period each time, with the new breakdown, the top few, and finally one line."""
    t = thread()
    first = demo.ask(cast.revops, "how much did we win last quarter?", t)
    assert calls(first) == [("query_metrics", {"measure": "won_revenue", "period": "last quarter"})]
    second = demo.ask(cast.revops, "break that down by product", t)
    assert calls(second) == [
        ("query_metrics", {"measure": "won_revenue", "group_by": "product", "period": "last quarter"})
    ]
    third = demo.ask(cast.revops, "just the top 3", t)
    assert calls(third)[0][1] | {} == {
        "measure": "won_revenue",
        "group_by": "product",
        "period": "last quarter",
        "top": 3,
    }
    short = demo.ask(cast.revops, "too long, give me one line", t)
    assert len(short.answer.splitlines()) == 1 and "(in all $" in short.answer


def test_what_to_do_about_them_keeps_the_list_and_adds_the_playbook(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.rep, "which of my deals have gone dark?", t)
    advice = demo.ask(cast.rep, "what should I do about them?", t)
    assert [name for name, _ in calls(advice)] == ["stalled_deals", "search_playbook"]
    assert calls(advice)[1][1]["query"] == "no recent activity"


def test_the_deal_with_no_name_asks_which_of_the_likeliest(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "how's the deal going?", thread())
    assert answer.tool_calls == []
    assert answer.answer.startswith("Which deal do you mean") and answer.answer.count(" (#") == 3


def test_a_misspelt_account_in_a_misspelt_question_is_still_asked_about(demo: World, cast: Cast) -> None:
    """One swapped pair of letters in the account and in "what": the rep's deals there are offered."""
    with demo.engine.connect() as connection:
        names = connection.execute(
            select(Account.name)
            .join(Opportunity, Opportunity.account_id == Account.id)
            .where(Opportunity.owner_id == cast.rep.user_id, ~Opportunity.is_closed)
            .order_by(Account.name)
        ).scalars()
        word = next(n.split()[0] for n in names if len(n.split()[0]) >= 7)
    swapped = word[:2] + word[3] + word[2] + word[4:]
    answer = demo.ask(cast.rep, f"waht about the {swapped.lower()} deal", thread())
    assert answer.tool_calls or answer.answer.startswith("Which deal do you mean")
    assert word in answer.answer


def test_a_vague_question_offers_two_readings_and_a_short_reply_picks_one(demo: World, cast: Cast) -> None:
    t = thread()
    asked = demo.ask(cast.rep, "my numbers", t)
    assert asked.tool_calls == [] and asked.answer.startswith("Do you mean")
    assert "scorecard" in asked.answer and "open pipeline" in asked.answer
    picked = demo.ask(cast.rep, "the first one", t)
    assert [name for name, _ in calls(picked)] == ["rep_performance"]
    t = thread()
    demo.ask(cast.rep, "status?", t)
    assert [name for name, _ in calls(demo.ask(cast.rep, "pipeline", t))] == ["pipeline_summary"]


def test_a_profile_then_what_they_bought_then_what_they_could_buy(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.rep, f"tell me about {cast.account}", t)
    bought = demo.ask(cast.rep, "what did they buy from us?", t)
    assert calls(bought) == [("account_purchases", {"account": cast.account})]
    assert calls(demo.ask(cast.rep, "and what could they buy next?", t)) == [
        ("account_whitespace", {"account": cast.account})
    ]


def test_the_same_quarter_last_year_after_a_quarter_and_compare_her_with_someone(
    demo: World, cast: Cast
) -> None:
    t = thread()
    demo.ask(cast.manager, "bookings last quarter", t)
    year_back = demo.ask(cast.manager, "what about the same quarter last year?", t)
    assert calls(year_back) == [
        ("query_metrics", {"measure": "won_revenue", "period": "last quarter", "compare": "last_year"})
    ]
    alone = demo.ask(cast.manager, "bookings the same quarter last year", thread())
    assert [args.get("compare") for _, args in calls(alone)] == [None]
    t = thread()
    demo.ask(cast.manager, f"how is {cast.rep.name} doing?", t)
    other = _teammate(demo, cast)
    assert other is not None
    both = demo.ask(cast.manager, f"compare her with {other}", t)
    assert {args.get("rep") for _, args in calls(both)} == {cast.rep.name, other}


def _args(answer: Answer, tool: str = "query_metrics") -> dict[str, object]:
    return next(args for name, args in calls(answer) if name == tool)


def test_a_breakdown_then_another_then_another_measure(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.revops, "win rate by industry this year", t)
    regrouped = _args(demo.ask(cast.revops, "now by segment", t))
    assert regrouped["group_by"] == "segment" and regrouped["measure"] == "win_rate"
    swapped = _args(demo.ask(cast.revops, "and average deal size?", t))
    assert swapped["measure"] == "average_deal_size" and swapped["group_by"] == "segment"
    assert swapped["period"] == "this year"


def test_which_one_in_a_breakdown_reads_the_breakdown(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.revops, "bookings by product this year", t)
    grown = _args(demo.ask(cast.revops, "which one grew fastest vs last year", t))
    assert grown["group_by"] == "product" and grown["compare"] == "last_year"


def test_those_carries_the_previous_filters_into_another_answer(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.rep, "my pipeline by stage", t)
    demo.ask(cast.rep, "only the ones over 20k", t)
    stalled = demo.ask(cast.rep, "which of those are stalled", t)
    assert _args(stalled, "stalled_deals")["min_amount"] == "20000"


def test_there_and_a_buying_role_stay_on_the_account(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.rep, f"tell me about {cast.account}", t)
    assert (
        _args(demo.ask(cast.rep, "any open deals there?", t), "pipeline_summary")["account"] == cast.account
    )
    champion = demo.ask(cast.rep, "who's the champion", t)
    assert calls(champion) == [("account_profile", {"account": cast.account})]


def test_compare_them_sets_the_threads_two_people_side_by_side(demo: World, cast: Cast) -> None:
    other = _teammate(demo, cast)
    assert other
    t = thread()
    demo.ask(cast.manager, f"how is {cast.rep.name} doing this quarter", t)
    demo.ask(cast.manager, f"and {other}?", t)
    compared = _args(demo.ask(cast.manager, "compare the two on win rate", t))
    assert compared["measure"] == "win_rate" and compared["group_by"] == "rep"


def test_which_deals_lists_the_deals_behind_the_previous_answer(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.rep, "what's my pipeline looking like for next quarter?", t)
    listed = demo.ask(cast.rep, "which deals?", t)
    assert calls(listed)[0] == ("pipeline_summary", {"period": "next quarter"})
    assert "largest open deals closing in" in listed.answer.splitlines()[0]
    assert any(name == "deal_details" for name, _ in calls(listed))
    t = thread()
    demo.ask(cast.revops, "bookings in Healthcare last quarter", t)
    behind = _args(demo.ask(cast.revops, "which ones?", t))
    assert behind["group_by"] == "deal" and behind["industry"] == "Healthcare"
    assert behind["period"] == "last quarter"


def test_a_correction_keeps_the_threads_filters(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.revops, f"total pipeline for Security Shield in {cast.territory}", t)
    corrected = _args(demo.ask(cast.revops, "no I meant bookings", t))
    assert corrected["measure"] == "won_revenue" and corrected["product"] == "Security Shield"
    assert corrected["territory"] == cast.territory


def test_versus_a_member_after_a_metric_sets_the_two_side_by_side(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.revops, "average deal size for Healthcare", t)
    both = _args(demo.ask(cast.revops, "vs Financial Services", t))
    assert both["measure"] == "average_deal_size" and both["group_by"] == "industry"
    t = thread()
    demo.ask(cast.revops, "win rate by product in Q3", t)
    earlier = _args(demo.ask(cast.revops, "compare to last year", t))
    assert (
        earlier["compare"] == "last_year"
        and earlier["group_by"] == "product"
        and str(earlier["period"]).lower() == "q3"
    )


def test_who_owns_it_and_move_it_stay_on_the_account_or_are_declined(demo: World, cast: Cast) -> None:
    t = thread()
    demo.ask(cast.rep, f"how's {cast.account} looking?", t)
    assert calls(demo.ask(cast.rep, "who owns it", t)) == [("account_profile", {"account": cast.account})]
    moved = demo.ask(cast.rep, "can we move it to next quarter", t)
    assert moved.tool_calls == [] and "can't" in moved.answer
