"""The planner's parts on their own: number formatting, reading tool results back (including
results the toolkit shortened), and the chat model used directly, outside an agent."""

from __future__ import annotations

import json
from decimal import Decimal

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from assistant import formatting as fmt
from assistant.offline import OfflinePlanner
from assistant.offline.conversation import parse_result, read_conversation
from assistant.offline.intents.knowledge import definition_term
from assistant.offline.replies import mentions_term
from assistant.toolkit import AgentContext, build_tools, cap
from tests.offline.conftest import Cast, World
from tools.deals.stalled import StalledDeals, StalledQuery, stalled_deals


def test_numbers_read_the_way_people_say_them() -> None:
    assert fmt.money(Decimal("45300")) == "$45,300"
    assert fmt.money(Decimal("999.49")) == "$999"
    assert fmt.money(1_234_567) == "$1.2M"
    assert fmt.money(Decimal("999950")) == "$1.0M"
    assert fmt.money(3_400_000_000) == "$3.4B"
    assert fmt.money(-52_000) == "-$52,000"
    assert fmt.money(None) == "n/a"
    assert fmt.percent(0.3846) == "38%" and fmt.percent(1.08) == "108%"
    assert fmt.multiple(2.3149) == "2.3x"
    assert fmt.days(45.4) == "45 days" and fmt.days(1) == "1 day"
    assert fmt.record("Acme - Core", "opportunity/42") == "Acme - Core [opportunity/42]"
    assert fmt.or_list(["A", "B", "C"]) == "A, B or C"


def test_a_shortened_result_is_still_read_and_says_what_was_cut(demo: World, cast: Cast) -> None:
    result = stalled_deals(demo.repository, cast.manager, StalledQuery(limit=50))
    text = cap(result.model_dump(mode="json"))
    parsed = parse_result("stalled_deals", {}, text)
    assert isinstance(parsed.output, StalledDeals)
    assert parsed.output.flagged.value == result.flagged.value
    assert parsed.total("deals") == len(result.deals) > len(parsed.output.deals)


def test_errors_and_unreadable_results() -> None:
    assert parse_result("account_profile", {}, "error: no account named 'X'").error == "no account named 'X'"
    assert parse_result("account_profile", {}, '{"cut": "…').error == "the result was too large to read"
    assert parse_result("nope", {}, "{}").error == "no reader for the nope tool"


def test_the_conversation_is_split_at_the_last_question() -> None:
    messages = [
        SystemMessage("system"),
        HumanMessage("tell me about Acme"),
        AIMessage("", tool_calls=[{"name": "account_profile", "args": {"account": "Acme"}, "id": "1"}]),
        ToolMessage("error: no account named 'Acme'", tool_call_id="1"),
        AIMessage("I found no account named Acme."),
        HumanMessage("what about Globex?"),
    ]
    conversation = read_conversation(messages)
    assert conversation.question == "what about Globex?"
    assert conversation.history == ["tell me about Acme"] and conversation.results == []


def test_the_planner_outside_an_agent(demo: World, cast: Cast) -> None:
    context = AgentContext(viewer=cast.rep, repository=demo.repository)
    planner = OfflinePlanner(context=context)
    bound = planner.bind_tools(build_tools())
    first = bound.invoke([HumanMessage("which of my deals are stalled?")])
    assert isinstance(first, AIMessage)
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [("stalled_deals", {"limit": 5})]
    payload = stalled_deals(demo.repository, cast.rep, StalledQuery(limit=5)).model_dump(mode="json")
    result = ToolMessage(json.dumps(payload, default=str), tool_call_id=first.tool_calls[0]["id"])
    final = bound.invoke([HumanMessage("which of my deals are stalled?"), first, result])
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert "open deals" in str(final.content)


def test_without_a_viewer_the_planner_says_so() -> None:
    answer = OfflinePlanner().invoke([HumanMessage("pipeline?")])
    assert "needs to know who is asking" in str(answer.content)


def test_a_term_is_read_from_what_is_questions() -> None:
    terms = {
        "what's BANT?": "BANT",
        "What does MEDDICC stand for?": "MEDDICC",
        "so what is a mutual action plan?": "mutual action plan",
        "define champion": "champion",
        "what does the acronym QBR mean": "QBR",
        "what’s an entunknown?": "entunknown",
    }
    for question, term in terms.items():
        assert definition_term(question) == term, question
    # about the asker or a name in the data, or small talk: not a term
    for question in (
        "what is my quota?",
        "what's up?",
        "what is going on?",
        "what is entaccount?",
        "what's it?",
    ):
        assert definition_term(question) is None, question
    # only common words: not a term ("what's next?")
    assert definition_term("what's the plan?") is None


def test_a_term_is_found_in_passages_the_way_it_is_written_there() -> None:
    passages = [
        "Build more threads: multi-threading protects the deal.",
        "A quarterly business review (QBR).",
    ]
    assert mentions_term("multithreading", passages)
    assert mentions_term("Multi threading", passages)
    assert mentions_term("QBRs", passages)
    assert mentions_term("quarterly business review", passages)
    assert mentions_term("qbr", ["Book the quarterly business review early."])  # the acronym's meaning
    assert not mentions_term("Zorblax", passages)


def test_the_playbook_says_when_it_does_not_mention_a_term(demo: World, cast: Cast) -> None:
    known = demo.ask(cast.rep, "what is multi-threading?")
    assert known.answer.startswith('**Here is what the playbook says about "multi-threading":**')
    unknown = demo.ask(cast.rep, "what is a Zorblax?")
    assert unknown.answer.startswith(
        '**The playbook does not mention "Zorblax". These passages come closest:**'
    )
    assert [c.name for c in unknown.tool_calls] == ["search_playbook"]
    assert unknown.citations  # the nearest passages are still cited


def test_two_weak_and_equal_readings_are_offered_and_a_clear_winner_is_not() -> None:
    from assistant.offline.frame import Intent
    from assistant.offline.scoring import unsure

    readable = frozenset({Intent.PIPELINE, Intent.PERFORMANCE, Intent.STALLED})
    weak = {Intent.PIPELINE: 1.0, Intent.PERFORMANCE: 1.0}
    assert unsure(weak, Intent.PIPELINE, readable) == [Intent.PIPELINE, Intent.PERFORMANCE]
    assert unsure({Intent.PIPELINE: 4.0, Intent.PERFORMANCE: 4.0}, Intent.PIPELINE, readable) == []
    assert unsure({Intent.PIPELINE: 1.0, Intent.PERFORMANCE: 0.5}, Intent.PIPELINE, readable) == []
    assert unsure({Intent.PIPELINE: 1.0, Intent.METRICS: 1.0}, Intent.PIPELINE, readable) == []
