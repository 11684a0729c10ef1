"""`salesplan eval run` through the command line: exit 0 / 1 (under the threshold) / 2 (harness failure),
``--json``, ``--report`` and ``--baseline``. The playbook is a fixed fake here (the gate test uses
the real index)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.interfaces.cli import app
from tests.evals.conftest import write
from tests.offline.conftest import FakePlaybook

runner = CliRunner()

CASES = """
cases:
  - id: rep-pipeline
    tags: [pipeline, rep]
    user: lucas.jensen@cobalt.example
    turns:
      - ask: What's my pipeline?
        expect:
          tools: [pipeline_summary]
          facts:
            - sql: SELECT SUM(amount) FROM opportunities WHERE owner_id = :user_id AND NOT is_closed
              unit: money
  - id: rep-wrong-expectation
    tags: [pipeline, rep]
    user: Lucas Jensen
    turns:
      - ask: What's my pipeline?
        expect:
          refusal: true
"""


@pytest.fixture(autouse=True)
def fake_playbook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("evals.harness.build_playbook", lambda context, cache: FakePlaybook())


def test_a_case_file_with_a_schema_error_exits_2_naming_the_case(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.yaml", "cases:\n  - {id: broken, tags: [x], user: u, turns: [hi], extra: 1}\n"
    )
    result = runner.invoke(app, ["eval", "run", "--cases", str(bad)])
    assert result.exit_code == 2, result.output
    assert "error: bad.yaml: case 'broken': field extra: Extra inputs are not permitted" in result.output
    assert "Traceback" not in result.output


def test_a_missing_data_set_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "run", "--suite", "maven", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "the Maven export is not at" in result.output


def test_an_unknown_user_or_tool_in_a_case_exits_2(tmp_path: Path) -> None:
    cases = write(tmp_path / "c.yaml", "cases:\n  - {id: who, tags: [x], user: Nobody Here, turns: [hi]}\n")
    result = runner.invoke(app, ["eval", "run", "--cases", str(cases)])
    assert result.exit_code == 2 and "case 'who': field user: no user with email or name" in result.output


def test_an_unusable_model_setting_exits_2(tmp_path: Path) -> None:
    cases = write(tmp_path / "cases.yaml", CASES)
    result = runner.invoke(app, ["eval", "run", "--cases", str(cases), "--model", "openai:gpt-test"])
    assert result.exit_code == 2 and "openai:gpt-test needs OPENAI_API_KEY" in result.output
    bad = runner.invoke(app, ["eval", "run", "--cases", str(cases), "--model", "llama3"])
    assert bad.exit_code == 2 and "invalid configuration model" in bad.output


@pytest.mark.slow
def test_gate_json_reports_and_baseline(tmp_path: Path) -> None:
    cases = write(tmp_path / "cases.yaml", CASES)
    under = runner.invoke(app, ["eval", "run", "--cases", str(cases), "--json"])
    assert under.exit_code == 1, under.output
    data = json.loads(under.output)
    assert (data["total"], data["passed"], data["pass_rate"], data["leaks"]) == (2, 1, 0.5, 0)
    assert data["tags"]["pipeline"] == {"total": 2, "passed": 1, "pass_rate": 0.5}
    failing = next(c for c in data["cases"] if c["id"] == "rep-wrong-expectation")
    assert failing["reasons"] == ["refusal: expected a refusal"]
    assert data["usage"]["model_calls"] >= 4

    reports = tmp_path / "reports"
    met = runner.invoke(
        app,
        ["eval", "run", "--cases", str(cases), "--threshold", "0.5", "--report", str(reports)],
        env={"COLUMNS": "200"},
    )
    assert met.exit_code == 0, met.output
    flat = " ".join(met.output.split())  # the terminal width decides where lines wrap
    assert "1/2 cases passed (50.0%)" in flat and "demo/rep-wrong" in flat
    assert {p.name for p in reports.iterdir()} == {"results.json", "junit.xml", "report.md", "report.html"}

    compared = runner.invoke(
        app,
        [
            "eval",
            "run",
            "--cases",
            str(cases),
            "--case",
            "rep-pipeline",
            "--baseline",
            str(reports / "results.json"),
        ],
        env={"COLUMNS": "200"},
    )
    assert compared.exit_code == 0, compared.output
    assert "removed: demo/rep-wrong-expectation" in " ".join(compared.output.split())
