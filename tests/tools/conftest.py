"""Fixtures for the tool tests: the hand-built CRM, a repository over it, and its people."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.tools import crm
from tools.store.repository import Repository, Sharing
from tools.store.schema import Role
from tools.store.stages import load_stages
from tools.viewer import Viewer


@pytest.fixture
def repo(any_engine: Engine) -> Repository:
    """The hand-built CRM, on SQLite and on PostgreSQL, under the default sharing model (``private``)."""
    crm.load(any_engine)
    return Repository(any_engine, load_stages(), crm.AS_OF)


@pytest.fixture
def territory_repo(repo: Repository) -> Repository:
    """The same CRM under ``SALESPLAN_SHARING=territory``: a rep also sees the accounts of their
    territory (Rita: Apex Health and Umbrella Health, which are Ravi's)."""
    return Repository(repo.engine, repo.stages, repo.as_of, sharing=Sharing.TERRITORY)


def _viewer(user_id: int) -> Viewer:
    row = next(u for u in crm.USERS if u["id"] == user_id)
    return Viewer(
        user_id=user_id, role=Role(str(row["role"])), name=str(row["name"]), territory_id=row["territory_id"]
    )  # type: ignore[arg-type]


VERA, MAX, MO, RITA, RAVI, SAM, OLGA = (_viewer(i) for i in range(1, 8))


@pytest.fixture
def people() -> dict[str, Viewer]:
    return {"vera": VERA, "max": MAX, "mo": MO, "rita": RITA, "ravi": RAVI, "sam": SAM, "olga": OLGA}
