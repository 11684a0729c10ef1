"""Run every benchmark and print its figures: ``python -m benchmarks`` (or ``make bench``).

Set ``SALESPLAN_BENCH_OPPORTUNITIES`` to size the generator benchmark (default 1,000,000).
"""

from __future__ import annotations

import os

from benchmarks import generate, import_maven


def main() -> None:
    import_maven.main()
    generate.main(int(os.environ.get("SALESPLAN_BENCH_OPPORTUNITIES", "1000000")))


if __name__ == "__main__":
    main()
