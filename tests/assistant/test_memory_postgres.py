"""Conversation memory on PostgreSQL (when the CRM database is PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from sqlalchemy import Engine, text

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


@pytest.mark.postgres
def test_workers_opening_memory_at_once_on_a_fresh_database(
    postgres_engine: Engine, postgres_url: str
) -> None:
    """Several workers' first turns at the same moment each set up the conversation tables: one at
    a time (an advisory lock), where at once they failed on each other's migration rows."""
    memory = Memory(Settings(database_url=postgres_url))

    async def first_turn(n: int) -> None:
        async with memory.checkpointer() as saver:  # a connection of its own, like another process
            await memory.touch(saver, f"{n}:thread")

    async def at_once() -> None:
        await asyncio.gather(*(first_turn(n) for n in range(6)))

    for _ in range(4):
        with postgres_engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        asyncio.run(at_once())
    with postgres_engine.connect() as connection:
        touched = connection.execute(text("SELECT count(*) FROM salesplan_threads")).scalar_one()
    assert touched == 6
