"""What has happened in a period that has not begun is nothing yet, and the answer says so, with
what can be shown instead: "how much will we win next quarter?", "predict which customers will
churn next year" (churn is not dated, so what has churned so far would read as a prediction). What
lies ahead (the open pipeline due then) is still answered. And "loss reasons by segment" is each
segment's losses by reason, every segment shown."""

from __future__ import annotations

import re

import pytest

from tests.offline.conftest import Cast, World


@pytest.mark.parametrize(
    "question",
    [
        "how much will we win next quarter",
        "predict which customers will churn next year",
        "lost deals next month",
    ],
)
def test_a_period_not_begun_has_nothing_yet(demo: World, cast: Cast, question: str) -> None:
    answer = demo.ask(cast.revops, question)
    assert "has not begun" in answer.answer and "can't predict" in answer.answer
    assert "|---|" not in answer.answer  # no table of next year's nothing


def test_what_lies_ahead_is_still_answered(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "open pipeline next quarter")
    assert "has not begun" not in answer.answer and re.search(
        r"\$[\d.,]+[MK]? across \d+ deals", answer.answer
    )


def test_loss_reasons_by_segment_are_each_segments_losses_by_reason(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "loss reasons by segment this year")
    ((call,),) = [answer.tool_calls]
    assert (call.args["measure"], call.args["group_by"], call.args["then_by"]) == (
        "lost_deals",
        "segment",
        "loss_reason",
    )
    segments = {row.split(" · ")[0] for row in re.findall(r"^\| ([^|]+ · [^|]+?) \|", answer.answer, re.M)}
    assert len(segments) >= 2 and "Showing" not in answer.answer
