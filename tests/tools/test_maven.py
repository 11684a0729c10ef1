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

from tools.accounts import (
    AccountInput,
    AccountProfileInput,
    account_facts,
    account_profile,
    account_purchases,
)
from tools.accounts.profile_sections import NO_CONTACTS
from tools.deals.forecasting import ForecastQuery, forecast
from tools.deals.performance import PerformanceQuery, rep_performance
from tools.deals.pipeline import PipelineQuery, pipeline_summary
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_rules import Rule
from tools.semantic import MetricQuery, query_metrics
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
    # the export's open deals have no close date, so none can be past it
    assert Rule.PAST_CLOSE in skipped and not any(r["close_date"] for r in open_deals)
    assert result.open_deals == len(open_deals) == 2089
    assert all(f.rule not in skipped for d in result.deals for f in d.flags)


def _list_prices() -> dict[str, Decimal]:
    prices = {r["product"]: Decimal(r["sales_price"]) for r in _csv("products.csv")}
    return {**prices, "GTXPro": prices["GTX Pro"]}


def test_open_deals_are_estimated_at_list_price_everywhere_amounts_appear(maven: Repository) -> None:
    open_rows = [r for r in _csv("sales_pipeline.csv") if r["deal_stage"] in ("Prospecting", "Engaging")]
    prices = _list_prices()
    expected = sum((prices[r["product"]] for r in open_rows), Decimal(0))
    stalled = stalled_deals(maven, REVOPS, StalledQuery(limit=5))
    assert stalled.deals and all(d.amount_estimated and d.amount is not None for d in stalled.deals)
    assert (
        stalled.flagged_amount.estimated == stalled.flagged_amount.value
    )  # every flagged amount is estimated
    assert stalled.estimate_basis == "the product's list price"
    assert {d.stage for d in stalled.deals} <= {"Prospecting", "Engaging"}  # the export's own names
    pipeline = pipeline_summary(maven, REVOPS, PipelineQuery())
    assert pipeline.open_pipeline.value == pipeline.open_pipeline.estimated == expected
    assert [g.key for g in pipeline.groups] == ["Prospecting", "Engaging"]
    metric = query_metrics(
        maven, REVOPS, MetricQuery(measure="open_pipeline", also=["won_revenue"], period=None)
    )
    open_total, won_total = metric.total
    assert open_total.value == open_total.estimated == expected
    assert won_total.estimated is None  # won deals carry their own close_value
    assert metric.estimated_amounts == len(open_rows)
    assert any("estimates (the product's list price)" in note for note in metric.notes)


def test_account_facts_and_purchases_come_from_the_export(maven: Repository) -> None:
    account = next(r for r in _csv("accounts.csv") if r["subsidiary_of"])
    facts = account_facts(maven, REVOPS, AccountInput(account=account["account"]))
    firm = facts.firmographics
    assert firm.parent_account == account["subsidiary_of"] and facts.parent_account_id is not None
    assert firm.year_established == int(account["year_established"])
    assert firm.employees.value == int(account["employees"])
    assert firm.annual_revenue.value == (Decimal(account["revenue"]) * 1_000_000).quantize(Decimal("0.01"))
    assert firm.country == account["office_location"]
    assert {"segment", "owner", "territory"} <= set(facts.missing) and "industry" not in facts.missing
    parent = account_facts(maven, REVOPS, AccountInput(account=account["subsidiary_of"]))
    assert account["account"] in {s.name for s in parent.subsidiaries}
    won = [
        r
        for r in _csv("sales_pipeline.csv")
        if r["account"] == account["account"] and r["deal_stage"] == "Won"
    ]
    purchases = account_purchases(maven, REVOPS, AccountInput(account=account["account"]))
    assert purchases.basis == "won deals (the data has no ownership table)" and purchases.owned == []
    assert purchases.total_won.value == sum((Decimal(r["close_value"]) for r in won), Decimal(0))
    by_product: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in won:
        by_product["GTX Pro" if row["product"] == "GTXPro" else row["product"]].append(row)
    assert {p.product: p.deals_won for p in purchases.products} == {k: len(v) for k, v in by_product.items()}
    first = purchases.products[0]
    dates = sorted(r["close_date"] for r in by_product[first.product])
    assert (str(first.first_won), str(first.last_won)) == (dates[0], dates[-1])


def test_a_profile_says_the_export_has_no_contacts(maven: Repository) -> None:
    profile = account_profile(maven, REVOPS, AccountProfileInput(account="Acme Corporation"))
    assert profile.contacts.gaps == [NO_CONTACTS]
    assert not any("economic buyer" in gap for gap in profile.contacts.gaps)


def test_the_win_score_reports_honestly_whether_it_beats_the_stage_probability(maven: Repository) -> None:
    """Maven's closed deals all closed from Engaging (no stage history): the stage probability
    cannot tell them apart (AUC 0.5); the score uses the model only if it beats that beyond chance."""
    from tools.deals.win_scores import WinScoreQuery, score_backtest, win_scores

    result, reason = score_backtest(maven.engine, maven.stages, maven.as_of)
    assert result.baseline_auc == 0.5 and result.auc is not None
    assert len(result.deals) > 1_000 and result.trained_on > 1_000
    assert ("does not beat" in reason) == (result.used == "stage_probability")
    scores = win_scores(maven, REVOPS, WinScoreQuery(limit=50))
    assert scores.used == result.used
    if result.used == "stage_probability":
        assert all(d.probability == d.stage_probability for d in scores.deals)


def test_the_forecast_backtest_says_why_it_cannot_run_without_stage_history(maven: Repository) -> None:
    from tools.scoring.forecast import forecast_backtest

    result = forecast_backtest(maven.engine, maven.stages, maven.as_of)
    assert result.quarters == [] and "no stage history" in (result.note or "")
