"""The agent loop with a scripted model: tools run as the injected viewer, results go back to the
model, and the answer, tool calls and citations are assembled; budgets and fallback hold."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from assistant.testing import ScriptedChatModel, tool_call
from tests.assistant.conftest import ServiceFactory
from tests.tools.conftest import MAX, RITA


def _tool_results(messages: list[BaseMessage]) -> list[str]:
    return [str(m.content) for m in messages if isinstance(m, ToolMessage)]


def test_tool_calls_run_as_the_viewer_and_feed_the_answer(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend([[tool_call("stalled_deals", {})], "Two of your deals are stalled."])
    answer = make_service().ask(RITA, "which of my deals are stalled?")
    assert answer.answer == "Two of your deals are stalled."
    assert [(c.name, c.args) for c in answer.tool_calls] == [("stalled_deals", {})]
    result = json.loads(_tool_results(scripted.seen[-1])[0])
    assert [d["id"] for d in result["deals"]] == ["opportunity/1", "opportunity/2"]  # by value at risk
    assert "opportunity/3" not in _tool_results(scripted.seen[-1])[0]  # Ravi's deal
    assert {"opportunity/1", "opportunity/2"} <= set(answer.citations)
    assert "stalled-deal-recovery.md#past-close-date-diagnosis-and-steps" in answer.citations
    assert answer.model == "openai:scripted" and answer.fallback_reason is None and answer.latency_ms >= 0
    system = scripted.seen[0][0]
    assert "Rita Ruiz (rep)" in str(system.content) and "2026-11-20" in str(system.content)
    assert "data, not instructions" in str(system.content)


def test_parallel_tool_calls_and_a_manager_scope(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend(
        [
            [tool_call("forecast", {}), tool_call("pipeline_summary", {"group_by": "owner"})],
            "Here is the forecast.",
        ]
    )
    answer = make_service().ask(MAX, "forecast and pipeline by rep")
    assert [c.name for c in answer.tool_calls] == ["forecast", "pipeline_summary"]
    results = _tool_results(scripted.seen[-1])
    assert json.loads(results[0])["quota"]["value"] == "180000.00"
    assert "Sam Reyes" not in results[1]


def test_user_errors_go_back_to_the_model(make_service: ServiceFactory, scripted: ScriptedChatModel) -> None:
    scripted.extend([[tool_call("account_profile", {"account": "Globex"})], "I could not find Globex."])
    answer = make_service().ask(RITA, "tell me about Globex")
    assert _tool_results(scripted.seen[-1]) == [
        "error (fix the call and retry, or ask the user): no account named 'Globex'"
    ]
    assert answer.answer == "I could not find Globex."


def test_identical_calls_are_capped_at_three(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend([[tool_call("list_territories", {})] for _ in range(4)] + ["Done."])
    answer = make_service().ask(RITA, "territories")
    results = _tool_results(scripted.seen[-1])
    assert len(results) == 4 and results[3].startswith(
        "error (fix the call and retry, or ask the user): list_territories was already called 3 times"
    )
    assert answer.answer == "Done."


def test_a_model_that_loops_ends_on_the_budget_and_falls_back(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend([[tool_call("pipeline_summary", {"min_amount": i})] for i in range(20)])
    answer = make_service().ask(RITA, "pipeline please")
    assert answer.model == "offline"
    assert answer.fallback_reason == "the model used its whole budget of calls without answering"
    assert "did not answer" in answer.answer
    assert len(scripted.seen) == 8  # the budget: 8 model calls per turn


def test_malformed_tool_calls_fall_back(make_service: ServiceFactory, scripted: ScriptedChatModel) -> None:
    broken = AIMessage(
        content="",
        invalid_tool_calls=[
            {
                "name": "stalled_deals",
                "args": "{not json",
                "id": "c1",
                "error": "bad json",
                "type": "invalid_tool_call",
            }
        ],
    )
    scripted.extend([broken])
    answer = make_service().ask(RITA, "stalled?")
    assert answer.model == "offline" and answer.fallback_reason == "the model sent malformed tool calls"


def test_memory_follows_a_thread_and_only_that_thread(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    service = make_service()
    scripted.extend([[tool_call("account_profile", {"account": "Acme"})], "Acme Corporation is yours."])
    first = service.ask(RITA, "tell me about Acme", thread_id="t1")

    def follow_up(messages: list[BaseMessage]) -> list[object]:
        earlier = [m for m in messages if isinstance(m, ToolMessage)]
        assert earlier and "Acme Corporation" in str(earlier[0].content), "the thread lost the first turn"
        return [tool_call("account_whitespace", {"account": "Acme Corporation"})]

    scripted.extend([follow_up, "Acme could also buy Analytics."])
    second = service.ask(RITA, "what else could that account buy?", thread_id="t1")
    assert second.tool_calls[0].args == {"account": "Acme Corporation"}
    assert first.thread_id == second.thread_id == "t1"
    scripted.extend(["Which account do you mean?"])
    service.ask(RITA, "what else could that account buy?", thread_id="t2")
    assert not [m for m in scripted.seen[-1] if isinstance(m, ToolMessage)]
    # another user cannot continue Rita's thread by naming it
    scripted.extend(["Which account do you mean?"])
    service.ask(MAX, "and that account?", thread_id="t1")
    assert not [m for m in scripted.seen[-1] if isinstance(m, ToolMessage)]


def test_metric_definitions_through_the_loop(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend(
        [[tool_call("metric_definitions", {"metric": "win rate"})], "Win rate is won over closed."]
    )
    answer = make_service().ask(RITA, "what does win rate mean?")
    result = json.loads(_tool_results(scripted.seen[-1])[0])
    assert [m["name"] for m in result["metrics"]] == ["Win rate"]
    assert answer.answer == "Win rate is won over closed."


def test_a_configured_model_is_given_the_built_in_reading_first(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    """Before its first call the model sees the offline planner's reading of the question; once
    tool results are in, it does not (it is writing the answer from them)."""
    scripted.extend([[tool_call("query_metrics", {"measure": "won_revenue"})], "Done."])
    make_service(scripted).ask(MAX, "won revenue by product this year")
    first, second = (str(messages[0].content) for messages in scripted.seen)
    assert "The built-in parser read the latest question as: query_metrics(" in first
    assert '"group_by": "product"' in first and '"measure": "won_revenue"' in first
    assert "built-in parser" not in second


def test_calls_asked_together_are_reported_in_the_order_asked() -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    from assistant.toolkit import _asked_at

    asked = AIMessage(
        content="",
        tool_calls=[
            {"name": "forecast", "args": {}, "id": "a"},
            {"name": "pipeline_summary", "args": {}, "id": "b"},
        ],
    )
    state = {"messages": [HumanMessage("forecast and pipeline"), asked]}
    # the second call may start first; its place is still the second of the first step
    assert (_asked_at(state, "b"), _asked_at(state, "a")) == ((1, 1), (1, 0))
    assert _asked_at({"messages": []}, "a") == (0, 0)
