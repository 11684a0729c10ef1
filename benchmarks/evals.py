"""Benchmark: the evaluation harness on the demo suite, offline.

Figures (medians over ``--repeat`` runs, each a full ``Harness.run`` as ``salesplan eval run``
does it: fresh home, demo data generated, cases checked, every case asked and scored):

* wall time of the whole demo suite (target: under 60 s), with the playbook index cached as it is
  between runs of ``salesplan eval run``; the first run, which builds the index, is reported apart;
* per-case latency p50 and p95 (a case's turns, inside ``AssistantService.aask``) and per-turn p50;
* the baseline in the same run: the time spent inside the assistant (sum of the answers'
  latencies), so the rest (data set-up, checking cases, scoring) is the harness's own cost;
* the Maven suite's wall time, once.

    python -m benchmarks.evals [--repeat N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.common import median, report
from evals.harness import EvalConfig, Harness
from evals.results import RunSummary
from evals.suites import Suite


def _run(suite: Suite, cache: Path) -> tuple[float, RunSummary]:
    started = time.perf_counter()
    summary = Harness(EvalConfig(suites=[suite], model="offline", playbook_cache=cache)).run()
    return time.perf_counter() - started, summary


def _inside(summary: RunSummary) -> float:
    return sum(summary.turn_latencies()) / 1000


def main(repeat: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-evals-") as tmp:
        cache = Path(tmp) / "playbook-cache"
        first, first_summary = _run(Suite.DEMO, cache)
        runs = [_run(Suite.DEMO, cache) for _ in range(repeat)]
        maven_wall, maven = _run(Suite.MAVEN, cache)
    walls = [wall for wall, _ in runs]
    summaries = [summary for _, summary in runs]
    inside = median([_inside(s) for s in summaries])
    wall = median(walls)
    last = summaries[-1]
    rows = [
        (
            f"demo suite, {last.total} cases / {len(last.turn_latencies())} turns: wall time",
            f"{wall:,.1f} s (target: under 60 s; pass rate {last.pass_rate:.1%}, {last.leaks} leaks)",
        ),
        (
            "  per-case latency p50 / p95",
            f"{median([s.latency.case_p50_ms for s in summaries]):,.0f} ms / "
            f"{median([s.latency.case_p95_ms for s in summaries]):,.0f} ms",
        ),
        ("  per-turn latency p50", f"{median([s.latency.turn_p50_ms for s in summaries]):,.0f} ms"),
        (
            "  baseline: time inside the assistant",
            f"{inside:,.1f} s; harness set-up and scoring {wall - inside:,.1f} s "
            f"({(wall - inside) / wall:.0%})",
        ),
        ("first run, building the playbook index", f"{first:,.1f} s ({first_summary.total} cases)"),
        (
            f"maven suite, {maven.total} cases: wall time",
            f"{maven_wall:,.1f} s (pass rate {maven.pass_rate:.1%}, {maven.leaks} leaks)",
        ),
    ]
    report(f"Evaluation harness, offline model (median of {repeat} demo runs)", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    main(parser.parse_args().repeat)
