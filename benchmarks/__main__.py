"""Run every benchmark and print its figures: ``python -m benchmarks`` (or ``make bench``).

Sizes: ``SALESPLAN_BENCH_OPPORTUNITIES`` (default 1,000,000) for the generator, analytics and scoring
benchmarks; the analytics data set is cached under ``benchmarks/results/``. The 10-minute soak
(:mod:`benchmarks.soak`) runs only with ``SALESPLAN_BENCH_SOAK=1``.
"""

from __future__ import annotations

import os

from benchmarks import (
    agent,
    analytics,
    crm_sync,
    evals,
    generate,
    import_maven,
    knowledge,
    names,
    offline,
    plans,
    rebalance,
    scoring,
)
from benchmarks import api as api_bench
from benchmarks import slack as slack_bench


def main() -> None:
    size = int(os.environ.get("SALESPLAN_BENCH_OPPORTUNITIES", "1000000"))
    import_maven.main()
    crm_sync.main(int(os.environ.get("SALESPLAN_BENCH_SYNC_OPPORTUNITIES", "100000")))
    agent.main()
    offline.main()
    evals.main()
    plans.main()
    rebalance.run()
    knowledge.main()
    names.main()
    api_bench.main()
    slack_bench.main()
    analytics.main(opportunities=size, accounts=max(1, size // 10))
    scoring.main(opportunities=size, accounts=max(1, size // 10))
    generate.main(size)
    if os.environ.get("SALESPLAN_BENCH_SOAK") == "1":
        from benchmarks import soak

        soak.main()


if __name__ == "__main__":
    main()
