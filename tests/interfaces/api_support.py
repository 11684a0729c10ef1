"""The HTTP API under test: ``create_app`` over the hand-built CRM, with tokens for its people.

:func:`conforms` checks a response against the application's own OpenAPI document (status,
content type, headers and body schema of the operation), as the contract tests do.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from fastapi.testclient import TestClient
from langchain_core.language_models import BaseChatModel

from assistant.audit import AuditLog
from assistant.bootstrap import AppContext
from assistant.interfaces.api import create_app
from assistant.interfaces.api.tokens import TokenStore
from assistant.offline import OfflinePlanner
from assistant.service import AssistantService
from assistant.settings import Settings
from tests.tools import crm

#: People of the hand-built CRM by first name -> user id.
PEOPLE = {"rita": 4, "ravi": 5, "sam": 6, "max": 2, "olga": 7}
PROBLEM = "application/problem+json"


@dataclass
class Api:
    client: TestClient
    context: AppContext
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def api_context(home: Path, **settings: object) -> AppContext:
    context = AppContext(Settings(home=home, model="offline", **settings))  # type: ignore[arg-type]
    crm.load(context.engine)
    return context


def issue_tokens(context: AppContext) -> dict[str, str]:
    store = TokenStore(context.engine)
    return {name: store.create(user_id, f"{name} test").token for name, user_id in PEOPLE.items()}


def build_api(home: Path, **settings: object) -> Api:
    context = api_context(home, **settings)
    return Api(TestClient(create_app(context=context)), context, issue_tokens(context))


def build_model_api(home: Path, model: BaseChatModel, **settings: object) -> Api:
    """The API whose questions a configured model answers (``model``; the offline planner when a
    turn falls back), as with ``SALESPLAN_MODEL=openai:…``."""
    context = api_context(home, **settings)
    configured = Settings(
        home=home,
        model="openai:scripted",
        openai_api_key="sk-test",  # type: ignore[arg-type]
        **settings,  # type: ignore[arg-type]
    )
    context.__dict__["assistant"] = AssistantService(
        configured,
        repository=lambda: context.repository,
        playbook=lambda: None,
        model_factory=lambda name: OfflinePlanner() if name == "offline" else model,
        audit=AuditLog(context.engine),
    )
    return Api(TestClient(create_app(context=context)), context, issue_tokens(context))


def openapi_document() -> dict[str, Any]:
    """The application's OpenAPI document (building it opens no database)."""
    with tempfile.TemporaryDirectory() as home:
        return create_app(context=AppContext(Settings(home=Path(home), model="offline"))).openapi()


@cache
def _contract() -> Any:
    return schemathesis.openapi.from_dict(openapi_document())


def conforms(response: httpx.Response, path: str) -> Any:
    """The response's JSON body, once the response is checked against the OpenAPI document's
    operation ``path`` (its template, e.g. ``/v1/deals/{deal_id}``) for the request's method;
    a mismatch raises."""
    _contract()[path][response.request.method].validate_response(response)
    return response.json() if response.content else None


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem detail of an error response, checked for status, media type and the document."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = json.loads(response.text)
    assert body["status"] == status and body["title"] and body["detail"]
    assert isinstance(body, dict)
    return body


def events(raw: str) -> list[tuple[str, Any]]:
    """The (name, data) pairs of a server-sent event stream."""
    found = []
    for chunk in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in chunk.split("\n"))
        found.append((lines["event"], json.loads(lines["data"])))
    return found
