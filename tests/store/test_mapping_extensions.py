"""The mapping language's fallbacks, declared stages, merged rows, currencies and forecast
categories: how a mapping is checked, and what an import of small exports does with them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tools.store.db import ensure_schema, make_engine
from tools.store.importer.fields import FieldSpec
from tools.store.importer.mapping import Mapping
from tools.store.importer.mapping_files import MappingError, load_mapping
from tools.store.importer.mapping_schema import FieldType
from tools.store.importer.parsers import ParseError, build_parser
from tools.store.importer.runner import DataImportError, ImportValidationError, import_dataset
from tools.store.stages import ForecastCategory, dataset_stages, load_stages

HEAD = """
name: shop
stages:
  - {name: Lead, probability: 0.1, forecast_category: pipeline, stall_days: 20}
  - {name: Offer, probability: 0.5, forecast_category: best_case, stall_days: 14, aliases: [Quote]}
  - {name: Signed, probability: 1, forecast_category: closed, closed: true, won: true}
  - {name: Dropped, probability: 0, forecast_category: omitted, closed: true}
entities:
  - table: users
    file: reps.csv
    fields: {external_id: id, name: name, role: {const: rep}, manager_id: {column: boss, lookup: users}}
  - table: products
    file: products.csv
    fields: {external_id: sku, name: name, list_price: {column: price, type: money}}
  - table: accounts
    file: accounts.csv
    fields: {external_id: id, name: name}
"""
DEALS = """
  - table: opportunities
    file: deals.csv
    fields:
      external_id: id
      name: name
      owner_id: {column: rep, lookup: users}
      product_id: {column: sku, lookup: products}
      stage: stage
      amount: {column: value, type: money, fallback: {via: product_id, value: list_price}}
      forecast_category: category
      close_date: {column: close, type: date}
  - table: opportunities
    file: links.csv
    optional: true
    merge: true
    fields: {external_id: deal, account_id: {column: account, lookup: accounts}}
"""
FILES = {
    "reps.csv": "id,name,boss\nr1,Ada Boss,\nr2,Bo Rep,r1\n",
    "products.csv": 'sku,name,price\np1,Widget,"1,250.00"\np2,Gadget,\n',
    "accounts.csv": "id,name\na1,Acme\na2,Globex\n",
    "deals.csv": (
        "id,name,rep,sku,stage,value,category,close\n"
        "d1,Acme Widget,r2,p1,Lead,,Pipeline,2024-05-01\n"
        "d2,Acme Gadget,r2,p2,Quote,,BestCase,2024-05-02\n"
        "d3,Globex Widget,r2,p1,Signed,900,Closed,2024-04-01\n"
        "d4,Globex Gadget,r1,,Offer,,Forecast,2024-06-01\n"
    ),
    "links.csv": "deal,account\nd1,a1\nd3,a2\nd3,a1\nd9,a1\n",
}


def export(directory: Path, **changes: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in {**FILES, **changes}.items():
        (directory / name).write_text(content, encoding="utf-8")
    return directory


def mapping(tmp_path: Path, content: str) -> Mapping:
    path = tmp_path / "shop.yaml"
    path.write_text(content, encoding="utf-8")
    return load_mapping(path)


def rejection(tmp_path: Path, content: str) -> str:
    with pytest.raises(MappingError) as failure:
        mapping(tmp_path, content)
    return str(failure.value)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    ensure_schema(engine)
    return engine


def rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_an_empty_value_falls_back_to_the_looked_up_row_and_is_marked_estimated(
    tmp_path: Path, engine: Engine
) -> None:
    report = import_dataset(
        engine, export(tmp_path / "x"), mapping(tmp_path, HEAD + DEALS), stages=load_stages()
    )
    deals = {
        r[0]: r[1:] for r in rows(engine, "SELECT external_id, amount, amount_estimated FROM opportunities")
    }
    assert deals == {
        "d1": (Decimal("1250.00"), 1),  # the widget's list price, an estimate
        "d2": (None, 0),  # the gadget has no list price: nothing to estimate, amount unknown
        "d3": (Decimal("900.00"), 0),  # its own value
        "d4": (None, 0),  # no product to look up
    }
    filled = next(g for g in report.warnings if g.kind == "fallback:deals.csv:value")
    assert filled.count == 1 and filled.examples[0].reason == "empty; estimated as products.list_price"
    assert rows(engine, "SELECT value FROM dataset_meta WHERE key = 'estimate:opportunities.amount'") == [
        ("products.list_price",)
    ]
    # re-imported with a value of its own, the deal is no longer an estimate
    deals_csv = FILES["deals.csv"].replace("d1,Acme Widget,r2,p1,Lead,,", "d1,Acme Widget,r2,p1,Lead,700,")
    import_dataset(
        engine,
        export(tmp_path / "y", **{"deals.csv": deals_csv}),
        mapping(tmp_path, HEAD + DEALS),
        stages=load_stages(),
    )
    assert rows(engine, "SELECT amount, amount_estimated FROM opportunities WHERE external_id = 'd1'") == [
        (Decimal("700.00"), 0)
    ]
    assert rows(engine, "SELECT count(*) FROM dataset_meta WHERE key LIKE 'estimate:%'") == [(0,)]


def test_declared_stages_keep_the_sources_names_and_are_stored(tmp_path: Path, engine: Engine) -> None:
    import_dataset(engine, export(tmp_path / "x"), mapping(tmp_path, HEAD + DEALS), stages=load_stages())
    stages = dataset_stages(engine, load_stages())
    assert stages.names == ["Lead", "Offer", "Signed", "Dropped"]
    assert stages.stall_rules == load_stages().stall_rules  # thresholds stay the configured ones
    deals = {
        r[0]: r[1:]
        for r in rows(
            engine,
            "SELECT external_id, stage, probability, forecast_category, is_closed, is_won FROM opportunities",
        )
    }
    assert deals["d2"] == ("Offer", 0.5, "best_case", 0, 0)  # "Quote" is an alias of Offer
    assert deals["d3"] == ("Signed", 1.0, "closed", 1, 1)
    assert deals["d4"][2] == "commit"  # Salesforce's API value "Forecast" is Commit
    assert rows(engine, "SELECT role FROM users ORDER BY external_id") == [("manager",), ("rep",)]


def test_merged_rows_add_columns_to_earlier_rows(tmp_path: Path, engine: Engine) -> None:
    report = import_dataset(
        engine, export(tmp_path / "x"), mapping(tmp_path, HEAD + DEALS), stages=load_stages()
    )
    linked = rows(
        engine,
        "SELECT o.external_id, a.name FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id "
        "ORDER BY o.external_id",
    )
    assert linked == [("d1", "Acme"), ("d2", None), ("d3", "Globex"), ("d4", None)]
    titles = {g.title: g for g in report.warnings}
    assert titles["links.csv: rows that match no opportunities row"].examples[0].value == "d9"
    assert titles["links.csv: rows that disagree (opportunities)"].count == 1  # d3 with a second account


def test_stages_read_from_a_file_take_each_stages_most_common_facts(tmp_path: Path, engine: Engine) -> None:
    from_file = (
        HEAD.split("stages:")[0]
        + (
            "stages:\n  file: deals.csv\n  fields: {name: stage, closed: done, won: won, "
            "probability: {column: pct, scale: 0.01}}\n  stall_days: 25\n"
            "  overrides: {Offer: {stall_days: 7}}\n"
        )
        + "entities:"
        + HEAD.split("entities:")[1]
        + DEALS
    )
    deals = (
        "id,name,rep,sku,stage,value,category,close,done,won,pct\n"
        "d1,A,r2,p1,Offer,10,,2024-05-01,false,false,50%\n"
        "d2,B,r2,p1,Lead,10,,2024-05-01,0,0,10\n"
        "d3,C,r2,p1,Signed,10,,2024-05-01,1,1,100\n"
        "d4,D,r2,p1,Offer,10,,2024-05-01,false,false,60\n"
        "d5,E,r2,p1,Offer,10,,2024-05-01,false,false,50\n"
        "d6,F,r2,p1,Dropped,10,,2024-05-01,true,false,0\n"
    )
    report = import_dataset(
        engine,
        export(tmp_path / "x", **{"deals.csv": deals}),
        mapping(tmp_path, from_file),
        stages=load_stages(),
    )
    stages = dataset_stages(engine, load_stages())
    assert stages.names == ["Lead", "Offer", "Signed", "Dropped"]  # open by probability, won, lost
    offer = stages.get("Offer")
    assert (offer.probability, offer.stall_days, offer.forecast_category) == (
        0.5,
        7,
        ForecastCategory.BEST_CASE,
    )
    assert (
        stages.get("Lead").stall_days == 25
        and stages.get("Lead").forecast_category is ForecastCategory.PIPELINE
    )
    disagree = next(
        g for g in report.warnings if g.title == "deals.csv: stage facts that differ between rows"
    )
    assert "disagree on probability (0.6); 0.5 (most rows) kept" in disagree.examples[0].reason


@pytest.mark.parametrize(
    ("stages", "error"),
    [
        ("  fields: {name: stage}\n", "stages needs a field for 'closed'"),
        ("  fields: {name: stage, closed: done, colour: c}\n", "stages has no field 'colour'"),
    ],
)
def test_a_stage_file_section_is_checked(tmp_path: Path, stages: str, error: str) -> None:
    content = (
        HEAD.split("stages:")[0]
        + "stages:\n  file: deals.csv\n"
        + stages
        + "entities:"
        + HEAD.split("entities:")[1]
    )
    assert error in rejection(tmp_path, content)


def test_a_stage_file_without_probabilities_or_a_won_stage_fails_the_import(
    tmp_path: Path, engine: Engine
) -> None:
    content = (
        HEAD.split("stages:")[0]
        + "stages:\n  file: deals.csv\n  fields: {name: stage, closed: done}\n"
        + "entities:"
        + HEAD.split("entities:")[1]
        + DEALS
    )
    deals = "id,name,rep,sku,stage,value,category,close,done\nd1,A,r2,p1,Offer,10,,2024-05-01,false\n"
    with pytest.raises(ImportValidationError) as failure:
        import_dataset(
            engine,
            export(tmp_path / "x", **{"deals.csv": deals}),
            mapping(tmp_path, content),
            stages=load_stages(),
        )
    assert failure.value.report.error_lines() == [
        "deals.csv:2 'Offer': open stage has no probability: map one or give it in overrides"
    ]


def test_listed_stages_are_checked_like_the_stage_file(tmp_path: Path) -> None:
    broken = HEAD.replace("stall_days: 14, ", "")
    assert "open stage 'Offer' needs stall_days" in rejection(tmp_path, broken + DEALS)
    no_won = HEAD.replace("closed: true, won: true", "closed: true")
    assert "one stage must be marked won: true" in rejection(tmp_path, no_won + DEALS)


@pytest.mark.parametrize(
    ("fallback", "error"),
    [
        ("{via: sku, value: list_price}", "via 'sku' must be a lookup field of this entity"),
        ("{via: owner_id, value: list_price}", "users has no column 'list_price' to take"),
        ("{via: product_id, value: family}", "products.family holds str values, not money"),
    ],
)
def test_fallbacks_are_checked_against_the_schema(tmp_path: Path, fallback: str, error: str) -> None:
    content = HEAD + DEALS.replace("{via: product_id, value: list_price}", fallback)
    assert error in rejection(tmp_path, content)


def test_an_estimated_fallback_needs_an_estimate_flag(tmp_path: Path) -> None:
    on_name = HEAD + DEALS.replace(
        "      name: name\n      owner_id",
        "      name: {column: name, fallback: {via: product_id, value: name}}\n      owner_id",
    )
    assert "opportunities has no name_estimated column to mark estimates; set estimated: false" in rejection(
        tmp_path, on_name
    )
    assert mapping(tmp_path, on_name.replace("value: name}", "value: name, estimated: false}"))
    mapped_flag = HEAD + DEALS.replace(
        "      stage: stage\n", "      stage: stage\n      amount_estimated: est\n"
    )
    assert "amount_estimated is set by the importer; do not map it" in rejection(tmp_path, mapped_flag)


def test_a_merged_entity_needs_only_its_key_and_cannot_be_distinct(tmp_path: Path) -> None:
    assert mapping(tmp_path, HEAD + DEALS).entities[-1].merge
    both = HEAD + DEALS.replace("    merge: true\n", "    merge: true\n    distinct: true\n")
    assert "either merges into earlier rows or derives distinct rows" in rejection(tmp_path, both)
    assert "unknown table 'stages'" in rejection(tmp_path, HEAD.replace("table: accounts", "table: stages"))


def test_an_import_declaring_stages_refuses_a_database_with_deals_in_other_stages(
    tmp_path: Path, engine: Engine
) -> None:
    import_dataset(engine, export(tmp_path / "x"), mapping(tmp_path, HEAD + DEALS), stages=load_stages())
    renamed = HEAD.replace("name: Lead,", "name: Prospect,")
    deals = FILES["deals.csv"].replace(",Lead,", ",Prospect,")
    with pytest.raises(DataImportError, match=r"deals in stages this mapping does not declare \(Lead\)"):
        import_dataset(
            engine,
            export(tmp_path / "y", **{"deals.csv": deals.replace("d1,", "d7,")}),
            mapping(tmp_path, renamed + DEALS),
            stages=load_stages(),
        )
    assert dataset_stages(engine, load_stages()).names[0] == "Lead"  # rolled back


def parse(field_type: FieldType, text: str, **spec: object) -> object:
    shop = Mapping.model_validate(
        {
            "name": "m",
            "entities": [{"table": "products", "file": "p.csv", "fields": {"external_id": "x", "name": "y"}}],
        }
    )
    function = build_parser(field_type, FieldSpec.model_validate({"column": "c", **spec}), shop, None, None)
    return function(text)


def test_forecast_categories_in_any_crms_spelling() -> None:
    for spelling, category in [
        ("Best Case", "best_case"),
        ("BestCase", "best_case"),
        ("BEST_CASE", "best_case"),
        ("Forecast", "commit"),
        ("Commit", "commit"),
        ("OMIT", "omitted"),
        ("Omitted", "omitted"),
        ("pipeline", "pipeline"),
        ("Closed", "closed"),
    ]:
        assert parse(FieldType.FORECAST, spelling) == category
    with pytest.raises(ParseError, match="not a forecast category"):
        parse(FieldType.FORECAST, "Maybe")


def test_amounts_in_another_currency_and_percentages() -> None:
    assert parse(FieldType.MONEY, "USD 1,200.50", currency="USD") == Decimal("1200.50")
    assert parse(FieldType.MONEY, "$1,200.50", currency="USD") == Decimal("1200.50")
    assert parse(FieldType.MONEY, "$1,200.50", currency="CAD") == Decimal("1200.50")  # local dollars
    assert parse(FieldType.MONEY, "1200", currency="EUR") == Decimal("1200.00")
    for written, found in [
        ("EUR 1.200,50", "EUR"),
        ("€1,200", "EUR"),
        ("1 200,50 GBP", "GBP"),
        ("$12", "USD"),
    ]:
        with pytest.raises(ParseError, match=f"amount in {found}, not "):
            parse(FieldType.MONEY, written, currency="EUR" if found == "USD" else "USD")
    assert parse(FieldType.FLOAT, "75%", scale="0.01") == 0.75
    assert parse(FieldType.FLOAT, "75", scale="0.01") == 0.75


def test_the_as_of_date_ignores_planned_close_dates(tmp_path: Path, engine: Engine) -> None:
    report = import_dataset(
        engine, export(tmp_path / "x"), mapping(tmp_path, HEAD + DEALS), stages=load_stages()
    )
    assert report.as_of == dt.date(2024, 4, 1)  # d3 signed; the open deals' close dates are plans
