"""Period phrases people use, read relative to the data's "today" and the fiscal calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from tools.errors import InputError
from tools.periods import parse_period

FRIDAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("this week", dt.date(2026, 11, 23), dt.date(2026, 11, 30)),
        ("next week", dt.date(2026, 11, 30), dt.date(2026, 12, 7)),
        ("last week", dt.date(2026, 11, 16), dt.date(2026, 11, 23)),
        ("today", FRIDAY, dt.date(2026, 11, 28)),
        ("next 30 days", FRIDAY, dt.date(2026, 12, 27)),
        ("last 30 days", dt.date(2026, 10, 29), dt.date(2026, 11, 28)),
        ("past 2 weeks", dt.date(2026, 11, 14), dt.date(2026, 11, 28)),
        # whole quarters before this one ("last quarter" is one of them), the day before, everything
        ("last 2 quarters", dt.date(2026, 4, 1), dt.date(2026, 10, 1)),
        ("the past three quarters", dt.date(2026, 1, 1), dt.date(2026, 10, 1)),
        ("yesterday", dt.date(2026, 11, 26), dt.date(2026, 11, 27)),
        ("full history", dt.date(1900, 1, 1), dt.date(2026, 11, 28)),
        # one of the unit, counted back from today
        ("this past week", dt.date(2026, 11, 21), dt.date(2026, 11, 28)),
        ("the past month", dt.date(2026, 10, 29), dt.date(2026, 11, 28)),
        ("past year", dt.date(2025, 11, 28), dt.date(2026, 11, 28)),
        ("since Monday", dt.date(2026, 11, 23), dt.date(2026, 11, 28)),
        ("since March", dt.date(2026, 3, 1), dt.date(2026, 11, 28)),
        ("H1", dt.date(2026, 1, 1), dt.date(2026, 7, 1)),
        ("H2 2025", dt.date(2025, 7, 1), dt.date(2026, 1, 1)),
        ("FY", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
        # spans of days, both ends included
        ("jan 1 thru today", dt.date(2026, 1, 1), dt.date(2026, 11, 28)),
        ("from March 3rd to June 30", dt.date(2026, 3, 3), dt.date(2026, 7, 1)),
        ("since oct 15", dt.date(2026, 10, 15), dt.date(2026, 11, 28)),
        ("dec 1 to jan 15", dt.date(2025, 12, 1), dt.date(2026, 1, 16)),
        ("mar 1, 2025 - feb 28, 2026", dt.date(2025, 3, 1), dt.date(2026, 3, 1)),
        # spans of quarters or months, trailing windows, the month to date
        ("q1-q3", dt.date(2026, 1, 1), dt.date(2026, 10, 1)),
        ("q2 to q4 2025", dt.date(2025, 4, 1), dt.date(2026, 1, 1)),
        ("jan-mar", dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
        ("trailing 12 months", dt.date(2025, 11, 28), dt.date(2026, 11, 28)),
        ("TTM", dt.date(2025, 11, 28), dt.date(2026, 11, 28)),
        ("MTD", dt.date(2026, 11, 1), dt.date(2026, 11, 28)),
        ("this month or next", dt.date(2026, 11, 1), dt.date(2027, 1, 1)),
        ("this quarter or the next one", dt.date(2026, 10, 1), dt.date(2027, 4, 1)),
        # one whole unit, so many of them before the one today is in
        ("two quarters ago", dt.date(2026, 4, 1), dt.date(2026, 7, 1)),
        ("3 months ago", dt.date(2026, 8, 1), dt.date(2026, 9, 1)),
        ("a month ago", dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
        ("the quarter before last", dt.date(2026, 4, 1), dt.date(2026, 7, 1)),
        ("2 weeks ago", dt.date(2026, 11, 9), dt.date(2026, 11, 16)),
        ("two years ago", dt.date(2024, 1, 1), dt.date(2025, 1, 1)),
    ],
)
def test_everyday_periods(phrase: str, start: dt.date, end: dt.date) -> None:
    period = parse_period(phrase, FRIDAY)
    assert (period.start, period.end) == (start, end)


def test_a_half_covers_its_two_quota_quarters() -> None:
    assert parse_period("h2", FRIDAY).quota_periods == ["2026-Q3", "2026-Q4"]


def test_a_forward_looking_quarter_or_month_that_has_passed_is_the_next_one() -> None:
    q1 = parse_period("Q1", FRIDAY, forward=True)
    assert (q1.label, q1.rolled_forward) == ("2027-Q1", True)
    march = parse_period("march", FRIDAY, forward=True)
    assert (march.start, march.rolled_forward) == (dt.date(2027, 3, 1), True)
    # Not rolled: a year was named, the period has not ended, or the question looks back.
    assert parse_period("Q1 2026", FRIDAY, forward=True).label == "2026-Q1"
    assert parse_period("Q4", FRIDAY, forward=True).label == "2026-Q4"
    assert parse_period("last quarter", FRIDAY, forward=True).label == "2026-Q3"
    assert parse_period("Q1", FRIDAY).label == "2026-Q1"


def test_forward_quarters_follow_the_fiscal_year() -> None:
    # FY2027 runs February 2026 – January 2027; its Q1 (Feb–Apr 2026) has passed.
    q1 = parse_period("Q1", FRIDAY, 2, forward=True)
    assert (q1.start, q1.end) == (dt.date(2027, 2, 1), dt.date(2027, 5, 1))


def test_an_unknown_period_names_what_is_understood() -> None:
    with pytest.raises(InputError, match="next 30 days"):
        parse_period("fortnight after next", FRIDAY)


@pytest.mark.parametrize(
    "phrase", ["9999-Q4", "9999", "FY9999", "9999-H2", "0000-Q1", "0001", "9998-12-01..9998-12-31"]
)
def test_a_period_at_the_edge_of_the_calendar_is_an_input_error(phrase: str) -> None:
    """Found by the API contract tests: "9999-Q4" ran the date arithmetic past year 9999 (a 500)."""
    with pytest.raises(InputError, match="too far in the past or the future"):
        parse_period(phrase, FRIDAY)
    assert parse_period("9997-Q4", FRIDAY).end == dt.date(9998, 1, 1)
    assert parse_period("0002", FRIDAY).start == dt.date(2, 1, 1)


def test_a_day_that_does_not_exist_is_named() -> None:
    with pytest.raises(InputError, match="there is no day feb 30"):
        parse_period("feb 30 to today", FRIDAY)
