"""Benchmark: import the Maven CRM export (8,800 opportunities) into a fresh SQLite database.

Figures: median wall time of the import over five runs, and as a ratio against a baseline
measured in the same run: reading and csv-parsing the same files (what any importer must pay).

    python -m benchmarks.import_maven [--dir PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from benchmarks.common import median, report
from tools.store.db import ensure_schema, make_engine
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import import_dataset
from tools.store.stages import load_stages

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "maven-crm"


def parse_only(directory: Path) -> float:
    started = time.perf_counter()
    for path in sorted(directory.glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for _ in csv.DictReader(handle):
                pass
    return time.perf_counter() - started


def import_once(directory: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'crm.db'}")
        ensure_schema(engine)
        started = time.perf_counter()
        result = import_dataset(engine, directory, load_mapping("maven"), stages=load_stages())
        seconds = time.perf_counter() - started
        engine.dispose()
    return seconds, len(result.warnings)


def main(directory: Path = DEFAULT_DIR, repeat: int = 5) -> None:
    baseline = median([parse_only(directory) for _ in range(repeat)])
    runs = [import_once(directory) for _ in range(repeat)]
    seconds = median([r[0] for r in runs])
    report(
        f"Import the Maven export from {directory.name} (median of {repeat})",
        [
            ("import wall time", f"{seconds * 1000:,.0f} ms"),
            ("baseline: read + csv-parse the same files", f"{baseline * 1000:,.1f} ms"),
            ("ratio (import / parse)", f"{seconds / baseline:,.1f}x"),
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    main(args.dir, args.repeat)
