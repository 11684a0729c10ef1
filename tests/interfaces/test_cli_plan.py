"""`salesplan plan account|territory` through the command line (CliRunner), on the hand-built CRM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from tests.tools import crm

runner = CliRunner()


@pytest.fixture(autouse=True)
def hand_built_crm(tmp_path: Path) -> None:
    crm.load(build_app_context().engine)


def test_an_account_plan_prints_as_markdown_without_other_reps_records() -> None:
    result = runner.invoke(app, ["plan", "account", "acme", "--user", "rita@cobalt.example"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Account plan: Acme Corporation\n")
    assert "## Action plan" in result.output and "Acme - Core (#O1)" in result.output  # its source id
    assert "opportunity/" not in result.output  # never an internal id
    assert "CANARY-Ravi" not in result.output and "CANARY-Sam" not in result.output


def test_a_territory_plan_as_json_and_saved_to_a_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "territory", "mine", "-u", "Max Stone", "--json"])
    assert result.exit_code == 0, result.output
    draft = json.loads(result.output)
    assert draft["kind"] == "territory" and draft["title"] == "Territory plan: Max Stone's team"
    assert draft["model"] == "offline" and draft["markdown"].startswith("# Territory plan")
    assert {r["rep"] for r in draft["plan"]["facts"]["reps"]} == {"Rita Ruiz", "Ravi Rao"}
    out = tmp_path / "west.md"
    saved = runner.invoke(app, ["plan", "territory", "West Enterprise", "-u", "Max Stone", "--out", str(out)])
    assert saved.exit_code == 0, saved.output
    assert f"to {out}" in saved.output
    assert out.read_text(encoding="utf-8").startswith("# Territory plan: West Enterprise")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "territory", "East Commercial", "-u", "rita@cobalt.example"], "no territory named"),
        (["plan", "account", "Globex", "-u", "rita@cobalt.example"], "no account named 'Globex'"),
        (["plan", "account", "Acme", "-u", "nobody@example.com"], "no user with email or name"),
    ],
)
def test_what_a_user_cannot_see_is_a_one_line_error(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


PNG = b"\x89PNG\r\n\x1a\n"


def test_a_saved_plan_gets_its_history_chart_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "plans" / "west.md"
    saved = runner.invoke(app, ["plan", "territory", "West Enterprise", "-u", "Max Stone", "--out", str(out)])
    assert saved.exit_code == 0, saved.output
    chart = tmp_path / "plans" / "west.png"
    assert chart.read_bytes()[:8] == PNG
    assert f"chart to {chart}" in saved.output.replace("\n", "")
    text = out.read_text(encoding="utf-8")
    assert "![Bookings, win rate and pipeline created by quarter](west.png)" in text
    assert "## Performance: year to date and the last four quarters" in text


def test_the_json_carries_the_charts_path_and_no_chart_skips_it(tmp_path: Path) -> None:
    chart = tmp_path / "acme-history.png"
    result = runner.invoke(
        app, ["plan", "account", "acme", "-u", "rita@cobalt.example", "--json", "--chart", str(chart)]
    )
    assert result.exit_code == 0, result.output
    draft = json.loads(result.output)
    assert draft["chart"] == str(chart) and chart.read_bytes()[:8] == PNG
    assert draft["plan"]["chart"] == str(chart) and f"]({chart})" in draft["markdown"]
    out = tmp_path / "acme.md"
    skipped = runner.invoke(
        app, ["plan", "account", "acme", "-u", "rita@cobalt.example", "--out", str(out), "--no-chart"]
    )
    assert skipped.exit_code == 0, skipped.output
    assert out.exists() and not (tmp_path / "acme.png").exists()
    assert "![" not in out.read_text(encoding="utf-8")
    printed = runner.invoke(app, ["plan", "account", "acme", "-u", "rita@cobalt.example", "--json"])
    assert json.loads(printed.output)["chart"] is None


def test_a_chart_that_is_not_a_png_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plan", "account", "acme", "-u", "rita@cobalt.example", "--chart", str(tmp_path / "c.txt")]
    )
    assert result.exit_code == 1
    assert "give a file name ending in .png" in result.output and "Traceback" not in result.output
