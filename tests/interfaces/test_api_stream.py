"""Streamed answers (server-sent events), conversations read back, and thread ids that name no
conversation of the caller's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.testing import ScriptedChatModel, tool_call
from tests.interfaces.api_support import Api, build_api, build_model_api, conforms, events, problem

STREAM = {"Accept": "text/event-stream"}
ANSWER = "Two of your deals are stalled: Acme - Core and Acme - Analytics."


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    world = build_api(tmp_path / "home")
    with world.client:
        yield world


def streamed(api: Api, who: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    with api.client.stream("POST", "/v1/ask", json=body, headers={**api.auth(who), **STREAM}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return events("".join(response.iter_text()))


def tools_of(stream: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(d["tool"], d["status"]) for name, d in stream if name == "progress" and d["stage"] == "tool"]


def test_a_streaming_model_sends_its_tokens_then_the_answer_a_json_request_gets(tmp_path: Path) -> None:
    model = ScriptedChatModel().extend([[tool_call("stalled_deals", {})], ANSWER] * 2)
    api = build_model_api(tmp_path / "home", model)
    with api.client:
        stream = streamed(api, "rita", {"question": "which of my deals are stalled?"})
        plain = api.client.post(
            "/v1/ask", json={"question": "which of my deals are stalled?"}, headers=api.auth("rita")
        )
    names = [name for name, _ in stream]
    assert names[0] == "progress" and names[-2:] == ["answer", "done"]
    assert tools_of(stream) == [("stalled_deals", "started"), ("stalled_deals", "finished")]
    tokens = [data["text"] for name, data in stream if name == "token"]
    assert len(tokens) == len(ANSWER.split()) and "".join(tokens) == ANSWER
    # the tool call is reported before the answer's tokens, each finished call with its outcome
    assert names.index("token") > max(i for i, (n, d) in enumerate(stream) if n == "progress" and "tool" in d)
    finished = next(d for n, d in stream if n == "progress" and d.get("status") == "finished")
    assert finished["ok"] is True and finished["call_id"]
    answer = dict(stream)["answer"]
    expected = conforms(plain, "/v1/ask")
    assert set(answer) == set(expected)
    for key in ("answer", "tool_calls", "citations", "model", "records", "unverified", "fallback_reason"):
        assert answer[key] == expected[key], key
    assert answer["answer"] == ANSWER and answer["model"] == "openai:scripted"


def test_the_offline_planner_streams_tool_progress_and_the_answer_without_tokens(api: Api) -> None:
    stream = streamed(api, "rita", {"question": "which of my deals are stalled?"})
    assert tools_of(stream) == [("stalled_deals", "started"), ("stalled_deals", "finished")]
    assert "token" not in [name for name, _ in stream]
    answer = dict(stream)["answer"]
    assert answer["model"] == "offline" and "opportunity/2" in answer["citations"]
    assert answer["thread_id"] == stream[0][1]["thread_id"]


def test_a_tool_error_is_reported_as_a_finished_call_that_failed(tmp_path: Path) -> None:
    model = ScriptedChatModel().extend(
        [[tool_call("account_profile", {"account": "Globex"})], "No such account."]
    )
    api = build_model_api(tmp_path / "home", model)
    with api.client:
        stream = streamed(api, "rita", {"question": "tell me about Globex"})
    finished = [d for n, d in stream if n == "progress" and d.get("status") == "finished"]
    assert [(d["tool"], d["ok"]) for d in finished] == [("account_profile", False)]


def test_a_model_that_fails_mid_stream_restarts_with_the_offline_planner(tmp_path: Path) -> None:
    """A model that keeps calling tools uses up its calls; the offline planner answers, and the
    stream says so before the planner's own tool calls."""
    calls = [
        [tool_call("pipeline_summary", {})],
        [tool_call("forecast", {})],
        [tool_call("stalled_deals", {})],
    ]
    api = build_model_api(tmp_path / "home", ScriptedChatModel().extend(calls), max_model_calls=2)
    with api.client:
        stream = streamed(api, "rita", {"question": "which of my deals are stalled?"})
    restarted = [i for i, (n, d) in enumerate(stream) if n == "progress" and d["stage"] == "restarted"]
    assert len(restarted) == 1
    reason = stream[restarted[0]][1]["reason"]
    assert reason == "the model used its whole budget of calls without answering"
    before, after = stream[: restarted[0]], stream[restarted[0] :]
    assert tools_of(before) == [
        ("pipeline_summary", "started"),
        ("pipeline_summary", "finished"),
        ("forecast", "started"),
        ("forecast", "finished"),
    ]
    assert tools_of(after) == [("stalled_deals", "started"), ("stalled_deals", "finished")]
    answer = dict(stream)["answer"]
    assert answer["model"] == "offline" and answer["fallback_reason"] == reason


def test_an_unknown_thread_id_is_a_404_and_no_thread_id_starts_one(api: Api) -> None:
    auth = api.auth("rita")
    unknown = api.client.post(
        "/v1/ask", json={"question": "and their deals?", "thread_id": "t-none"}, headers=auth
    )
    assert problem(unknown, 404)["detail"] == (
        "no conversation with thread id 't-none'; leave thread_id out to start a new one"
    )
    conforms(unknown, "/v1/ask")
    headers = {**auth, **STREAM}
    streamed_unknown = api.client.post(
        "/v1/ask", json={"question": "and their deals?", "thread_id": "t-none"}, headers=headers
    )
    problem(streamed_unknown, 404)  # refused before any stream starts
    first = api.client.post("/v1/ask", json={"question": "tell me about Acme"}, headers=auth).json()
    follow = api.client.post(
        "/v1/ask",
        json={"question": "and their stalled deals?", "thread_id": first["thread_id"]},
        headers=auth,
    )
    assert follow.status_code == 200 and follow.json()["thread_id"] == first["thread_id"]
    another = api.client.post("/v1/ask", json={"question": "tell me about Acme"}, headers=auth).json()
    assert another["thread_id"] != first["thread_id"]


def test_a_conversation_reads_back_turn_by_turn_for_its_owner_only(api: Api) -> None:
    auth = api.auth("rita")
    first = api.client.post("/v1/ask", json={"question": "tell me about Acme"}, headers=auth).json()
    thread = first["thread_id"]
    second = api.client.post(
        "/v1/ask", json={"question": "and their stalled deals?", "thread_id": thread}, headers=auth
    ).json()
    read = conforms(api.client.get(f"/v1/threads/{thread}", headers=auth), "/v1/threads/{thread_id}")
    assert read["thread_id"] == thread
    assert [t["question"] for t in read["turns"]] == ["tell me about Acme", "and their stalled deals?"]
    assert [t["answer"] for t in read["turns"]] == [first["answer"], second["answer"]]
    assert [t["tool_calls"] for t in read["turns"]] == [first["tool_calls"], second["tool_calls"]]
    assert {t["model"] for t in read["turns"]} == {"offline"}
    other = problem(api.client.get(f"/v1/threads/{thread}", headers=api.auth("ravi")), 404)
    assert other["detail"] == f"no conversation with thread id {thread!r}"
    problem(api.client.get("/v1/threads/t-none", headers=auth), 404)
    assert "query" not in str(problem(api.client.get("/v1/threads/no%20spaces", headers=auth), 422)["errors"])


def test_a_configured_models_unverified_figure_reads_back_marked(tmp_path: Path) -> None:
    made_up = "You have $987,654 stalled."
    api = build_model_api(
        tmp_path / "home", ScriptedChatModel().extend([[tool_call("stalled_deals", {})], made_up])
    )
    with api.client:
        answer = api.client.post("/v1/ask", json={"question": "stalled?"}, headers=api.auth("rita")).json()
        read = api.client.get(f"/v1/threads/{answer['thread_id']}", headers=api.auth("rita")).json()
    assert answer["unverified"] == ["$987,654"] and "$987,654 (unverified)" in answer["answer"]
    assert read["turns"][0]["answer"] == answer["answer"]
