"""Benchmark: a full Salesforce sync of N opportunities from the loopback fake, against importing
the same rows from CSV files in the same run.

The fake org (tests/fake_salesforce.py) holds 50 users (five managers), N/10 accounts and N
opportunities, served 2,000 records a page as the REST API does. Both runs load a fresh SQLite
database in a child process (its own peak RSS, from ``wait4``): the sync (HTTP pages → CSV pages →
the import, in one transaction) and ``import_dataset`` of the very CSV files a sync writes (the
same mapping), so the difference is what fetching over HTTP costs.

    python -m benchmarks.crm_sync [--opportunities N]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from pathlib import Path

from benchmarks.common import report, run_child
from tests.fake_salesforce import STAGES, FakeSalesforce, serve_salesforce
from tools.store.sync.salesforce import SalesforceSource
from tools.store.sync.salesforce_client import SalesforceConfig

SYNC = """
import json, os, time
from pathlib import Path
from tools.store.db import ensure_schema, make_engine
from tools.store.stages import load_stages
from tools.store.sync import sync
from tools.store.sync.salesforce import SalesforceSource
from tools.store.sync.salesforce_client import SalesforceConfig
engine = make_engine("sqlite:///" + os.environ["BENCH_DB"])
ensure_schema(engine)
config = SalesforceConfig(instance_url=os.environ["BENCH_URL"], access_token=os.environ["BENCH_TOKEN"])
started = time.perf_counter()
report = sync(engine, SalesforceSource(config), stages=load_stages())
print(json.dumps({"seconds": time.perf_counter() - started,
                  "deals": report.tables["opportunities"].inserted}))
"""

IMPORT = """
import json, os, time
from pathlib import Path
from tools.store.db import ensure_schema, make_engine
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import import_dataset
from tools.store.stages import load_stages
from tools.store.sync.salesforce import MAPPING
engine = make_engine("sqlite:///" + os.environ["BENCH_DB"])
ensure_schema(engine)
started = time.perf_counter()
report = import_dataset(engine, Path(os.environ["BENCH_CSV"]), load_mapping(MAPPING), stages=load_stages())
print(json.dumps({"seconds": time.perf_counter() - started,
                  "deals": report.tables["opportunities"].inserted}))
"""


def build_org(fake: FakeSalesforce, opportunities: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for api, label, closed, won, probability, forecast, order in STAGES:
        fake.add(
            "OpportunityStage",
            ApiName=api,
            MasterLabel=label,
            IsClosed=closed,
            IsWon=won,
            DefaultProbability=probability,
            ForecastCategoryName=forecast,
            SortOrder=order,
        )
    managers = [fake.add("User", Name=f"Manager {i}", Email=f"m{i}@example.com")["Id"] for i in range(5)]
    reps = [
        fake.add("User", Name=f"Rep {i}", Email=f"r{i}@example.com", ManagerId=managers[i % 5])["Id"]
        for i in range(45)
    ]
    accounts = [
        fake.add("Account", Name=f"Account {i}", Industry="Software", OwnerId=rng.choice(reps))["Id"]
        for i in range(max(1, opportunities // 10))
    ]
    for i in range(opportunities):
        stage = STAGES[rng.randrange(len(STAGES))]
        fake.add(
            "Opportunity",
            Name=f"Deal {i}",
            AccountId=rng.choice(accounts),
            OwnerId=rng.choice(reps),
            StageName=stage[0],
            Amount=float(rng.randrange(5, 500) * 1000),
            CloseDate=f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            CreatedDate="2026-01-05T10:00:00.000+0000",
            NextStep="Follow up",
            IsClosed=stage[2],
            IsWon=stage[3],
        )


def main(opportunities: int = 100_000) -> None:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-sync-") as tmp, serve_salesforce() as fake:
        build_org(fake, opportunities)
        folder = Path(tmp)
        csv_dir = folder / "csv"
        csv_dir.mkdir()
        SalesforceSource(SalesforceConfig(instance_url=fake.url, access_token=fake.token)).fetch(csv_dir, {})
        env = {"BENCH_URL": fake.url, "BENCH_TOKEN": fake.token, "BENCH_CSV": str(csv_dir)}
        synced = run_child(SYNC, {**env, "BENCH_DB": str(folder / "sync.db")})
        imported = run_child(IMPORT, {**env, "BENCH_DB": str(folder / "import.db")})
    sync_s, import_s = float(synced.output["seconds"]), float(imported.output["seconds"])  # type: ignore[arg-type]
    assert synced.output["deals"] == imported.output["deals"] == opportunities
    report(
        f"Full Salesforce sync of {opportunities:,} opportunities from the loopback fake vs CSV import",
        [
            ("sync wall time", f"{sync_s:,.1f} s ({opportunities / sync_s:,.0f} deals/s)"),
            ("sync peak RSS (child process)", f"{synced.peak_rss_mb:,.0f} MB"),
            (
                "CSV import wall time (same rows)",
                f"{import_s:,.1f} s ({opportunities / import_s:,.0f} deals/s)",
            ),
            ("CSV import peak RSS (child process)", f"{imported.peak_rss_mb:,.0f} MB"),
            ("ratio (sync / import)", f"{sync_s / import_s:,.2f}x"),
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--opportunities",
        type=int,
        default=int(os.environ.get("SALESPLAN_BENCH_SYNC_OPPORTUNITIES", 100_000)),
    )
    main(parser.parse_args().opportunities)
