"""Shared fixtures: temp-dir SQLite, a loopback PostgreSQL, settings isolated from the environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import Engine, text

from assistant.bootstrap import AppContext
from assistant.settings import Settings
from tests.postgres import PostgresUnavailable, postgres_server
from tools.store import db
from tools.store.bulk import INSERT_ORDER
from tools.store.db import ensure_schema, make_engine
from tools.store.scope import ORG_STAMP


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's configuration or reaches a real model or Slack."""
    for name in list(os.environ):
        if name.startswith(("SALESPLAN_", "OPENAI_", "SLACK_", "SALESFORCE_", "HUBSPOT_")) and name not in (
            "SALESPLAN_TEST_POSTGRES_URL",
            "SALESPLAN_REQUIRE_POSTGRES",
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SALESPLAN_HOME", str(tmp_path / "home"))
    # indexing the packaged playbook on first use takes half a minute with the real model: the
    # tests of that behaviour turn it on (tests/knowledge/test_first_use.py)
    monkeypatch.setenv("SALESPLAN_PLAYBOOK_AUTO_INDEX", "false")
    monkeypatch.chdir(tmp_path)


_ENGINES: list[Engine] = []
_CONTEXTS: list[AppContext] = []


@pytest.fixture(scope="session", autouse=True)
def _opened_recorded() -> Iterator[None]:
    """Every engine and app context the product makes is recorded, so each test's can be closed
    after it (a whole run would otherwise hold thousands of database files open)."""
    made, built = sqlalchemy.create_engine, AppContext.__init__

    def recording(*args: Any, **kwargs: Any) -> Engine:
        engine = made(*args, **kwargs)
        _ENGINES.append(engine)
        return engine

    def init(self: AppContext, settings: Settings) -> None:
        built(self, settings)
        _CONTEXTS.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db, "create_engine", recording)
        patch.setattr(AppContext, "__init__", init)
        yield


@pytest.fixture(autouse=True)
def _opened_closed() -> Iterator[None]:
    """What a test opened is closed after it: the contexts it built (their engines and playbook
    indexes) and the engines it made (an in-memory database is left alone: closing loses it)."""
    engines, contexts = len(_ENGINES), len(_CONTEXTS)
    yield
    for context in _CONTEXTS[contexts:]:
        context.close()
    for engine in _ENGINES[engines:]:
        if engine.url.database not in (None, "", ":memory:"):
            engine.dispose()
    del _ENGINES[engines:], _CONTEXTS[contexts:]


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        if os.environ.get("SALESPLAN_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    engine: Engine = request.getfixturevalue(name)
    return engine


def table_dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every CRM table, sorted, for before/after comparisons."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(table.select())), key=repr)
            for table in INSERT_ORDER
        }


def org_stamp(dump: dict[str, list[tuple[object, ...]]]) -> object:
    """The ``org_changed_at`` stamp of a :func:`table_dump` (every write of the data changes it)."""
    return next((row[1] for row in dump["dataset_meta"] if row[0] == ORG_STAMP), None)


def without_org_stamp(dump: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    """A :func:`table_dump` without the ``org_changed_at`` stamp, to compare the data of two writes."""
    return {**dump, "dataset_meta": [row for row in dump["dataset_meta"] if row[0] != ORG_STAMP]}
