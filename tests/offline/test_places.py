"""Where the accounts are: states and cities read from questions, passed to every tool that can take
them, and answered honestly where the data has no such place."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.offline.conftest import Cast, World
from tests.offline.test_threads import thread
from tools.deals.forecasting import ForecastQuery, forecast
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.filters import NOT_PER_PERSON
from tools.resolve import US_STATES
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Account, Product, Role
from tools.viewer import Viewer


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def _busiest(world: World, column: Any) -> list[str]:
    """The values of an account column, most accounts first."""
    with world.engine.connect() as connection:
        rows = connection.execute(
            select(column, func.count())
            .where(column.is_not(None))
            .group_by(column)
            .order_by(func.count().desc())
        ).all()
    return [str(value) for value, _ in rows]


@pytest.fixture(scope="module")
def places(demo: World) -> dict[str, Any]:
    states, cities = _busiest(demo, Account.state), _busiest(demo, Account.city)
    assert len(states) >= 2 and len(cities) >= 2 and all(s in US_STATES for s in states)
    return {"state": states[0], "other": states[1], "city": cities[0], "city2": cities[1]}


def test_a_state_by_name_or_code_filters_the_metric_query(
    demo: World, cast: Cast, places: dict[str, Any]
) -> None:
    code = places["state"]
    for written in (f"in {US_STATES[code].lower()}", f"in {code}", f"in {code.lower()}"):
        answer = demo.ask(cast.revops, f"open pipeline {written} by city")
        name, args = _calls(answer)[0]
        assert name == "query_metrics" and args["state"] == code and args["group_by"] == "city", written
    by_name = query_metrics(
        demo.repository, cast.revops, MetricQuery(measure="open_pipeline", state=US_STATES[code])
    )
    by_code = query_metrics(demo.repository, cast.revops, MetricQuery(measure="open_pipeline", state=code))
    everything = query_metrics(demo.repository, cast.revops, MetricQuery(measure="open_pipeline"))
    assert by_name.total[0].value == by_code.total[0].value
    assert 0 < Decimal(str(by_code.total[0].value)) < Decimal(str(everything.total[0].value))


def test_two_states_side_by_side_show_just_those_two(demo: World, cast: Cast, places: dict[str, Any]) -> None:
    one, other = places["state"], places["other"]
    answer = demo.ask(cast.revops, f"bookings in {one} vs {other} this year")
    name, args = _calls(answer)[0]
    assert name == "query_metrics" and args["group_by"] == "state" and "state" not in args
    rows = [line for line in answer.answer.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert {row.split("|")[1].strip() for row in rows} == {one, other}
    assert "Showing" not in answer.answer


def test_a_lower_case_code_that_is_a_word_is_not_a_place(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "which deals in or out of commit close this month?")
    assert all("state" not in args for _, args in _calls(answer))


def test_a_city_filters_the_account_search_and_the_pipeline(
    demo: World, cast: Cast, places: dict[str, Any]
) -> None:
    city = places["city"]
    accounts = demo.ask(cast.revops, f"how many accounts do we have in {city}?")
    assert _calls(accounts)[0] == ("search_accounts", {"city": city, **_calls(accounts)[0][1]})
    with demo.engine.connect() as connection:
        there = connection.execute(select(func.count()).where(Account.city == city)).scalar_one()
    assert f"{there} accounts match" in accounts.answer
    deals = demo.ask(cast.revops, f"deals in {city.lower()} over 50k")
    name, args = _calls(deals)[0]
    assert name == "pipeline_summary" and args["city"] == city and float(args["min_amount"]) == 50_000


def test_a_place_leaving_out_and_a_place_ending_a_name(
    demo: World, cast: Cast, places: dict[str, Any]
) -> None:
    code = places["state"]
    left_out = _calls(demo.ask(cast.revops, f"pipeline excluding {US_STATES[code]}"))[0][1]
    assert left_out.get("exclude") == {"state": code} and "state" not in left_out
    named = demo.ask(cast.revops, f"what's going on at Zorblax Supply of {US_STATES[code]}?")
    assert all("state" not in args for _, args in _calls(named))


def test_stalled_deals_in_a_state_are_that_states_deals(
    demo: World, cast: Cast, places: dict[str, Any]
) -> None:
    code = places["state"]
    answer = demo.ask(cast.revops, f"stalled deals in {US_STATES[code]}")
    name, args = _calls(answer)[0]
    assert name == "stalled_deals" and args["state"] == code
    there = stalled_deals(demo.repository, cast.revops, StalledQuery(state=code))
    everywhere = stalled_deals(demo.repository, cast.revops, StalledQuery())
    assert 0 < there.open_deals < everywhere.open_deals
    assert f"in {code}" in answer.answer.splitlines()[0]


def test_how_a_kind_of_business_is_doing_is_its_figures_not_a_rep_scorecard(demo: World, cast: Cast) -> None:
    industry = _busiest(demo, Account.industry)[0]
    answer = demo.ask(cast.manager, f"how is {industry.lower()} doing?")
    name, args = _calls(answer)[0]
    assert name == "query_metrics" and args["industry"] == industry
    assert args["measure"] == "won_revenue" and args["compare"] == "previous_period"


def test_a_forecast_of_some_of_a_books_deals_has_no_quota_against_it(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        product_name = connection.execute(select(Product.name).order_by(Product.id)).scalars().first()
    assert product_name is not None
    whole = forecast(demo.repository, cast.revops, ForecastQuery())
    product = forecast(demo.repository, cast.revops, ForecastQuery(product=product_name))
    assert whole.quota.value and not product.quota.value
    assert NOT_PER_PERSON in product.quota.filters and NOT_PER_PERSON not in whole.quota.filters
    answer = demo.ask(cast.revops, f"forecast for {product_name} this quarter")
    assert "quotas are set per person" in answer.answer


def test_a_place_the_export_does_not_record_is_said_plainly(maven: World) -> None:
    answer = maven.ask(Viewer(user_id=0, role=Role.REVOPS, name="RevOps"), "bookings in texas this year")
    assert "no state is recorded" in answer.answer


def test_a_follow_up_keeps_the_place(demo: World, cast: Cast, places: dict[str, Any]) -> None:
    t = thread()
    demo.ask(cast.revops, f"win rate in {US_STATES[places['state']]} this year", t)
    followed = _calls(demo.ask(cast.revops, "and last year?", t))[0][1]
    assert followed["state"] == places["state"]


def test_two_letters_that_are_a_city_of_the_data_and_no_state_of_it(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        cities = set(connection.execute(select(Account.city).distinct()).scalars())
        states = set(connection.execute(select(Account.state).distinct()).scalars())
    assert "Los Angeles" in cities and "New York" in cities and "LA" not in states
    args = _calls(demo.ask(cast.revops, "pipe in NYC vs LA"))[0][1]
    assert args["group_by"] == "city" and "state" not in args


def test_a_share_from_outside_a_place_is_set_against_everything(
    demo: World, cast: Cast, places: dict[str, Any]
) -> None:
    code = places["state"]
    answer = demo.ask(cast.revops, f"what share of our bookings came from outside {US_STATES[code].lower()}?")
    name, args = _calls(answer)[0]
    assert name == "query_metrics" and args["exclude"] == {"state": code} and args["share_of_total"]
    outside = query_metrics(
        demo.repository, cast.revops, MetricQuery(measure="won_revenue", exclude={"state": code})
    )
    everything = query_metrics(demo.repository, cast.revops, MetricQuery(measure="won_revenue"))
    share = float(outside.total[0].value or 0) / float(everything.total[0].value or 1)
    assert f"\n{share:.0%} of all bookings (closed won): " in answer.answer
