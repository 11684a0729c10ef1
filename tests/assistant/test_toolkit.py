"""The toolkit: what the model sees of each tool (schema snapshot), docstrings that match their
models, no identity in any schema, and output capping that says what was cut."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.toolkit import MAX_TOOL_CHARS, TOOLS, build_tools, cap, description, documented_args

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
