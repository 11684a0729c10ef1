"""The composition root: builds settings and the objects every interface shares.

Interfaces call :func:`build_app_context` once; expensive parts (the database engine, and in
later layers the embedding model and the chat model) are created on first use so a command only
pays for what it touches.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import Engine, select

from assistant.settings import Settings
from tools.errors import DataError, SalesplanError
from tools.store.db import ensure_schema, make_engine
from tools.store.repository import Repository
from tools.store.schema import DatasetMeta
from tools.store.stages import StageConfig, dataset_stages, load_stages
from tools.viewer import Viewer, find_viewer

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from assistant.changes import ChangeDesk
    from assistant.reads import ReadService
    from assistant.service import AssistantService
    from knowledge.base import KnowledgeBase


class AppContext:
    """Settings plus lazily built shared services."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        """The CRM database, with its schema created or upgraded on first use."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.settings.sqlalchemy_url)
        ensure_schema(engine)
        return engine

    @cached_property
    def stages(self) -> StageConfig:
        """The configured stage set (the stages file): generated data's stages, and an import's
        when its mapping declares none."""
        return load_stages(self.settings.stages_file)

    @cached_property
    def repository(self) -> Repository:
        """Scoped access to the CRM data for the tools, with "today" = :meth:`as_of` and the
        loaded data's own stages (stored by its import, else the configured ones)."""
        stages = dataset_stages(self.engine, self.stages)
        return Repository(
            self.engine,
            stages,
            self.as_of(),
            self.settings.fiscal_year_start_month,
            record_url=self.settings.crm_record_url,
            sharing=self.settings.sharing,
        )

    @cached_property
    def assistant(self) -> AssistantService:
        """The assistant every interface talks to (chat models are built per turn, lazily)."""
        from assistant.audit import AuditLog
        from assistant.models import build_chat_model
        from assistant.service import AssistantService

        return AssistantService(
            self.settings,
            repository=lambda: self.repository,
            playbook=lambda: self.knowledge,
            model_factory=lambda name: build_chat_model(self.settings, name),
            audit=AuditLog(self.engine),
            changes=lambda: self.changes,
        )

    @cached_property
    def reads(self) -> ReadService:
        """The audited way to run a tool (the data commands, API records, Slack digests): the
        assistant's :meth:`~assistant.reads.ReadService.run_tool`, without loading a chat model."""
        from assistant.audit import AuditLog
        from assistant.reads import ReadService

        return ReadService(
            repository=lambda: self.repository, playbook=lambda: self.knowledge, audit=AuditLog(self.engine)
        )

    @cached_property
    def changes(self) -> ChangeDesk:
        """Proposed CRM changes and their confirmation (:mod:`assistant.changes`)."""
        from assistant.changes import ChangeDesk

        return ChangeDesk(self.engine, self.settings, self.stages)

    def viewer(self, who: str) -> Viewer:
        """The user a CLI ``--user`` names (email or full name)."""
        return find_viewer(self.engine, who)

    def dataset_meta(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            return {row.key: row.value for row in connection.execute(select(DatasetMeta))}

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        """The playbook knowledge base (nothing heavy loads until it is searched or ingested); the
        packaged playbook is indexed on first use unless ``SALESPLAN_PLAYBOOK_AUTO_INDEX`` is off."""
        from knowledge.base import KnowledgeBase
        from knowledge.documents import PLAYBOOK_DIR
        from knowledge.embeddings import make_embedder

        key = self.settings.openai_api_key.get_secret_value() if self.settings.openai_api_key else None
        embedder = make_embedder(self.settings.openai_embedding_model, key, self.settings.openai_base_url)
        return KnowledgeBase(
            index_dir=self.settings.home / "chroma",
            chroma_url=self.settings.chroma_url,
            embedder=embedder,
            first_use=PLAYBOOK_DIR if self.settings.playbook_auto_index else None,
            lock_path=self.settings.home / "playbook-index.lock",
        )

    def warm_playbook(self) -> None:
        """Open the playbook index in the background, indexing the packaged playbook if there is
        none yet (a long-running server does it at start, so its first playbook question does not
        wait and readiness turns ready once it is done)."""
        if not self.settings.playbook_auto_index:
            return

        def open_index() -> None:
            try:
                self.knowledge.retriever()
            except SalesplanError as exc:
                log.warning("the playbook index could not be opened: %s", exc)

        threading.Thread(target=open_index, name="playbook-index", daemon=True).start()

    def close(self) -> None:
        """Close the database connections and the playbook index this context opened (nothing
        happens for what it never opened); a later use opens them again."""
        close_index = getattr(self.__dict__.get("knowledge"), "close", None)  # a stand-in may have none
        if callable(close_index):
            close_index()
        engine = self.__dict__.get("engine")
        if engine is not None:
            engine.dispose()

    def as_of(self) -> dt.date:
        """The date "today" means in analyses: the setting, else the dataset's, else today (UTC)."""
        if self.settings.as_of:
            return self.settings.as_of
        recorded = self.dataset_meta().get("as_of")
        return dt.date.fromisoformat(recorded) if recorded else dt.datetime.now(dt.UTC).date()


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; a bad value is a one-line :class:`DataError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise DataError(f"invalid configuration {field}: {first['msg']}") from exc


def build_app_context(**overrides: object) -> AppContext:
    return AppContext(load_settings(**overrides))
