"""Time grains: the bucket (its first day, its label) a date falls in, for breakdowns over time.

Grains bucket the anchor date in Python, so SQLite and PostgreSQL agree to the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from tools.periods import quarter_containing


def _fiscal_year(day: dt.date, fy_start_month: int) -> tuple[dt.date, str]:
    year = day.year if day.month >= fy_start_month else day.year - 1
    name = quarter_containing(day, fy_start_month).label.split("-Q")[0]
    return dt.date(year, fy_start_month, 1), name if fy_start_month == 1 else f"FY{name}"


@dataclass(frozen=True)
class Grain:
    """A time grain: the bucket (its first day, its label) a date falls in."""

    key: str
    bucket: Callable[[dt.date, int], tuple[dt.date, str]]
    aliases: tuple[str, ...] = ()


def _week(day: dt.date, _: int) -> tuple[dt.date, str]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, f"week of {monday.isoformat()}"


def _quarter(day: dt.date, fy_start_month: int) -> tuple[dt.date, str]:
    quarter = quarter_containing(day, fy_start_month)
    return quarter.start, quarter.label


GRAINS: dict[str, Grain] = {
    g.key: g
    for g in (
        Grain("day", lambda day, _: (day, day.isoformat()), ("daily", "date", "days")),
        Grain("week", _week, ("weekly", "weeks")),
        Grain("month", lambda day, _: (day.replace(day=1), f"{day:%Y-%m}"), ("monthly", "months")),
        Grain("quarter", _quarter, ("quarterly", "quarters", "fiscal quarter")),
        Grain("year", _fiscal_year, ("yearly", "annual", "annually", "years", "fiscal year")),
    )
}
#: What a fact without a date is grouped under, by any grain.
NO_DATE = "(no date)"
