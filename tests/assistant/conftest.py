"""An AssistantService over the hand-built CRM with a scripted chat model in place of the LLM."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from sqlalchemy import Engine

from assistant.offline import OfflinePlanner
from assistant.service import AssistantService
from assistant.settings import Settings
from assistant.testing import ScriptedChatModel
from tests.tools import crm
from tools.store.repository import Repository
from tools.store.stages import load_stages

ServiceFactory = Callable[..., AssistantService]


@pytest.fixture
def scripted() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def make_service(tmp_path: Path, sqlite_engine: Engine, scripted: ScriptedChatModel) -> ServiceFactory:
    crm.load(sqlite_engine)
    repository = Repository(sqlite_engine, load_stages(), crm.AS_OF)

    def factory(
        playbook: object = None, model: BaseChatModel | None = None, **settings: object
    ) -> AssistantService:
        config = Settings(
            home=tmp_path / "home",
            model="openai:scripted",
            openai_api_key="sk-test",  # type: ignore[arg-type]
            **settings,
        )
        chosen = model or scripted

        def models(name: str) -> BaseChatModel:
            return OfflinePlanner() if name == "offline" else chosen

        return AssistantService(
            config,
            repository=lambda: repository,
            playbook=lambda: playbook,  # type: ignore[arg-type,return-value]
            model_factory=models,
        )

    return factory
