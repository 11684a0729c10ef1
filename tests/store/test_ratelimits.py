"""Token buckets in the database: one atomic statement per request, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select

from tests.tools import crm
from tools.store.db import current_revision, ensure_schema, head_revision, make_engine
from tools.store.ratelimits import RateBucket, take
from tools.store.schema import Opportunity

T0 = 1_800_000_000.0


def test_a_bucket_allows_its_capacity_then_refills_at_its_rate(any_engine: Engine) -> None:
    def one(now: float, key: str = "api-token:1") -> float | None:
        return take(any_engine, key, capacity=3, per_second=0.5, now=now)

    assert [one(T0) for _ in range(3)] == [None, None, None]
    assert one(T0) == pytest.approx(2.0)  # one request comes back every two seconds
    assert one(T0 + 1.0) == pytest.approx(1.0)
    assert one(T0 + 2.0) is None and one(T0 + 2.0) is not None
    assert one(T0, key="api-token:2") is None  # every key has its own bucket
    # a long pause refills to the capacity, never past it
    assert [one(T0 + 3_600) for _ in range(4)][-2:] == [None, pytest.approx(2.0)]
    # a clock behind the last refill (another host's) refills nothing
    assert one(T0 + 3_000) is not None


def test_concurrent_takes_never_exceed_the_capacity(any_engine: Engine) -> None:
    results: list[float | None] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            outcome = take(any_engine, "api-token:7", capacity=25, per_second=1e-6, now=T0)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 80 and results.count(None) == 25


def test_a_populated_database_of_the_previous_revision_gets_the_table(any_engine: Engine) -> None:
    crm.load(any_engine)
    from alembic import command

    from tools.store.db import _alembic_config

    command.downgrade(_alembic_config(any_engine), "0006")  # back to the revision before rate limits
    assert "rate_limits" not in inspect(any_engine).get_table_names()
    ensure_schema(any_engine)
    assert current_revision(any_engine) == head_revision()
    with any_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Opportunity)).scalar_one() == 9
        assert connection.execute(select(func.count()).select_from(RateBucket)).scalar_one() == 0
    assert take(any_engine, "api-token:1", capacity=1, per_second=1.0, now=T0) is None


def test_a_request_waits_at_most_a_second_for_a_locked_sqlite_database(tmp_path: Path) -> None:
    import sqlite3
    import time

    from sqlalchemy.exc import OperationalError

    engine = make_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    ensure_schema(engine)
    holder = sqlite3.connect(tmp_path / "crm.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an import holding the write lock
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            take(engine, "api-token:1", capacity=5, per_second=1.0, now=T0)
        assert time.monotonic() - started < 3
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with engine.connect() as connection:  # the connection's own busy timeout is back
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 10_000
    engine.dispose()
