"""Nothing the HTTP API is asked escapes the audit log: a streamed answer the client walks away
from is recorded as ``cancelled``, a request refused by validation (422) as ``rejected``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import ClientDisconnect

from assistant.audit import AuditEntry, AuditLog
from assistant.bootstrap import AppContext
from assistant.interfaces.api import create_app
from assistant.settings import Settings
from tests.fakes import FakeOpenAI, hang_reply
from tests.interfaces.api_support import Api, build_api, issue_tokens
from tests.tools import crm


@pytest.fixture
def slow_model() -> Iterator[FakeOpenAI]:
    """A model server that takes 20 s to answer: the turn is still running when the client leaves."""
    with FakeOpenAI().running() as server:
        server.script(hang_reply(20))
        yield server


def _request(token: str, spec_version: str, body: bytes) -> dict[str, Any]:
    headers = {
        "host": "testserver",
        "authorization": f"Bearer {token}",
        "accept": "text/event-stream",
        "content-type": "application/json",
        "content-length": str(len(body)),
    }
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/ask",
        "raw_path": b"/v1/ask",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


async def _walk_away(
    app: FastAPI, log: AuditLog, token: str, spec_version: str, model: FakeOpenAI
) -> tuple[list[bytes], AuditEntry]:
    """Ask for a streamed answer and leave once the turn is waiting on the model (an
    ``http.disconnect``, or for ASGI 2.4 servers a send that fails); wait for the audit entry."""
    body = json.dumps({"question": "how is my pipeline this quarter?"}).encode()
    received: list[bytes] = []
    requested = False

    async def turn_waits_on_the_model() -> None:
        while not (received and model.requests):
            await asyncio.sleep(0.02)

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await turn_waits_on_the_model()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            if received and model.requests:
                raise OSError("the client has gone")  # ASGI 2.4: the next send fails
            received.append(message["body"])

    with contextlib.suppress(ClientDisconnect, OSError):
        await asyncio.wait_for(app(_request(token, spec_version, body), receive, send), timeout=10)
    for _ in range(100):
        entries = await asyncio.to_thread(log.tail, 5)
        if entries:
            return received, entries[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("the cancelled request left no audit entry")


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
def test_a_client_that_leaves_a_streamed_answer_leaves_a_cancelled_entry(
    tmp_path: Path, slow_model: FakeOpenAI, spec_version: str
) -> None:
    settings = Settings(
        home=tmp_path / "home",
        model="openai:fake-model",
        openai_api_key="sk-test",  # type: ignore[arg-type]
        openai_base_url=slow_model.base_url,
        turn_deadline_seconds=60,
    )
    context = AppContext(settings)
    crm.load(context.engine)
    token = issue_tokens(context)["rita"]
    log = AuditLog(context.engine)
    app = create_app(context=context)
    received, entry = asyncio.run(_walk_away(app, log, token, spec_version, slow_model))
    assert received and received[0].startswith(b"event: progress")
    assert len(slow_model.requests) == 1  # the turn was waiting on the model when the client left
    assert (entry.user_name, entry.channel, entry.kind, entry.outcome) == (
        "Rita Ruiz",
        "api",
        "ask",
        "cancelled",
    )
    assert entry.question == "how is my pipeline this quarter?"
    assert entry.detail is not None and entry.detail.startswith("given up before its answer was ready")
    assert entry.latency_ms < 10_000


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    world = build_api(tmp_path / "home", api_max_question_chars=50)
    with world.client:
        yield world


def _last(api: Api) -> AuditEntry:
    return AuditLog(api.context.engine).tail(1)[0]


@pytest.mark.parametrize(
    ("method", "path", "payload", "kind", "question", "detail"),
    [
        (
            "POST",
            "/v1/ask",
            {"question": ""},
            "ask",
            "POST /v1/ask",
            "body.question: String should have at least",
        ),
        (
            "POST",
            "/v1/ask",
            {"question": "my deals?", "thread_id": "no spaces allowed"},
            "ask",
            "my deals?",
            "body.thread_id: String should match pattern",
        ),
        (
            "POST",
            "/v1/ask",
            {"question": "why " * 20},
            "ask",
            ("why " * 20).strip(),
            "the question is too long (79 characters; the limit is 50)",
        ),
        (
            "POST",
            "/v1/plans/account",
            {},
            "plan_account",
            "POST /v1/plans/account",
            "body: give the account's name or its account_id",
        ),
        (
            "GET",
            "/v1/deals/stalled?limit=many",
            None,
            "request",
            "GET /v1/deals/stalled?limit=many",
            "query.limit",
        ),
    ],
)
def test_a_request_refused_by_validation_leaves_a_rejected_entry(
    api: Api, method: str, path: str, payload: object, kind: str, question: str, detail: str
) -> None:
    response = api.client.request(method, path, json=payload, headers=api.auth("rita"))
    assert response.status_code == 422, response.text
    entry = _last(api)
    assert (entry.user_name, entry.channel, entry.kind, entry.outcome) == (
        "Rita Ruiz",
        "api",
        kind,
        "rejected",
    )
    assert entry.question == question
    assert entry.detail is not None and detail in entry.detail


def test_a_body_that_is_not_json_is_audited_under_the_tokens_user(api: Api) -> None:
    response = api.client.post(
        "/v1/ask",
        content=b'{"question": "pipe',
        headers={**api.auth("sam"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    entry = _last(api)
    assert (entry.user_name, entry.kind, entry.outcome) == ("Sam Reyes", "ask", "rejected")
    assert entry.question == "POST /v1/ask" and "JSON" in (entry.detail or "")


def test_a_refused_request_without_a_valid_token_is_a_401_and_not_audited(api: Api) -> None:
    client = TestClient(api.client.app)
    assert client.post("/v1/ask", json={"question": ""}).status_code == 401
    bad = client.post("/v1/ask", content=b"{", headers={"Authorization": "Bearer spk_nope"})
    assert bad.status_code in (401, 422)
    assert AuditLog(api.context.engine).tail() == []


def test_a_refused_question_the_database_could_not_store_as_sent_is_still_recorded(api: Api) -> None:
    headers = {**api.auth("rita"), "Content-Type": "application/json"}
    body = b'{"question": "stalled \\ud800 deals", "thread_id": "?"}'
    assert api.client.post("/v1/ask", content=body, headers=headers).status_code == 422
    assert _last(api).question == "stalled \ufffd deals"
