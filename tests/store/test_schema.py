"""The CRM store: schema creation and upgrade, round-trips of every table, exact money, aware times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from tools.store.bulk import INSERT_ORDER
from tools.store.db import DatabaseError, current_revision, ensure_schema, head_revision, make_engine
from tools.store.schema import (
    Account,
    AccountProduct,
    Activity,
    Contact,
    DatasetMeta,
    Opportunity,
    OpportunityHistory,
    Product,
    Quota,
    Territory,
    User,
)

DESIGN_COLUMNS = {
    "users": "id name email role manager_id territory_id slack_user_id",
    "territories": "id name region segment parent_id",
    "accounts": "id external_id name industry segment employees annual_revenue country state city latitude "
    "longitude territory_id owner_id parent_account_id potential tier",
    "contacts": "id account_id name title buying_role email last_engaged_at",
    "products": "id name family list_price",
    "account_products": "account_id product_id status arr since",
    "opportunities": "id external_id account_id owner_id product_id name stage amount probability "
    "forecast_category created_at stage_entered_at close_date closed_at is_closed is_won next_step "
    "next_step_date last_activity_at loss_reason",
    "opportunity_history": "opportunity_id changed_at stage amount close_date",
    "activities": "id account_id opportunity_id contact_id owner_id kind occurred_at subject",
    "quotas": "user_id period amount",
    "dataset_meta": "key value",
}


def test_schema_has_every_contract_table_and_column(any_engine: Engine) -> None:
    inspector = inspect(any_engine)
    for table, columns in DESIGN_COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        assert set(columns.split()) <= present, (table, set(columns.split()) - present)


def test_analytics_indexes_exist(any_engine: Engine) -> None:
    inspector = inspect(any_engine)
    indexed = {ix["column_names"][0] for ix in inspector.get_indexes("opportunities")}
    assert {"owner_id", "account_id", "stage", "close_date", "last_activity_at"} <= indexed
    assert {"owner_id", "territory_id"} <= {ix["column_names"][0] for ix in inspector.get_indexes("accounts")}


def _sample(session: Session) -> None:
    territory = Territory(id=1, name="West Enterprise", region="West", segment="Enterprise")
    manager = User(id=1, name="Mara Lee", email="mara@x.example", role="manager", territory_id=None)
    rep = User(id=2, name="Rob Ng", email="rob@x.example", role="rep", manager_id=1, territory_id=1)
    product = Product(id=1, name="Core", family="Platform", list_price=Decimal("24000.00"))
    account = Account(
        id=1,
        external_id="A1",
        name="Acme Corporation",
        segment="Enterprise",
        employees=5000,
        annual_revenue=Decimal("1234567890.12"),
        latitude=37.77,
        longitude=-122.42,
        territory_id=1,
        owner_id=2,
        potential=Decimal("480000.10"),
        tier="A",
    )
    contact = Contact(
        id=1,
        account_id=1,
        name="Ann Buyer",
        buying_role="Economic Buyer",
        last_engaged_at=dt.date(2026, 11, 2),
    )
    opp = Opportunity(
        id=1,
        external_id="O1",
        account_id=1,
        owner_id=2,
        product_id=1,
        name="Acme - Core",
        stage="Proposal",
        amount=Decimal("0.10") + Decimal("0.20"),
        probability=0.55,
        forecast_category="best_case",
        created_at=dt.date(2026, 9, 1),
        stage_entered_at=dt.date(2026, 10, 1),
        close_date=dt.date(2026, 12, 15),
        next_step="Send proposal",
        next_step_date=dt.date(2026, 11, 25),
        last_activity_at=dt.date(2026, 11, 18),
    )
    for batch in ([territory, product], [manager], [rep], [account], [contact, opp]):
        session.add_all(batch)
        session.flush()
    session.add_all(
        [
            AccountProduct(
                account_id=1,
                product_id=1,
                status="active",
                arr=Decimal("19999.99"),
                since=dt.date(2024, 1, 1),
            ),
            OpportunityHistory(
                opportunity_id=1,
                changed_at=dt.date(2026, 9, 1),
                stage="Prospecting",
                amount=Decimal("0.30"),
                close_date=dt.date(2026, 11, 30),
            ),
            Activity(
                account_id=1,
                opportunity_id=1,
                contact_id=1,
                owner_id=2,
                kind="call",
                occurred_at=dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
                subject="Pricing call",
            ),
            Quota(user_id=2, period="2026-Q4", amount=Decimal("250000.00")),
            DatasetMeta(key="as_of", value="2026-11-20"),
        ]
    )


def test_round_trip_keeps_money_exact_and_times_aware(any_engine: Engine) -> None:
    with Session(any_engine) as session, session.begin():
        _sample(session)
    with Session(any_engine) as session:
        opp = session.get_one(Opportunity, 1)
        assert opp.amount == Decimal("0.30") and isinstance(opp.amount, Decimal)
        assert session.get_one(Account, 1).annual_revenue == Decimal("1234567890.12")
        assert opp.close_date == dt.date(2026, 12, 15)
        activity = session.scalars(select(Activity)).one()
        assert activity.occurred_at == dt.datetime(2026, 11, 18, 20, 30, tzinfo=dt.UTC)
        assert activity.occurred_at.tzinfo is not None
        total = session.scalar(select(func.sum(AccountProduct.arr)))
        assert total == Decimal("19999.99")
        assert session.get_one(User, 2).manager_id == 1
        for table in INSERT_ORDER:
            assert session.scalar(select(func.count()).select_from(table)) >= 1, table.name


def test_naive_datetimes_are_refused(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, session.begin():
        _sample(session)
    with Session(sqlite_engine) as session:
        session.add(Activity(kind="call", occurred_at=dt.datetime(2026, 1, 1, 9, 0)))
        with pytest.raises(Exception, match="timezone-aware"):
            session.flush()


def test_foreign_keys_are_enforced(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        session.add(Opportunity(name="orphan", owner_id=999, stage="Prospecting"))
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            session.flush()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_schema_is_created_on_first_use_and_upgrade_is_idempotent(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'crm.db'}")
    assert current_revision(engine) is None
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    with Session(engine) as session, session.begin():
        _sample(session)
    ensure_schema(engine)
    with Session(engine) as session:
        assert session.get_one(Account, 1).name == "Acme Corporation"


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DatabaseError):
        ensure_schema(make_engine(f"sqlite:///{blocker}/crm.db"))
    with pytest.raises(DatabaseError, match="invalid database URL"):
        make_engine("not a url")


def test_migrations_build_exactly_the_models(any_engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from tools.store.names import modelled
    from tools.store.schema import Base

    with any_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": modelled})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_a_populated_database_of_the_previous_revision_upgrades(tmp_path: Path) -> None:
    """Deals referenced by activities, and a database whose scan indexes were never built (bulk
    loads of earlier versions): upgrading to the estimated-amounts revision keeps every row."""
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    ensure_schema(engine)
    with Session(engine) as session, session.begin():
        _sample(session)
    with engine.begin() as connection:  # back to how revision 0004 left a bulk-loaded database
        for statement in (
            "ALTER TABLE users DROP COLUMN hire_date",  # revision 0017
            "DROP TABLE deal_snoozes",  # revision 0016
            "DROP TABLE territory_scenarios",  # revision 0013
            "DROP TABLE digest_items",  # revision 0012
            "DROP TABLE pipeline_snapshots",  # revision 0011
            "DROP TABLE deal_scores",
            "DROP TABLE win_models",
            "DROP TABLE crm_changes",  # revision 0010
            "DROP TABLE crm_sync_state",
            "DROP INDEX ix_opportunities_open_stage",  # revision 0009
            "DROP TRIGGER accounts_name_fts_insert",  # revision 0008
            "DROP TRIGGER accounts_name_fts_delete",
            "DROP TRIGGER accounts_name_fts_update",
            "DROP TABLE accounts_name_fts",
            "DROP INDEX ix_opportunities_open",
            "DROP INDEX ix_opportunities_closed",
            "ALTER TABLE opportunities DROP COLUMN amount_estimated",
            "DROP TABLE stages",
            "ALTER TABLE api_tokens DROP COLUMN expires_at",
            "ALTER TABLE api_tokens DROP COLUMN replaced_by",
            "DROP TABLE rate_limits",
            "UPDATE alembic_version SET version_num = '0004'",
        ):
            connection.exec_driver_sql(statement)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    with Session(engine) as session:
        deals = session.scalars(select(Opportunity)).all()
        assert deals and all(d.amount_estimated is False for d in deals)
        users = session.scalars(select(User)).all()
        assert users and all(u.hire_date is None for u in users)  # no hire date: fully ramped
