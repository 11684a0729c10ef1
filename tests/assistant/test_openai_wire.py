"""The real wire path: the `openai` client inside ChatOpenAI talks to a loopback fake of the Chat
Completions API; tool calls (single and parallel) work, and every fault ends within the turn's
deadline with the model's answer or the offline fallback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from assistant.models import build_chat_model
from assistant.settings import Settings
from tests.assistant.conftest import ServiceFactory
from tests.fakes import FakeOpenAI, error_reply, hang_reply, text_reply, tool_reply
from tests.tools.conftest import RITA


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI().running() as server:
        yield server


def _service(make_service: ServiceFactory, fake: FakeOpenAI, **settings: object):  # type: ignore[no-untyped-def]
    config = Settings(
        model="openai:fake-model",
        openai_api_key="sk-test",
        openai_base_url=fake.base_url,  # type: ignore[arg-type]
        model_timeout_seconds=1.0,
    )
    return make_service(model=build_chat_model(config), model_timeout_seconds=1.0, **settings)


def test_tool_calls_over_http(make_service: ServiceFactory, fake: FakeOpenAI) -> None:
    fake.script(tool_reply(("stalled_deals", {})), text_reply("Two deals need attention."))
    answer = _service(make_service, fake).ask(RITA, "stalled deals?")
    assert answer.answer == "Two deals need attention." and answer.model == "openai:scripted"
    assert [c.name for c in answer.tool_calls] == ["stalled_deals"]
    first, second = fake.requests
    assert first["model"] == "fake-model"
    assert {t["function"]["name"] for t in first["tools"]} >= {"stalled_deals", "search_playbook", "forecast"}
    tool_message = next(m for m in second["messages"] if m["role"] == "tool")
    assert "opportunity/2" in tool_message["content"]


def test_parallel_tool_calls_over_http(make_service: ServiceFactory, fake: FakeOpenAI) -> None:
    fake.script(
        tool_reply(("forecast", {"period": "this quarter"}), ("list_territories", {})),
        text_reply("Forecast and territories."),
    )
    answer = _service(make_service, fake).ask(RITA, "forecast and my territory")
    assert [c.name for c in answer.tool_calls] == ["forecast", "list_territories"]
    assert len([m for m in fake.requests[1]["messages"] if m["role"] == "tool"]) == 2


def test_429_with_short_retry_after_is_retried(make_service: ServiceFactory, fake: FakeOpenAI) -> None:
    fake.script(error_reply(429, retry_after=1), text_reply("Answer after waiting."))
    started = time.monotonic()
    answer = _service(make_service, fake).ask(RITA, "hello")
    assert answer.answer == "Answer after waiting." and answer.fallback_reason is None
    assert 1.0 <= time.monotonic() - started < 5
    assert len(fake.requests) == 2


def test_429_with_long_retry_after_falls_back_at_once(make_service: ServiceFactory, fake: FakeOpenAI) -> None:
    fake.script(error_reply(429, retry_after=300))
    started = time.monotonic()
    answer = _service(make_service, fake, turn_deadline_seconds=20).ask(RITA, "hello")
    assert time.monotonic() - started < 5
    assert answer.model == "offline" and "429" in (answer.fallback_reason or "")
    assert len(fake.requests) == 1


def test_server_errors_are_retried_then_fall_back(make_service: ServiceFactory, fake: FakeOpenAI) -> None:
    fake.script(error_reply(500), error_reply(502), error_reply(503))
    answer = _service(make_service, fake).ask(RITA, "hello")
    assert answer.model == "offline" and answer.fallback_reason == "the model server returned an error (503)"
    assert len(fake.requests) == 3


def test_a_hanging_model_ends_within_the_deadline(make_service: ServiceFactory, fake: FakeOpenAI) -> None:
    fake.script(hang_reply(30), hang_reply(30), hang_reply(30))
    started = time.monotonic()
    answer = _service(make_service, fake, turn_deadline_seconds=4).ask(RITA, "hello")
    assert time.monotonic() - started < 6
    assert answer.model == "offline" and answer.fallback_reason is not None


def test_malformed_tool_call_json_falls_back(make_service: ServiceFactory, fake: FakeOpenAI) -> None:
    fake.script(tool_reply(("stalled_deals", "{not json")))
    answer = _service(make_service, fake).ask(RITA, "stalled?")
    assert answer.model == "offline" and answer.fallback_reason == "the model sent malformed tool calls"


def test_a_model_looping_on_one_tool_is_stopped(make_service: ServiceFactory, fake: FakeOpenAI) -> None:
    fake.script(tool_reply(("list_territories", {})))
    fake.repeat_last = True
    answer = _service(make_service, fake).ask(RITA, "territories")
    assert answer.model == "offline"
    assert len(fake.requests) == 8
    tool_messages = [m for m in fake.requests[-1]["messages"] if m["role"] == "tool"]
    assert all("already called 3 times" in m["content"] for m in tool_messages[3:])
