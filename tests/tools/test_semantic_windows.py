"""The periods a metric query covers and compares with: defaults, previous periods, a year earlier,
explicit ranges, fiscal years that start in another month, and the time grains."""

from __future__ import annotations

import datetime as dt

import pytest

from tools.errors import InputError
from tools.periods import parse_period
from tools.semantic import GRAINS
from tools.semantic.measures import Default
from tools.semantic.windows import (
    ALL_OPEN,
    Window,
    compared_window,
    default_window,
    previous_window,
    year_earlier,
)

AS_OF = dt.date(2026, 11, 20)
D = dt.date


def window(text: str, fy_start_month: int = 1) -> Window:
    return Window.of(parse_period(text, AS_OF, fy_start_month))


def dates(found: Window | None) -> tuple[str, dt.date | None, dt.date | None]:
    assert found is not None
    return found.label, found.start, found.last_day


def span(found: Window | None) -> str:
    assert found is not None
    dates = f"{found.start}..{found.last_day}"
    return dates if found.label == f"{found.start} to {found.last_day}" else f"{found.label}: {dates}"


@pytest.mark.parametrize(
    ("asked", "previous", "last_year"),
    [
        ("this quarter", "2026-Q3: 2026-07-01..2026-09-30", "2025-Q4: 2025-10-01..2025-12-31"),
        ("this month", "October 2026: 2026-10-01..2026-10-31", "November 2025: 2025-11-01..2025-11-30"),
        ("2026", "2025: 2025-01-01..2025-12-31", "2025: 2025-01-01..2025-12-31"),
        ("qtd", "2026-07-01..2026-08-20", "2025-10-01..2025-11-20"),
        ("ytd", "2025-01-01..2025-11-20", "2025-01-01..2025-11-20"),
        ("last 30 days", "2026-09-22..2026-10-21", "2025-10-22..2025-11-20"),
        ("2026-01-01..2026-06-30", "2025-07-01..2025-12-31", "2025-01-01..2025-06-30"),
    ],
)  # fmt: skip
def test_previous_period_and_a_year_earlier(asked: str, previous: str, last_year: str) -> None:
    assert span(previous_window(window(asked), 1)) == previous
    assert span(year_earlier(window(asked), 1)) == last_year


def test_quota_quarters_follow_the_compared_period() -> None:
    before = previous_window(window("this quarter"), 1)
    assert before is not None and before.quota_periods == ("2026-Q3",)
    ytd = year_earlier(window("ytd"), 1)
    assert ytd is not None and ytd.quota_periods == ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")


def test_fiscal_years_starting_in_february() -> None:
    quarter = window("this quarter", 2)  # FY2027 starts 2026-02-01; Q4 is Nov 2026 - Jan 2027
    assert (quarter.label, quarter.start) == ("2027-Q4", D(2026, 11, 1))
    assert dates(previous_window(quarter, 2)) == ("2027-Q3", D(2026, 8, 1), D(2026, 10, 31))
    assert dates(year_earlier(window("this year", 2), 2)) == ("FY2026", D(2025, 2, 1), D(2026, 1, 31))
    assert GRAINS["year"].bucket(D(2026, 1, 15), 2) == (D(2025, 2, 1), "FY2026")
    assert GRAINS["quarter"].bucket(D(2026, 1, 15), 2) == (D(2025, 11, 1), "2026-Q4")


def test_defaults_and_open_deals_have_no_earlier_period() -> None:
    assert dates(default_window(Default.FISCAL_YTD, AS_OF, 1)) == ("2026 to date", D(2026, 1, 1), AS_OF)
    assert default_window(Default.QUARTER, AS_OF, 1).label == "2026-Q4"
    assert default_window(Default.ALL_OPEN, AS_OF, 1) is ALL_OPEN
    assert previous_window(ALL_OPEN, 1) is None and year_earlier(ALL_OPEN, 1) is None


def test_explicit_ranges() -> None:
    found = parse_period("2026-02-01 .. 2026-07-15", AS_OF)
    assert (found.start, found.end, found.quota_periods) == (
        D(2026, 2, 1),
        D(2026, 7, 16),
        ["2026-Q2", "2026-Q3"],
    )
    for bad in ("2026-02-30..2026-03-01", "2026-03-01..2026-02-01"):
        with pytest.raises(InputError):
            parse_period(bad, AS_OF)


def test_time_grains() -> None:
    day = D(2026, 11, 20)  # a Friday
    assert [GRAINS[g].bucket(day, 1) for g in GRAINS] == [
        (day, "2026-11-20"),
        (D(2026, 11, 16), "week of 2026-11-16"),
        (D(2026, 11, 1), "2026-11"),
        (D(2026, 10, 1), "2026-Q4"),
        (D(2026, 1, 1), "2026"),
    ]


@pytest.mark.parametrize(
    ("compare", "expected"),
    [
        ("previous_period", "2025-01-01..2025-11-20"),
        ("last_year", "2025-01-01..2025-11-20"),
        ("last year", "2025: 2025-01-01..2025-12-31"),
        ("q1", "2026-Q1: 2026-01-01..2026-03-31"),
    ],
)
def test_a_period_is_compared_with_the_one_before_a_year_back_or_named(compare: str, expected: str) -> None:
    assert span(compared_window(compare, window("ytd"), AS_OF, 1)) == expected


def test_no_comparison_and_a_period_that_is_not_one() -> None:
    assert compared_window(None, window("ytd"), AS_OF, 1) is None
    with pytest.raises(InputError):
        compared_window("the year of the horse", window("ytd"), AS_OF, 1)
