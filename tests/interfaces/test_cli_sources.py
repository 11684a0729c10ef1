"""On a fresh import of the Maven export, every record answers with its Maven id, and with
``SALESPLAN_CRM_RECORD_URL`` every record is a link: in ``--json`` as ``url``, in the terminal
output, and in ``ask`` answers."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.interfaces.cli import app

runner = CliRunner()
MAVEN = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "maven-crm"
TEMPLATE = "https://crm.example/opportunity/{external_id}"
MANAGER = "Melvin Marxen"


@pytest.fixture(scope="module")
def maven_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("maven-sources")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALESPLAN_HOME", str(home))
        result = runner.invoke(app, ["data", "import", str(MAVEN), "--mapping", "maven"])
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def maven(maven_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SALESPLAN_HOME", str(maven_home))
    yield maven_home


def _pipeline() -> dict[str, dict[str, str]]:
    with open(MAVEN / "sales_pipeline.csv", newline="", encoding="utf-8-sig") as handle:
        return {row["opportunity_id"]: row for row in csv.DictReader(handle)}


def test_stalled_deals_json_carries_each_deals_maven_id(maven: Path) -> None:
    result = runner.invoke(app, ["deals", "stalled", "--user", MANAGER, "--limit", "500", "--json"])
    assert result.exit_code == 0, result.output
    deals = json.loads(result.stdout)["deals"]
    rows = _pipeline()
    assert len(deals) > 100
    for deal in deals:
        row = rows[deal["external_id"]]  # the export's opportunity_id
        assert deal["owner"] == row["sales_agent"] and deal["account"] == (row["account"] or None)
        assert deal["stage"] and deal["url"] is None  # no record URL configured: no links


def test_a_deal_is_found_by_its_maven_id_as_answers_show_it(maven: Path) -> None:
    rows = _pipeline()
    opportunity_id = next(k for k, row in rows.items() if row["sales_agent"] == "Darcel Schlecht")
    for given in (opportunity_id, f"#{opportunity_id}"):
        shown = runner.invoke(app, ["deals", "show", given, "--user", MANAGER, "--json"])
        assert shown.exit_code == 0, shown.output
        deal = json.loads(shown.stdout)
        assert deal["external_id"] == opportunity_id and deal["owner"] == "Darcel Schlecht"


def test_with_a_record_url_every_deal_links_to_the_crm(maven: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESPLAN_CRM_RECORD_URL", TEMPLATE)
    result = runner.invoke(app, ["deals", "stalled", "--user", MANAGER, "--limit", "3", "--json"])
    deals = json.loads(result.stdout)["deals"]
    assert [d["url"] for d in deals] == [TEMPLATE.format(external_id=d["external_id"]) for d in deals]
    shown = runner.invoke(app, ["deals", "stalled", "--user", MANAGER, "--limit", "3"])
    # piped output: the name with its Maven id, then the link in plain text
    first = deals[0]
    label = (
        first["name"]
        if first["external_id"] in first["name"]
        else f"{first['name']} (#{first['external_id']})"
    )
    assert f"{label} <{first['url']}>" in shown.stdout


def test_an_answer_names_deals_with_their_maven_ids_and_links(
    maven: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = ["ask", "what are my biggest deals?", "--user", "Darcel Schlecht", "--json"]
    plain = json.loads(runner.invoke(app, asked).stdout)
    records = [r for r in plain["records"] if r["id"].startswith("opportunity/")]
    assert records and all(r["external_id"] in _pipeline() and r["url"] is None for r in records)
    # the Maven id beside the name (or in it: deals without an account are named by it)
    assert all(r["external_id"] in plain["answer"] for r in records)
    assert any(f"{r['name']} (#{r['external_id']})" in plain["answer"] for r in records)
    assert "[opportunity/" not in plain["answer"]
    monkeypatch.setenv("SALESPLAN_CRM_RECORD_URL", TEMPLATE)
    linked = json.loads(runner.invoke(app, asked).stdout)
    for record in linked["records"]:
        if record["id"].startswith("opportunity/"):
            assert f"]({TEMPLATE.format(external_id=record['external_id'])})" in linked["answer"]
    terminal = runner.invoke(app, asked[:-1])  # not a terminal: the URL follows the link's text
    assert f"({TEMPLATE.format(external_id=records[0]['external_id'])})" in terminal.stdout


def test_a_bad_record_url_is_a_one_line_configuration_error(
    maven: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for bad, reason in [
        ("crm.example/{external_id}", "must be an http(s) URL"),
        ("https://crm.example/{name}", "may use {external_id}, {kind} and {id}"),
        ("https://crm.example/records", "must contain {external_id}"),
    ]:
        monkeypatch.setenv("SALESPLAN_CRM_RECORD_URL", bad)
        result = runner.invoke(app, ["deals", "stalled", "--user", MANAGER])
        assert result.exit_code == 2 and reason in result.output and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1
