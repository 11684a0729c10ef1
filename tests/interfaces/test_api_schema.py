"""The API's OpenAPI contract, run by schemathesis against the application in-process.

Every operation gets the document's examples, schemathesis's coverage cases (boundary values,
missing and wrong-typed parameters) and generated valid and invalid requests, sent as a real
user with a valid token; a stateful run follows the document's links (an answer's thread into a
follow-up question, a deal's or an answer's account into a plan). No response may be a 5xx; every
response must match the document (status, content type, headers, body schema); and a request
the document calls invalid must be refused. Bounded for CI: ``EXAMPLES_PER_OPERATION`` generated
requests per operation, derandomized; the offline planner answers and nothing leaves the process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assistant.interfaces.api import create_app
from knowledge.base import KnowledgeBase
from tests.interfaces.api_support import api_context, issue_tokens, openapi_document
from tests.knowledge.conftest import SAMPLE, write_playbook
from tests.knowledge.fakes import HashEmbedder

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 10
#: Enough generated scenarios that some reach a stalled-deal list with accounts (its filters include one
#: deal by name and the days without activity, which generated values rarely satisfy).
SCENARIOS = 24
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
CONFIG = {
    # the first playbook question of a run loads the embedding model: slow on a busy machine
    "request-timeout": 120,
    "generation": {
        "max-examples": EXAMPLES_PER_OPERATION,
        "deterministic": True,
        "database": "none",
        "mode": "all",
        # each call sends the test's own token: schemathesis neither generates the Authorization
        # header nor, in a negative case, mutates it (a request it calls invalid would otherwise
        # be made valid by the header sent, and its acceptance reported as a failure)
        "with-security-parameters": False,
    },
    "phases": {"stateful": {"max-steps": 6}},
}


schema = schemathesis.openapi.from_dict(openapi_document(), config=schemathesis.Config.from_dict(CONFIG))


@dataclass
class Served:
    app: FastAPI
    headers: dict[str, str]


@pytest.fixture
def served(tmp_path: Path) -> Served:
    """The API over the hand-built CRM, with a ready playbook (so /readyz is 200), as a manager."""
    context = api_context(tmp_path / "home", api_rate_limit_per_minute=100_000)
    playbook = write_playbook(tmp_path / "playbook", SAMPLE)
    KnowledgeBase(index_dir=context.settings.home / "chroma", embedder=HashEmbedder()).ingest(playbook)
    return Served(create_app(context=context), {"Authorization": f"Bearer {issue_tokens(context)['max']}"})


def test_the_document_has_every_operation_and_links_between_them() -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 21
    links = [
        name
        for operation in operations
        for response in operation.definition.raw["responses"].values()
        for name in response.get("links", {})
    ]
    assert sorted(set(links)) == ["Account", "AccountPlan", "AccountPlanChart", "Deal", "FollowUp", "Thread"]


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_document(case: schemathesis.Case, served: Served) -> None:
    case.call_and_validate(app=served.app, headers=served.headers, checks=CHECKS)


def test_stateful_scenarios_follow_the_links(served: Served) -> None:
    """Scenarios start where schemathesis expects a request to succeed with generated data (the
    stalled-deal list; it reads ``thread_id`` and ``account_id`` as references to records nothing
    creates, so it does not start at /v1/ask or /v1/accounts) and follow the links from there."""
    listed: set[str] = set()  # accounts the stalled-deal lists named
    followed: list[str] = []  # plans drafted for one of them

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"app": served.app, "headers": served.headers}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            if case.path == "/v1/deals/stalled" and response.status_code == 200:
                listed.update(deal["account"] for deal in response.json()["deals"] if deal["account"])
            elif (
                case.path.startswith("/v1/plans/account")
                and isinstance(case.body, dict)
                and str(case.body.get("name")) in listed
                and response.status_code == 200
            ):
                followed.append(case.body["name"])

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Scenarios.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert followed, "no scenario drafted a plan for an account a stalled-deal list named"


@pytest.fixture
def client(served: Served) -> Iterator[TestClient]:
    with TestClient(served.app, headers=served.headers) as client:
        yield client


@pytest.mark.parametrize("period", ["9999-Q4", "FY9999", "9999-H2", "0000-Q1"])
def test_a_period_past_the_calendar_is_a_400_not_a_500(client: TestClient, period: str) -> None:
    """Found while hardening the contract: the date arithmetic ran past year 9999 (or before 1)."""
    stalled = client.get("/v1/deals/stalled", params={"period": period})
    assert stalled.status_code == 400 and "too far in the past or the future" in stalled.json()["detail"]
    asked = client.post("/v1/ask", json={"question": f"what is my pipeline for {period}?"})
    assert asked.status_code == 200, asked.text
