"""The demo generator: deterministic, realistic, and stalled deals of every kind arise in it."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.conftest import table_dump
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.schema import User, table_of
from tools.store.scope import ORG_STAMP
from tools.store.stages import load_stages

AS_OF = DEFAULT_AS_OF.isoformat()


def _generate(path: Path, **options: object) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), **options)  # type: ignore[arg-type]
    return engine


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _generate(tmp_path_factory.mktemp("demo") / "demo.db")
    yield engine
    engine.dispose()


def _scalar(engine: Engine, sql: str) -> float:
    with engine.connect() as connection:
        return float(connection.execute(text(sql), {"as_of": AS_OF}).scalar_one() or 0)


def _column(engine: Engine, sql: str) -> list[float]:
    with engine.connect() as connection:
        return [float(v) for v in connection.execute(text(sql), {"as_of": AS_OF}).scalars()]


def _without_timestamps(dump: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    kept = [row for row in dump["dataset_meta"] if row[0] not in ("imported_at", ORG_STAMP)]
    return {**dump, "dataset_meta": kept}


def test_same_seed_gives_identical_data_and_another_seed_differs(tmp_path: Path) -> None:
    first = _without_timestamps(table_dump(_generate(tmp_path / "a.db", accounts=150, seed=3)))
    second = _without_timestamps(table_dump(_generate(tmp_path / "b.db", accounts=150, seed=3)))
    other = _without_timestamps(table_dump(_generate(tmp_path / "c.db", accounts=150, seed=4)))
    assert first == second
    assert first["opportunities"] != other["opportunities"]
    assert len(first["opportunities"]) > 300


def test_default_size_matches_the_documented_shape(demo: Engine) -> None:
    assert _scalar(demo, "SELECT count(*) FROM territories") == 6
    assert _scalar(demo, "SELECT count(*) FROM users WHERE role = 'rep'") == 24
    assert _scalar(demo, "SELECT count(*) FROM users WHERE role = 'manager'") == 4
    assert _scalar(demo, "SELECT count(*) FROM users WHERE role = 'revops'") == 1
    assert _scalar(demo, "SELECT count(*) FROM accounts") == 2000
    assert 7_000 <= _scalar(demo, "SELECT count(*) FROM opportunities") <= 10_000
    assert 6 <= _scalar(demo, "SELECT count(*) FROM products") <= 8
    assert _scalar(demo, "SELECT count(*) FROM accounts WHERE latitude IS NULL OR longitude IS NULL") == 0
    # every rep reports to a manager and works a territory; every account has an owner in its territory
    assert (
        _scalar(
            demo,
            "SELECT count(*) FROM users WHERE role = 'rep' AND (manager_id IS NULL OR territory_id IS NULL)",
        )
        == 0
    )
    assert (
        _scalar(
            demo,
            "SELECT count(*) FROM accounts a JOIN users u ON u.id = a.owner_id "
            "WHERE u.territory_id != a.territory_id",
        )
        == 0
    )
    # quotas for every rep and every quarter of the history, plus the next quarter
    assert _scalar(demo, "SELECT count(DISTINCT user_id) FROM quotas") == 24
    assert _scalar(demo, "SELECT count(*) FROM quotas WHERE period = '2027-Q1'") == 24
    with demo.connect() as connection:
        assert (
            connection.execute(text("SELECT value FROM dataset_meta WHERE key = 'as_of'")).scalar() == AS_OF
        )


def test_one_new_hire_per_region_and_veterans_hired_before_the_history(demo: Engine) -> None:
    with demo.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT u.role, u.hire_date, t.region FROM users u LEFT JOIN territories t "
                "ON t.id = u.territory_id"
            )
        ).all()
        first_deal = connection.execute(text("SELECT min(created_at) FROM opportunities")).scalar_one()
    assert all(hired is not None for _, hired, _ in rows)
    as_of = DEFAULT_AS_OF
    recent = [
        (role, region)
        for role, hired, region in rows
        if dt.date.fromisoformat(hired) > as_of - dt.timedelta(180)
    ]
    assert sorted(recent) == [("rep", "Central"), ("rep", "East"), ("rep", "West")]
    for _, hired, _ in rows:
        day = dt.date.fromisoformat(hired)
        new_hire = as_of - dt.timedelta(120) <= day <= as_of - dt.timedelta(20)
        assert new_hire or hired < str(first_deal)[:10]  # a veteran joined before the history starts


def test_hire_dates_leave_the_rest_of_the_data_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.store.demo import org

    with_hires = table_dump(_generate(tmp_path / "a.db", accounts=150, seed=3))
    monkeypatch.setattr(org, "_hire", lambda *_: None)
    without = table_dump(_generate(tmp_path / "b.db", accounts=150, seed=3))
    hire_date = list(table_of(User).c.keys()).index("hire_date")
    assert all(row[hire_date] is None for row in without["users"])
    assert [row[:hire_date] + row[hire_date + 1 :] for row in with_hires["users"]] == [
        row[:hire_date] + row[hire_date + 1 :] for row in without["users"]
    ]
    for table in ("accounts", "opportunities", "activities", "quotas"):
        assert with_hires[table] == without[table], table


def test_distributions_are_within_stated_bounds(demo: Engine) -> None:
    win_rate = _scalar(demo, "SELECT avg(is_won) FROM opportunities WHERE is_closed")
    assert 0.15 <= win_rate <= 0.35
    open_share = _scalar(demo, "SELECT avg(1 - is_closed) FROM opportunities")
    assert 0.05 <= open_share <= 0.20
    medians = {
        segment: statistics.median(
            _column(
                demo,
                "SELECT o.amount FROM opportunities o JOIN accounts a "
                f"ON a.id = o.account_id WHERE a.segment = '{segment}'",
            )
        )
        for segment in ("SMB", "Mid-Market", "Enterprise")
    }
    assert medians["SMB"] < medians["Mid-Market"] < medians["Enterprise"]
    assert 2_000 <= medians["SMB"] <= 20_000 and 40_000 <= medians["Enterprise"] <= 250_000
    cycles = {
        segment: statistics.median(
            _column(
                demo,
                "SELECT julianday(o.closed_at) - julianday(o.created_at) FROM opportunities o "
                f"JOIN accounts a ON a.id = o.account_id WHERE o.is_won AND a.segment = '{segment}'",
            )
        )
        for segment in ("SMB", "Enterprise")
    }
    assert 30 <= cycles["SMB"] < cycles["Enterprise"] <= 200
    # stage conversion falls as deals progress: fewer deals reach each later stage
    reached = [
        _scalar(demo, f"SELECT count(DISTINCT opportunity_id) FROM opportunity_history WHERE stage = '{s}'")
        for s in ("Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation", "Closed Won")
    ]
    assert reached == sorted(reached, reverse=True) and reached[-1] > 0
    # attainment is plausible: total bookings within 50%-150% of total quota over the history
    bookings = _scalar(
        demo,
        "SELECT sum(amount) FROM opportunities WHERE is_won AND closed_at >= '2025-01-01'"
        " AND closed_at < '2026-10-01'",
    )
    quota = _scalar(demo, "SELECT sum(amount) FROM quotas WHERE period >= '2025-Q1' AND period <= '2026-Q3'")
    assert 0.5 <= bookings / quota <= 1.5


def test_records_are_consistent(demo: Engine) -> None:
    assert (
        _scalar(
            demo,
            "SELECT count(*) FROM opportunities WHERE created_at > :as_of "
            "OR closed_at > :as_of OR last_activity_at > :as_of",
        )
        == 0
    )
    assert _scalar(demo, "SELECT count(*) FROM opportunities WHERE is_closed AND closed_at IS NULL") == 0
    assert _scalar(demo, "SELECT count(*) FROM opportunities WHERE is_won AND stage != 'Closed Won'") == 0
    # the last history row of every opportunity carries its current stage
    assert (
        _scalar(
            demo,
            """
        SELECT count(*) FROM opportunities o JOIN opportunity_history h ON h.opportunity_id = o.id
        WHERE h.id = (SELECT max(id) FROM opportunity_history WHERE opportunity_id = o.id)
          AND h.stage != o.stage
    """,
        )
        == 0
    )
    # won deals' products are owned by the account afterwards
    assert (
        _scalar(
            demo,
            """
        SELECT count(*) FROM opportunities o LEFT JOIN account_products ap
          ON ap.account_id = o.account_id AND ap.product_id = o.product_id
        WHERE o.is_won AND ap.account_id IS NULL
    """,
        )
        == 0
    )
    # contacts' last engagement matches their latest activity
    assert (
        _scalar(
            demo,
            """
        SELECT count(*) FROM contacts c LEFT JOIN (
          SELECT contact_id, date(max(occurred_at)) AS latest FROM activities GROUP BY contact_id
        ) m ON m.contact_id = c.id
        WHERE c.last_engaged_at IS NOT m.latest
    """,
        )
        == 0
    )


STALL_RULES = {
    "days in stage above the stage threshold": """
        SELECT count(*) FROM opportunities WHERE NOT is_closed AND (
          (stage IN ('Prospecting', 'Qualification', 'Proposal')
             AND julianday(:as_of) - julianday(stage_entered_at) > 30)
          OR (stage = 'Discovery' AND julianday(:as_of) - julianday(stage_entered_at) > 45)
          OR (stage = 'Negotiation' AND julianday(:as_of) - julianday(stage_entered_at) > 21))""",
    "no activity for 21 days": """
        SELECT count(*) FROM opportunities WHERE NOT is_closed
          AND julianday(:as_of) - julianday(last_activity_at) > 21""",
    "close date in the past while open": (
        "SELECT count(*) FROM opportunities WHERE NOT is_closed AND close_date < :as_of"
    ),
    "close date pushed two or more times": """
        SELECT count(*) FROM (SELECT o.id FROM opportunities o
          JOIN opportunity_history h ON h.opportunity_id = o.id WHERE NOT o.is_closed
          GROUP BY o.id HAVING count(DISTINCT h.close_date) >= 3)""",
    "missing next step": "SELECT count(*) FROM opportunities WHERE NOT is_closed AND next_step IS NULL",
    "overdue next step": "SELECT count(*) FROM opportunities WHERE NOT is_closed AND next_step_date < :as_of",
    "single-threaded large deal": """
        SELECT count(*) FROM (SELECT o.id FROM opportunities o
          JOIN activities a ON a.opportunity_id = o.id WHERE NOT o.is_closed AND o.amount > 50000
          GROUP BY o.id HAVING count(DISTINCT a.contact_id) = 1)""",
    "open longer than 1.5x the median won cycle": """
        SELECT count(*) FROM opportunities WHERE NOT is_closed
          AND julianday(:as_of) - julianday(created_at) > 1.5 * 90""",
}


@pytest.mark.parametrize("rule", list(STALL_RULES))
def test_every_stall_rule_has_examples(demo: Engine, rule: str) -> None:
    assert _scalar(demo, STALL_RULES[rule]) >= 10, rule


def test_stalled_deals_are_a_minority(demo: Engine) -> None:
    open_deals = _scalar(demo, "SELECT count(*) FROM opportunities WHERE NOT is_closed")
    healthy = _scalar(
        demo,
        """
        SELECT count(*) FROM opportunities WHERE NOT is_closed AND close_date >= :as_of
          AND julianday(:as_of) - julianday(last_activity_at) <= 21 AND next_step IS NOT NULL
          AND next_step_date >= :as_of""",
    )
    assert 0.2 <= healthy / open_deals <= 0.8


def test_scaling_option_grows_the_team(tmp_path: Path) -> None:
    engine = _generate(tmp_path / "big.db", accounts=4_000, seed=1, as_of=dt.date(2025, 6, 30))
    assert _scalar(engine, "SELECT count(*) FROM users WHERE role = 'rep'") == 48
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT value FROM dataset_meta WHERE key='as_of'")).scalar()
            == "2025-06-30"
        )
        assert connection.execute(text("SELECT max(closed_at) FROM opportunities")).scalar() <= "2025-06-30"


def test_opportunities_option_sets_the_deal_volume(tmp_path: Path) -> None:
    engine = _generate(tmp_path / "dense.db", accounts=200, seed=2, opportunities=3_000)
    assert 2_500 <= _scalar(engine, "SELECT count(*) FROM opportunities") <= 3_500
    assert _scalar(engine, "SELECT count(*) FROM accounts") == 200


@pytest.mark.postgres
def test_the_same_data_is_written_on_postgresql(sqlite_engine: Engine, postgres_engine: Engine) -> None:
    """The bulk writer's two paths (driver executemany on SQLite, COPY on PostgreSQL) store the
    same rows, with money, dates, timestamps, booleans and column defaults alike."""
    for engine in (sqlite_engine, postgres_engine):
        generate_dataset(engine, load_stages(), accounts=30)
    on_sqlite, on_postgres = table_dump(sqlite_engine), table_dump(postgres_engine)
    assert sum(len(rows) for rows in on_sqlite.values()) > 1_000
    for table, rows in on_sqlite.items():
        if table == "dataset_meta":  # the stamps are the time (and a nonce) of each run
            stamps = ("imported_at", "org_changed_at")
            rows = [r for r in rows if r[0] not in stamps]
            on_postgres[table] = [r for r in on_postgres[table] if r[0] not in stamps]
        assert on_postgres[table] == rows, table
