"""Fixtures of the security suite: the canary world (built once per test session and xdist worker),
the offline assistant over it, redacted copies of it per viewer, and the HTTP API and Slack app
over the same data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from assistant.bootstrap import AppContext
from assistant.models import build_chat_model
from assistant.service import AssistantService
from assistant.settings import Settings
from tests.security import world as canary_world
from tests.security.attacks import Org
from tests.security.playbook import Playbook
from tests.security.world import Sight
from tests.tools import crm
from tools.store.db import ensure_schema, make_engine
from tools.store.repository import Repository, Sharing
from tools.store.schema import Territory, User
from tools.store.stages import load_stages
from tools.viewer import Viewer


def settings(home: Path, **values: object) -> Settings:
    """Settings that read nothing from the developer's environment (session fixtures are built
    before the per-test environment isolation applies)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("SALESPLAN_", "OPENAI_", "SLACK_")):
                patch.delenv(name)
        return Settings(home=home, database_url=None, **values)  # type: ignore[arg-type]


def engine_at(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    return engine


def offline_service(home: Path, repository: Repository, playbook: Playbook | None = None) -> AssistantService:
    config = settings(home, model="offline")
    chosen = playbook or Playbook()
    return AssistantService(
        config,
        repository=lambda: repository,
        playbook=lambda: chosen,
        model_factory=lambda name: build_chat_model(config, name),
    )


@dataclass
class World:
    """The canary world with the offline assistant over it, under one sharing model."""

    engine: Engine
    repository: Repository
    service: AssistantService
    people: dict[str, Viewer]
    sights: dict[str, Sight]
    org: Org
    sharing: Sharing


def org_of(engine: Engine) -> Org:
    with engine.connect() as connection:
        rows = connection.execute(
            select(User.name, Territory.id, Territory.name).outerjoin(
                Territory, Territory.id == User.territory_id
            )
        ).all()
    return Org(
        names={name.split()[0].lower(): name for name, _, _ in rows},
        territories={name.split()[0].lower(): (tid, tname) for name, tid, tname in rows if tid is not None},
    )


def build_world(root: Path, sharing: Sharing) -> World:
    engine = engine_at(root / "crm.db")
    canary_world.load(engine)
    repository = Repository(engine, load_stages(), crm.AS_OF, sharing=sharing)
    people = canary_world.viewers(engine)
    return World(
        engine,
        repository,
        offline_service(root / "home", repository),
        people,
        {first: canary_world.sight(engine, viewer, sharing) for first, viewer in people.items()},
        org_of(engine),
        sharing,
    )


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world under the default sharing model, ``private``."""
    built = build_world(tmp_path_factory.mktemp("security"), Sharing.PRIVATE)
    yield built
    built.engine.dispose()


@pytest.fixture(scope="session")
def territory_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world under ``SALESPLAN_SHARING=territory``."""
    built = build_world(tmp_path_factory.mktemp("security-territory"), Sharing.TERRITORY)
    yield built
    built.engine.dispose()


@dataclass
class Shadows:
    """Per viewer, the world with everything that viewer may not see deleted, and the offline
    assistant over it: what the viewer's answers must equal."""

    root: Path
    people: dict[str, Viewer]
    sharing: Sharing
    built: dict[str, tuple[Engine, Repository, AssistantService]] = field(default_factory=dict)

    def of(self, first: str) -> tuple[Repository, AssistantService]:
        if first not in self.built:
            engine = engine_at(self.root / f"{first}.db")
            canary_world.load(engine)
            canary_world.redact(engine, self.people[first], self.sharing)
            repository = Repository(engine, load_stages(), crm.AS_OF, sharing=self.sharing)
            self.built[first] = (engine, repository, offline_service(self.root / f"{first}-home", repository))
        _, repository, service = self.built[first]
        return repository, service


@pytest.fixture(scope="session")
def shadows(tmp_path_factory: pytest.TempPathFactory, world: World) -> Iterator[Shadows]:
    found = Shadows(tmp_path_factory.mktemp("shadows"), world.people, world.sharing)
    yield found
    for engine, _, _ in found.built.values():
        engine.dispose()


@pytest.fixture(scope="session")
def territory_shadows(tmp_path_factory: pytest.TempPathFactory, territory_world: World) -> Iterator[Shadows]:
    found = Shadows(tmp_path_factory.mktemp("territory-shadows"), territory_world.people, Sharing.TERRITORY)
    yield found
    for engine, _, _ in found.built.values():
        engine.dispose()


def app_context(home: Path, playbook: Playbook | None = None, **values: object) -> AppContext:
    """An application context (as the API and Slack app build it) over the canary world, with a
    Slack user id for everyone (``U_RITA`` …) and the fixed playbook passages."""
    context = AppContext(settings(home, **{"model": "offline", **values}))
    # the same fixed playbook passages as the offline assistant's (no index to build)
    context.__dict__["knowledge"] = playbook or Playbook()
    canary_world.load(context.engine)
    with context.engine.begin() as connection:
        for user_id, name in connection.execute(select(User.id, User.name)).all():
            slack_id = f"U_{name.split()[0].upper()}"
            connection.execute(update(User).where(User.id == user_id).values(slack_user_id=slack_id))
    return context
