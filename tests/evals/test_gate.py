"""The CI gate: both suites, offline, through the real harness (real data, real playbook index).

The gate is 95% of cases passing and no leak at all. The playbook index is built once per test
run in a directory shared by the xdist workers (the harness locks it while building).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.harness import DEFAULT_THRESHOLD, EvalConfig, Harness
from evals.results import RunSummary
from evals.suites import Suite, maven_export


@pytest.fixture(scope="session")
def playbook_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp().parent / "eval-playbook-cache"


def _explain(summary: RunSummary) -> str:
    head = f"{summary.passed}/{summary.total} passed ({summary.pass_rate:.1%}), {summary.leaks} leak(s)"
    lines = [f"{head}; failing cases:"]
    for case in summary.failures():
        lines.append(f"  {case.key} ({case.user}): {'; '.join(case.reasons)}")
    lines += [f"  LEAK {case.key}" for case in summary.cases if case.leaked]
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("suite", [Suite.DEMO, Suite.MAVEN])
def test_the_suite_passes_the_gate_offline(suite: Suite, playbook_cache: Path) -> None:
    if suite is Suite.MAVEN:
        maven_export()  # the export ships beside the repository; a clear error if it does not
    summary = Harness(EvalConfig(suites=[suite], model="offline", playbook_cache=playbook_cache)).run()
    assert summary.total >= (150 if suite is Suite.DEMO else 25)
    assert summary.leaks == 0, _explain(summary)
    assert summary.pass_rate >= DEFAULT_THRESHOLD, _explain(summary)
    assert summary.gate_passed
