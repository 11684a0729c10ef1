"""Bulk loads leave the query planner's statistics current (README "Performance")."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from tools.store.demo.generate import generate_dataset
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import import_dataset
from tools.store.stages import load_stages

EXPORTS = Path(__file__).with_name("exports")


def analysed_tables(engine: Engine) -> set[str]:
    """The CRM tables the planner has statistics for."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            present = connection.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).first()
            if present is None:
                return set()
            return set(connection.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars())
        return set(
            connection.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables "
                    "WHERE last_analyze IS NOT NULL AND last_vacuum IS NOT NULL"
                )
            ).scalars()
        )


def test_generating_data_analyses_it(any_engine: Engine) -> None:
    assert "opportunities" not in analysed_tables(any_engine)
    generate_dataset(any_engine, load_stages(), accounts=40)
    assert {"opportunities", "accounts", "activities"} <= analysed_tables(any_engine)


def test_importing_data_analyses_it_and_a_dry_run_does_not(sqlite_engine: Engine) -> None:
    mapping = load_mapping("salesforce")
    import_dataset(sqlite_engine, EXPORTS / "salesforce", mapping, stages=load_stages(), dry_run=True)
    assert analysed_tables(sqlite_engine) == set()
    import_dataset(sqlite_engine, EXPORTS / "salesforce", mapping, stages=load_stages())
    assert {"opportunities", "accounts"} <= analysed_tables(sqlite_engine)


def test_the_open_deal_scan_uses_the_open_deals_index_after_a_load(sqlite_engine: Engine) -> None:
    generate_dataset(sqlite_engine, load_stages(), accounts=300)
    with sqlite_engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT stage, count(*), sum(amount) FROM opportunities "
                    "WHERE is_closed = 0 GROUP BY stage"
                )
            )
        )
    assert "ix_opportunities_open" in plan, plan
