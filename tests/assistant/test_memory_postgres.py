"""Conversation memory on PostgreSQL (when the CRM database is PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from sqlalchemy import Engine

from assistant.memory import Memory
from assistant.offline import OfflinePlanner
from assistant.service import AssistantService
from assistant.settings import Settings
from assistant.testing import ScriptedChatModel
from tests.tools import crm
from tests.tools.conftest import RITA
from tools.store.repository import Repository
from tools.store.stages import load_stages


@pytest.mark.postgres
def test_threads_persist_in_postgresql(postgres_engine: Engine, postgres_url: str, tmp_path: Path) -> None:
    engine = postgres_engine  # a fresh schema: other PostgreSQL tests share the server
    crm.load(engine)
    settings = Settings(
        home=tmp_path,
        database_url=postgres_url,
        model="openai:scripted",  # type: ignore[arg-type]
        openai_api_key="sk-test",
    )
    memory = Memory(settings)
    assert memory.postgres_url is not None and "+psycopg" not in memory.postgres_url
    model = ScriptedChatModel()
    service = AssistantService(
        settings,
        repository=lambda: Repository(engine, load_stages(), crm.AS_OF),
        playbook=lambda: None,
        model_factory=lambda name: OfflinePlanner() if name == "offline" else model,
    )
    model.extend(["First answer."])
    service.ask(RITA, "first question", thread_id="pg-thread")

    def second(messages: list[BaseMessage]) -> str:
        asked = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
        return f"I remember: {', '.join(asked)}"

    model.extend([second])
    answer = service.ask(RITA, "second question", thread_id="pg-thread")
    assert answer.answer == "I remember: first question, second question"
    assert asyncio.run(memory.prune(dt.timedelta(seconds=-5))) == 1
    model.extend([second])
    assert service.ask(RITA, "third", thread_id="pg-thread").answer == "I remember: third"
    engine.dispose()
