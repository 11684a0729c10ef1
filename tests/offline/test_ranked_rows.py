"""A member of the last answer's table named by its rank ("the best region", "the top revenue
sector", "the lowest one", "the best month") is that member, read as a filter or a period; and a
question of two rankings ("which sector has the highest win rate, and which brings the most won
revenue") answers both."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.offline.ranked_rows import ranked_member, tables, value
from tests.offline.conftest import ADMIN, Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics

BY_REGION = """**Bookings (closed won) and win rate by region**

| Region | Bookings (closed won) | Win rate |
|---|---|---|
| Central | $850,000 | 71% |
| West | $1.2M | 58% |
| East | none | 64% |

In all: …"""

TWO_RANKINGS = """| Industry | Win rate |
|---|---|
| marketing | 65% |

| Industry | Bookings (closed won) |
|---|---|
| retail | $1.9M |
"""

BY_MONTH = """| Month | Bookings (closed won) | Win rate |
|---|---|---|
| 2017-07 | $696,932 | 49% |
| 2017-08 | $1.1M | 57% |
| 2017-09 | $1.2M | 79% |
"""


@pytest.mark.parametrize(
    ("question", "answer", "read"),
    [
        ("in the best region, which team did best", BY_REGION, "in West, which team did best"),
        ("for the worst region what did we lose", BY_REGION, "for Central what did we lose"),
        ("for the top win rate region, by rep", BY_REGION, "for Central, by rep"),
        (
            "for the top revenue sector, which product sells best",
            TWO_RANKINGS,
            "for retail, which product sells best",
        ),
        (
            "for the lowest one, what are the loss reasons",
            TWO_RANKINGS,
            "for marketing, what are the loss reasons",
        ),
        ("break the best month down by product", BY_MONTH, "break September 2017 down by product"),
        ("show me the top one", BY_REGION, "show me the top one"),  # a row by its place, read elsewhere
        ("in the best region, which team did best", TWO_RANKINGS, "in the best region, which team did best"),
    ],
)
def test_a_member_named_by_its_rank_is_that_member(question: str, answer: str, read: str) -> None:
    assert ranked_member(question, answer) == read


def test_figures_are_read_as_tables_show_them() -> None:
    assert [value(cell) for cell in ("$1.2M", "$850,000", "63%", "88 days", "1,254", "none")] == [
        1_200_000,
        850_000,
        63,
        88,
        1254,
        None,
    ]


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def _leader(world: World, measure: str, group_by: str, period: str) -> str:
    rows = query_metrics(
        world.repository, ADMIN, MetricQuery(measure=measure, group_by=group_by, period=period, top=1)
    ).rows
    return str(rows[0].group)


def test_the_top_revenue_sector_after_two_rankings_filters_the_next_question(maven: World) -> None:
    first = maven.ask(
        ADMIN, "which sector has the highest win rate in 2017, and which brings the most won revenue"
    )
    rankings = [args for _, args in _calls(first)]
    assert [(a["measure"], a["group_by"], a["top"]) for a in rankings] == [
        ("win_rate", "industry", 1),
        ("won_revenue", "industry", 1),
    ]
    then = maven.ask(ADMIN, "for the top revenue sector, which product sells best", first.thread_id)
    ((_, args),) = _calls(then)
    assert args["group_by"] == "product" and args["industry"] == _leader(
        maven, "won_revenue", "industry", "2017"
    )


def test_the_lowest_one_after_the_highest_and_the_lowest_is_the_lowest(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "which industry has the highest win rate in 2026 and which has the lowest")
    lowest = query_metrics(
        demo.repository,
        cast.revops,
        MetricQuery(measure="win_rate", group_by="industry", period="2026", top=1, order="asc"),
    ).rows[0]
    then = demo.ask(cast.revops, "for the lowest one, what are the top loss reasons", first.thread_id)
    ((_, args),) = _calls(then)
    assert (args["group_by"], args["industry"]) == ("loss_reason", lowest.group)


def test_the_best_month_is_that_month(maven: World) -> None:
    first = maven.ask(ADMIN, "won revenue month by month for Q3 2017")
    then = maven.ask(ADMIN, "break the best month down by product", first.thread_id)
    ((_, args),) = _calls(then)
    months = query_metrics(
        maven.repository, ADMIN, MetricQuery(measure="won_revenue", group_by="month", period="q3 2017")
    ).rows
    best = max(months, key=lambda row: float(row.figures[0].value or 0))
    assert args["group_by"] == "product" and best.group == "2017-09" and args["period"] == "september 2017"


def test_a_change_from_one_period_to_the_next_ranks_by_the_change(maven: World) -> None:
    _, args = _calls(maven.ask(ADMIN, "which reps improved their win rate the most from Q2 to Q3 2017"))[0]
    assert (args["measure"], args["group_by"], args["period"], args["compare"]) == (
        "win_rate",
        "rep",
        "q3 2017",
        "previous_period",
    )
    _, together = _calls(maven.ask(ADMIN, "won revenue from Q2 to Q3 2017 by product"))[0]
    assert "compare" not in together  # no change asked: the two quarters together


def test_that_product_after_a_ranking_by_change_is_the_one_it_led_with(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "which product had the biggest drop in won revenue from Q2 to Q3 this year")
    [(_, ranked)] = _calls(first)
    rows = query_metrics(demo.repository, cast.revops, MetricQuery(**ranked)).rows
    fell = min(rows, key=lambda row: float(row.changes[0].absolute or 0))
    assert first.answer.split("|---|---|---|\n| ")[1].startswith(fell.group)
    then = demo.ask(cast.revops, "show me that product month by month for 2026", first.thread_id)
    ((name, args),) = _calls(then)
    assert (name, args["measure"], args["group_by"], args["product"]) == (
        "query_metrics",
        "won_revenue",
        "month",
        fell.group,
    )


def test_touching_tables_are_read_apart() -> None:
    answer = (
        "| Team | Win rate |\n|---|---|\n| Cara Losch | 64% |\n"
        "| Team | Win rate |\n|---|---|\n| Rocco Neubert | 62% |"
    )
    assert [table.rows for table in tables(answer)] == [[["Cara Losch", "64%"]], [["Rocco Neubert", "62%"]]]
    assert ranked_member("for that lowest team, what do they lose on", answer) == (
        "for Rocco Neubert's team, what do they lose on"
    )


def test_the_weakest_one_on_a_figure_is_ranked_by_that_figure() -> None:
    assert ranked_member("the weakest one on win rate - which reps there", BY_REGION).startswith("in West")


def test_and_from_one_period_to_the_next_goes_on_from_the_change_asked(maven: World) -> None:
    first = maven.ask(ADMIN, "which region grew most from Q2 to Q3 2017 in won revenue")
    then = maven.ask(ADMIN, "and from Q3 to Q4?", first.thread_id)
    ((_, args),) = _calls(then)
    assert (args["measure"], args["group_by"], args["compare"]) == (
        "won_revenue",
        "region",
        "previous_period",
    )
    assert args["period"].startswith("q4") and "also" not in args


def test_which_rep_lost_the_most_of_the_deals_counted_counts_them(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "how many deals did we lose last quarter, and to what reasons?")
    ((_, args),) = _calls(demo.ask(cast.manager, "which rep lost the most of those", first.thread_id))
    assert (args["measure"], args["group_by"], args["top"]) == ("lost_deals", "rep", 1)
