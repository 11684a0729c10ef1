"""The harness's pieces that need no data set: asking through the protocol, counting model calls and
tokens, recording a failure of the system under test, and the optional LLM judge."""

from __future__ import annotations

import asyncio
from pathlib import Path

from langchain_core.messages import AIMessage
from sqlalchemy import Engine

from assistant.service import Answer, AssistantService
from assistant.settings import Settings
from assistant.testing import ScriptedChatModel, tool_call
from evals.harness import Harness, metered
from evals.judge import Judge
from tests.tools import crm
from tests.tools.conftest import RITA
from tools.store.repository import Repository
from tools.store.stages import load_stages
from tools.viewer import Viewer


def test_model_calls_and_tokens_are_counted_per_turn(tmp_path: Path, sqlite_engine: Engine) -> None:
    crm.load(sqlite_engine)
    repository = Repository(sqlite_engine, load_stages(), crm.AS_OF)
    model = ScriptedChatModel().extend(
        [
            [tool_call("pipeline_summary", {})],
            AIMessage(
                content="Your pipeline is $150,000.",
                usage_metadata={"input_tokens": 40, "output_tokens": 8, "total_tokens": 48},
            ),
        ]
    )
    settings = Settings(home=tmp_path / "home", model="openai:scripted", openai_api_key="sk-test")
    service = AssistantService(
        settings,
        repository=lambda: repository,
        playbook=lambda: None,
        model_factory=metered(lambda name: model),
    )
    reply = asyncio.run(Harness.ask(service, RITA, "What's my pipeline?", "t1"))
    assert reply.error is None and reply.answer == "Your pipeline is $150,000."
    assert [c.name for c in reply.tool_calls] == ["pipeline_summary"]
    assert reply.model_calls == 2 and (reply.input_tokens, reply.output_tokens) == (40, 8)


class Broken:
    async def aask(
        self, viewer: Viewer, text: str, thread_id: str | None = None, *, channel: str = "cli"
    ) -> Answer:
        raise RuntimeError("the database went away")


def test_a_failing_assistant_fails_the_turn_not_the_run() -> None:
    reply = asyncio.run(Harness.ask(Broken(), RITA, "hi", "t"))
    assert reply.error == "RuntimeError: the database went away" and reply.answer == ""


def test_the_judge_grades_with_a_scripted_model() -> None:
    model = ScriptedChatModel().extend(['{"score": 4, "reason": "Leads with the number."}', "no json here"])
    judge = Judge(model, "openai:judge")
    score = asyncio.run(
        judge.grade("What's my pipeline?", "**$150,000** across 3 deals.", "Lead with the total.")
    )
    assert (
        score.passed
        and score.value == 4.0
        and not score.gating
        and score.detail == "4/5: Leads with the number."
    )
    prompt = model.seen[0][0].content
    assert "**$150,000** across 3 deals." in prompt and "Lead with the total." in prompt
    unreadable = asyncio.run(judge.grade("q", "a", None))
    assert not unreadable.passed and "unreadable judge reply" in unreadable.detail
    assert not judge.parse('{"score": 2}').passed and judge.parse('{"score": 9}').value is None
