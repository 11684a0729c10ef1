"""A follow-up keeps what the thread was about: "vs same time last year?" compares the thread's
measure to date; "West is lowest - what are they losing on?" is West's loss reasons, not a ranking;
"how does that compare to Q2?" sets the last figure against Q2."""

from __future__ import annotations

from typing import Any

from tests.offline.conftest import Cast, World


def _args(answer: Any) -> dict[str, Any]:
    ((name, args),) = [(c.name, dict(c.args)) for c in answer.tool_calls]
    assert name == "query_metrics"
    return args


def test_same_time_last_year_compares_the_threads_measure_to_date(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "win rate by region this year?")
    args = _args(demo.ask(cast.revops, "vs same time last year?", first.thread_id))
    assert (args["measure"], args["group_by"], args["period"], args["compare"]) == (
        "win_rate",
        "region",
        "ytd",
        "last_year",
    )
    assert "also" not in args


def test_a_superlative_said_of_a_named_member_is_no_ranking(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "win rate by region this year?")
    args = _args(demo.ask(cast.revops, "West is lowest - what are they losing on", first.thread_id))
    assert (args["measure"], args["group_by"], args["region"]) == ("lost_deals", "loss_reason", "West")
    assert "order" not in args and "any_of" not in args
    # asked as a question, the superlative is the ranking
    again = _args(
        demo.ask(
            cast.revops,
            "which region is the lowest?",
            demo.ask(cast.revops, "win rate by region this year?").thread_id,
        )
    )
    assert (again["group_by"], again.get("order")) == ("region", "asc")


def test_how_does_that_compare_to_a_quarter_sets_the_last_figure_against_it(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "bookings by product last quarter")
    narrowed = demo.ask(cast.revops, "only enterprise", first.thread_id)
    args = _args(demo.ask(cast.revops, "how does that compare to q2", narrowed.thread_id))
    assert (args["measure"], args["group_by"], args["segment"]) == ("won_revenue", "product", "Enterprise")
    assert args.get("compare") in ("previous_period", "q2")
