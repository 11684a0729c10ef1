"""`salesplan accounts …` and `salesplan territory …` through the command line (CliRunner)."""

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


def test_accounts_show_json_for_the_owner() -> None:
    result = runner.invoke(app, ["accounts", "show", "acme", "--user", "rita@cobalt.example", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["firmographics"]["name"] == "Acme Corporation"
    assert data["open_pipeline"]["value"] == "150000.00"
    assert data["health"]["score"]["value"] == 92.4
    assert "CANARY-Ravi" not in result.output and "CANARY-Sam" not in result.output


def test_accounts_show_text() -> None:
    result = runner.invoke(app, ["accounts", "show", "Apex Health", "-u", "Ravi Rao"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Apex Health — Healthcare")  # no source id, and never the internal one
    assert "Account health: 56.0 (watch)" in result.output
    assert "gap: no economic buyer among the contacts" in result.output
    assert "Apex - Core: Discovery, $60,000" in result.output


def test_accounts_search_and_whitespace() -> None:
    search = runner.invoke(
        app, ["accounts", "search", "-u", "olga@cobalt.example", "--segment", "mid market", "--json"]
    )
    assert search.exit_code == 0, search.output
    assert [a["name"] for a in json.loads(search.output)["accounts"]] == ["Globex", "Initech"]
    text = runner.invoke(app, ["accounts", "search", "-u", "Max Stone", "--no-open-pipeline"])
    assert text.exit_code == 0 and "Matching accounts: 0" in text.output
    sorted_ = runner.invoke(
        app,
        [
            "accounts",
            "search",
            "-u",
            "olga@cobalt.example",
            "--sort",
            "open_pipeline",
            "--limit",
            "1",
            "--json",
        ],
    )
    assert [a["name"] for a in json.loads(sorted_.output)["accounts"]] == ["Acme Corporation"]
    space = runner.invoke(app, ["accounts", "whitespace", "Umbrella Health", "-u", "olga@cobalt.example"])
    assert space.exit_code == 0, space.output
    assert "1. Connectors" in space.output and "2. Analytics" in space.output
    core = runner.invoke(
        app, ["accounts", "whitespace", "Umbrella Health", "-u", "olga@cobalt.example", "--json"]
    )
    lines = {p["product"]: p for p in json.loads(core.output)["not_owned"]}
    assert lines["Core"]["open_opportunities"] == ["opportunity/9"]  # already in the pipeline


def test_territory_show_defaults_to_my_territory() -> None:
    result = runner.invoke(app, ["territory", "show", "--user", "max@cobalt.example", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [t["name"] for t in data["territories"]] == ["West Enterprise"]
    assert (data["open_pipeline"]["value"], data["quota"]["value"]) == ("218000.00", "180000.00")
    text = runner.invoke(
        app, ["territory", "show", "East Commercial", "-u", "olga@cobalt.example", "-p", "Q4"]
    )
    assert text.exit_code == 0, text.output
    assert "East Commercial — 2026-Q4" in text.output
    assert "Quota attainment: 16.7%" in text.output  # 10,000 / 60,000


def test_territory_list_and_balance() -> None:
    listed = runner.invoke(app, ["territory", "list", "-u", "olga@cobalt.example"])
    assert listed.exit_code == 0, listed.output
    assert "East Commercial" in listed.output and "Open pipeline: $258,000" in listed.output
    balance = runner.invoke(
        app, ["territory", "balance", "West Enterprise", "-u", "olga@cobalt.example", "--json"]
    )
    assert balance.exit_code == 0, balance.output
    assert [r["name"] for r in json.loads(balance.output)["reps"]] == ["Ravi Rao", "Rita Ruiz"]
    text = runner.invoke(app, ["territory", "balance", "-u", "Max Stone"])
    assert text.exit_code == 0 and "outside ±10%: Ravi Rao -37.6%, Rita Ruiz 37.6%" in text.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["accounts", "show", "Globex", "-u", "rita@cobalt.example"], "error: no account named 'Globex'"),
        (
            ["accounts", "show", "Acmee", "-u", "rita@cobalt.example"],
            "error: no account named 'Acmee' — did you mean Acme Corporation?",
        ),
        (
            ["accounts", "whitespace", "Health", "-u", "ravi@cobalt.example"],
            "error: 'Health' matches several accounts: Apex Health or Umbrella Health",
        ),
        (
            ["accounts", "search", "-u", "rita@cobalt.example", "--owner", "Sam Reyes"],
            "no person named 'Sam Reyes'",
        ),
        (["territory", "show", "East", "-u", "max@cobalt.example"], "error: no territory named 'East'"),
        (["territory", "show", "-u", "olga@cobalt.example", "--period", "someday"], "error: unknown period"),
        (["territory", "balance", "-u", "nobody@x.example"], "error: no user with email or name"),
        (
            ["accounts", "search", "-u", "olga@cobalt.example", "--limit", "0"],
            "error: Invalid value for '--limit'",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_code_1(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
