"""The CSV importer: the Maven export end to end, all-or-nothing failures, encodings, a custom mapping."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from tests.conftest import org_stamp, table_dump, without_org_stamp
from tools.store.db import ensure_schema, make_engine
from tools.store.importer.mapping import Mapping
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import DataImportError, ImportReport, ImportValidationError, import_dataset
from tools.store.schema import Account, Opportunity, Product, Quota, Territory
from tools.store.stages import load_stages

MAVEN = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "maven-crm"
MAVEN_FILES = ("accounts.csv", "products.csv", "sales_teams.csv", "sales_pipeline.csv")
CLOCK = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

pytestmark = pytest.mark.skipif(not MAVEN.is_dir(), reason=f"the Maven export is not at {MAVEN}")


def run_import(
    engine: Engine, directory: Path, mapping: Mapping | str = "maven", **options: object
) -> ImportReport:
    loaded = load_mapping(mapping) if isinstance(mapping, str) else mapping
    return import_dataset(
        engine,
        directory,
        loaded,
        stages=load_stages(),
        clock=lambda: CLOCK,
        **options,  # type: ignore[arg-type]
    )


def csv_rows(name: str) -> list[dict[str, str]]:
    with (MAVEN / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def opportunities_checksum(engine: Engine) -> str:
    with engine.connect() as connection:
        rows = connection.execute(select(Opportunity.__table__).order_by(Opportunity.id)).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def copy_maven(
    target: Path, edit: dict[str, Callable[[str], str]] | None = None, encoding: str = "utf-8"
) -> Path:
    """The Maven files in ``target``; ``edit`` rewrites a file's text (kept CRLF), saved in ``encoding``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in MAVEN_FILES:
        source = (MAVEN / name).read_bytes().decode("utf-8")
        rewrite = (edit or {}).get(name)
        changed = rewrite(source) if rewrite else source
        (target / name).write_bytes(changed.encode(encoding))
    return target


def replace_line(number: int, old: str, new: str) -> Callable[[str], str]:
    """An edit replacing ``old`` with ``new`` on physical line ``number`` (the header is line 1)."""

    def edit(content: str) -> str:
        lines = content.split("\r\n")
        assert old in lines[number - 1], (number, lines[number - 1])
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
        return "\r\n".join(lines)

    return edit


@pytest.fixture(scope="module")
def maven(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, ImportReport]]:
    """One Maven import, shared by the read-only assertions."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('maven') / 'crm.db'}")
    ensure_schema(engine)
    yield engine, run_import(engine, MAVEN)
    engine.dispose()


@pytest.fixture(scope="module")
def populated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding a successful Maven import, to copy for tests that change it."""
    path = tmp_path_factory.mktemp("populated") / "crm.db"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    run_import(engine, MAVEN)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def populated(populated_db: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "populated.db"
    shutil.copy(populated_db, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


# --- The Maven export -----------------------------------------------------------------------------


def test_maven_figures(maven: tuple[Engine, ImportReport]) -> None:
    engine, report = maven
    assert report.errors == []
    assert scalar(engine, "SELECT count(*) FROM accounts") == 85
    assert scalar(engine, "SELECT count(*) FROM users WHERE role = 'rep'") == 35
    assert scalar(engine, "SELECT count(*) FROM users WHERE role = 'manager'") == 6
    assert scalar(engine, "SELECT count(*) FROM users WHERE email IS NOT NULL") == 0
    assert scalar(engine, "SELECT count(*) FROM products") == 7
    assert scalar(engine, "SELECT count(*) FROM opportunities") == 8800
    assert scalar(engine, "SELECT count(*) FROM opportunities WHERE is_won") == 4238
    assert scalar(engine, "SELECT count(*) FROM opportunities WHERE is_closed AND NOT is_won") == 2473
    with engine.connect() as connection:
        territories = connection.execute(select(Territory.name).order_by(Territory.name)).scalars().all()
    assert territories == ["Central", "East", "West"]
    assert report.as_of == dt.date(2017, 12, 31)
    counts = {name: (c.inserted, c.updated) for name, c in report.tables.items()}
    assert counts == {
        "territories": (3, 0),
        "users": (41, 0),
        "products": (7, 0),
        "accounts": (85, 0),
        "opportunities": (8800, 0),
    }


def test_maven_reps_managers_and_territories_are_linked(maven: tuple[Engine, ImportReport]) -> None:
    engine, _ = maven
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT u.name, u.role, m.name, m.role, t.name, mt.name FROM users u "
                "LEFT JOIN users m ON m.id = u.manager_id "
                "LEFT JOIN territories t ON t.id = u.territory_id "
                "LEFT JOIN territories mt ON mt.id = m.territory_id"
            )
        ).all()
    people = {name: tuple(rest) for name, *rest in rows}
    assert people["Anna Snelling"] == ("rep", "Dustin Brinkmann", "manager", "Central", "Central")
    assert people["Carl Lin"] == ("rep", "Summer Sewald", "manager", "West", "West")
    assert people["Cara Losch"] == ("manager", None, None, "East", None)
    reps = [p for p in people.values() if p[0] == "rep"]
    assert len(reps) == 35
    assert all(p[2] == "manager" and p[3] == p[4] and p[3] is not None for p in reps)


def test_maven_values_are_parsed_scaled_and_linked(maven: tuple[Engine, ImportReport]) -> None:
    engine, _ = maven
    with engine.connect() as connection:
        acme = connection.execute(select(Account).where(Account.name == "Acme Corporation")).one()
        bluth_parent = connection.execute(
            text(
                "SELECT p.name FROM accounts a JOIN accounts p ON p.id = a.parent_account_id "
                "WHERE a.name = 'Bluth Company'"
            )
        ).scalar_one()
        deal = connection.execute(select(Opportunity).where(Opportunity.external_id == "Z063OYW0")).one()
        gtx_pro = connection.execute(select(Product.id).where(Product.name == "GTX Pro")).scalar_one()
        on_gtx_pro = connection.execute(
            select(func.count()).select_from(Opportunity).where(Opportunity.product_id == gtx_pro)
        ).scalar_one()
    assert acme.annual_revenue == Decimal("1100040000.00")
    assert (acme.employees, acme.year_established, acme.industry) == (2822, 1996, "technolgy")
    assert bluth_parent == "Acme Corporation"
    assert deal.product_id == gtx_pro and deal.amount == Decimal("4514.00")
    assert (deal.stage, deal.probability, deal.forecast_category) == ("Won", 1.0, "closed")
    assert deal.amount_estimated is False
    assert deal.created_at == dt.date(2016, 10, 25)
    assert deal.close_date == deal.closed_at == deal.stage_entered_at == dt.date(2017, 3, 11)
    assert on_gtx_pro == 1480  # every `GTXPro` deal of the pipeline


def test_maven_open_deals_take_their_facts_from_the_mappings_own_stages(
    maven: tuple[Engine, ImportReport],
) -> None:
    engine, _ = maven
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT stage, probability, forecast_category, count(*), count(closed_at), "
                "count(stage_entered_at), count(account_id), count(amount), sum(amount_estimated) "
                "FROM opportunities WHERE NOT is_closed GROUP BY stage, probability, forecast_category "
                "ORDER BY stage"
            )
        ).all()
        stored = connection.execute(text("SELECT name, position, is_closed, is_won FROM stages")).all()
    # the export's own stage names; every open deal's amount is an estimate
    assert [tuple(r) for r in rows] == [
        ("Engaging", 0.6, "pipeline", 1589, 0, 1589, 501, 1589, 1589),
        ("Prospecting", 0.1, "pipeline", 500, 0, 0, 163, 500, 500),
    ]
    assert sorted(tuple(r) for r in stored) == [
        ("Engaging", 1, 0, 0),
        ("Lost", 3, 1, 0),
        ("Prospecting", 0, 0, 0),
        ("Won", 2, 1, 1),
    ]


def test_maven_deals_without_a_value_are_estimated_at_the_list_price(
    maven: tuple[Engine, ImportReport],
) -> None:
    """Open deals have no close_value and lost deals a 0 (the value realised): both are estimated at
    the product's list price, and marked so; won deals keep their own value."""
    engine, _ = maven
    prices = {row["product"]: Decimal(row["sales_price"]) for row in csv_rows("products.csv")}
    prices["GTXPro"] = prices["GTX Pro"]
    rows = csv_rows("sales_pipeline.csv")
    expected = {
        row["opportunity_id"]: prices[row["product"]] for row in rows if row["close_value"] in ("", "0")
    }
    with engine.connect() as connection:
        estimated = dict(
            connection.execute(
                text("SELECT external_id, amount FROM opportunities WHERE amount_estimated")
            ).all()
        )
    won_estimates = scalar(engine, "SELECT count(*) FROM opportunities WHERE is_won AND amount_estimated")
    assert len(expected) == 2089 + sum(1 for row in rows if row["deal_stage"] == "Lost")
    assert {key: Decimal(str(value)) for key, value in estimated.items()} == expected
    assert won_estimates == 0


def test_maven_quirks_are_grouped_warnings(maven: tuple[Engine, ImportReport]) -> None:
    _, report = maven
    groups = {group.title: group for group in report.warnings}
    assert groups["sales_pipeline.csv product: near matches resolved"].count == 1480
    assert "'GTX Pro'" in groups["sales_pipeline.csv product: near matches resolved"].examples[0].reason
    sector = groups["accounts.csv sector: values outside the vocabulary"]
    assert sector.count == 12 and "did you mean 'technology'" in sector.examples[0].reason
    assert groups["open deals without an account"].count == 1425
    assert "open deals without an amount" not in groups  # every one is estimated instead
    filled = groups["sales_pipeline.csv close_value: empty values filled from the product's list price"]
    lost = sum(1 for row in csv_rows("sales_pipeline.csv") if row["deal_stage"] == "Lost")
    assert (
        filled.count == 2089 + lost and "estimated as the product's list price" in filled.examples[0].reason
    )
    assert groups["open deals without a created date"].count == 500
    assert all(len(group.examples) <= 3 for group in report.warnings)
    assert len(report.warning_lines()) < 40  # grouped: thousands of warnings, a screenful of lines


def test_maven_dataset_meta(maven: tuple[Engine, ImportReport]) -> None:
    engine, _ = maven
    with engine.connect() as connection:
        meta = {key: value for key, value in connection.execute(text("SELECT key, value FROM dataset_meta"))}
    assert meta.pop("org_changed_at")  # running processes rebuild their scopes (tools/store/scope.py)
    assert meta == {
        "as_of": "2017-12-31",
        "source": "maven",
        "imported_at": "2026-01-02T03:04:05+00:00",
        "estimate:opportunities.amount": "the product's list price",
    }


def test_reimport_is_idempotent(populated: Engine) -> None:
    before = table_dump(populated)
    checksum = opportunities_checksum(populated)
    again = run_import(populated, MAVEN)
    after = table_dump(populated)
    assert without_org_stamp(after) == without_org_stamp(before)  # same ids, same values, no new rows
    assert org_stamp(after) != org_stamp(before)  # the write is announced all the same
    assert opportunities_checksum(populated) == checksum
    counts = {name: (c.inserted, c.updated) for name, c in again.tables.items()}
    assert counts == {
        "territories": (0, 3),
        "users": (0, 41),
        "products": (0, 7),
        "accounts": (0, 85),
        "opportunities": (0, 8800),
    }


@pytest.mark.postgres
def test_maven_import_and_reimport_on_postgresql(postgres_engine: Engine) -> None:
    run_import(postgres_engine, MAVEN)
    before = table_dump(postgres_engine)
    checksum = opportunities_checksum(postgres_engine)
    run_import(postgres_engine, MAVEN)
    assert without_org_stamp(table_dump(postgres_engine)) == without_org_stamp(before)
    assert opportunities_checksum(postgres_engine) == checksum
    assert scalar(postgres_engine, "SELECT count(*) FROM opportunities WHERE is_won") == 4238
    assert scalar(
        postgres_engine, "SELECT annual_revenue FROM accounts WHERE name = 'Acme Corporation'"
    ) == Decimal("1100040000.00")


def test_dry_run_writes_nothing_and_counts(sqlite_engine: Engine, populated: Engine) -> None:
    empty = table_dump(sqlite_engine)
    report = run_import(sqlite_engine, MAVEN, dry_run=True)
    assert table_dump(sqlite_engine) == empty
    assert report.dry_run and report.tables["opportunities"].inserted == 8800
    full = table_dump(populated)
    again = run_import(populated, MAVEN, dry_run=True)
    assert table_dump(populated) == full
    assert again.tables["opportunities"].updated == 8800 and again.tables["opportunities"].inserted == 0


def test_progress_as_of_option_and_nothing_printed(
    sqlite_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[str, int, int | None]] = []
    report = run_import(
        sqlite_engine, MAVEN, as_of=dt.date(2018, 1, 15), progress=lambda *call: calls.append(call)
    )
    # How long the import takes is measured by `make bench` (benchmarks/import_maven.py), not asserted.
    assert report.as_of == dt.date(2018, 1, 15) and report.elapsed_seconds > 0
    assert scalar(sqlite_engine, "SELECT value FROM dataset_meta WHERE key = 'as_of'") == "2018-01-15"
    checked = sum(
        advance for step, advance, _ in calls if step == "checking sales_pipeline.csv → opportunities"
    )
    written = [(advance, total) for step, advance, total in calls if step == "writing"]
    assert checked == 8800
    assert sum(a for a, _ in written) == 3 + 41 + 7 + 85 + 8800 and written[0][1] == 8936
    assert capsys.readouterr() == ("", "")


# --- All or nothing ---------------------------------------------------------------------------------

BROKEN = {
    "bad date": (
        {"sales_pipeline.csv": replace_line(5, "2016-10-25", "2016-13-45")},
        "sales_pipeline.csv:5 engage_date '2016-13-45': not a date",
    ),
    "missing required column": (
        {"sales_pipeline.csv": lambda c: c.replace("deal_stage", "stage_of_deal", 1)},
        "sales_pipeline.csv:1 deal_stage: required column is missing",
    ),
    "duplicate opportunity id": (
        {"sales_pipeline.csv": replace_line(7, "ZNBS69V1", "MV1LWRNH")},
        "sales_pipeline.csv:7 opportunity_id 'MV1LWRNH': duplicate opportunities key "
        "(first at sales_pipeline.csv:5)",
    ),
    "unknown owner": (
        {"sales_pipeline.csv": replace_line(9, "Markita Hansen", "Jane Doe")},
        "sales_pipeline.csv:9 sales_agent 'Jane Doe': no users row",
    ),
    "truncated last line": (  # the file cut in the middle of a product name
        {"sales_pipeline.csv": lambda c: c[:-24]},
        "sales_pipeline.csv:8801 '8I5ONXJX,Versie Hillebrand,MG Ad': row has 3 of 8 cells (truncated",
    ),
    "unknown stage and unparseable amount": (
        {
            "sales_pipeline.csv": lambda c: replace_line(3, ",4514", ",45x14")(
                replace_line(2, ",Won,", ",Wonn,")(c)
            )
        },
        "sales_pipeline.csv:2 deal_stage 'Wonn': unknown stage",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_files_fail_and_write_nothing(case: str, populated: Engine, tmp_path: Path) -> None:
    edit, expected = BROKEN[case]
    directory = copy_maven(tmp_path / "export", edit)
    with populated.begin() as connection:  # a change the failed import must not undo or repeat
        connection.execute(text("UPDATE opportunities SET amount = 1 WHERE external_id = '1C1I7A6R'"))
    before = table_dump(populated)
    with pytest.raises(ImportValidationError) as failure:
        run_import(populated, directory)
    assert table_dump(populated) == before
    lines = failure.value.report.error_lines()
    assert any(line.startswith(expected) for line in lines), lines
    assert "\n" not in str(failure.value) and "nothing was written" in str(failure.value)
    if case == "unknown stage and unparseable amount":
        assert lines == [
            "sales_pipeline.csv:2 deal_stage 'Wonn': unknown stage (stages are Prospecting, Engaging, "
            "Won, Lost; did you mean 'Won'?)",
            "sales_pipeline.csv:3 close_value '45x14': not a number",
        ]


def test_a_write_the_database_refuses_rolls_everything_back(populated: Engine) -> None:
    with populated.begin() as connection:  # another source already owns the product name "GTX Pro"
        connection.execute(text("UPDATE products SET external_id = 'legacy-1' WHERE name = 'GTX Pro'"))
        # rows upserted before products (territories, users) would be reset if not rolled back
        connection.execute(text("UPDATE users SET name = 'Anna S.' WHERE external_id = 'Anna Snelling'"))
        connection.execute(text("UPDATE territories SET region = 'Midwest' WHERE name = 'Central'"))
    before = table_dump(populated)
    with pytest.raises(DataImportError, match=r"refused the import, nothing was written: .*products\.name"):
        run_import(populated, MAVEN)
    assert table_dump(populated) == before


def test_many_errors_are_listed_fifty_then_counted(tmp_path: Path, sqlite_engine: Engine) -> None:
    directory = copy_maven(
        tmp_path / "export", {"sales_pipeline.csv": lambda c: c.replace(",2017-", ",31.12.17-")}
    )
    with pytest.raises(ImportValidationError) as failure:
        run_import(sqlite_engine, directory)
    report = failure.value.report
    lines = report.error_lines()
    assert len(report.errors) > 1000
    assert len(lines) == 51 and lines[-1] == f"… and {len(report.errors) - 50} more"
    assert scalar(sqlite_engine, "SELECT count(*) FROM opportunities") == 0


def test_missing_directory_and_file(tmp_path: Path, sqlite_engine: Engine) -> None:
    with pytest.raises(DataImportError, match="is not a directory"):
        run_import(sqlite_engine, tmp_path / "nowhere")
    directory = copy_maven(tmp_path / "export")
    (directory / "products.csv").unlink()
    with pytest.raises(ImportValidationError) as failure:
        run_import(sqlite_engine, directory)
    assert failure.value.report.errors[0].render().startswith("products.csv: file not found")


# --- Encodings ------------------------------------------------------------------------------------


def test_latin1_export_keeps_accents(tmp_path: Path, sqlite_engine: Engine) -> None:
    rename: Callable[[str], str] = lambda c: c.replace("Cancity", "Café Corp")  # noqa: E731
    directory = copy_maven(
        tmp_path / "export", {"accounts.csv": rename, "sales_pipeline.csv": rename}, encoding="latin-1"
    )
    assert "Café".encode("latin-1") in (directory / "accounts.csv").read_bytes()
    report = run_import(sqlite_engine, directory)
    encodings = {f.name: f.encoding for f in report.files}
    assert encodings["accounts.csv"] in ("cp1252", "latin-1")
    with sqlite_engine.connect() as connection:
        deals = connection.execute(
            text(
                "SELECT count(*) FROM opportunities o JOIN accounts a ON a.id = o.account_id "
                "WHERE a.name = 'Café Corp'"
            )
        ).scalar_one()
        names = connection.execute(
            select(Opportunity.name).where(Opportunity.external_id == "1C1I7A6R")
        ).scalar_one()
    assert deals > 100
    assert names == "Café Corp - GTX Plus Basic"


def test_utf8_bom_and_lf_export(tmp_path: Path, sqlite_engine: Engine) -> None:
    directory = copy_maven(
        tmp_path / "export", {"accounts.csv": lambda c: "\ufeff" + c.replace("\r\n", "\n")}
    )
    assert (directory / "accounts.csv").read_bytes().startswith(b"\xef\xbb\xbfaccount,")
    report = run_import(sqlite_engine, directory)
    assert {f.name: f.encoding for f in report.files}["accounts.csv"] == "utf-8-sig"
    assert scalar(sqlite_engine, "SELECT count(*) FROM accounts") == 85
    assert scalar(sqlite_engine, "SELECT count(*) FROM accounts WHERE name = 'Acme Corporation'") == 1


# --- A different export, described by its own mapping -----------------------------------------------

TEAM_CSV = """Rep ID;Full Name;Boss;Region;Active
R1;Ada Lovelace;;North;yes
R2;Alan Turing;Ada Lovelace;North;Y
R3;Grace Hopper;Ada Lovelace;South;no
"""

DEALS_CSV = """Deal #,Client,Owner,Value,Opened,Expected Close,Status
D-1,Initech,Alan Turing,"$1,200.50",03/15/2024,06/30/2024,Open - Negotiating
D-2,Initech,Grace Hopper,"€ 2.500,00",03/16/2024,05/01/2024,Closed - Won
D-3,,Alan Turing,,03/17/2024,,Open - New
D-4,Umbrella Inc.,Grace Hopper,(75.00),17.03.2024,18.03.2024,closed - lost
"""

QUOTAS_CSV = """rep,quarter,target
R2,2024-Q1,"$10,000"
R3,2024-Q1,"$12,500.00"
"""

CUSTOM_MAPPING = """
name: tiny-crm
date_formats: ["%m/%d/%Y", "%d.%m.%Y"]
entities:
  - table: territories
    file: team.csv
    delimiter: ";"
    distinct: true
    fields:
      external_id: {template: "region-{Region}"}
      name: Region
  - table: users
    file: team.csv
    delimiter: ";"
    fields:
      external_id: Rep ID
      name: Full Name
      role: {const: rep}
      manager_id: {column: Boss, lookup: users, by: name}
      territory_id: {template: "region-{Region}"}
  - table: accounts
    file: deals.csv
    distinct: true
    fields:
      external_id: Client
      name: Client
      industry: {const: software}
  - table: opportunities
    file: deals.csv
    fields:
      external_id: "Deal #"
      name: {template: ["{Client} {Deal #}", "Deal {Deal #}"]}
      account_id: {column: Client, match: normalized}
      owner_id: {column: Owner, by: name}
      amount: {column: Value, type: money}
      created_at: Opened
      close_date: Expected Close
      stage:
        column: Status
        values: {"Open - New": Prospecting, "Open - Negotiating": Negotiation,
                 "Closed - Won": Closed Won, "Closed - Lost": Closed Lost}
  - table: quotas
    file: quotas.csv
    key: [user_id, period]
    fields:
      user_id: {column: rep, required: true}
      period: quarter
      amount: target
"""


@pytest.fixture
def tiny_export(tmp_path: Path) -> tuple[Path, Mapping]:
    directory = tmp_path / "tiny"
    directory.mkdir()
    (directory / "team.csv").write_text(TEAM_CSV, encoding="utf-8")
    (directory / "deals.csv").write_text(DEALS_CSV, encoding="utf-8")
    (directory / "quotas.csv").write_text(QUOTAS_CSV, encoding="utf-8")
    mapping_file = tmp_path / "tiny.yaml"
    mapping_file.write_text(CUSTOM_MAPPING, encoding="utf-8")
    return directory, load_mapping(mapping_file)


def test_custom_mapping_reads_another_layout(
    tiny_export: tuple[Path, Mapping], sqlite_engine: Engine
) -> None:
    directory, mapping = tiny_export
    report = run_import(sqlite_engine, directory, mapping)
    # as_of: the latest event (D-2 won on May 1st), not the planned close of the open D-1
    assert report.source == "tiny-crm" and report.as_of == dt.date(2024, 5, 1)
    with sqlite_engine.connect() as connection:
        users = connection.execute(
            text(
                "SELECT u.name, m.name, t.name FROM users u LEFT JOIN users m ON m.id = u.manager_id "
                "JOIN territories t ON t.id = u.territory_id ORDER BY u.external_id"
            )
        ).all()
        deals = {
            d.external_id: d
            for d in connection.execute(select(Opportunity).order_by(Opportunity.external_id)).all()
        }
        accounts = connection.execute(select(Account.name).order_by(Account.name)).scalars().all()
        quotas = connection.execute(select(Quota.period, Quota.amount).order_by(Quota.amount)).all()
    assert [tuple(u) for u in users] == [
        ("Ada Lovelace", None, "North"),
        ("Alan Turing", "Ada Lovelace", "North"),
        ("Grace Hopper", "Ada Lovelace", "South"),
    ]
    assert accounts == ["Initech", "Umbrella Inc."]
    assert deals["D-1"].amount == Decimal("1200.50") and deals["D-1"].stage == "Negotiation"
    assert deals["D-1"].created_at == dt.date(2024, 3, 15) and deals["D-1"].close_date == dt.date(2024, 6, 30)
    assert deals["D-1"].forecast_category == "commit" and deals["D-1"].closed_at is None
    assert deals["D-2"].amount == Decimal("2500.00") and deals["D-2"].is_won
    assert deals["D-3"].name == "Deal D-3" and deals["D-3"].account_id is None and deals["D-3"].amount is None
    assert deals["D-4"].amount == Decimal("-75.00") and deals["D-4"].closed_at == dt.date(2024, 3, 18)
    assert deals["D-4"].is_closed and not deals["D-4"].is_won
    assert [(p, a) for p, a in quotas] == [("2024-Q1", Decimal("10000.00")), ("2024-Q1", Decimal("12500.00"))]
    again = run_import(sqlite_engine, directory, mapping)
    assert again.tables["quotas"].updated == 2 and again.tables["quotas"].inserted == 0


def test_custom_export_can_point_at_rows_already_in_the_database(
    tiny_export: tuple[Path, Mapping], sqlite_engine: Engine, tmp_path: Path
) -> None:
    directory, mapping = tiny_export
    run_import(sqlite_engine, directory, mapping)
    later = tmp_path / "later"
    later.mkdir()
    (later / "deals.csv").write_text(
        "Deal #,Client,Owner,Value,Opened,Expected Close,Status\n"
        "D-9,INITECH,Alan Turing,$99,04/01/2024,,Open - New\n",
        encoding="utf-8",
    )
    deals_only = mapping.model_copy(update={"entities": (mapping.entities[3],)})
    report = run_import(sqlite_engine, later, deals_only)
    assert report.tables["opportunities"].inserted == 1
    [group] = [g for g in report.warnings if "near matches" in g.title]
    assert "'Initech'" in group.examples[0].reason
    assert scalar(sqlite_engine, "SELECT count(*) FROM opportunities") == 5
    assert (
        scalar(
            sqlite_engine,
            "SELECT a.name FROM opportunities o JOIN accounts a ON a.id = o.account_id "
            "WHERE o.external_id = 'D-9'",
        )
        == "Initech"
    )


def test_errors_point_at_physical_lines(tiny_export: tuple[Path, Mapping], sqlite_engine: Engine) -> None:
    directory, mapping = tiny_export
    (directory / "deals.csv").write_text(
        "Deal #,Client,Owner,Value,Opened,Expected Close,Status\r\n"
        'D-1,"Initech\r\nEurope",Alan Turing,$5,03/15/2024,,Open - New\r\n'
        "D-2,Initech,Alan Turing,$5,2024-31-12,,Open - New\r\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportValidationError) as failure:
        run_import(sqlite_engine, directory, mapping)
    assert failure.value.report.error_lines() == [
        "deals.csv:4 Opened '2024-31-12': not a date (expected MM/DD/YYYY, DD.MM.YYYY)"
    ]


def test_a_lookup_by_a_shared_name_is_refused(
    tiny_export: tuple[Path, Mapping], sqlite_engine: Engine
) -> None:
    directory, mapping = tiny_export
    (directory / "team.csv").write_text(TEAM_CSV + "R4;Alan Turing;;South;yes\n", encoding="utf-8")
    with pytest.raises(DataImportError, match=r"Owner 'Alan Turing' matches several rows by users\.name"):
        run_import(sqlite_engine, directory, mapping)
    assert scalar(sqlite_engine, "SELECT count(*) FROM users") == 0
