"""Self-hosted servers and weak models over the real wire path (the loopback fake, no real model).

A server that rejects a null assistant content or a request without ``max_tokens`` still answers;
a tool call written as text runs the tool and the answer comes from its result; a call that is
not one of the tools falls back; a model repeating one call forever falls back within budget.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_openai import ChatOpenAI

from assistant.compat import compatible_payload, is_self_hosted
from assistant.models import SELF_HOSTED_MAX_TOKENS, build_chat_model
from assistant.service import AssistantService
from assistant.settings import Settings
from assistant.text_tool_calls import read_calls, structured
from assistant.toolkit import build_tools
from tests.assistant.conftest import ServiceFactory
from tests.fakes import FakeOpenAI, text_reply, text_tool_reply, tool_reply
from tests.tools.conftest import RITA


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    """A fake with the llama-cpp-python server's quirks switched on."""
    with FakeOpenAI(reject_null_content=True, require_max_tokens=True).running() as fake:
        yield fake


def _settings(fake: FakeOpenAI) -> Settings:
    return Settings(
        model="openai:tiny",
        openai_base_url=fake.base_url,
        model_timeout_seconds=2.0,
    )


def _service(make_service: ServiceFactory, fake: FakeOpenAI, **settings: Any) -> AssistantService:
    return make_service(model=build_chat_model(_settings(fake)), model_timeout_seconds=2.0, **settings)


def _assistant_messages(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in request["messages"] if m["role"] == "assistant"]


def test_a_quirky_server_gets_requests_it_accepts(make_service: ServiceFactory, server: FakeOpenAI) -> None:
    server.script(tool_reply(("stalled_deals", {})), text_reply("Two deals need attention."))
    answer = _service(make_service, server).ask(RITA, "stalled deals?")
    assert answer.fallback_reason is None and answer.answer == "Two deals need attention."
    assert server.rejected == []
    first, second = server.requests
    assert first["max_tokens"] == SELF_HOSTED_MAX_TOKENS == first["max_completion_tokens"]
    (call,) = _assistant_messages(second)
    assert call["content"] == "" and call["tool_calls"][0]["function"]["name"] == "stalled_deals"


def test_the_fake_rejects_what_plain_chatopenai_sends(
    make_service: ServiceFactory, server: FakeOpenAI
) -> None:
    """The quirks are real for the fake: langchain-openai's own requests are rejected."""
    plain = ChatOpenAI(model="tiny", api_key="x", base_url=server.base_url, max_retries=0, timeout=2)
    server.script(tool_reply(("stalled_deals", {})))
    answer = make_service(model=plain).ask(RITA, "stalled deals?")
    assert answer.model == "offline" and "400" in (answer.fallback_reason or "")
    assert server.rejected[0] == "no max_tokens"


@pytest.mark.parametrize("style", ["json", "fence", "tag"])
def test_a_tool_call_written_as_text_runs_the_tool(
    make_service: ServiceFactory, server: FakeOpenAI, style: str
) -> None:
    server.script(
        text_tool_reply("stalled_deals", {"limit": 5}, style),
        text_reply("See opportunity/2, it is stalled."),
    )
    answer = _service(make_service, server).ask(RITA, "which of my deals are stalled?")
    assert answer.fallback_reason is None and answer.model == "openai:scripted"
    assert [(c.name, c.args) for c in answer.tool_calls] == [("stalled_deals", {"limit": 5})]
    assert "opportunity/2" in answer.citations and answer.unverified == []
    second = server.requests[1]
    (call,) = _assistant_messages(second)
    assert call["content"] == ""
    assert json.loads(call["tool_calls"][0]["function"]["arguments"]) == {"limit": 5}
    tool_message = next(m for m in second["messages"] if m["role"] == "tool")
    assert "opportunity/2" in tool_message["content"]
    assert server.rejected == []


@pytest.mark.parametrize(
    "reply",
    [
        text_tool_reply("get_weather", {"city": "Paris"}),
        text_tool_reply("stalled_deals", {"limit": 0}, "tag"),
        text_reply('{"name": "search_playbook", "arguments": "{\\"query\\": "stalled"}"}'),
    ],
    ids=["unknown tool", "invalid arguments", "broken JSON"],
)
def test_a_text_call_no_tool_accepts_falls_back(
    make_service: ServiceFactory, server: FakeOpenAI, reply: Any
) -> None:
    server.script(reply)
    answer = _service(make_service, server).ask(RITA, "which of my deals are stalled?")
    assert answer.model == "offline" and answer.fallback_reason == "the model sent malformed tool calls"
    assert "get_weather" not in answer.answer and len(server.requests) == 1


def test_json_that_is_not_a_tool_call_stays_the_answer(
    make_service: ServiceFactory, server: FakeOpenAI
) -> None:
    server.script(text_reply('Here is the shape: {"stage": "Proposal"}'))
    answer = _service(make_service, server).ask(RITA, "what is a stage?")
    assert answer.fallback_reason is None and answer.answer == 'Here is the shape: {"stage": "Proposal"}'


@pytest.mark.parametrize(
    "reply",
    [tool_reply(("list_territories", {})), text_tool_reply("list_territories", {}, "tag")],
    ids=["structured", "as text"],
)
def test_a_model_repeating_one_call_forever_falls_back_within_budget(
    make_service: ServiceFactory, server: FakeOpenAI, reply: Any
) -> None:
    server.script(reply)
    server.repeat_last = True
    started = time.monotonic()
    answer = _service(make_service, server, turn_deadline_seconds=20, max_model_calls=6).ask(
        RITA, "territories"
    )
    # ended by the call limit, well before the deadline
    assert time.monotonic() - started < 20
    assert answer.model == "offline" and "budget" in (answer.fallback_reason or "")
    assert answer.answer.strip() and len(server.requests) == 6 and server.rejected == []
    tool_results = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "tool"]
    assert all("already called 3 times" in r for r in tool_results[3:])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"name": "forecast", "arguments": {"period": "Q3"}}', [("forecast", {"period": "Q3"})]),
        ('{"name": "forecast", "parameters": {"period": "Q3"}}', [("forecast", {"period": "Q3"})]),
        ('{"name": "forecast", "arguments": "{\\"period\\": \\"Q3\\"}"}', [("forecast", {"period": "Q3"})]),
        ('{"type": "function", "function": {"name": "forecast", "arguments": {}}}', [("forecast", {})]),
        (
            '<tool_call>[{"name": "forecast", "arguments": {}}, '
            '{"name": "list_territories", "arguments": {}}]</tool_call>',
            [("forecast", {}), ("list_territories", {})],
        ),
        (
            'Let me check.\n<tool_call>{"name": "forecast", "arguments": {}}</tool_call>\n'
            '<tool_call>{"name": "list_territories", "arguments": {}}</tool_call>',
            [("forecast", {}), ("list_territories", {})],
        ),
        ('<tool_call>\n{"name": "forecast", "arguments": {}}', [("forecast", {})]),
        ('```json\n{"name": "forecast", "arguments": {}}\n```', [("forecast", {})]),
        ("```\n" + '{"name": "forecast", "arguments": {}}' + "\n```\n" + "x" * 300, None),
        ('{"name": "Acme", "industry": "Retail"}', None),
        ('{"stage": "Proposal", "count": 3}', None),
        ("Forecast: $1.2M commit.", None),
        ("Here is the JSON: {not json}", None),
    ],
)
def test_reading_calls_from_text(text: str, expected: list[tuple[str, dict[str, Any]]] | None) -> None:
    calls = read_calls(text)
    assert (None if calls is None else [(c.name, c.arguments) for c in calls]) == expected
    assert all(c.error is None for c in calls or [])


@pytest.mark.parametrize(
    "text",
    [
        "<tool_call>not json</tool_call>",
        # written by a small model imitating a template that string-encodes arguments
        '{"name": "search_playbook", "arguments": "{\\"query\\": \\"x\\", \\"type\\": "string"}", "k": 4}',
        '```json\n{"name": "forecast", "parameters": {"period": "Q3"\n```',
    ],
)
def test_a_broken_call_is_read_as_malformed(text: str) -> None:
    (call,) = read_calls(text) or []
    assert call.error == "the call is not valid JSON"
    message = structured(AIMessage(content=text), build_tools())
    assert not message.tool_calls and message.invalid_tool_calls and message.content == text


def test_a_reply_with_structured_calls_is_left_alone() -> None:
    message = AIMessage(
        content='{"name": "forecast", "arguments": {}}',
        tool_calls=[{"name": "list_territories", "args": {}, "id": "c1", "type": "tool_call"}],
    )
    assert structured(message, build_tools()) is message


def test_requests_are_reshaped_only_for_self_hosted_servers() -> None:
    assert is_self_hosted("http://127.0.0.1:8080/v1") and is_self_hosted("https://llm.example.com/v1")
    assert not is_self_hosted(None) and not is_self_hosted("https://api.openai.com/v1")
    payload = compatible_payload(
        {
            "max_completion_tokens": 64,
            "messages": [{"role": "assistant", "content": None}, {"role": "user", "content": None}],
        }
    )
    assert payload["max_tokens"] == 64
    assert payload["messages"] == [{"role": "assistant", "content": ""}, {"role": "user", "content": None}]
    openai = build_chat_model(Settings(model="openai:gpt-4o-mini", openai_api_key="sk-x"))
    assert isinstance(openai, ChatOpenAI) and openai.max_tokens is None
