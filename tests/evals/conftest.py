"""Fixtures for the evaluation harness tests: the hand-built CRM and small helpers to build turns."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from evals.facts import Expected
from evals.schema import Expect
from evals.scorers import Reply, ToolCall, TurnInput
from evals.visibility import Visibility, visibility
from tests.tools import crm
from tests.tools.conftest import RITA, SAM
from tools.store.repository import Repository
from tools.store.stages import load_stages


@pytest.fixture
def repo(sqlite_engine: Engine) -> Repository:
    crm.load(sqlite_engine)
    return Repository(sqlite_engine, load_stages(), crm.AS_OF)


@pytest.fixture
def rita_scope(repo: Repository) -> Visibility:
    return visibility(repo, RITA)


@pytest.fixture
def sam_scope(repo: Repository) -> Visibility:
    return visibility(repo, SAM)


def turn(
    answer: str = "",
    expect: Mapping[str, Any] | None = None,
    *,
    tools: list[tuple[str, dict[str, object]]] | None = None,
    citations: list[str] | None = None,
    facts: list[Expected] | None = None,
    scope: Visibility | None = None,
    questions: list[str] | None = None,
    **reply: object,
) -> TurnInput:
    """A scored turn: an answer, its expectations and (optionally) a viewer's scope."""
    return TurnInput(
        expect=Expect.model_validate(expect or {}),
        reply=Reply(
            answer=answer,
            tool_calls=[ToolCall(name=n, args=a) for n, a in tools or []],
            citations=citations or [],
            **reply,
        ),
        facts=facts or [],
        visibility=scope or Visibility(ids={}, canaries={}),
        questions=questions or ["a question"],
        playbook_ids={"kpis.md#win-rate", "kpis.md#pipeline-coverage", "forecasting.md#criteria-for-commit"},
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
