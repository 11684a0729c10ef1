"""A configured model's answer: figures no tool produced are marked unverified, the rest are left alone."""

from __future__ import annotations

import json
from decimal import Decimal

from langchain_core.messages import BaseMessage, ToolMessage

from assistant import formatting as fmt
from assistant.testing import ScriptedChatModel, tool_call
from tests.assistant.conftest import ServiceFactory
from tests.tools.conftest import RITA


def _pipeline(messages: list[BaseMessage]) -> dict[str, object]:
    result = next(m for m in reversed(messages) if isinstance(m, ToolMessage))
    return json.loads(str(result.content))  # type: ignore[no-any-return]


def _answer_with(invented: str) -> object:
    def write(messages: list[BaseMessage]) -> str:
        payload = _pipeline(messages)
        total = fmt.money(Decimal(str(payload["open_pipeline"]["value"])))  # type: ignore[index]
        deals = payload["deal_count"]["value"]  # type: ignore[index]
        return f"Your open pipeline is {total} across {deals} deals.{invented}"

    return write


def test_figures_from_the_tools_pass_and_invented_ones_are_marked(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend(
        [[tool_call("pipeline_summary", {})], _answer_with(" Expect $7.7M more by Friday, a 93% win rate.")]
    )
    answer = make_service().ask(RITA, "what's my pipeline?")
    assert answer.model == "openai:scripted"
    assert answer.unverified == ["$7.7M", "93%"]
    assert "$7.7M (unverified)" in answer.answer and "93% (unverified)" in answer.answer
    assert "did not come from a tool" in answer.answer
    assert "(unverified)" not in answer.answer.split("Expect")[0]


def test_an_answer_with_only_tool_figures_is_unchanged(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend([[tool_call("pipeline_summary", {})], _answer_with("")])
    answer = make_service().ask(RITA, "what's my pipeline?")
    assert answer.unverified == []
    assert "(unverified)" not in answer.answer and answer.answer.startswith("Your open pipeline is $")


def test_a_figure_from_the_question_is_not_invented(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend(
        [[tool_call("pipeline_summary", {"min_amount": 20000})], _answer_with(" Deals over $20,000 only.")]
    )
    answer = make_service().ask(RITA, "my pipeline over $20,000?")
    assert answer.unverified == []
