"""Days, holidays, spans and halves in a question become periods the tools read."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.offline.dates import rewrite
from tests.offline.conftest import Cast, World

TODAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("pipe closing before xmas?", "pipe closing 2026-11-20..2026-12-24 ?"),
        ("deals closing by Dec 15th", "deals closing 2026-11-20..2026-12-15"),
        ("what closes until 12/31", "what closes 2026-11-20..2026-12-31"),
        ("deals closing before march 3", "deals closing 2026-11-20..2027-03-03"),
        ("won since sept 1", "won 2026-09-01..2026-11-20"),
        ("won since the 1st of October", "won 2026-10-01..2026-11-20"),
        ("lost after Dec 1", "lost 2025-12-01..2026-11-20"),
        ("bookings from oct 1 to nov 15", "bookings 2026-10-01..2026-11-15"),
        ("deals closing dec 1 - dec 15", "deals closing 2026-12-01..2026-12-15"),
        ("pipeline october through december", "pipeline 2026-10-01..2026-12-31"),
        ("pipeline november to february", "pipeline 2026-11-01..2027-02-28"),
        ("deals closing through january", "deals closing 2026-11-20..2027-01-31"),
        ("median deal size in the second half of 2017", "median deal size in h2 2017"),
        ("first half bookings", "h1 bookings"),
        ("pipe by territory for Q1 next year", "pipe by territory for q1 2027"),
        ("next year's q2 forecast", "q2 2027 forecast"),
        ("deals lost in the last fortnight", "deals lost in the last 2 weeks"),
    ],
)
def test_a_written_day_or_span_becomes_a_period(question: str, expected: str) -> None:
    assert rewrite(question, TODAY) == expected


@pytest.mark.parametrize(
    "question",
    [
        "bookings by month",
        "how much did we win in 2017",
        "what did i win since monday",
        "accounts by december",
    ],
)
def test_other_questions_are_left_as_they_are(question: str) -> None:
    assert rewrite(question, TODAY) == question


def test_the_periods_reach_the_tools_and_the_answer_states_them(demo: World, cast: Cast) -> None:
    as_of = demo.repository.as_of
    christmas = dt.date(as_of.year if (as_of.month, as_of.day) <= (12, 24) else as_of.year + 1, 12, 24)
    answer = demo.ask(cast.rep, "whats my pipe closing before xmas")
    [call] = answer.tool_calls
    assert call.name == "pipeline_summary" and call.args["period"] == f"{as_of}..{christmas}"
    assert f"between {as_of} and {christmas}" in answer.answer
    compared = demo.ask(cast.rep, "how am i doing compared to this time last year")
    [call] = compared.tool_calls
    assert call.args["period"] == "ytd" and call.args["compare"] == "last_year"
    assert call.args["measure"] == "won_revenue"
