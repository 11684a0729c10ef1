"""`salesplan manager …` through the command line, on the hand-built CRM (see tests/tools/crm.py)."""

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


def test_quota_risk_ranks_the_team_and_prints_json() -> None:
    result = runner.invoke(app, ["manager", "quota-risk", "--user", "Vera Lang", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(r["rep"], r["status"]) for r in data["reps"]] == [
        ("Ravi Rao", "at_risk"),
        ("Sam Reyes", "at_risk"),
        ("Rita Ruiz", "on_pace"),
    ]
    text = runner.invoke(app, ["manager", "quota-risk", "--user", "Max Stone"])
    words = " ".join(text.output.split())
    assert text.exit_code == 0 and "Ravi Rao" in words and "$79,600 short" in words
    assert "user/" not in words  # people are named, not shown by internal id


def test_one_on_one_and_scorecard_in_words() -> None:
    prep = runner.invoke(
        app, ["manager", "one-on-one", "Ravi", "--user", "Max Stone"], env={"COLUMNS": "100"}
    )
    assert prep.exit_code == 0, prep.output
    words = " ".join(prep.output.split())  # as wide as the terminal: lines may wrap anywhere
    assert "1:1 prep: Ravi Rao" in words and "kpis.md#pipeline-coverage" in words
    card = runner.invoke(
        app,
        ["manager", "scorecard", "--missing", "economic buyer", "--user", "Max Stone"],
        env={"COLUMNS": "100"},
    )
    assert card.exit_code == 0, card.output
    words = " ".join(card.output.split())
    assert "3 of your team's 4 open deals have no economic buyer evidenced" in words
    assert "Apex - Core" in words and "no Economic Buyer contact at Apex Health" in words


def test_forecast_call_json_has_the_moves() -> None:
    result = runner.invoke(app, ["manager", "forecast-call", "--user", "olga@cobalt.example", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (
        data["commit"]["end_value"] == "120000.00"
        and data["playbook"] == "forecasting.md#weekly-forecast-call"
    )


def test_the_forecast_shows_expected_bookings_with_a_range() -> None:
    result = runner.invoke(app, ["forecast", "-u", "olga@cobalt.example"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    # 30k won + 118,900 from open deals (stage probability: too few closed deals), no run-rate
    assert (
        "Expected bookings: $148,900 (80% range" in result.output
        and "$118,900 from open deals" in result.output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["manager", "one-on-one", "Zed", "--user", "Max Stone"], "no person named 'Zed'"),
        (["manager", "scorecard", "--missing", "zz", "--user", "Max Stone"], "MEDDPICC has no letter 'zz'"),
        (
            ["manager", "scorecard", "--methodology", "spin", "--user", "Max Stone"],
            "no qualification methodology",
        ),
        (["manager", "forecast-call", "--since", "someday", "--user", "Max Stone"], "cannot tell which day"),
        (
            ["manager", "quota-risk", "--owner", "Sam Reyes", "--user", "Rita Ruiz"],
            "no person named 'Sam Reyes'",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_code_one(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output
