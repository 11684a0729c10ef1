"""A period named from the thread's own ("the quarter before that", "and the month after?", "two
years before that") is the thread's period moved back or on; one named from today ("two quarters
ago", "the quarter before last") is read as such; a count of days ago stays a filter on age."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assistant.offline.thread_periods import from_thread
from tests.offline.conftest import ADMIN, World

NEW_YEARS_EVE = dt.date(2017, 12, 31)


@pytest.mark.parametrize(
    ("question", "period", "read"),
    [
        ("what about the quarter before that", "Q3 2017", "what about 2017-Q2"),
        ("and the month after?", "September 2017", "and October 2017?"),
        ("the year before that", "2017", "2016"),
        # another unit moves the period by that much, keeping its length
        ("the year before that", "Q3 2017", "2016-Q3"),
        ("two quarters before that", "this quarter", "2017-Q2"),
        # a span of days: the same number of days just before
        ("the period before", "last 30 days", "2017-11-02..2017-12-01"),
        # no period named: the default the answer said (the fiscal year to date)
        ("same for the year before that", None, "same for 2016"),
        # the question's own period comes first
        ("compare Q3 2017 with the quarter before that", "2016", "compare Q3 2017 with 2017-Q2"),
        # counted from today, or a row of a list: not the thread's period
        ("the quarter before last", "Q3 2017", "the quarter before last"),
        ("and the one after that?", None, "and the one after that?"),
    ],
)
def test_a_period_named_from_the_threads_is_that_period_moved(
    question: str, period: str | None, read: str
) -> None:
    assert from_thread(question, period, NEW_YEARS_EVE) == read


def test_a_fiscal_year_that_starts_in_february_moves_by_its_own_quarters() -> None:
    later = from_thread("and the quarter before that?", "this quarter", dt.date(2026, 11, 20), 2)
    assert later == "and 2027-Q3?"  # FY2027 runs February 2026 to January 2027; Q4 began in November


def _periods(answer: Any) -> list[str]:
    return [str(call.args.get("period")) for call in answer.tool_calls]


def test_the_quarter_before_that_follows_the_thread_back(maven: World) -> None:
    first = maven.ask(ADMIN, "how much did we win in Q3 2017")
    before = maven.ask(ADMIN, "what about the quarter before that", first.thread_id)
    assert _periods(before) == ["2017-q2"] and "2017-Q2" in before.answer
    again = maven.ask(ADMIN, "and two quarters before that", before.thread_id)
    assert _periods(again) == ["2016-q4"]


def test_units_ago_are_counted_from_today_and_an_age_stays_a_filter(maven: World) -> None:
    ago = maven.ask(ADMIN, "won revenue by product two quarters ago")
    calls = [(c.args["group_by"], c.args["period"]) for c in ago.tool_calls]
    assert calls == [("product", "two quarters ago")]
    assert "2017-Q2" in ago.answer
    aged = maven.ask(ADMIN, "which deals were opened over 6 weeks ago")
    ((call,),) = [aged.tool_calls]
    assert call.args.get("min_age_days") == 43 and "period" not in call.args


def test_that_quarter_is_the_threads_quarter(maven: World) -> None:
    rep = maven.viewer("Darcel Schlecht")
    first = maven.ask(rep, "how much did I win in Q3 2017")
    then = maven.ask(rep, "which product had my best win rate that quarter?", first.thread_id)
    assert [(c.args["measure"], c.args["period"]) for c in then.tool_calls] == [("win_rate", "q3 2017")]
    # a unit the thread's period is not ("that month" after a year) is a row shown, not the period
    assert from_thread("how'd that month do last year", "this year", NEW_YEARS_EVE) == (
        "how'd that month do last year"
    )


def test_a_scorecard_set_against_another_period_is_compared(maven: World) -> None:
    boss = maven.viewer("Melvin Marxen")
    first = maven.ask(boss, "how did my team do two quarters ago")
    then = maven.ask(boss, "vs last quarter", first.thread_id)
    ((call,),) = [then.tool_calls]
    # Q2 2017 against Q3 2017: the later of the two, compared with the one before it
    assert (call.args["measure"], call.args["also"], call.args["period"], call.args["compare"]) == (
        "won_revenue",
        ["win_rate"],
        "last quarter",
        "previous_period",
    )
    assert "2017-Q2" in then.answer and "2017-Q3" in then.answer


def test_after_an_empty_answer_the_period_that_found_nothing_is_not_kept(maven: World) -> None:
    first = maven.ask(ADMIN, "which open deals will close next month")
    assert "empty" in first.answer  # the export's open deals have no close date
    then = maven.ask(ADMIN, "ok, which have been open the longest then", first.thread_id)
    ((call,),) = [then.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("average_deal_age", "deal")
    assert "period" not in call.args
