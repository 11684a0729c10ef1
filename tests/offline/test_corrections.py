"""Correcting the previous question in a thread: "no sorry i meant won" swaps the outcome and keeps
the count and the period, "actually i meant last quarter" swaps the period, "no - Morgan's team"
the people, and what follows carries the corrected question on."""

from __future__ import annotations

from typing import Any

from tests.offline.conftest import Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics


def _args(answer: Any) -> dict[str, Any]:
    ((_, args),) = [(c.name, dict(c.args)) for c in answer.tool_calls]
    return args


def test_i_meant_won_swaps_the_outcome_and_keeps_the_rest(demo: World, cast: Cast) -> None:
    lost = demo.ask(cast.manager, "how many deals did my team lose in oct")
    assert _args(lost) == {"measure": "lost_deals", "period": "oct"}
    won = demo.ask(cast.manager, "no sorry i meant won", lost.thread_id)
    assert _args(won) == {"measure": "won_deals", "period": "oct"}
    by_rep = demo.ask(cast.manager, "by rep", won.thread_id)
    assert _args(by_rep) | {"measure": "won_deals", "group_by": "rep", "period": "oct"} == _args(by_rep)


def test_won_not_lost_on_the_export_and_money_stays_money(maven: World, cast: Cast) -> None:
    lost = maven.ask(cast.revops, "how much did we lose in dec")
    won = maven.ask(cast.revops, "no i meant won not lost", lost.thread_id)
    assert _args(lost)["measure"] == "lost_revenue" and _args(won) == {
        "measure": "won_revenue",
        "period": "dec",
    }


def test_a_period_or_people_corrected_replace_their_own_kind(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "bookings by rep this quarter")
    period = demo.ask(cast.revops, "actually i meant last quarter", first.thread_id)
    assert _args(period) | {"group_by": "rep", "period": "last quarter", "measure": "won_revenue"} == _args(
        period
    )
    team = demo.ask(cast.revops, f"no - {cast.manager.name.lower()}'s team", period.thread_id)
    assert _args(team)["period"] == "last quarter" and _args(team)["group_by"] == "rep"
    assert cast.manager.name in _args(team).values()


def test_no_thanks_is_no_correction(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "bookings by rep this quarter")
    thanks = demo.ask(cast.manager, "no thanks", first.thread_id)
    assert thanks.tool_calls == [] or _args(thanks) != _args(first)


def test_same_for_lost_deals_asks_the_lost_twin_of_the_measure(maven: World, cast: Cast) -> None:
    size = maven.ask(cast.revops, "avg deal size 2017")
    families = maven.ask(cast.revops, "by product family", size.thread_id)
    lost = maven.ask(cast.revops, "same for lost deals", families.thread_id)
    args = _args(lost)
    assert (
        args | {"measure": "average_lost_deal_size", "group_by": "product_family", "period": "2017"} == args
    )
    counted = maven.ask(cast.revops, "how many deals did we win in q3")
    losses = maven.ask(cast.revops, "same for the lost ones", counted.thread_id)
    assert _args(losses) == {"measure": "lost_deals", "period": "q3"}


def test_the_average_lost_deal_size_is_the_mean_amount_of_the_losses(demo: World, cast: Cast) -> None:
    query = MetricQuery(measure="average_lost_deal_size", period="this year")
    mean = query_metrics(demo.repository, cast.revops, query).total[0]
    lost = query_metrics(
        demo.repository, cast.revops, MetricQuery(measure="lost_revenue", period="this year")
    ).total[0]
    assert mean.value is not None and lost.value is not None and mean.record_count
    assert abs(float(mean.value) - float(lost.value) / mean.record_count) < 0.01
