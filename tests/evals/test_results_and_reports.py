"""Aggregation (pass@1, pass^K, per tag, leaks, latency) and every report writer, and the baseline diff."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from evals.baseline import compare
from evals.report import (
    histogram,
    html_report,
    junit_xml,
    markdown,
    rich_report,
    write_reports,
)
from evals.results import CaseResult, CaseRun, RunSummary, TurnResult, percentile, summarize
from evals.scorers import Reply, Score
from tools.errors import DataError


def _run(repeat: int, passed: bool, latency: int = 100, leak: bool = False) -> CaseRun:
    scores = [
        Score(
            name="facts", passed=passed, value=1.0 if passed else 0.5, detail="" if passed else "missing $5"
        )
    ]
    scores.append(Score(name="leaks", passed=not leak, detail="name outside scope 'X Y'" if leak else ""))
    scores.append(Score(name="judge", passed=False, gating=False, value=2.0))
    reply = Reply(
        answer="An <answer> & more", latency_ms=latency, model_calls=2, input_tokens=10, output_tokens=5
    )
    return CaseRun.of(repeat, [TurnResult(question="q?", reply=reply, scores=scores)])


def _case(case_id: str, tags: list[str], runs: list[CaseRun], suite: str = "demo") -> CaseResult:
    return CaseResult.of(suite, case_id, tags, "rita@cobalt.example", "demo/x.yaml", runs)


def summary(threshold: float = 0.5) -> RunSummary:
    cases = [
        _case("always", ["pipeline", "rep"], [_run(0, True, 50), _run(1, True, 70)]),
        _case("flaky", ["pipeline", "manager"], [_run(0, True, 200), _run(1, False, 300)]),
        _case("never", ["access", "rep"], [_run(0, False, 90, leak=True), _run(1, False, 110)]),
    ]
    return summarize(
        cases,
        suites=["demo"],
        model="offline",
        judge=None,
        started_at="2026-11-20T00:00:00+00:00",
        wall_seconds=3.2,
        repeat=2,
        threshold=threshold,
    )


def test_results_are_aggregated_from_the_recorded_runs() -> None:
    result = summary()
    assert (result.total, result.passed, result.failed) == (3, 1, 2)
    assert result.pass_rate == pytest.approx(1 / 3, abs=1e-4) and result.pass_hat_k == result.pass_rate
    assert result.pass_at_1 == pytest.approx((1 + 0.5 + 0) / 3, abs=1e-4)
    assert result.leaks == 1 and not result.gate_passed  # a leak fails the gate whatever the pass rate
    assert result.tags["pipeline"].pass_rate == 0.5 and result.tags["access"].passed == 0
    assert result.latency.turn_p50_ms == 100 and result.latency.turn_max_ms == 300
    assert result.usage.model_calls == 12 and result.usage.input_tokens == 60
    assert result.scorers["facts"].turns == 6 and result.scorers["facts"].passed == 3
    assert result.scorers["judge"].mean == 2.0  # advisory: recorded, never failing a case
    flaky = result.cases[1]
    assert not flaky.passed and flaky.passes == 1 and flaky.reasons == ["facts: missing $5"]


def test_percentile_and_histogram() -> None:
    assert percentile([], 0.5) == 0.0 and percentile([5, 1, 3], 0.5) == 3
    assert percentile([4, 1, 3, 2], 0.5) == 2.5 and percentile(list(range(1, 101)), 0.95) == 95.0
    bins = histogram([10, 20, 30, 1190])
    assert sum(n for _, _, n in bins) == 4 and bins[0][0] == 0 and bins[-1][1] >= 1190


def test_junit_xml_parses_with_one_testcase_per_case() -> None:
    root = ET.fromstring(junit_xml(summary()))
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "2"
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["always", "flaky", "never"]
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == "facts: missing $5"
    assert "A: An <answer> & more" in (cases[1].findtext("system-out") or "")


def test_html_is_self_contained_with_an_svg_histogram() -> None:
    page = html_report(summary())
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<rect" in page
    assert (
        "src=" not in page
        and "<link" not in page
        and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert "An &lt;answer&gt; &amp; more" in page and "demo/flaky" in page


def test_markdown_has_rates_scorers_histogram_and_failures() -> None:
    text = markdown(summary())
    assert "**1 of 3 cases passed (33.3%)**, 1 leak(s)" in text
    assert "| pipeline | 1 | 2 | 50.0% |" in text and "| facts | 6 | 3 |" in text
    assert "ms |" in text and "- **demo/never** (rita@cobalt.example; access, rep): " in text


def test_write_reports_and_terminal_tables(tmp_path: Path) -> None:
    written = write_reports(summary(), tmp_path / "out")
    assert sorted(p.name for p in written) == ["junit.xml", "report.html", "report.md", "results.json"]
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {"total", "passed", "pass_rate", "leaks", "tags", "cases"} <= data.keys()
    console = Console(record=True, width=160)
    for part in rich_report(summary()):
        console.print(part)
    shown = console.export_text()
    assert "Pass rate by suite and tag" in shown and "demo/never" in shown and "gate FAILED" in shown


def test_baseline_lists_regressions_and_improvements(tmp_path: Path) -> None:
    before = summary()
    before.cases[1] = _case("flaky", ["pipeline"], [_run(0, True)])  # passed before, fails now
    before.cases[2] = _case("never", ["access"], [_run(0, True)])
    before.cases.append(_case("retired", ["x"], [_run(0, True)]))
    path = tmp_path / "baseline.json"
    path.write_text(before.model_dump_json(), encoding="utf-8")
    now = summary()
    now.cases[0] = _case("always", ["pipeline"], [_run(0, True)])
    now.cases.append(_case("fixed", ["x"], [_run(0, True)]))
    diff = compare(now, path)
    assert [c.key for c in diff.regressions] == ["demo/flaky", "demo/never"]
    assert diff.regressions[0].reasons == ["facts: missing $5"]
    assert diff.improvements == [] and diff.new == ["demo/fixed"] and diff.removed == ["demo/retired"]
    now.baseline = diff
    assert "## Against the baseline" in markdown(now) and "**Regressions** (2)" in markdown(now)
    assert "- demo/flaky: facts: missing $5" in markdown(now) and "Regressions (2)" in html_report(now)
    improved = summary()
    improved.cases[1] = _case("flaky", ["pipeline"], [_run(0, True)])
    reverse = compare(improved, path)
    assert [c.key for c in reverse.improvements] == [] and reverse.regressions[0].key == "demo/never"
    bad = tmp_path / "bad.json"
    bad.write_text('{"cases": 3}', encoding="utf-8")
    with pytest.raises(DataError, match="is not the JSON results of an earlier eval run"):
        compare(now, bad)


def _routed(tools_passed: bool, asked: bool) -> CaseRun:
    scores = [
        Score(name="tools", passed=tools_passed, value=1.0 if tools_passed else 0.0),
        Score(name="clarification", passed=True, value=1.0 if asked else 0.0),
    ]
    reply = Reply(answer="Which one?" if asked else "Your open pipeline…", latency_ms=10, model_calls=1)
    return CaseRun.of(0, [TurnResult(question="q?", reply=reply, scores=scores)])


def test_a_wrong_tool_without_asking_is_a_misroute_and_is_counted() -> None:
    assert _routed(tools_passed=False, asked=False).misrouted
    assert not _routed(tools_passed=False, asked=True).misrouted  # asking which is meant is honest
    assert not _routed(tools_passed=True, asked=False).misrouted
    cases = [
        _case("wrong", ["x"], [_routed(False, False)]),
        _case("asked", ["x"], [_routed(False, True)]),
        _case("right", ["x"], [_routed(True, False)]),
    ]
    result = summarize(
        cases,
        suites=["demo"],
        model="offline",
        judge=None,
        started_at="2026-11-20T00:00:00+00:00",
        wall_seconds=1.0,
        repeat=1,
        threshold=0.5,
    )
    assert result.misroutes == 1
    assert "1 misroute(s)" in markdown(result)
