"""`salesplan deals …`, `pipeline`, `forecast` and `performance` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import toolkit
from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from tests.tools import crm
from tools.errors import UsageError

runner = CliRunner()


@pytest.fixture(autouse=True)
def hand_built_crm(tmp_path: Path) -> None:
    crm.load(build_app_context().engine)


def test_stalled_json_for_a_rep_lists_only_their_deals() -> None:
    result = runner.invoke(app, ["deals", "stalled", "--user", "rita@cobalt.example", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # ranked by value at risk: deal 1 (120k x 0.2, closes in 25 days) before deal 2 (30k x 0.45)
    assert [d["id"] for d in data["deals"]] == ["opportunity/1", "opportunity/2"]
    assert "CANARY-Ravi" not in result.output and "CANARY-Sam" not in result.output
    assert data["as_of"] == "2026-11-20"


def test_stalled_text_shows_evidence_and_next_action() -> None:
    result = runner.invoke(app, ["deals", "stalled", "--user", "Max Stone", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "Apex - Core" in result.output and "97 days in Discovery" in result.output
    assert "[high]" in result.output and "stalled-deal-recovery.md#" in result.output


def test_pipeline_forecast_and_performance() -> None:
    pipeline = runner.invoke(app, ["pipeline", "--user", "olga@cobalt.example", "--by", "owner", "--json"])
    assert pipeline.exit_code == 0, pipeline.output
    assert json.loads(pipeline.output)["open_pipeline"]["value"] == "258000.00"
    forecast = runner.invoke(app, ["forecast", "-u", "olga@cobalt.example", "--period", "this quarter"])
    assert forecast.exit_code == 0 and "Gap to quota: $90,000" in forecast.output
    perf = runner.invoke(app, ["performance", "-u", "Max Stone", "--json"])
    assert {r["rep"] for r in json.loads(perf.output)["reps"]} == {"Rita Ruiz", "Ravi Rao"}
    deal = runner.invoke(app, ["deals", "show", "Acme Core", "-u", "rita@cobalt.example"])
    assert deal.exit_code == 0 and "Negotiation" in deal.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deals", "stalled", "--user", "nobody@x.example"], "no user with email or name"),
        (["pipeline", "--user", "rita@cobalt.example", "--period", "someday"], "unknown period 'someday'"),
        (["deals", "show", "Globex - Core", "--user", "rita@cobalt.example"], "no deal named"),
        (
            ["pipeline", "--user", "rita@cobalt.example", "--owner", "Sam Reyes"],
            "no person named 'Sam Reyes'",
        ),
        (["deals", "stalled"], "Missing option '--user'"),
    ],
)
def test_bad_input_is_one_line_exit_1(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_usage_error_is_a_bug_not_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(toolkit.BY_NAME, "stalled_deals")  # a tool the code asks for by a name not registered
    result = runner.invoke(app, ["deals", "stalled", "--user", "rita@cobalt.example"])
    assert isinstance(result.exception, UsageError)
    assert "error:" not in result.output


def test_deals_score_backtest_prints_one_object_of_the_documented_shape() -> None:
    result = runner.invoke(app, ["deals", "score", "--backtest", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"model", "trained_on", "cutoff", "auc", "baseline_auc", "used", "deals"}
    # the hand-built CRM has too few closed deals: no backtest, the stage probability is used
    assert data["used"] == "stage_probability" and data["deals"] == [] and data["auc"] is None


def test_deals_score_for_a_user_lists_their_scored_deals_and_needs_a_user_otherwise() -> None:
    result = runner.invoke(app, ["deals", "score", "--user", "rita@cobalt.example", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {d["id"] for d in data["deals"]} == {"opportunity/1", "opportunity/2"}
    assert all(d["probability"] == d["stage_probability"] for d in data["deals"])
    missing = runner.invoke(app, ["deals", "score"])
    assert missing.exit_code == 1 and "needs --user" in missing.output


def test_deals_changes_without_snapshots_says_so_in_one_line() -> None:
    from sqlalchemy import delete

    from tools.store.schema_scores import PipelineSnapshot

    with build_app_context().engine.begin() as connection:
        connection.execute(delete(PipelineSnapshot))
    result = runner.invoke(app, ["deals", "changes", "--user", "rita@cobalt.example"])
    assert result.exit_code == 2 and "no pipeline snapshots yet" in result.output
    assert "Traceback" not in result.output


def test_deals_changes_prints_groups_and_writes_the_chart(tmp_path: Path) -> None:
    chart = tmp_path / "wf.png"
    result = runner.invoke(
        app, ["deals", "changes", "--user", "Max Stone", "--since", "monday", "--chart", str(chart), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["label"] for s in data["waterfall"]] == [
        "Start",
        "New",
        "Increased",
        "Decreased",
        "Won",
        "Lost",
        "Removed",
        "End",
    ]
    assert {g["kind"] for g in data["groups"]} >= {"new", "advanced", "pushed", "won", "lost"}
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_deals_snapshot_records_todays_open_pipeline_for_changes() -> None:
    recorded = runner.invoke(app, ["deals", "snapshot"])
    assert recorded.exit_code == 0 and "Recorded the open pipeline of 2026-11-20" in recorded.output
    result = runner.invoke(
        app, ["deals", "changes", "--user", "Max Stone", "--since", "2026-11-20", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["start"] == "2026-11-20" and data["start_value"] == data["end_value"]
    assert all(group["count"] == 0 for group in data["groups"])  # nothing changed since this morning
