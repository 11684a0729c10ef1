"""`salesplan territory rebalance` through the command line (CliRunner), on the hand-built CRM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from tests.tools import crm

runner = CliRunner()


@pytest.fixture(autouse=True)
def hand_built_crm(tmp_path: Path) -> None:
    crm.load(build_app_context().engine)


def test_rebalance_json_across_territories() -> None:
    result = runner.invoke(
        app, ["territory", "rebalance", "--across", "--user", "olga@cobalt.example", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "infeasible"
    assert data["message"].startswith("infeasible: best achievable is ±33.7%")
    assert sorted(m["account"] for m in data["moves"]) == ["Apex Health", "Initech"]
    assert data["groups"][0]["solver"]["band_status"] == "INFEASIBLE"


def test_rebalance_text_and_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["territory", "rebalance", "West Enterprise", "-u", "Max Stone", "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "West Enterprise: every rep is already within ±10% of the mean" in result.output
    assert "Rita Ruiz" in result.output and "Ravi Rao" in result.output
    assert f"Report written to {out}" in result.output.replace("\n", "")
    written = {p.name for p in out.iterdir()}
    assert written == {"map.png", "map.html", "balance.png", "report.md", "report.json"}
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "# Territory rebalance: West Enterprise" in (out / "report.md").read_text()


def test_rebalance_without_coordinates_writes_no_map(tmp_path: Path) -> None:
    with build_app_context().engine.begin() as connection:
        connection.execute(text("UPDATE accounts SET latitude = NULL, longitude = NULL"))
    out = tmp_path / "east"
    result = runner.invoke(app, ["territory", "rebalance", "-u", "Mo Quinn", "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "has 1 rep: nothing to balance" in result.output  # East Commercial: Sam alone
    assert "compactness not available (no coordinates)" in result.output
    assert "No map: no account has coordinates." in result.output
    assert {p.name for p in out.iterdir()} == {"balance.png", "report.md", "report.json"}


@pytest.mark.parametrize(
    ("who", "name", "message", "code"),
    [
        # not permitted: no other call would help (exit 2); a name outside scope: fix the call (exit 1)
        ("rita@cobalt.example", "West Enterprise", "only managers and RevOps", 2),
        ("max@cobalt.example", "East Commercial", "no territory named 'East Commercial'", 1),
    ],
)
def test_rebalance_refusals_are_one_line_errors(who: str, name: str, message: str, code: int) -> None:
    result = runner.invoke(app, ["territory", "rebalance", name, "--user", who])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_rebalance_constraints_from_the_command_line() -> None:
    base = ["territory", "rebalance", "--across", "--user", "olga@cobalt.example", "--json"]
    result = runner.invoke(app, [*base, "--max-moves", "1", "--effective", "2027-02-15"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["move_count"]["value"] <= 1  # 2 without the limit (test above)
    assert data["constraints"] == ["at most 1 move"]
    assert data["effective_date"] == "2027-02-15" and "mid-quarter" in data["effective"]
    assert data["groups"][0]["baseline"]["moves"] <= 1
    kept = runner.invoke(app, [*base, "--keep", "Apex Health", "--keep", "Initech"])
    assert kept.exit_code == 0, kept.output
    assert not {"Apex Health", "Initech"} & {m["account"] for m in json.loads(kept.output)["moves"]}


def test_a_new_hire_ramps_from_their_hire_date() -> None:
    with build_app_context().engine.begin() as connection:
        connection.execute(
            text("UPDATE users SET hire_date = :day WHERE name = 'Rita Ruiz'"), {"day": "2026-10-01"}
        )
    base = ["territory", "rebalance", "West Enterprise", "-u", "Max Stone"]
    result = runner.invoke(app, base, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    # on 2027-01-01, the start of the next quarter, Rita is 3 months in: half a book
    assert (
        "ramping (a full book 6 months after the hire date): Rita Ruiz 50% (hired 2026-10-01, 3 months in)"
        in result.output
    )
    assert "Rita Ruiz (50%)" in result.output and "their deviation is against that share" in result.output
    data = json.loads(runner.invoke(app, [*base, "--json"]).output)
    assert data["ramping"] == [
        {"id": "user/4", "name": "Rita Ruiz", "share": 0.5, "hire_date": "2026-10-01", "months_in_seat": 3.0}
    ]
    off = json.loads(runner.invoke(app, [*base, "--json", "--ramp-months", "0"]).output)
    assert off["ramping"] == [] and off["constraints"] == []
    assert {r["share"] for r in off["reps"]} == {1.0}
    longer = json.loads(runner.invoke(app, [*base, "--json", "--ramp-months", "12"]).output)
    assert longer["ramping"][0]["share"] == 0.25  # 3 months of 12, at least a quarter


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--ramp-months", "-1"], "--ramp-months: Input should be greater than or equal to 0"),
        (["--capacity", "Rita Ruiz"], "--capacity 'Rita Ruiz': write NAME=SHARE"),
        (["--capacity", "Rita Ruiz=9"], "--rep-capacity: Value error, capacity of Rita Ruiz must be between"),
        (["--max-moves", "-1"], "--max-moves: Input should be greater than or equal to 0"),
        (["--effective", "soon"], "--effective-date: Input should be a valid date"),
        (["--exclude-rep", "Zed Nobody"], "--exclude-rep: "),
    ],
)
def test_bad_constraints_are_one_line_errors(options: list[str], message: str) -> None:
    result = runner.invoke(app, ["territory", "rebalance", "--user", "olga@cobalt.example", *options])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_scenarios_from_the_command_line(tmp_path: Path) -> None:
    who = ["--user", "olga@cobalt.example"]
    for name, options in (("Two moves", []), ("One move", ["--max-moves", "1"])):
        made = runner.invoke(app, ["territory", "scenario", "create", name, "--across", *options, *who])
        assert made.exit_code == 0, made.output
        assert "Saved scenario" in made.output
    listed = runner.invoke(app, ["territory", "scenario", "list", *who, "--json"])
    assert [s["name"] for s in json.loads(listed.output)["scenarios"]] == ["Two moves", "One move"]
    compared = runner.invoke(app, ["territory", "scenario", "compare", *who])
    assert compared.exit_code == 0, compared.output
    assert "Scenarios side by side" in compared.output and "greedy baseline" in compared.output
    out = tmp_path / "pub"
    published = runner.invoke(app, ["territory", "scenario", "publish", "Two moves", "--out", str(out), *who])
    assert published.exit_code == 0, published.output
    rows = (out / "moves.csv").read_text().splitlines()
    assert rows[0].startswith("Id,OwnerId,Account") and len(rows) == 3  # header and two moves
    refused = runner.invoke(app, ["territory", "scenario", "list", "--user", "rita@cobalt.example"])
    assert refused.exit_code == 2 and "only managers and RevOps" in refused.output


def test_assign_a_leaving_reps_accounts() -> None:
    result = runner.invoke(
        app,
        [
            "territory",
            "assign",
            "West Enterprise",
            "--from-rep",
            "Rita Ruiz",
            "-u",
            "olga@cobalt.example",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["accounts"] and {m["current_owner"] for m in data["accounts"]} == {"Rita Ruiz"}
    assert {m["best"]["rep"] for m in data["accounts"]} == {"Ravi Rao"}  # the other rep of the territory
    assert {p["name"] for p in data["profiles"]} == {"Ravi Rao"}  # the profiles of the reps proposed
