"""A generated demo company, shared by the win-score and change tests (scores are computed once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import generate_dataset
from tools.store.repository import Repository
from tools.store.stages import dataset_stages, load_stages

AS_OF = dt.date(2026, 11, 20)
ACCOUNTS = 1_000


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'crm.db'}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=ACCOUNTS, as_of=AS_OF)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_repo(demo_engine: Engine) -> Repository:
    return Repository(demo_engine, dataset_stages(demo_engine, load_stages()), AS_OF)
