"""The mapping language: loading, one-line rejections of bad mappings, and the value parsers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tools.store.importer.mapping import FieldSpec, Mapping
from tools.store.importer.mapping_files import MappingError, load_mapping, packaged_mappings
from tools.store.importer.mapping_schema import FieldType
from tools.store.importer.parsers import ParseError, build_parser, parse_decimal
from tools.store.stages import load_stages

VALID = """
name: tiny
entities:
  - table: accounts
    file: accounts.csv
    fields:
      external_id: id
      name: {column: name, required: true}
"""


def write(tmp_path: Path, content: str, name: str = "mapping.yaml") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def rejection(tmp_path: Path, content: str) -> str:
    with pytest.raises(MappingError) as failure:
        load_mapping(write(tmp_path, content))
    message = str(failure.value)
    assert "\n" not in message
    return message


def test_packaged_maven_mapping_loads_by_name() -> None:
    mapping = load_mapping("maven")
    assert "maven" in packaged_mappings()
    assert mapping.name == "maven"
    assert [e.table for e in mapping.entities] == [
        "territories",
        "users",
        "users",
        "products",
        "accounts",
        "opportunities",
    ]
    assert mapping.files == ["sales_teams.csv", "products.csv", "accounts.csv", "sales_pipeline.csv"]
    product = mapping.entities[-1].fields["product_id"]
    assert product.match == "normalized" and product.source_columns == ("product",)


def test_mapping_loads_from_a_path_with_shorthand_and_defaults(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, VALID.replace("name: tiny\n", ""), "acme.yaml"))
    assert mapping.name == "acme"  # the file name when the mapping has none
    entity = mapping.entities[0]
    assert entity.fields["external_id"] == FieldSpec(column="id")
    assert entity.key_columns == ("external_id",) and entity.delimiter == "," and entity.encoding == "auto"
    assert mapping.date_formats == ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")


def test_a_bare_name_that_is_no_packaged_mapping_may_be_a_file(tmp_path: Path) -> None:
    write(tmp_path, VALID, "custom")  # the tests run in tmp_path
    assert load_mapping("custom").name == "tiny"


def test_unknown_mapping_name_lists_the_packaged_ones() -> None:
    with pytest.raises(MappingError, match=r"unknown mapping 'pipedrive'.*hubspot, maven, salesforce.*YAML"):
        load_mapping("pipedrive")


def test_unreadable_and_non_yaml_mappings(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read mapping"):
        load_mapping(tmp_path / "absent.yaml")
    assert "is not valid YAML" in rejection(tmp_path, "entities: [\n  - table: accounts\n   file: x")
    assert "must be a YAML mapping" in rejection(tmp_path, "- just\n- a list\n")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("table: accounts", "table: acounts"), "unknown table 'acounts' (did you mean 'accounts'?)"),
        (("name: {column", "nmae: {column"), "table accounts has no column 'nmae' (did you mean 'name'?)"),
        (
            ("external_id: id", "external_id: {column: id, const: x}"),
            "exactly one of column, const or template",
        ),
        (("external_id: id", "external_id: {column: id, typ: str}"), "typ: Extra inputs are not permitted"),
        (("external_id: id", "external_id: id\n      industry: {column: s, type: date}"), "holds str values"),
        (("external_id: id", "external_id: id\n      name2: x"), "has no column 'name2'"),
        (
            ("external_id: id", "external_id: id\n      owner_id: {column: o, lookup: accounts}"),
            "refers to users",
        ),
        (("external_id: id", "external_id: id\n      tier: {column: t, lookup: users}"), "not a foreign key"),
        (
            ("external_id: id", "external_id: id\n      owner_id: {column: o, by: role2}"),
            "no text column 'role2'",
        ),
        (("external_id: id\n", ""), "key column 'external_id' of accounts is not among the fields"),
        (("name: {column: name, required: true}", "industry: x"), "needs a field for column 'name'"),
        (("file: accounts.csv", "file: accounts.csv\n    encoding: klingon"), "unknown encoding 'klingon'"),
        (("file: accounts.csv", "file: accounts.csv\n    delimiter: ';;'"), "delimiter"),
        (("name: {column: name, required: true}", "name: {template: 'plain'}"), "names no column"),
        (
            ("external_id: id", "external_id: id\n      tier: {column: t, required: true, if_present: true}"),
            "if_present is for an optional column",
        ),
    ],
)
def test_invalid_mappings_are_rejected_with_one_clear_line(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    old, new = edit
    assert old in VALID
    message = rejection(tmp_path, VALID.replace(old, new, 1))
    assert expected in message
    assert message.startswith("mapping mapping.yaml: entities.0(")


def test_tables_without_external_id_need_a_key_and_consistent_keys(tmp_path: Path) -> None:
    quotas = (
        "name: q\nentities:\n  - table: quotas\n    file: q.csv\n"
        "    fields: {user_id: u, period: p, amount: a}\n"
    )
    assert "quotas has no external_id: name its key columns" in rejection(tmp_path, quotas)
    assert load_mapping(
        write(tmp_path, quotas.replace("    fields:", "    key: [user_id, period]\n    fields:"))
    )
    twice = VALID + "  - table: accounts\n    file: more.csv\n    key: [name]\n    fields: {name: n}\n"
    assert "entities of accounts use different keys: ['external_id'] and ['name']" in rejection(
        tmp_path, twice
    )
    dataset_meta = VALID.replace("table: accounts", "table: dataset_meta")
    assert "unknown table 'dataset_meta'" in rejection(tmp_path, dataset_meta)


def test_users_need_a_role_and_opportunities_get_their_stage_facts_derived(tmp_path: Path) -> None:
    users = "name: u\nentities:\n  - table: users\n    file: u.csv\n    fields: {external_id: id, name: n}\n"
    assert "needs a field for column 'role'" in rejection(tmp_path, users)
    deals = (
        "name: d\nentities:\n  - table: opportunities\n    file: d.csv\n"
        "    fields: {external_id: id, name: n, owner_id: o, stage: s}\n"
    )
    mapping = load_mapping(write(tmp_path, deals))  # is_closed / is_won come from the stage config
    assert set(mapping.entities[0].fields) == {"external_id", "name", "owner_id", "stage"}


# --- Parsers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,200.50", "1200.50"),
        ("1.200,50", "1200.50"),
        ("EUR 1.200,50", "1200.50"),
        ("1 200,50 €", "1200.50"),
        ("1200,5", "1200.5"),
        ("1,200", "1200"),
        ("1,200,000", "1200000"),
        ("1.200.000", "1200000"),
        ("(75.00)", "-75.00"),
        ("-$3.5", "-3.5"),
        ("42", "42"),
    ],
)
def test_numbers_in_many_spellings(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "1e5", "12-3", "--4", "$", "1.2.3,4,5"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(ParseError, match="not a number"):
        parse_decimal(text)


def parser(field_type: FieldType, **spec: object) -> object:
    mapping = Mapping.model_validate(
        {
            "name": "m",
            "entities": [{"table": "products", "file": "p.csv", "fields": {"external_id": "x", "name": "y"}}],
        }
    )
    return build_parser(
        field_type, FieldSpec.model_validate({"column": "c", **spec}), mapping, load_stages(), 5
    )


def parse(field_type: FieldType, text: str, **spec: object) -> object:
    function = parser(field_type, **spec)
    assert callable(function)
    return function(text)


def test_typed_parsers() -> None:
    assert parse(FieldType.MONEY, "1100.04", scale=1_000_000) == Decimal("1100040000.00")
    assert parse(FieldType.MONEY, "12.345") == Decimal("12.34")
    assert parse(FieldType.INT, "2,822") == 2822
    assert parse(FieldType.FLOAT, "-33.5") == -33.5
    assert parse(FieldType.DATE, "2017-12-31") == dt.date(2017, 12, 31)
    assert parse(FieldType.DATE, "03/15/2024") == dt.date(2024, 3, 15)
    assert parse(FieldType.DATE, "15.03.2024") == dt.date(2024, 3, 15)
    assert parse(FieldType.DATE, "2024-03-15T10:00:00") == dt.date(2024, 3, 15)
    assert parse(FieldType.DATE, "15/03/2024", formats=["%d/%m/%Y"]) == dt.date(2024, 3, 15)
    assert parse(FieldType.DATETIME, "2024-03-15 10:30") == dt.datetime(2024, 3, 15, 10, 30, tzinfo=dt.UTC)
    assert parse(FieldType.DATETIME, "2024-03-15T12:30:00+02:00") == dt.datetime(
        2024, 3, 15, 10, 30, tzinfo=dt.UTC
    )
    assert parse(FieldType.BOOL, "Yes") is True and parse(FieldType.BOOL, "0") is False
    assert parse(FieldType.STAGE, "Engaging") == "Qualification"
    assert parse(FieldType.STAGE, "won") == "Closed Won"
    assert parse(FieldType.STR, "abcde") == "abcde"


@pytest.mark.parametrize(
    ("field_type", "text", "reason"),
    [
        (FieldType.INT, "12.5", "not a whole number"),
        (FieldType.INT, "99999999999", "number too large"),
        (FieldType.MONEY, "1e20", "not a number"),
        (FieldType.MONEY, "200000000000000", "amount too large"),
        (FieldType.DATE, "2017-13-45", "not a date (expected YYYY-MM-DD, MM/DD/YYYY, DD.MM.YYYY)"),
        (FieldType.DATE, "31/12/2017", "not a date"),
        (FieldType.BOOL, "maybe", "not a yes/no value"),
        (FieldType.STAGE, "Wonn", "unknown stage (stages are Prospecting, "),
        (FieldType.STR, "abcdef", "longer than 5 characters"),
    ],
)
def test_parse_errors_say_what_was_expected(field_type: FieldType, text: str, reason: str) -> None:
    with pytest.raises(ParseError) as failure:
        parse(field_type, text)
    assert reason in str(failure.value)
