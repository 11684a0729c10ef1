"""`salesplan demo` and `salesplan data …` through the real command line (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from assistant.interfaces.cli import app
from tools.store.db import make_engine

runner = CliRunner()


def _count(home: Path, sql: str) -> int:
    engine = make_engine(f"sqlite:///{home / 'salesplan.db'}")
    with engine.connect() as connection:
        value = connection.execute(text(sql)).scalar_one()
    engine.dispose()
    return int(value)


def test_demo_builds_the_data_set_once_and_summarises_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Data set: demo, as of 2026-11-20" in first.output
    assert "West Enterprise" in first.output and "24 rep" in first.output
    opportunities = _count(home, "SELECT count(*) FROM opportunities")
    assert opportunities > 7_000
    assert "Drafted plans" in first.output
    plans = sorted(p.name for p in (home / "plans").glob("*.md"))
    assert [p.split("-")[0] for p in plans] == ["account", "territory"]
    assert all((home / "plans" / p).read_text(encoding="utf-8").startswith("# ") for p in plans)
    second = runner.invoke(app, ["demo", "--no-questions"])
    assert second.exit_code == 0 and "Using the data already in" in second.output
    assert _count(home, "SELECT count(*) FROM opportunities") == opportunities


def test_generate_refuses_to_overwrite_without_replace(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert runner.invoke(app, ["data", "generate", "--accounts", "60", "--seed", "2"]).exit_code == 0
    before = _count(home, "SELECT count(*) FROM accounts")
    refused = runner.invoke(app, ["data", "generate", "--accounts", "80"])
    assert refused.exit_code == 1
    assert "--replace" in refused.output and "Traceback" not in refused.output
    assert _count(home, "SELECT count(*) FROM accounts") == before == 60
    # the load scores the open deals: answers reading the scores do not wait for a first forecast
    assert _count(home, "SELECT count(*) FROM win_models") == 1
    assert _count(home, "SELECT count(*) FROM deal_scores") == _count(
        home, "SELECT count(*) FROM opportunities WHERE NOT is_closed"
    )
    replaced = runner.invoke(
        app, ["data", "generate", "--accounts", "80", "--replace", "--as-of", "2025-03-31"]
    )
    assert replaced.exit_code == 0, replaced.output
    assert _count(home, "SELECT count(*) FROM accounts") == 80
    assert "as of 2025-03-31" in replaced.output and "Win score: " in replaced.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["data", "generate", "--accounts", "many"], 1, "Invalid value for '--accounts'"),
        (["data", "generate", "--accounts", "0"], 1, "--accounts"),
        (["data", "generate", "--as-of", "yesterday"], 1, "--as-of must be a date"),
        (["data", "generat"], 1, "No such command"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_1(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) <= 2


def test_bad_configuration_is_exit_code_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SALESPLAN_MODEL", "claude")
    result = runner.invoke(app, ["data", "summary"])
    assert result.exit_code == 2
    assert "SALESPLAN_MODEL must be 'offline' or 'openai:<model>'" in result.output
    monkeypatch.delenv("SALESPLAN_MODEL")
    bad = tmp_path / "stages.yaml"
    bad.write_text("stages: []\n")
    monkeypatch.setenv("SALESPLAN_STAGES_FILE", str(bad))
    result = runner.invoke(app, ["data", "generate", "--accounts", "5"])
    assert result.exit_code == 2 and "stage config" in result.output


MAVEN = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "maven-crm"


def test_import_maven_with_warnings_only(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "import", str(MAVEN), "--mapping", "maven"])
    assert result.exit_code == 0, result.output
    assert "opportunities +8800" in result.output and "technolgy" in result.output
    home = tmp_path / "home"
    assert _count(home, "SELECT count(*) FROM opportunities WHERE is_won") == 4238
    again = runner.invoke(app, ["data", "import", str(MAVEN), "--mapping", "maven"])
    assert again.exit_code == 0 and "opportunities +0/~8800" in again.output
    assert _count(home, "SELECT count(*) FROM opportunities") == 8800


def test_maven_deals_carry_estimated_amounts_and_the_exports_stages(tmp_path: Path) -> None:
    assert runner.invoke(app, ["data", "import", str(MAVEN), "--mapping", "maven"]).exit_code == 0
    result = runner.invoke(app, ["deals", "stalled", "--user", "Melvin Marxen", "--json", "--limit", "5"])
    assert result.exit_code == 0, result.output
    stalled = json.loads(result.output)
    assert stalled["deals"] and all(d["amount_estimated"] is True for d in stalled["deals"])
    assert {d["stage"] for d in stalled["deals"]} <= {"Prospecting", "Engaging"}
    assert stalled["flagged_amount"]["estimated"] == stalled["flagged_amount"]["value"] != "0.00"
    shown = runner.invoke(app, ["deals", "stalled", "--user", "Melvin Marxen", "--limit", "1"]).output
    assert "(estimated)" in shown and "Qualification" not in shown
    facts = runner.invoke(app, ["accounts", "facts", "Bluth Company", "--user", "Melvin Marxen"])
    assert "Parent: Acme Corporation" in facts.output and "Established: 1993" in facts.output


def test_salesforce_and_hubspot_exports_import_by_name(tmp_path: Path) -> None:
    exports = Path(__file__).resolve().parents[1] / "store" / "exports"
    result = runner.invoke(app, ["data", "import", str(exports / "salesforce"), "--mapping", "salesforce"])
    assert result.exit_code == 0, result.output
    pipeline = runner.invoke(app, ["pipeline", "--user", "Dana Whitfield", "--json"])
    assert json.loads(pipeline.output)["open_pipeline"]["value"] == "493500.00"
    other = runner.invoke(app, ["data", "import", str(exports / "hubspot"), "--mapping", "hubspot"])
    assert other.exit_code == 2 and "stages this mapping does not declare" in other.output


def test_import_with_a_bad_row_writes_nothing_and_names_the_row(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for source in MAVEN.glob("*.csv"):
        (broken / source.name).write_bytes(source.read_bytes())
    pipeline = broken / "sales_pipeline.csv"
    lines = pipeline.read_bytes().split(b"\r\n")
    lines[4] = lines[4].replace(b"2016-10-25", b"2016-13-45", 1)
    pipeline.write_bytes(b"\r\n".join(lines))
    result = runner.invoke(app, ["data", "import", str(broken), "--mapping", "maven"])
    assert result.exit_code == 2
    assert "sales_pipeline.csv:5" in result.output and "2016-13-45" in result.output
    assert "Traceback" not in result.output
    assert _count(tmp_path / "home", "SELECT count(*) FROM opportunities") == 0
    dry = runner.invoke(app, ["data", "import", str(MAVEN), "--mapping", "maven", "--dry-run"])
    assert dry.exit_code == 0 and _count(tmp_path / "home", "SELECT count(*) FROM accounts") == 0


def test_import_usage_errors() -> None:
    assert runner.invoke(app, ["data", "import", "/nonexistent-dir", "--mapping", "maven"]).exit_code == 2
    unknown = runner.invoke(app, ["data", "import", str(MAVEN), "--mapping", "nope"])
    assert unknown.exit_code == 2 and "unknown mapping 'nope'" in unknown.output


def test_a_corrupt_database_is_a_one_line_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "salesplan.db").write_bytes(b"this is not a database" * 100)
    result = runner.invoke(app, ["data", "summary"])
    assert result.exit_code == 2
    assert "cannot open the database" in result.output and "Traceback" not in result.output
