"""The HTTP API with TestClient: every endpoint, auth, scope, limits and problem details."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant import toolkit
from assistant.audit import AuditLog
from assistant.interfaces.api.tokens import TokenStore
from knowledge.base import KnowledgeBase
from tests.interfaces.api_support import Api, build_api
from tests.knowledge.conftest import SAMPLE, write_playbook
from tests.knowledge.fakes import HashEmbedder

PROBLEM = "application/problem+json"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    world = build_api(tmp_path / "home")
    with world.client:
        yield world


def problem(response: Any, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"]
    assert isinstance(body, dict)
    return body


def test_healthz_needs_no_token(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_the_database_and_the_index(api: Api, tmp_path: Path) -> None:
    response = api.client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and "salesplan kb ingest" in checks["index"]
    playbook = write_playbook(tmp_path / "playbook", SAMPLE)
    KnowledgeBase(index_dir=api.context.settings.home / "chroma", embedder=HashEmbedder()).ingest(playbook)
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "index": "ok"},
    }


def test_ask_answers_as_json_and_continues_a_thread(api: Api) -> None:
    response = api.client.post("/v1/ask", json={"question": "tell me about Acme"}, headers=api.auth("rita"))
    assert response.status_code == 200
    body = response.json()
    assert {"answer", "tool_calls", "citations", "model", "latency_ms", "thread_id"} <= set(body)
    assert body["model"] == "offline" and "account/1" in body["citations"]
    follow = api.client.post(
        "/v1/ask",
        json={"question": "and their stalled deals?", "thread_id": body["thread_id"]},
        headers=api.auth("rita"),
    ).json()
    assert follow["thread_id"] == body["thread_id"] and "Acme" in follow["answer"]


def test_ask_streams_progress_and_the_answer(api: Api) -> None:
    headers = {**api.auth("rita"), "Accept": "text/event-stream"}
    with api.client.stream(
        "POST", "/v1/ask", json={"question": "which of my deals are stalled?"}, headers=headers
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        raw = "".join(r.iter_text())
    events = [
        (lines[0].removeprefix("event: "), json.loads(lines[1].removeprefix("data: ")))
        for lines in (chunk.split("\n") for chunk in raw.strip().split("\n\n"))
    ]
    names = [name for name, _ in events]
    assert names[0] == "progress" and names[-2:] == ["answer", "done"]
    assert events[0][1]["stage"] == "received"
    answer = dict(events)["answer"]
    assert "opportunity/2" in answer["citations"] and answer["thread_id"] == events[0][1]["thread_id"]


def test_stalled_deals_follow_the_tokens_user(api: Api) -> None:
    rita = api.client.get("/v1/deals/stalled", headers=api.auth("rita")).json()
    assert {d["owner"] for d in rita["deals"]} == {"Rita Ruiz"}
    team = api.client.get("/v1/deals/stalled", params={"limit": 50}, headers=api.auth("max")).json()
    assert {d["owner"] for d in team["deals"]} >= {"Rita Ruiz", "Ravi Rao"}
    only = api.client.get("/v1/deals/stalled", params={"rule": "past_close"}, headers=api.auth("max")).json()
    assert [d["id"] for d in only["deals"]] == ["opportunity/2"]
    problem(api.client.get("/v1/deals/stalled", params={"owner": "Ravi Rao"}, headers=api.auth("rita")), 404)
    problem(api.client.get("/v1/deals/stalled", params={"rule": "bogus"}, headers=api.auth("rita")), 422)


def test_another_users_account_is_not_found_like_a_missing_one(api: Api) -> None:
    acme = api.client.get("/v1/accounts/1", headers=api.auth("rita"))
    assert acme.status_code == 200 and acme.json()["firmographics"]["name"] == "Acme Corporation"
    theirs = problem(api.client.get("/v1/accounts/3", headers=api.auth("rita")), 404)
    missing = problem(api.client.get("/v1/accounts/999", headers=api.auth("rita")), 404)
    assert theirs["detail"] == "no account with id 3" and missing["detail"] == "no account with id 999"
    assert api.client.get("/v1/accounts/3", headers=api.auth("olga")).status_code == 200  # RevOps sees all
    problem(api.client.get("/v1/accounts/0", headers=api.auth("rita")), 422)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer spk_not-a-token"},
        {"Authorization": "Basic cml0YTpwdw=="},
        {"Authorization": "Bearer "},
    ],
)
def test_missing_or_wrong_auth_is_401(api: Api, headers: dict[str, str]) -> None:
    for method, path in (("GET", "/v1/deals/stalled"), ("GET", "/v1/accounts/1"), ("POST", "/v1/ask")):
        response = api.client.request(method, path, headers=headers, json={"question": "hi"})
        problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(api: Api) -> None:
    store = TokenStore(api.context.engine)
    rita = next(t for t in store.list() if t.user == "Rita Ruiz")
    assert api.client.get("/v1/deals/stalled", headers=api.auth("rita")).status_code == 200
    store.revoke(rita.id)
    problem(api.client.get("/v1/deals/stalled", headers=api.auth("rita")), 401)
    assert store.list(rita.user_id)[0].last_used_at is not None


def test_oversized_bodies_and_questions_are_refused(tmp_path: Path) -> None:
    world = build_api(tmp_path / "home", api_max_body_bytes=2_048, api_max_question_chars=100)
    auth = world.auth("rita")
    big = json.dumps({"question": "x" * 3_000})
    response = world.client.post("/v1/ask", content=big, headers={**auth, "Content-Type": "application/json"})
    assert "larger than 2,048 bytes" in str(problem(response, 413)["detail"])
    chunked = world.client.post(
        "/v1/ask", content=iter([big.encode()]), headers={**auth, "Content-Type": "application/json"}
    )
    problem(chunked, 413)
    long = problem(world.client.post("/v1/ask", json={"question": "y" * 150}, headers=auth), 422)
    assert "too long" in str(long["detail"])
    empty = problem(world.client.post("/v1/ask", json={"question": "   "}, headers=auth), 422)
    assert empty["errors"] and "question" in str(empty["detail"])
    problem(
        world.client.post(
            "/v1/ask", content=b"{not json", headers={**auth, "Content-Type": "application/json"}
        ),
        422,
    )


def test_rate_limit_per_token(tmp_path: Path) -> None:
    world = build_api(tmp_path / "home", api_rate_limit_per_minute=3)
    statuses = [
        world.client.get("/v1/deals/stalled", headers=world.auth("rita")).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = world.client.get("/v1/deals/stalled", headers=world.auth("rita"))
    assert int(problem(limited, 429)["status"]) == 429 and 1 <= int(limited.headers["retry-after"]) <= 20
    assert world.client.get("/v1/deals/stalled", headers=world.auth("ravi")).status_code == 200  # per token


def test_openapi_describes_every_endpoint_and_model(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    expected = {
        ("post", "/v1/ask"),
        ("post", "/v1/plans/account"),
        ("post", "/v1/plans/territory"),
        ("get", "/v1/deals/stalled"),
        ("get", "/v1/deals"),
        ("get", "/v1/deals/{deal_id}"),
        ("get", "/v1/pipeline"),
        ("get", "/v1/forecast"),
        ("get", "/v1/performance"),
        ("get", "/v1/metrics"),
        ("post", "/v1/metrics"),
        ("get", "/v1/accounts"),
        ("get", "/v1/accounts/{account_id}"),
        ("get", "/v1/threads/{thread_id}"),
        ("get", "/healthz"),
        ("get", "/readyz"),
    }
    assert expected <= {(m, p) for p, ops in paths.items() for m in ops}
    schemas = document["components"]["schemas"]
    assert {
        "Answer",
        "AskRequest",
        "StalledDeals",
        "AccountProfile",
        "Problem",
        "DealList",
        "DealDetails",
        "PipelineSummary",
        "Forecast",
        "PerformanceReport",
        "MetricResult",
        "AccountSearchResult",
        "Conversation",
    } <= set(schemas)
    for path, operations in paths.items():
        for operation in operations.values():
            assert operation.get("summary") and operation.get("description"), path
            if path.startswith("/v1/"):
                assert operation["security"] == [{"token": []}]
                assert {"401", "429"} <= set(operation["responses"])
                for status, response in operation["responses"].items():
                    if status.startswith("4"):  # every error documented, as a problem detail
                        assert response["content"] == {
                            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                        }, (path, status)
                ids = [
                    p
                    for p in operation.get("parameters", [])
                    if p["name"].endswith("_id") and p["in"] == "path"
                ]
                for parameter in ids:  # record ids: `kind/N` or `N`
                    if parameter["name"] != "change_id" and parameter["name"] != "thread_id":
                        assert parameter["schema"]["pattern"].startswith("^("), (path, parameter)
    assert "text/event-stream" in paths["/v1/ask"]["post"]["responses"]["200"]["content"]


def test_plans_are_drafted_within_the_callers_scope(api: Api) -> None:
    account = api.client.post("/v1/plans/account", json={"name": "Acme"}, headers=api.auth("rita"))
    assert account.status_code == 200, account.text
    draft = account.json()
    assert (
        draft["kind"] == "account"
        and "Acme Corporation" in draft["title"]
        and draft["markdown"].startswith("#")
    )
    assert "account/1" in draft["citations"]
    problem(api.client.post("/v1/plans/account", json={"name": "Globex"}, headers=api.auth("rita")), 404)
    problem(api.client.post("/v1/plans/account", json={"name": " "}, headers=api.auth("rita")), 422)
    own = api.client.post("/v1/plans/territory", json={}, headers=api.auth("max"))
    assert own.status_code == 200 and own.json()["kind"] == "territory"
    named = api.client.post("/v1/plans/territory", json={"name": "West Enterprise"}, headers=api.auth("max"))
    assert named.status_code == 200 and "West Enterprise" in named.json()["markdown"]
    problem(
        api.client.post("/v1/plans/territory", json={"name": "East Commercial"}, headers=api.auth("rita")),
        404,
    )


def test_a_plans_history_chart_is_a_png_within_the_callers_scope(api: Api) -> None:
    chart = api.client.post(
        "/v1/plans/territory/chart", json={"name": "West Enterprise"}, headers=api.auth("max")
    )
    assert chart.status_code == 200, chart.text
    assert chart.headers["content-type"] == "image/png"
    assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    account = api.client.post("/v1/plans/account/chart", json={"name": "Acme"}, headers=api.auth("rita"))
    assert account.status_code == 200 and account.content[:4] == b"\x89PNG"
    problem(
        api.client.post(
            "/v1/plans/territory/chart", json={"name": "East Commercial"}, headers=api.auth("rita")
        ),
        404,
    )


def test_record_endpoints_are_audited(api: Api) -> None:
    api.client.get("/v1/deals/stalled", params={"limit": 3}, headers=api.auth("max"))
    api.client.get("/v1/accounts/1", headers=api.auth("rita"))
    problem(api.client.get("/v1/deals/stalled", params={"owner": "Ravi Rao"}, headers=api.auth("rita")), 404)
    entries = AuditLog(api.context.engine).tail()
    assert [(e.user_name, e.channel, e.kind, e.question, e.outcome) for e in entries] == [
        ("Max Stone", "api", "tool", 'stalled_deals {"limit": 3}', "answered"),
        ("Rita Ruiz", "api", "tool", 'account_profile {"account": "Acme Corporation"}', "answered"),
        ("Rita Ruiz", "api", "tool", 'stalled_deals {"owner": "Ravi Rao"}', "rejected"),
    ]
    assert "account/1" in entries[1].record_ids and entries[1].tool_calls[0]["name"] == "account_profile"


def test_a_usage_error_is_a_500_with_nothing_shown(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(toolkit.BY_NAME, "stalled_deals")  # a tool the code asks for by a name not registered
    with TestClient(api.client.app, raise_server_exceptions=False) as client:
        body = problem(client.get("/v1/deals/stalled", headers=api.auth("rita")), 500)
    assert body["detail"] == "an unexpected error occurred"
    assert AuditLog(api.context.engine).tail()[-1].outcome == "bug"
