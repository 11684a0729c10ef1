"""Everyday wordings whose reading used to drift to another question: each family asked a few ways,
checked by the tool and arguments chosen, and on the Maven export by what the answer says when the
data lacks what the question needs (no quota, no close dates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from assistant.offline.dates import rewrite
from assistant.offline.replies import excerpt, mentions_term
from tests.offline.conftest import Cast, World
from tests.offline.test_questions import called
from tools.store.schema import Role, User
from tools.viewer import Viewer


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


@pytest.mark.parametrize(
    ("question", "tool", "args"),
    [
        ("closed won by product this year pls", "query_metrics", {"group_by": "product"}),
        ("revenue sold by region this year", "query_metrics", {"group_by": "region"}),
        ("Q3 won revenue vs Q3 last year", "query_metrics", {"period": "q3", "compare": "last_year"}),
        ("bookings this month vs the same month last year", "query_metrics", {"compare": "last_year"}),
        ("are we winning more often in enterprise or mid-market?", "query_metrics", {"measure": "win_rate"}),
        ("which reps have already hit their Q4 quota?", "query_metrics", {"measure": "attainment"}),
        ("do we have enough pipeline for next quarter?", "forecast", {"period": "next quarter"}),
        ("which deals have been sitting in negotiation too long?", "stalled_deals", {"rule": "stage_age"}),
        ("what have we won at {account}?", "account_purchases", {"account": "{account}"}),
        ("what's the next step on {account}?", "deal_details", {}),
        ("what's going on at {account}?", "account_profile", {"account": "{account}"}),
        ("how big is {account}?", "account_facts", {"account": "{account}"}),
        ("what's a healthy win rate for a new rep?", "search_playbook", {}),
    ],
)
def test_a_wording_is_read_as_the_question_it_asks(
    demo: World, cast: Cast, question: str, tool: str, args: dict[str, Any]
) -> None:
    answer = demo.ask(cast.revops if "{account}" not in question else cast.rep, cast.fill(question))
    expected = {k: cast.fill(v) if isinstance(v, str) else v for k, v in args.items()}
    assert called(answer, tool, expected), _calls(answer)


def test_reps_that_hit_quota_are_those_at_100_percent_or_more(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "which reps have already hit their Q4 quota?")
    [(_, args)] = _calls(answer)
    assert args["group_by"] == "rep" and args["above"] == pytest.approx(0.9999)


def test_a_name_that_runs_across_of_is_one_unknown_name(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "what's going on at Zorblax Supply of New York?")
    assert 'no account named "Zorblax Supply of New York"' in answer.answer


def test_months_listed_are_their_span() -> None:
    today = dt.date(2017, 12, 31)
    assert rewrite("won by month for Oct, Nov and Dec", today) == "won by month for 2017-10-01..2017-12-31"
    assert rewrite("bookings for september & october", today) == "bookings for 2017-09-01..2017-10-31"
    assert rewrite("calls in January and March", today) == "calls in January and March"


def test_a_long_passage_is_shown_where_it_answers_the_question() -> None:
    text = "Stages and what ends each. " + "Filler words about nothing in particular. " * 12
    text += "| 3 Discovery | Analyze needs | Economic buyer identified; decision process documented |"
    shown = excerpt(
        text, limit=160, topic="exit criteria for Discovery", heading="Stage Model and Exit Criteria"
    )
    assert "Economic buyer identified" in shown and shown.startswith("…")
    assert excerpt(text, limit=160).startswith("Stages and what ends each.")
    assert mentions_term("exit criteria for Discovery", ["Exit criteria ... 3 Discovery ..."])
    assert not mentions_term("exit criteria for Discovery", ["Discovery questions to ask"])


def _maven_manager(maven: World) -> Viewer:
    with maven.engine.connect() as connection:
        name = (
            connection.execute(select(User.name).where(User.role == Role.MANAGER).order_by(User.name))
            .scalars()
            .first()
        )
    return maven.viewer(str(name))


def test_attainment_without_any_quota_is_a_sentence_not_a_table_of_na(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    answer = maven.ask(revops, "Q4 quota attainment by rep")
    assert "no quota is recorded for 2017-Q4" in answer.answer
    assert "n/a" not in answer.answer and "| Rep |" not in answer.answer


def test_a_forecast_says_when_open_deals_have_no_close_date(maven: World) -> None:
    answer = maven.ask(_maven_manager(maven), "what's the forecast for my team for Q1 2018?")
    # the open figures are unknown, not $0: said first, never a list of $0 rows
    first = answer.answer.splitlines()[0]
    assert called(answer, "forecast", {}) and "can't be read from the open deals" in first
    assert "has a close date" in first and "- Commit: $0" not in answer.answer


def test_a_deal_without_a_close_date_says_so(maven: World) -> None:
    manager = _maven_manager(maven)
    listed = maven.ask(manager, "my team's open pipeline by stage")
    deal = next(c.args["deal"] for c in maven.ask(manager, "the first one", listed.thread_id).tool_calls)
    answer = maven.ask(manager, f"status of deal {deal.removeprefix('opportunity/')}")
    assert "with no close date recorded" in answer.answer and "n/a" not in answer.answer.splitlines()[0]


@pytest.mark.parametrize(
    ("question", "tools"),
    [
        ("how should I run my weekly forecast call?", ["search_playbook"]),
        ("what should i cover in the weekly forecast call", ["search_playbook"]),
        ("prep me for the forecast call", ["forecast_call_prep"]),
        ("whats our forecast this quarter", ["forecast"]),
    ],
)
def test_the_forecast_call_is_a_meeting_not_the_forecast(
    demo: World, cast: Cast, question: str, tools: list[str]
) -> None:
    assert [c.name for c in demo.ask(cast.manager, question).tool_calls] == tools


def test_friendly_chat_and_a_measure_the_data_lacks_get_plain_replies(demo: World, cast: Cast) -> None:
    chat = demo.ask(cast.revops, "lol thanks. you free for a beer later?")
    assert chat.tool_calls == [] and "didn't understand" not in chat.answer
    retention = demo.ask(cast.revops, "which product has the best net revenue retention")
    assert retention.tool_calls == [] and "retention" in retention.answer and "can't" in retention.answer
    # churn is in the data (the products accounts stopped using): answered, not refused
    churn = demo.ask(cast.revops, "which product churns the most")
    assert [(c.name, c.args) for c in churn.tool_calls] == [
        ("query_metrics", {"measure": "churned_arr", "group_by": "product", "top": 1})
    ]


def test_balance_on_an_export_without_potential_is_judged_by_what_it_has(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    answer = maven.ask(revops, "are the regional offices balanced?")
    first = answer.answer.splitlines()[0]
    assert "n/a" not in first and "$0" not in first and first.startswith("**Workload across")


@pytest.mark.parametrize(
    ("question", "measure", "also"),
    [
        ("win rate + avg deal size by rep this year", "win_rate", ["average_deal_size"]),
        ("top 5 reps by bookings this yr w/ their win rates", "won_revenue", ["win_rate"]),
        ("Cobalt Platform this year - won, lost, open", "won_revenue", ["lost_revenue", "open_pipeline"]),
        ("how many deals did we win and lose in q3", "won_deals", ["lost_deals"]),
    ],
)
def test_measures_asked_together_are_computed_together(
    demo: World, cast: Cast, question: str, measure: str, also: list[str]
) -> None:
    [(_, args)] = [(c.name, dict(c.args)) for c in demo.ask(cast.revops, question).tool_calls]
    assert args["measure"] == measure and args["also"] == also


@pytest.mark.parametrize(
    ("question", "args"),
    [
        ("losses by reason since sept 1, leave out no decision", {"exclude": {"loss_reason": "No decision"}}),
        ("which 3 reps have the fewest wins this year", {"top": 3, "order": "asc"}),
        ("how many deals were created in oct vs sept", {"period": "oct", "compare": "previous_period"}),
    ],
)
def test_bounds_and_periods_asked_in_passing(
    demo: World, cast: Cast, question: str, args: dict[str, Any]
) -> None:
    assert called(demo.ask(cast.revops, question), "query_metrics", args)


def test_a_family_named_on_its_own_and_a_group_with_its_subsidiaries(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    families = maven.ask(revops, "avg deal size by series - GTX vs MG vs GTK")
    assert called(families, "query_metrics", {"group_by": "product_family"})
    product = maven.ask(revops, "GTX Pro bookings this year")
    assert called(product, "query_metrics", {"product": "GTX Pro"})
    others = maven.ask(revops, "my bookings this year except GTX")
    assert called(others, "query_metrics", {"exclude": {"product_family": "GTX"}})
    group = maven.ask(revops, "total bookings for Acme Corporation incl its subsidiaries")
    assert called(group, "query_metrics", {"parent_account": "Acme Corporation"})
    assert "Acme Corporation and its subsidiaries" in group.answer


def test_this_q_a_percent_of_a_named_quota_and_in_percent(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "bookings this q by rep")
    assert called(first, "query_metrics", {"period": "this quarter", "group_by": "rep"})
    shares = demo.ask(cast.manager, "and in %?", first.thread_id)
    assert called(shares, "query_metrics", {"share_of_total": True, "group_by": "rep"})
    under = demo.ask(cast.manager, "who on my team is under 50% of q4 quota")
    assert called(under, "query_metrics", {"measure": "attainment", "below": 0.5})


def test_what_to_do_about_a_deal_and_when_it_closes(demo: World, cast: Cast) -> None:
    listed = demo.ask(cast.rep, "what are my biggest open deals")
    picked = demo.ask(cast.rep, "the second one", listed.thread_id)
    [deal] = [c.args["deal"] for c in picked.tool_calls if c.name == "deal_details"]
    advice = demo.ask(cast.rep, "what should I do about it?", listed.thread_id)
    assert called(advice, "deal_details", {"deal": deal}) and called(advice, "search_playbook", {})
    closing = demo.ask(cast.rep, "when does it close?", listed.thread_id)
    assert [c.name for c in closing.tool_calls] == ["deal_details"] and called(
        closing, "deal_details", {"deal": deal}
    )


def test_by_rep_after_the_stalled_list_keeps_the_list(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "which deals on my team are stuck in stage")
    again = demo.ask(cast.manager, "by rep", first.thread_id)
    assert called(again, "stalled_deals", {"rule": "stage_age"}) and "most first" in again.answer


@pytest.mark.parametrize(("question", "top"), [("my 5 oldest open deals", 5), ("my oldest open deal", 1)])
def test_the_oldest_open_deals_by_age(demo: World, cast: Cast, question: str, top: int) -> None:
    answer = demo.ask(cast.rep, question)
    assert called(answer, "query_metrics", {"measure": "average_deal_age", "group_by": "deal", "top": top})
