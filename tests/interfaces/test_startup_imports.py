"""What a command imports in a fresh process: start-up is most of a command's time, so the heavy
libraries load only for the commands that use them (README "Performance")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.bootstrap import build_app_context
from tests.tools import crm

#: Never needed by a data command or an offline question.
HEAVY = (
    "ortools",  # the rebalance solver
    "alembic",  # a migration
    "openai",  # a configured OpenAI model
    "langchain_openai",
    "torch",  # the playbook's embedding model
    "sentence_transformers",
    "chromadb",  # the playbook index
    "matplotlib",  # charts
    "pandas",
    "simple_salesforce",  # a CRM sync or a confirmed change
    "hubspot",
    "sklearn",  # the win score's training (data commands read the stored scores)
)
#: The agent framework: an `ask` loads it, a data command does not.
AGENT = ("langchain", "langgraph", "langsmith")
#: What only the command being run needs: ``--help`` loads no store, no tool family and no
#: command module (the root help lists the commands by their registered lines).
STORE = ("sqlalchemy", "tools.store", "tools.evidence", "assistant.bootstrap")
COMMAND_MODULES = tuple(
    f"assistant.interfaces.cli.{name}"
    for name in ("accounts", "data", "demo", "pipeline", "territory", "plan", "users", "audit", "ask")
)
WATCHED = (*HEAVY, *AGENT, *STORE, *COMMAND_MODULES)

PROBE = """
import atexit, json, sys
watched = {watched!r}
found = lambda: sorted(m for m in watched if m in sys.modules)
atexit.register(lambda: print("LOADED=" + json.dumps(found()), file=sys.stderr))
sys.argv = ["salesplan", *{args!r}]
from assistant.interfaces.cli import main
main()
"""


def loaded(*args: str) -> list[str]:
    """Run ``salesplan ARGS`` in a fresh interpreter; the watched modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(watched=WATCHED, args=list(args))],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next((row for row in done.stderr.splitlines() if row.startswith("LOADED=")), None)
    assert line is not None, done.stderr
    found: list[str] = json.loads(line.removeprefix("LOADED="))
    return found


@pytest.fixture
def crm_home() -> Path:
    context = build_app_context()
    crm.load(context.engine)
    context.engine.dispose()
    return context.settings.home


@pytest.mark.usefixtures("crm_home")
def test_help_and_a_data_command_import_neither_heavy_libraries_nor_the_agent() -> None:
    assert loaded("--help") == []
    store = sorted(STORE)
    assert loaded("deals", "stalled", "--user", "Rita Ruiz", "--json") == sorted(
        [*store, "assistant.interfaces.cli.pipeline"]
    )
    assert loaded("accounts", "show", "Acme Corporation", "--user", "Rita Ruiz", "--json") == sorted(
        [*store, "assistant.interfaces.cli.accounts"]
    )


@pytest.mark.usefixtures("crm_home")
def test_an_offline_question_loads_the_agent_and_nothing_heavy() -> None:
    assert loaded("ask", "which of my deals are stalled?", "--user", "Rita Ruiz") == sorted(
        [*AGENT, *STORE, "assistant.interfaces.cli.ask"]
    )


def test_the_probe_sees_a_migration_load_alembic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh database is migrated (Alembic loads); the next command finds it current (no Alembic)."""
    monkeypatch.setenv("SALESPLAN_HOME", str(tmp_path / "fresh"))
    data = sorted([*STORE, "assistant.interfaces.cli.data", "assistant.interfaces.cli.users"])
    assert loaded("data", "summary") == sorted(["alembic", *data])
    assert loaded("data", "summary") == data
