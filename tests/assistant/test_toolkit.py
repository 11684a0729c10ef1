"""The toolkit: what the model sees of each tool (schema snapshot), docstrings that match their
models, no identity in any schema, output capping that says what was cut, and errors that say
which kind they are."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from langchain.tools import ToolRuntime
from langchain_core.messages import ToolMessage
from sqlalchemy import Engine

from assistant.toolkit import (
    ADVICE,
    MAX_TOOL_CHARS,
    TOOLS,
    AgentContext,
    ToolError,
    build_tools,
    cap,
    description,
    documented_args,
    error_result,
    find_tool,
    parse_error,
)
from knowledge.base import KnowledgeBase
from tests.knowledge.fakes import HashEmbedder
from tests.tools import crm
from tests.tools.conftest import RITA
from tools.errors import ErrorKind, UsageError
from tools.store.repository import Repository
from tools.store.stages import load_stages

SNAPSHOT = Path(__file__).with_name("tool_schemas.json")


def _schemas() -> dict[str, object]:
    return {tool.name: tool.tool_call_schema.model_json_schema() for tool in build_tools()}


def test_tool_schemas_match_the_snapshot() -> None:
    current = _schemas()
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text()), "tool schemas changed: rerun with UPDATE_SNAPSHOTS=1"


@pytest.mark.parametrize("spec", TOOLS, ids=[s.name for s in TOOLS])
def test_docstring_args_match_the_input_model(spec: object) -> None:
    assert set(documented_args(spec.function)) == set(spec.params.model_fields)  # type: ignore[attr-defined]
    assert len(description(spec.function)) > 20  # type: ignore[attr-defined]


def test_no_tool_takes_identity_or_role() -> None:
    for name, schema in _schemas().items():
        properties = set(schema.get("properties", {}))  # type: ignore[attr-defined]
        assert not properties & {"user", "user_id", "viewer", "role", "viewer_id", "as_user"}, name


def test_cap_shortens_lists_and_says_what_was_cut() -> None:
    payload = {"deals": [{"id": f"opportunity/{i}", "note": "x" * 100} for i in range(500)], "total": 500}
    text = cap(payload)
    assert len(text) <= MAX_TOOL_CHARS
    data = json.loads(text)
    assert data["result"]["total"] == 500
    assert any(cut.startswith("deals: kept") and "of 500" in cut for cut in data["truncated"])
    assert cap({"a": 1}) == '{"a":1}'


def test_cap_shortens_evidence_lists_before_the_rows() -> None:
    rows = [{"name": f"Territory {i}", "record_ids": [f"account/{j}" for j in range(200)]} for i in range(6)]
    data = json.loads(cap({"territories": rows, "filters": ["a", "b", "c", "d", "e"]}))
    assert len(data["territories"]) == 6 and all(len(r["record_ids"]) == 3 for r in data["territories"])


@pytest.fixture
def crm_repo(sqlite_engine: Engine) -> Repository:
    crm.load(sqlite_engine)
    return Repository(sqlite_engine, load_stages(), crm.AS_OF)


def _call(name: str, args: dict[str, Any], context: AgentContext | None) -> str:
    """One tool call as the agent makes it (LangChain injects the runtime with the run's context)."""
    tool = next(t for t in build_tools() if t.name == name)
    runtime: ToolRuntime[Any, dict[str, Any]] = ToolRuntime(
        state={}, context=context, config={}, stream_writer=lambda _: None, tool_call_id="c1", store=None
    )
    message = tool.invoke(
        {"type": "tool_call", "name": name, "args": {**args, "runtime": runtime}, "id": "c1"}
    )
    assert isinstance(message, ToolMessage)
    return str(message.content)


def test_a_misspelt_name_tells_the_model_to_fix_the_call(crm_repo: Repository) -> None:
    context = AgentContext(viewer=RITA, repository=crm_repo)
    result = _call("account_profile", {"account": "Acmee"}, context)
    message = "no account named 'Acmee' — did you mean Acme Corporation?"
    assert result == f"error (fix the call and retry, or ask the user): {message}"
    assert parse_error(result) == ToolError(ErrorKind.RETRY, message)
    [call] = context.ledger.calls
    assert (call.name, call.kind, call.error) == ("account_profile", ErrorKind.RETRY, message)


def test_a_refusal_tells_the_model_to_tell_the_user(crm_repo: Repository) -> None:
    context = AgentContext(viewer=RITA, repository=crm_repo)
    result = _call("propose_rebalance", {}, context)
    assert result.startswith("error (tell the user; retrying will not help): only managers and RevOps")
    failed = parse_error(result)
    assert failed is not None and failed.kind is ErrorKind.FAILED
    assert context.ledger.calls[0].kind is ErrorKind.FAILED


def test_a_playbook_without_an_index_is_an_unavailable_result_and_an_empty_query_a_retry(
    crm_repo: Repository, tmp_path: Path
) -> None:
    """The playbook search degrades to a typed "unavailable" result (which the plan drafter and the
    offline planner say in place), not an error; a query with no words is the model's to fix."""
    playbook = KnowledgeBase(index_dir=tmp_path / "no-index", embedder=HashEmbedder())
    context = AgentContext(viewer=RITA, repository=crm_repo, playbook=playbook)
    result = json.loads(_call("search_playbook", {"query": "multi-threading"}, context))
    assert result["available"] is False and result["passages"] == []
    assert result["note"].startswith("the playbook is unavailable: the playbook has not been indexed yet")
    empty = _call("search_playbook", {"query": "   "}, context)
    assert empty == "error (fix the call and retry, or ask the user): the search query is empty"


def test_a_tool_run_without_its_context_is_a_bug_not_a_message() -> None:
    with pytest.raises(UsageError, match="needs an AgentContext"):
        _call("list_territories", {}, None)


def test_every_error_kind_reads_back_and_old_style_errors_are_retries() -> None:
    for kind in ADVICE:
        assert parse_error(error_result(kind, "it broke: twice")) == ToolError(kind, "it broke: twice")
    assert parse_error("error: no account named 'X'") == ToolError(ErrorKind.RETRY, "no account named 'X'")
    assert parse_error('{"error": "a field, not an error"}') is None


def test_an_unknown_tool_name_is_a_usage_error() -> None:
    assert find_tool("stalled_deals").params.__name__ == "StalledQuery"
    with pytest.raises(UsageError, match="no tool named 'stalled'"):
        find_tool("stalled")
