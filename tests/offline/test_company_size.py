"""The size of the companies as a filter on any measure ("won revenue from accounts w 5k+
employees", "pipeline from companies over $1B revenue", "under 200 employees"), customers counted
as accounts rather than deals ("how many customers did we win"), and a bound on a measure whose
groups are named by the subject ("accounts with more than 100k in open pipeline")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.offline.conftest import ADMIN, Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Account, Opportunity


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def test_a_headcount_bound_filters_the_measure_not_the_deal_amount(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "won revenue from accounts w 5k+ employees this year")
    (name, args), *_ = _calls(answer)
    assert (name, args["measure"], args["min_employees"]) == ("query_metrics", "won_revenue", 5000)
    assert "min_amount" not in args
    assert "account employees >= 5,000" in answer.answer


def test_revenue_of_the_company_is_a_size_not_our_bookings(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "pipeline from companies with over $1B revenue")
    (name, args), *_ = _calls(answer)
    assert (name, args["measure"]) == ("query_metrics", "open_pipeline")
    assert float(args["min_annual_revenue"]) == 10**9
    assert args.get("also") is None  # "revenue" here is the companies', not a second measure


def test_an_upper_and_a_range_of_headcount(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "which accounts have under 200 employees in healthcare")
    assert _calls(answer)[0][0] == "search_accounts"
    assert _calls(answer)[0][1]["max_employees"] == 200
    answer = demo.ask(cast.revops, "win rate at accounts with between 1000 and 5000 employees, by region")
    args = _calls(answer)[0][1]
    assert (args["min_employees"], args["max_employees"], args["group_by"]) == (1000, 5000, "region")


def test_the_size_bound_narrows_the_records_counted(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        expected = connection.execute(
            select(func.count())
            .select_from(Opportunity)
            .join(Account, Account.id == Opportunity.account_id)
            .where(Opportunity.is_won, Account.employees >= 5000)
        ).scalar_one()
    result = query_metrics(
        demo.repository, ADMIN, MetricQuery(measure="won_deals", period="all time", min_employees=5000)
    )
    assert result.total[0].value == expected
    assert "account employees >= 5,000" in result.filters


def test_customers_won_counts_accounts_not_deals(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "how many customers did we win this year")
    assert _calls(answer)[0][1]["measure"] == "won_accounts"
    with demo.engine.connect() as connection:
        year = str(demo.repository.as_of.year)
        accounts, deals = connection.execute(
            select(func.count(func.distinct(Opportunity.account_id)), func.count()).where(
                Opportunity.is_won, func.strftime("%Y", Opportunity.closed_at) == year
            )
        ).one()
    assert accounts < deals
    assert f"customers won {accounts:,} ({deals:,} deals)" in answer.answer


def test_a_bound_on_a_measure_groups_by_its_subject(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "accounts with more than 100k in open pipeline")
    args = _calls(answer)[0][1]
    assert (args["measure"], args["group_by"], args["above"]) == ("open_pipeline", "account", 100_000)
    answer = demo.ask(cast.revops, "reps with won revenue over 1m this year")
    args = _calls(answer)[0][1]
    assert (args["measure"], args["group_by"], args["above"]) == ("won_revenue", "rep", 1_000_000)
    assert "min_amount" not in args
    answer = demo.ask(cast.revops, "accounts with more than 100k of potential")
    name, args = _calls(answer)[0]
    assert (name, float(args["min_potential"])) == ("search_accounts", 100_000)
