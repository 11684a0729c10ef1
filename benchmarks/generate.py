"""Benchmark: generate a large demo data set (default 1,000,000 opportunities).

Figures: rows written per second and the peak RSS of the generating process, for the large run
and for the default-size data set measured in the same run (the baseline; median of three), and
the ratios between them: flat throughput and flat memory are what "streams with bounded memory"
means.

    python -m benchmarks.generate [--opportunities N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.common import median, report, run_child

CHILD = """
import json, time
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import generate_dataset
from tools.store.stages import load_stages
engine = make_engine("sqlite:///{path}")
ensure_schema(engine)
started = time.perf_counter()
result = generate_dataset(engine, load_stages(), accounts={accounts})
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "rows": sum(result.rows.values()),
                  "opportunities": result.rows["opportunities"], "accounts": result.rows["accounts"]}}))
"""


def measure(accounts: int, workdir: Path, name: str) -> tuple[float, float, int, int]:
    path = workdir / f"{name}.db"
    run = run_child(CHILD.format(path=path, accounts=accounts))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    out = run.output
    rows, seconds = int(str(out["rows"])), float(str(out["seconds"]))
    return rows / seconds, run.peak_rss_mb, int(str(out["opportunities"])), rows


def main(opportunities: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp:
        workdir = Path(tmp)
        baseline = [measure(2_000, workdir, f"base{i}") for i in range(3)]
        base_rate = median([b[0] for b in baseline])
        base_rss = median([b[1] for b in baseline])
        per_account = baseline[0][2] / 2_000
        accounts = max(1, round(opportunities / per_account))
        rate, rss, opps, rows = measure(accounts, workdir, "large")
    report(
        f"Generate {opps:,} opportunities ({accounts:,} accounts, {rows:,} rows in all)",
        [
            (
                "baseline (2,000 accounts, median of 3)",
                f"{base_rate:,.0f} rows/s, peak RSS {base_rss:,.0f} MB",
            ),
            ("large run", f"{rate:,.0f} rows/s, peak RSS {rss:,.0f} MB"),
            ("throughput ratio (large / baseline)", f"{rate / base_rate:.2f}"),
            ("peak RSS ratio (large / baseline)", f"{rss / base_rss:.2f}"),
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    main(parser.parse_args().opportunities)
