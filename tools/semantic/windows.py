"""The dates a measure covers: the period asked for, a measure's default, and the periods compared.

* A period phrase is :func:`tools.periods.parse_period`'s (fiscal quarters and years, "YTD",
  "last month", "2026-01-01..2026-03-31").
* Without one, each measure takes its default (:class:`~tools.semantic.measures.Default`): fiscal
  year to date, all open deals, or the current quarter.
* ``previous_period`` is the period just before, of the same kind: the previous quarter for a
  quarter, the previous month for a month, the same days of the previous quarter (or month, or
  fiscal year) for a to-date period, and otherwise the same number of days just before.
  ``last_year`` is the same dates a year earlier.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from tools.periods import Period, date_range, parse_period, quarter_containing
from tools.semantic.measures import Default


@dataclass(frozen=True)
class Window:
    """A half-open date range ``[start, end)``, or no date bound at all (every open deal)."""

    label: str
    start: dt.date | None = None
    end: dt.date | None = None
    quota_periods: tuple[str, ...] = ()

    @classmethod
    def of(cls, period: Period) -> Window:
        return cls(period.label, period.start, period.end, tuple(period.quota_periods))

    @property
    def bounded(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def last_day(self) -> dt.date | None:
        return None if self.end is None else self.end - dt.timedelta(days=1)

    def describe(self) -> str:
        if self.start is None or self.last_day is None:
            return self.label
        dates = f"{self.start} to {self.last_day}"
        return self.label if self.label == dates else f"{self.label} ({dates})"


ALL_OPEN = Window("all open deals, whatever their close date")


def asked(text: str, as_of: dt.date, fy_start_month: int) -> Window:
    return Window.of(parse_period(text, as_of, fy_start_month))


TODAY_TEAM = Window("the team as it is today")
TODAY_ACCOUNTS = Window("the accounts as they are today")


def default_window(default: Default, as_of: dt.date, fy_start_month: int) -> Window:
    if default is Default.ALL_OPEN:
        return ALL_OPEN
    if default is Default.NOW:
        return TODAY_TEAM
    if default is Default.ACCOUNTS_NOW:
        return TODAY_ACCOUNTS
    phrase = "ytd" if default is Default.FISCAL_YTD else "this quarter"
    return asked(phrase, as_of, fy_start_month)


def shift(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, kept inside the month it lands in (Mar 31 - 1 month = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def span(start: dt.date, end: dt.date, fy_start_month: int) -> Window:
    """The window ``[start, end)``, named as a quarter, fiscal year or month when it is exactly one."""
    found = date_range(start.isoformat(), (end - dt.timedelta(days=1)).isoformat(), fy_start_month)
    label = found.label
    quarter = quarter_containing(start, fy_start_month)
    if start.day == 1 and end.day == 1:
        months = _months(start, end)
        if months == 3 and quarter.start == start:
            label = quarter.label
        elif months == 12 and start.month == fy_start_month:
            name = quarter.label.split("-Q")[0]
            label = name if fy_start_month == 1 else f"FY{name}"
        elif months == 1:
            label = f"{start:%B %Y}"
    return Window(label, start, end, tuple(found.quota_periods))


def _aligned(start: dt.date, months: int, fy_start_month: int) -> bool:
    if months == 3:
        return quarter_containing(start, fy_start_month).start == start
    if months == 12:
        return start.month == fy_start_month
    return True


def previous_window(window: Window, fy_start_month: int) -> Window | None:
    """The period just before ``window`` (None when it has no dates)."""
    start, end = window.start, window.end
    if start is None or end is None:
        return None
    if start.day == 1 and end.day == 1:
        months = _months(start, end)
        return span(shift(start, -months), start, fy_start_month)
    if start.day == 1:
        for months in (1, 3, 12):
            if end <= shift(start, months) and _aligned(start, months, fy_start_month):
                return span(shift(start, -months), shift(end, -months), fy_start_month)
    days = end - start
    return span(start - days, start, fy_start_month)


def year_earlier(window: Window, fy_start_month: int) -> Window | None:
    """The same dates a year before ``window`` (None when it has no dates)."""
    if window.start is None or window.end is None:
        return None
    return span(shift(window.start, -12), shift(window.end, -12), fy_start_month)


def compared_window(
    compare: str | None, window: Window, as_of: dt.date, fy_start_month: int
) -> Window | None:
    """The period ``window`` is set against: the one before it, the same dates a year earlier, or a
    period named outright ("all of last year", "Q1") — None when nothing is compared."""
    if not compare:
        return None
    if compare == "previous_period":
        return previous_window(window, fy_start_month)
    if compare == "last_year":
        return year_earlier(window, fy_start_month)
    return asked(compare, as_of, fy_start_month)
