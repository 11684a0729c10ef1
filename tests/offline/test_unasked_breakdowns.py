"""A breakdown the data cannot give, or a filter on deals without an amount, is said in the answer.

"Pipeline created by lead source" over data with no lead source must not come back as the total
alone, as if the breakdown had been done; deals "with no amount" are counted, never summed as $0.
"""

from __future__ import annotations

import pytest

from tests.offline.conftest import Cast, World


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("pipeline created by lead source this year", "lead source"),
        ("win rate by competitor", "competitor"),
        ("bookings per campaign last quarter", "campaign"),
    ],
)
def test_a_breakdown_the_data_lacks_is_said_before_the_figure(
    demo: World, cast: Cast, question: str, field: str
) -> None:
    answer = demo.ask(cast.revops, question).answer
    lines = [line for line in answer.splitlines() if line.strip()]
    said = next(i for i, line in enumerate(lines) if f"no {field} to break this down by" in line)
    figure = next(i for i, line in enumerate(lines) if line.startswith("In all"))
    assert said < figure


def test_deals_without_an_amount_are_counted(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "how many open deals have no amount")
    call = answer.tool_calls[0]
    assert call.args["measure"] == "open_deals" and call.args["without_amount"] is True
    assert "amount unknown" in answer.answer.splitlines()[0]
    assert "$0" not in answer.answer
