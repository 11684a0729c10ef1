"""Schemathesis over the OpenAPI document: generated requests to every operation, as a real
user with a valid token; no response may be a 5xx, and every response must match the document
(status code, content type, body schema). Bounded: a few examples per operation, derandomized."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from assistant.interfaces.api import create_app
from knowledge.base import KnowledgeBase
from tests.interfaces.api_support import api_context, issue_tokens
from tests.knowledge.conftest import SAMPLE, write_playbook
from tests.knowledge.fakes import HashEmbedder

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 10
pytestmark = pytest.mark.slow


def test_no_server_errors_and_responses_match_the_document(tmp_path: Path) -> None:
    context = api_context(tmp_path / "home", api_rate_limit_per_minute=100_000)
    playbook = write_playbook(tmp_path / "playbook", SAMPLE)  # a ready service: /readyz is 200
    KnowledgeBase(index_dir=context.settings.home / "chroma", embedder=HashEmbedder()).ingest(playbook)
    token = issue_tokens(context)["max"]
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(context=context))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        run()
