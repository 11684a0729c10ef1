"""`salesplan ask` / `threads prune` through the command line, offline."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from tests.tools import crm

runner = CliRunner()


@pytest.fixture(autouse=True)
def hand_built_crm() -> None:
    crm.load(build_app_context().engine)


def test_ask_json_has_the_documented_shape() -> None:
    result = runner.invoke(app, ["ask", "which of my deals are stalled?", "--user", "Rita Ruiz", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {
        "answer",
        "tool_calls",
        "citations",
        "records",
        "model",
        "latency_ms",
        "proposed_changes",
    }
    assert data["proposed_changes"] == []
    assert {r["id"] for r in data["records"]} <= set(data["citations"]) and data["records"]
    assert data["model"] == "offline" and isinstance(data["latency_ms"], int)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "hello", "--user", "nobody@x.example"], "no user with email or name"),
        (["ask", "   ", "--user", "Rita Ruiz"], "the question is empty"),
        (["ask", "hello"], "Missing option '--user'"),
    ],
)
def test_ask_errors_are_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_threads_prune_removes_idle_threads() -> None:
    context = build_app_context()
    viewer = context.viewer("Rita Ruiz")
    context.assistant.ask(viewer, "hello", thread_id="old")
    memory = context.assistant.memory
    assert asyncio.run(memory.prune(dt.timedelta(days=1))) == 0
    assert asyncio.run(memory.prune(dt.timedelta(seconds=-10))) == 1
    result = runner.invoke(app, ["threads", "prune", "--older-than", "0"])
    assert result.exit_code == 0 and "Deleted 0 thread(s)" in result.output


def test_text_answers_wrap_long_lines_instead_of_cropping_them() -> None:
    result = runner.invoke(app, ["ask", "which of my deals are stalled?", "--user", "Rita Ruiz"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "stalled-deal-recovery.md#" in flat and "diagnosis-and-steps" in flat
