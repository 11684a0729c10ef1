"""The tools on the public Maven CRM export, against figures computed straight from its CSV files."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tools.deals.forecasting import ForecastQuery, PerformanceQuery, forecast, rep_performance
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_rules import Rule
from tools.store.db import ensure_schema, make_engine
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import import_dataset
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.store.stages import dataset_stages, load_stages
from tools.viewer import Viewer

MAVEN = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "maven-crm"
REVOPS = Viewer(user_id=10_000, role=Role.REVOPS, name="Analyst")


@pytest.fixture(scope="module")
def maven(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    engine: Engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('maven') / 'crm.db'}")
    ensure_schema(engine)
    report = import_dataset(engine, MAVEN, load_mapping("maven"), stages=load_stages())
    yield Repository(engine, dataset_stages(engine, load_stages()), report.as_of or dt.date(2017, 12, 31))
    engine.dispose()


def _csv(name: str) -> list[dict[str, str]]:
    with (MAVEN / name).open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _closed_2017() -> list[dict[str, str]]:
    return [
        r
        for r in _csv("sales_pipeline.csv")
        if r["deal_stage"] in ("Won", "Lost") and r["close_date"].startswith("2017")
    ]


def test_win_rate_and_won_revenue_per_agent_match_the_csv(maven: Repository) -> None:
    won: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in _closed_2017():
        agent = row["sales_agent"]
        if row["deal_stage"] == "Won":
            won[agent] += Decimal(row["close_value"])
            counts[agent][0] += 1
        else:
            counts[agent][1] += 1
    report = rep_performance(maven, REVOPS, PerformanceQuery(period="2017"))
    assert len(report.reps) == 35 and sum(1 for c in counts.values() if sum(c)) >= 30
    for rep in report.reps:
        expected_won, expected_lost = counts[rep.rep]
        assert rep.bookings.value == won[rep.rep].quantize(Decimal("0.01")), rep.rep
        assert (rep.won_deals, rep.lost_deals) == (expected_won, expected_lost), rep.rep
        closed = expected_won + expected_lost
        assert rep.win_rate.value == (round(expected_won / closed, 4) if closed else None), rep.rep


def test_won_revenue_and_win_rate_per_regional_office_match_the_csv(maven: Repository) -> None:
    office = {r["sales_agent"]: r["regional_office"] for r in _csv("sales_teams.csv")}
    won: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in _closed_2017():
        where = office[row["sales_agent"]]
        if row["deal_stage"] == "Won":
            won[where] += Decimal(row["close_value"])
            counts[where][0] += 1
        else:
            counts[where][1] += 1
    reps = rep_performance(maven, REVOPS, PerformanceQuery(period="2017")).reps
    for name in ("Central", "East", "West"):
        result = forecast(maven, REVOPS, ForecastQuery(territory=name, period="2017"))
        assert result.closed_won.value == won[name].quantize(Decimal("0.01")), name
        in_office = [r for r in reps if office[r.rep] == name]
        won_deals, lost_deals = sum(r.won_deals for r in in_office), sum(r.lost_deals for r in in_office)
        assert [won_deals, lost_deals] == counts[name]
    assert sum(won.values()) == sum(
        (Decimal(r["close_value"]) for r in _closed_2017() if r["deal_stage"] == "Won"), Decimal(0)
    )


def test_stalled_scan_says_which_rules_the_export_cannot_support(maven: Repository) -> None:
    result = stalled_deals(maven, REVOPS, StalledQuery())
    skipped = {s.rule for s in result.skipped_rules}
    assert {Rule.NO_ACTIVITY, Rule.PUSHED, Rule.NEXT_STEP, Rule.SINGLE_THREAD} <= skipped
    open_deals = [r for r in _csv("sales_pipeline.csv") if r["deal_stage"] in ("Prospecting", "Engaging")]
    assert result.open_deals == len(open_deals) == 2089
    assert all(f.rule not in skipped for d in result.deals for f in d.flags)
