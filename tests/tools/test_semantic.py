"""query_metrics on the hand-built CRM (SQLite and PostgreSQL), every figure recomputed here from
the rows of tests/tools/crm.py rather than read back from the tool."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert

from tests.tools import crm
from tests.tools.conftest import MAX, OLGA, RITA
from tools.deals.forecasting import ForecastQuery, forecast
from tools.deals.performance import PerformanceQuery, rep_performance
from tools.deals.pipeline import PipelineQuery, pipeline_summary
from tools.errors import InputError
from tools.evidence import Figure
from tools.metrics import METRICS, definitions
from tools.semantic import MEASURES, MetricQuery, MetricResult, query_metrics
from tools.store.repository import Repository
from tools.store.schema import Opportunity

D = dt.date
PRODUCT = {int(p["id"]): str(p["name"]) for p in crm.PRODUCTS}  # type: ignore[call-overload]
OWNER = {int(u["id"]): str(u["name"]) for u in crm.USERS}  # type: ignore[call-overload]
ACCOUNT = {int(a["id"]): str(a["name"]) for a in crm.ACCOUNTS}
FYTD = (D(2026, 1, 1), D(2026, 11, 21))
Q4, Q3 = (D(2026, 10, 1), D(2027, 1, 1)), (D(2026, 7, 1), D(2026, 10, 1))


def ask(repo: Repository, viewer: Any = OLGA, **args: Any) -> MetricResult:
    return query_metrics(repo, viewer, MetricQuery(**args))


def by_group(result: MetricResult, index: int = 0) -> dict[str, Any]:
    return {row.group: row.figures[index].value for row in result.rows}


def won(window: tuple[dt.date, dt.date]) -> list[dict[str, Any]]:
    return [o for o in crm.OPPORTUNITIES if o["is_won"] and window[0] <= o["closed_at"] < window[1]]


def closed(window: tuple[dt.date, dt.date]) -> list[dict[str, Any]]:
    return [o for o in crm.OPPORTUNITIES if o["is_closed"] and window[0] <= o["closed_at"] < window[1]]


def money(value: float | int | Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def add_deal(
    repo: Repository, id: int, owner: int, product: int, stage: str, amount: int | None, **rest: Any
) -> None:
    row = crm._opp(id, 1 if owner == 4 else 3, owner, product, f"Extra {id}", stage, amount or 0, **rest)
    row["amount"] = None if amount is None else Decimal(amount)
    with repo.engine.begin() as connection:
        connection.execute(insert(Opportunity), [row])


def test_won_revenue_by_product(repo: Repository) -> None:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for deal in won(FYTD):
        expected[PRODUCT[deal["product_id"]]] += deal["amount"]
    result = ask(repo, measure="won_revenue", group_by="product")
    assert by_group(result) == {name: money(v) for name, v in expected.items()}
    assert result.total[0].value == money(sum(expected.values()))
    core = next(r for r in result.rows if r.group == "Core")
    assert core.figures[0].record_ids == ["opportunity/8"] and core.record_count == 1


def test_win_rate_by_rep(repo: Repository) -> None:
    deals = closed(FYTD)
    expected = {}
    for owner in {d["owner_id"] for d in deals}:
        mine = [d for d in deals if d["owner_id"] == owner]
        expected[OWNER[owner]] = round(sum(d["is_won"] for d in mine) / len(mine), 4)
    result = ask(repo, measure="win rate", group_by="salesperson")
    assert result.measures[0].key == "win_rate" and result.group_by == "rep"
    assert by_group(result) == expected == {"Rita Ruiz": 1.0, "Ravi Rao": 0.0, "Sam Reyes": 1.0}
    assert result.total[0].value == round(sum(d["is_won"] for d in deals) / len(deals), 4)


def _won_by_account() -> list[tuple[str, Decimal]]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for deal in won(FYTD):
        totals[ACCOUNT[deal["account_id"]]] += deal["amount"]
    return sorted(((name, money(v)) for name, v in totals.items()), key=lambda kv: (-kv[1], kv[0]))


def test_top_and_bottom_accounts_by_won_revenue(repo: Repository) -> None:
    ranked = _won_by_account()
    top = ask(repo, measure="bookings", group_by="account", top=3)
    assert [(r.group, r.figures[0].value) for r in top.rows] == ranked[:3]
    assert top.groups_total == len(ranked)
    bottom = ask(repo, measure="bookings", group_by="customer", top=2, order="asc")
    assert [(r.group, r.figures[0].value) for r in bottom.rows] == list(reversed(ranked))[:2]


def test_share_of_total(repo: Repository) -> None:
    result = ask(repo, measure="open_pipeline", group_by="rep", share_of_total=True)
    total = sum(o["amount"] for o in crm.OPPORTUNITIES if not o["is_closed"])
    assert result.total[0].value == money(total)
    for row in result.rows:
        assert row.share_of_total == round(float(row.figures[0].value) / float(total), 4)
    assert sum(r.share_of_total or 0 for r in result.rows) == pytest.approx(1.0, abs=1e-3)
    rate = ask(repo, measure="win_rate", group_by="rep", share_of_total=True)
    assert all(r.share_of_total is None for r in rate.rows) and rate.notes


def test_a_filtered_share_without_a_breakdown_is_of_the_unfiltered_total(repo: Repository) -> None:
    result = ask(repo, measure="open_pipeline", exclude={"rep": "Rita Ruiz"}, share_of_total=True)
    open_deals = [o for o in crm.OPPORTUNITIES if not o["is_closed"]]
    everyone = sum(o["amount"] for o in open_deals)
    rita = next(u["id"] for u in crm.USERS if u["name"] == "Rita Ruiz")
    others = sum(o["amount"] for o in open_deals if o["owner_id"] != rita)
    assert result.whole is not None and result.whole.value == money(everyone)
    assert result.total[0].value == money(others)
    assert result.share_of_whole == round(float(others) / float(everyone), 4)
    assert ask(repo, measure="open_pipeline", share_of_total=True).whole is None  # no filter: no whole
    rate = ask(repo, measure="win_rate", rep="Rita Ruiz", share_of_total=True)
    assert rate.whole is None and rate.share_of_whole is None  # a rate has no share


def test_this_quarter_against_the_previous_quarter(repo: Repository) -> None:
    add_deal(repo, 20, 4, 1, "Closed Won", 40000, created_at=D(2026, 5, 1), close_date=D(2026, 8, 10))
    result = ask(
        repo, measure="won_revenue", group_by="rep", period="this quarter", compare="previous_period"
    )
    assert result.period.label == "2026-Q4" and result.compare_period is not None
    assert (result.compare_period.label, result.compare_period.start) == ("2026-Q3", Q3[0])
    now = sum(d["amount"] for d in won(Q4))  # deals 5 and 6
    assert result.total[0].value == money(now) and result.total_changes[0].previous == money(40000)
    assert result.total_changes[0].absolute == money(now - 40000)
    assert result.total_changes[0].relative == round((now - 40000) / 40000, 4)
    rita = next(r for r in result.rows if r.group == "Rita Ruiz")
    assert rita.changes[0].previous == money(40000) and rita.changes[0].absolute == money(-20000)
    assert rita.changes[0].relative == -0.5
    sam = next(r for r in result.rows if r.group == "Sam Reyes")
    assert sam.changes[0].previous == money(0) and sam.changes[0].relative is None
    quota = ask(repo, measure="quota", compare="previous_period")
    q4 = sum(q["amount"] for q in crm.QUOTAS if q["period"] == "2026-Q4")
    q3 = sum(q["amount"] for q in crm.QUOTAS if q["period"] == "2026-Q3")
    assert (quota.total[0].value, quota.total_changes[0].previous) == (money(q4), money(q3))


def test_the_same_period_last_year(repo: Repository) -> None:
    add_deal(repo, 21, 6, 2, "Closed Won", 12000, created_at=D(2025, 9, 1), close_date=D(2025, 11, 3))
    add_deal(repo, 22, 6, 2, "Closed Won", 9000, created_at=D(2025, 9, 1), close_date=D(2026, 2, 3))
    result = ask(repo, measure="won_revenue", period="Q4", compare="last_year", group_by="product")
    assert result.compare_period is not None and result.compare_period.label == "2025-Q4"
    analytics = next(r for r in result.rows if r.group == "Analytics")
    assert analytics.figures[0].value == money(10000)  # deal 5
    assert analytics.changes[0].previous == money(12000)  # deal 21 only: deal 22 is in 2026-Q1
    assert analytics.changes[0].relative == round(-2000 / 12000, 4)


def test_a_period_set_against_one_named_outright(repo: Repository) -> None:
    add_deal(repo, 21, 6, 2, "Closed Won", 12000, created_at=D(2025, 9, 1), close_date=D(2025, 11, 3))
    add_deal(repo, 22, 6, 2, "Closed Won", 9000, created_at=D(2025, 9, 1), close_date=D(2025, 12, 20))
    # the whole of 2025 (deal 22 closed after the to-date window of a year before ends)
    whole = ask(repo, measure="won_revenue", period="ytd", compare="last year")
    assert whole.compare_period is not None and whole.compare_period.label == "2025"
    assert whole.total_changes[0].previous == money(21000)
    same_days = ask(repo, measure="won_revenue", period="ytd", compare="last_year")
    assert same_days.total_changes[0].previous == money(12000)
    with pytest.raises(InputError):
        ask(repo, measure="won_revenue", compare="the year of the horse")


def test_average_and_median_deal_size_differ(repo: Repository) -> None:
    amounts = [d["amount"] for d in won(FYTD)]
    result = ask(repo, measure="average_deal_size", also=["median deal size"])
    average, median = (f.value for f in result.total)
    assert average == money(sum(amounts) / len(amounts)) and median == money(statistics.median(amounts))
    assert average != median


def test_open_pipeline_without_a_period_is_every_open_deal(repo: Repository) -> None:
    open_deals = [o for o in crm.OPPORTUNITIES if not o["is_closed"]]
    result = ask(repo, measure="pipeline", also=["open_deals", "weighted_pipeline"])
    value, count, weighted = result.total
    assert value.value == money(sum(o["amount"] for o in open_deals)) and count.value == len(open_deals)
    assert weighted.value == money(sum(o["amount"] * Decimal(str(o["probability"])) for o in open_deals))
    assert result.period.start is None and "all open deals" in result.period_note
    summary = pipeline_summary(repo, OLGA, PipelineQuery())
    assert (value.value, weighted.value) == (summary.open_pipeline.value, summary.weighted_pipeline.value)
    due = ask(repo, measure="open_pipeline", period="this quarter")
    assert due.total[0].value == money(
        sum(o["amount"] for o in open_deals if Q4[0] <= o["close_date"] < Q4[1])
    )


def test_no_period_on_a_performance_measure_is_fiscal_year_to_date(repo: Repository) -> None:
    result = ask(repo, measure="won_revenue")
    assert (result.period.label, result.period.start, result.period.end) == (
        "2026 to date",
        *FYTD[:1],
        D(2026, 11, 20),
    )
    assert "No period was given" in result.period_note and "fiscal year to date" in result.period_note
    assert result.total[0].value == money(sum(d["amount"] for d in won(FYTD)))
    attainment = ask(repo, measure="attainment")
    assert attainment.period.label == "2026-Q4" and "the current quarter" in attainment.period_note


def test_filters_by_product_and_stage(repo: Repository) -> None:
    open_deals = [o for o in crm.OPPORTUNITIES if not o["is_closed"]]
    core = ask(repo, measure="open_pipeline", product="core")
    assert core.total[0].value == money(sum(o["amount"] for o in open_deals if o["product_id"] == 1))
    assert "product: Core" in core.filters
    family = ask(repo, measure="open_pipeline", product_family="platform")
    assert family.total[0].value == core.total[0].value
    both = ask(repo, measure="open_pipeline", product="Core", stage="negotiation", group_by="stage")
    assert by_group(both) == {"Negotiation": money(120000)}
    with pytest.raises(InputError, match="no stage named 'Haggling'"):
        ask(repo, measure="open_pipeline", stage="Haggling")


def test_deals_without_an_amount_are_counted_and_reported_never_summed_as_zero(repo: Repository) -> None:
    add_deal(repo, 23, 4, 1, "Closed Won", None, created_at=D(2026, 10, 1), close_date=D(2026, 11, 2))
    result = ask(repo, measure="won_revenue", also=["won_deals"], period="this quarter", group_by="product")
    revenue, deals = result.total
    assert revenue.value == money(sum(d["amount"] for d in won(Q4))) and deals.value == len(won(Q4)) + 1
    assert result.missing_amounts == 1 and any("no amount" in note for note in result.notes)
    core = next(r for r in result.rows if r.group == "Core")
    assert core.figures[0].value is None and core.figures[1].value == 1 and core.missing_amounts == 1
    average = ask(repo, measure="average_deal_size", period="this quarter")
    assert average.total[0].value == money(sum(d["amount"] for d in won(Q4)) / len(won(Q4)))


def test_month_buckets_on_the_anchor_date(repo: Repository) -> None:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for deal in won(FYTD):
        expected[f"{deal['closed_at']:%Y-%m}"] += deal["amount"]
    result = ask(repo, measure="won_revenue", group_by="monthly")
    assert [r.group for r in result.rows] == sorted(expected)  # chronological
    assert by_group(result) == {k: money(v) for k, v in expected.items()}
    created = ask(repo, measure="deals_created", group_by="quarter", period="this year")
    counts: dict[str, int] = defaultdict(int)
    for deal in crm.OPPORTUNITIES:
        counts[f"2026-Q{(deal['created_at'].month - 1) // 3 + 1}"] += 1
    assert by_group(created) == counts


def test_attainment_and_coverage_agree_with_forecast_and_scorecards(repo: Repository) -> None:
    result = ask(repo, MAX, measure="attainment", also=["coverage", "quota"], group_by="rep")
    team = forecast(repo, MAX, ForecastQuery())
    assert [f.value for f in result.total] == [team.attainment.value, team.coverage.value, team.quota.value]
    for card in rep_performance(repo, MAX, PerformanceQuery()).reps:
        row = next(r for r in result.rows if r.group == card.rep)
        assert [f.value for f in row.figures] == [
            card.attainment.value,
            card.coverage.value,
            card.quota.value,
        ]


def test_rep_team_territory_and_parent_dimensions(repo: Repository) -> None:
    teams = ask(repo, measure="closed_deals", group_by="manager", period="this year")
    assert by_group(teams) == {"Max Stone": 2, "Mo Quinn": 2}
    regions = ask(repo, measure="open_deals", group_by="region")
    assert by_group(regions) == {"West": 4, "East": 1}
    parents = ask(repo, measure="won_revenue", group_by="parent_account")
    assert by_group(parents) == {"Globex": money(60000), "Acme Corporation": money(20000)}
    west = ask(repo, measure="open_pipeline", territory="West Enterprise", team="Max Stone")
    assert west.total[0].value == money(120000 + 30000 + 60000 + 8000)


def test_explicit_range_and_created_date(repo: Repository) -> None:
    ranged = ask(repo, measure="won_revenue", period="2026-06-01..2026-10-31")
    assert ranged.total[0].value == money(50000 + 10000) and ranged.period.end == D(2026, 10, 31)
    by_created = ask(repo, measure="won_revenue", period="2026-08-01..2026-08-31", date_field="created")
    assert by_created.total[0].value == money(10000)  # deal 5, created Aug 1 (deal 6 in Sep)


def test_errors_say_what_to_fix(repo: Repository) -> None:
    with pytest.raises(InputError) as caught:
        ask(repo, measure="happiness")
    assert all(key in str(caught.value) for key in MEASURES)
    with pytest.raises(InputError, match="cannot group by 'colour'"):
        ask(repo, measure="won_revenue", group_by="colour")
    with pytest.raises(InputError, match="quota is set per person"):
        ask(repo, measure="attainment", group_by="product")
    with pytest.raises(InputError, match="unknown period"):
        ask(repo, measure="won_revenue", period="someday")


def test_every_figure_cites_its_records_compactly(repo: Repository) -> None:
    result = ask(repo, measure="activities", also=["won_revenue"], group_by="account")
    figures: list[Figure] = [*result.total, *(f for r in result.rows for f in r.figures)]
    assert all(f.formula and f.record_count >= len(f.record_ids) for f in figures)
    assert all(len(f.record_ids) <= 5 for r in result.rows for f in r.figures)
    assert all(len(f.record_ids) <= 20 for f in result.total)
    assert len(result.model_dump_json()) < 12_000


def test_every_measure_reads_its_definition_from_the_metric_registry() -> None:
    for measure in MEASURES.values():
        registered = METRICS[measure.metric]
        assert (measure.name, measure.unit, measure.formula) == (
            registered.name,
            registered.unit,
            registered.definition,
        )
        assert registered in definitions()


def test_deals_ranked_one_by_one_by_name_and_id(repo: Repository) -> None:
    """The biggest wins of the year to date: each deal its own group, named with its record id."""
    deals = sorted(won(FYTD), key=lambda o: (-o["amount"], o["id"]))[:3]
    result = ask(repo, measure="won_revenue", group_by="deal", top=3)
    assert [row.group for row in result.rows] == [f"{o['name']} [opportunity/{o['id']}]" for o in deals]
    assert [row.figures[0].value for row in result.rows] == [money(o["amount"]) for o in deals]


def test_headcount_of_reps_by_territory_is_today_s_team(repo: Repository) -> None:
    reps = [u for u in crm.USERS if u["role"] == "rep"]
    expected: dict[str, int] = defaultdict(int)
    territory = {int(t["id"]): str(t["name"]) for t in crm.TERRITORIES}  # type: ignore[call-overload]
    for user in reps:
        expected[territory[int(user["territory_id"])]] += 1  # type: ignore[call-overload]
    result = ask(repo, measure="reps", group_by="territory", period="last quarter")
    assert by_group(result) == dict(expected)
    assert result.total[0].value == len(reps)


def test_losses_by_the_reason_recorded(repo: Repository) -> None:
    lost = [o for o in closed(FYTD) if not o["is_won"]]
    expected: dict[str, int] = defaultdict(int)
    for deal in lost:
        expected[deal.get("loss_reason") or "(no reason recorded)"] += 1
    assert by_group(ask(repo, measure="lost_deals", group_by="loss_reason")) == dict(expected)


def test_the_time_to_loss_is_the_mean_cycle_of_the_deals_lost(repo: Repository) -> None:
    lost = [o for o in closed(FYTD) if not o["is_won"]]
    assert lost, "the fixture has deals lost this year"
    days = [(o["closed_at"] - o["created_at"]).days for o in lost if o.get("created_at")]
    result = ask(repo, measure="average_lost_cycle", also=["average_sales_cycle"])
    assert result.total[0].value == round(sum(days) / len(days), 1)
    assert result.total[0].record_count == len(lost)


def test_deals_by_how_many_contacts_their_activities_reached(repo: Repository) -> None:
    def bucket(deal_id: int) -> str:
        reached = {
            a["contact_id"] for a in crm.ACTIVITIES if a["opportunity_id"] == deal_id and a["contact_id"]
        }
        n = len(reached)
        return "no contact engaged" if n == 0 else "3+ contacts" if n >= 3 else f"{n} contact{'s' * (n > 1)}"

    expected: dict[str, int] = defaultdict(int)
    for deal in crm.OPPORTUNITIES:
        if not deal["is_closed"]:
            expected[bucket(deal["id"])] += 1
    result = ask(repo, measure="open_deals", group_by="contacts_engaged")
    assert {r.group: r.figures[0].value for r in result.rows} == dict(expected)


def test_an_industry_of_the_org_outside_a_reps_accounts_matches_none_of_their_deals(repo: Repository) -> None:
    rita = next(u["id"] for u in crm.USERS if u["name"] == "Rita Ruiz")
    hers = {a["industry"] for a in crm.ACCOUNTS if a["owner_id"] == rita}
    other = next(a["industry"] for a in crm.ACCOUNTS if a["industry"] not in hers)
    result = ask(repo, RITA, measure="open_pipeline", industry=other.lower())
    assert result.total[0].record_count == 0 and f"industry: {other}" in " ".join(result.filters)
