"""Workers started at the same moment on a new database: one creates the schema, the others wait
for it and find it current (before, all but one failed with "table … already exists")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from tools.store.db import current_revision, head_revision, make_engine

ROOT = Path(__file__).resolve().parents[2]
OPEN = (
    "import sys; from tools.store.db import ensure_schema, make_engine; "
    "ensure_schema(make_engine(sys.argv[1]))"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.db'}"
    url: str = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def test_workers_opening_a_new_database_at_once_migrate_it_once(new_database: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, new_database], env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    errors = [worker.communicate(timeout=120)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0], errors
    engine = make_engine(new_database)
    assert current_revision(engine) == head_revision()
    engine.dispose()
