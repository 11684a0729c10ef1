"""Time periods people say ("this quarter", "Q3", "last month", "2017", "YTD"), relative to ``as_of``,
and explicit ranges ("2026-01-01..2026-03-31", both days included).

Also: weeks (starting on Monday), rolling windows ("last 30 days", "next 3 months"), whole units
back ("two quarters ago"), "since March" (to today), halves ("H2 2026"), "FY" and "today".

A forward-looking question (a forecast, a quota, pipeline closing) that names a quarter or a month
without a year means the next one: ``parse_period("Q1", …, forward=True)`` in late November is the
Q1 to come, not the one that ended, and the period says so (``rolled_forward``).

Quarters and years are fiscal: ``fiscal_year_start_month`` (1 = January) sets where they begin, and
a fiscal year is named after the calendar year it ends in (FY2027 starting in February 2026 ends in
January 2027). With the default January start, fiscal and calendar periods coincide and quota
periods read ``2026-Q4``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from pydantic import BaseModel

from tools.errors import InputError
from tools.period_spans import (
    AGO,
    ALL_TIME,
    COUNTS,
    HALF,
    MONTH_NUMBERS,
    TRAILING_YEAR,
    WEEKDAYS,
    WINDOW,
    span_of_days,
)


class Period(BaseModel):
    """A half-open date range ``[start, end)`` with the label people know it by."""

    label: str
    start: dt.date
    end: dt.date
    #: Quota period labels (e.g. ``2026-Q4``) the range covers, for attainment and coverage.
    quota_periods: list[str] = []
    #: A quarter or month named without a year that had passed, read as the next one (``forward``).
    rolled_forward: bool = False

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day < self.end

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


#: The first and last day a period may cover (a year of room on either side of it).
EARLIEST = dt.date(2, 1, 1)
LATEST = dt.date(9998, 1, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _fiscal_year_start(day: dt.date, start_month: int) -> dt.date:
    year = day.year if day.month >= start_month else day.year - 1
    return dt.date(year, start_month, 1)


def _quarter(start: dt.date, fy_start_month: int) -> Period:
    fy_start = _fiscal_year_start(start, fy_start_month)
    number = (start.year * 12 + start.month - fy_start.year * 12 - fy_start.month) // 3 + 1
    fy_name = fy_start.year if fy_start_month == 1 else fy_start.year + 1
    label = f"{fy_name}-Q{number}"
    return Period(label=label, start=start, end=_add_months(start, 3), quota_periods=[label])


def quarter_containing(day: dt.date, fy_start_month: int = 1) -> Period:
    fy_start = _fiscal_year_start(day, fy_start_month)
    offset = (day.year * 12 + day.month - fy_start.year * 12 - fy_start.month) // 3 * 3
    return _quarter(_add_months(fy_start, offset), fy_start_month)


def _fiscal_year(fy_name: int, fy_start_month: int) -> Period:
    start = dt.date(fy_name if fy_start_month == 1 else fy_name - 1, fy_start_month, 1)
    quarters = [_quarter(_add_months(start, 3 * i), fy_start_month).label for i in range(4)]
    label = str(fy_name) if fy_start_month == 1 else f"FY{fy_name}"
    return Period(label=label, start=start, end=_add_months(start, 12), quota_periods=quarters)


_SPAN = re.compile(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})")
_QUARTER = re.compile(r"^(?:(?:fy)?(\d{4})[\s-]*)?q([1-4])(?:[\s-]*(?:fy)?(\d{4}))?$")
_MONTHS = MONTH_NUMBERS


def parse_period(text: str, as_of: dt.date, fy_start_month: int = 1, *, forward: bool = False) -> Period:
    """Resolve a period phrase relative to ``as_of``; raise :class:`InputError` when unknown.

    ``forward``: a quarter or month named without a year that has already ended means the next one.
    A period must leave a year on either side inside the calendar (years 2 to 9997), so that "the
    same period a year earlier" can always be worked out; "9999-Q4" or "0000" is an input error.
    """
    try:
        period = _resolve(text, as_of, fy_start_month, forward)
    except (ValueError, OverflowError) as exc:  # date arithmetic ran past year 1 or 9999
        raise InputError(f"the period {text!r} is too far in the past or the future") from exc
    if period.start < EARLIEST or period.end > LATEST:
        raise InputError(f"the period {text!r} is too far in the past or the future")
    return period


def _resolve(text: str, as_of: dt.date, fy_start_month: int, forward: bool) -> Period:
    period = _parse(text, as_of, fy_start_month)
    phrase = " ".join(text.casefold().split())
    if forward and period.end <= as_of and not re.search(r"\d{4}|last|previous|past|ago", phrase):
        if _QUARTER.fullmatch(phrase.replace(" ", "")) is not None:
            fy_now = _fiscal_year_start(as_of, fy_start_month)
            next_fy = (fy_now.year if fy_start_month == 1 else fy_now.year + 1) + 1
            return _parse(f"{phrase} {next_fy}", as_of, fy_start_month).model_copy(
                update={"rolled_forward": True}
            )
        if phrase.split()[-1] in _MONTHS:
            later = _parse(f"{phrase} {as_of.year + 1}", as_of, fy_start_month)
            return later.model_copy(update={"rolled_forward": True})
    return period


def _same_day(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole ``months``, on the same day of the month (the last, if shorter)."""
    first = _add_months(day, months)
    return first.replace(day=min(day.day, calendar.monthrange(first.year, first.month)[1]))


def _week(start: dt.date, label: str) -> Period:
    return Period(
        label=f"{label} (week of {start:%b} {start.day})", start=start, end=start + dt.timedelta(days=7)
    )


def _calendar(phrase: str, as_of: dt.date, fy_start_month: int) -> Period | None:
    """Weeks, rolling windows, "since …", halves and "today": the periods that are not quarters,
    months or years."""
    monday = as_of - dt.timedelta(days=as_of.weekday())
    weeks = {"this week": (monday, "this week"), "current week": (monday, "this week")}
    weeks |= {"next week": (monday + dt.timedelta(days=7), "next week")}
    weeks |= {"last week": (monday - dt.timedelta(days=7), "last week")}
    weeks |= {"previous week": (monday - dt.timedelta(days=7), "last week")}
    if phrase in weeks:
        return _week(*weeks[phrase])
    tomorrow = as_of + dt.timedelta(days=1)
    if phrase in ALL_TIME:
        # "lifetime bookings", "our biggest deal ever": every record up to today
        return Period(label="all time", start=dt.date(1900, 1, 1), end=tomorrow)
    if phrase == "today":
        return Period(label=f"today ({as_of:%b} {as_of.day})", start=as_of, end=tomorrow)
    if phrase == "yesterday":
        day = as_of - dt.timedelta(days=1)
        return Period(label=f"yesterday ({day:%b} {day.day})", start=day, end=as_of)
    quarters = re.fullmatch(
        r"(?:the )?(?:last|past|previous|prior) (\d|two|three|four) (?:full |whole )?quarters", phrase
    )
    if quarters:
        # "the last 2 quarters": the whole quarters before this one, as "last quarter" is one of them
        count = COUNTS.get(quarters[1]) or int(quarters[1])
        start = quarter_containing(as_of, fy_start_month).start
        whole = [quarter_containing(_add_months(start, -3 * n), fy_start_month) for n in range(count, 0, -1)]
        label = f"the last {count} quarters ({whole[0].label}–{whole[-1].label})"
        return Period(label=label, start=whole[0].start, end=start, quota_periods=[q.label for q in whole])
    ago = AGO.fullmatch(phrase)
    if ago and not (ago["unit"] == "year" and ago["count"] == "a"):  # "a year ago" sets a comparison
        # "two quarters ago", "3 months ago", "the month before last": that one whole unit, back from this one
        if ago["before_last"]:
            return _units_back(ago["before_last"], 2, as_of, fy_start_month)
        count = COUNTS.get(ago["count"]) or (1 if ago["count"] in ("a", "an", "one") else int(ago["count"]))
        return _units_back(ago["unit"], count, as_of, fy_start_month)
    if phrase in TRAILING_YEAR:
        phrase = "last 12 months"
    # "the past week", "this past month": one of the unit, counted back from today
    phrase = re.sub(
        r"^(?:this |the )?(past|trailing|rolling) (day|week|month|quarter|year)$", r"\1 1 \2", phrase
    )
    window = WINDOW.fullmatch(phrase)
    if window:
        word, unit = window.group(2), window.group(3).rstrip("s")
        count = COUNTS.get(word) or int(word)
        days = count * {"day": 1, "week": 7, "month": 30}.get(unit, 0)
        ahead = window.group(1) in ("next", "coming")  # "trailing" and "rolling" look back
        label = f"{'next' if ahead else 'last'} {count} {unit}{'s' * (count != 1)}"
        if unit in ("quarter", "year") or (unit == "month" and count % 12 == 0):
            # "the last two years", "trailing 12 months": as many whole months back (or ahead) from today
            months = count * {"quarter": 3, "year": 12}.get(unit, 1)
            if ahead:
                return Period(label=label, start=as_of, end=_same_day(as_of, months))
            return Period(label=label, start=_same_day(tomorrow, -months), end=tomorrow)
        if ahead:
            return Period(label=label, start=as_of, end=as_of + dt.timedelta(days=days))
        return Period(label=label, start=tomorrow - dt.timedelta(days=days), end=tomorrow)
    since = re.fullmatch(r"since ([a-z]+)", phrase)
    if since and since.group(1) in WEEKDAYS:
        back = (as_of.weekday() - WEEKDAYS.index(since.group(1))) % 7
        return Period(label=phrase, start=as_of - dt.timedelta(days=back), end=tomorrow)
    if since and since.group(1) in _MONTHS:
        number = _MONTHS[since.group(1)]
        start = dt.date(as_of.year if number <= as_of.month else as_of.year - 1, number, 1)
        return Period(label=phrase, start=start, end=tomorrow)
    spanned = span_of_days(
        phrase,
        as_of,
        lambda text: _calendar(text, as_of, fy_start_month) or _parse(text, as_of, fy_start_month),
    )
    if spanned is not None:
        # "jan 1 thru today", "Q1-Q3", "jan-mar", "this month or next": from the first day to the last
        return date_range(spanned[0].isoformat(), spanned[1].isoformat(), fy_start_month)
    half = HALF.fullmatch(phrase.replace(" ", ""))
    if half:
        fy_now = _fiscal_year_start(as_of, fy_start_month)
        fy_name = int(
            half.group(1) or half.group(3) or (fy_now.year if fy_start_month == 1 else fy_now.year + 1)
        )
        year = _fiscal_year(fy_name, fy_start_month)
        first = half.group(2) == "1"
        start = year.start if first else _add_months(year.start, 6)
        quotas = year.quota_periods[:2] if first else year.quota_periods[2:]
        label = f"H{half.group(2)} {year.label}"
        return Period(label=label, start=start, end=_add_months(start, 6), quota_periods=quotas)
    return None


def _units_back(unit: str, count: int, as_of: dt.date, fy_start_month: int) -> Period:
    """The whole week, month, quarter or fiscal year ``count`` of them before the one ``as_of`` is in."""
    if unit == "week":
        monday = as_of - dt.timedelta(days=as_of.weekday() + 7 * count)
        return _week(monday, f"{count} week{'s' * (count != 1)} ago")
    if unit == "month":
        return _month(_add_months(as_of.replace(day=1), -count))
    if unit == "quarter":
        this_quarter = quarter_containing(as_of, fy_start_month)
        return quarter_containing(_add_months(this_quarter.start, -3 * count), fy_start_month)
    fy_now = _fiscal_year_start(as_of, fy_start_month)
    return _fiscal_year((fy_now.year if fy_start_month == 1 else fy_now.year + 1) - count, fy_start_month)


def _parse(text: str, as_of: dt.date, fy_start_month: int) -> Period:
    phrase = " ".join(text.casefold().replace("’", "'").split())
    phrase = re.sub(r"\bqtr\b", "quarter", phrase)
    # "FY25", "fy'26", "Q3 FY26": a two-digit fiscal year in the data's century
    century = as_of.year // 100 * 100
    phrase = re.sub(r"\bfy\s*['-]?\s*(\d{2})\b", lambda m: f"fy{century + int(m[1])}", phrase)
    phrase = phrase.removeprefix("the ").removeprefix("in ")
    calendar = _calendar(phrase, as_of, fy_start_month)
    if calendar is not None:
        return calendar
    current_q = quarter_containing(as_of, fy_start_month)
    relative = {
        "this quarter": current_q,
        "current quarter": current_q,
        "qtd": Period(
            label=f"{current_q.label} to date",
            start=current_q.start,
            end=as_of + dt.timedelta(days=1),
            quota_periods=current_q.quota_periods,
        ),
        "next quarter": quarter_containing(current_q.end, fy_start_month),
        "last quarter": quarter_containing(current_q.start - dt.timedelta(days=1), fy_start_month),
        "previous quarter": quarter_containing(current_q.start - dt.timedelta(days=1), fy_start_month),
    }
    if phrase in relative:
        return relative[phrase]
    explicit = _SPAN.fullmatch(phrase)
    if explicit:
        return date_range(explicit.group(1), explicit.group(2), fy_start_month)
    fy_now = _fiscal_year_start(as_of, fy_start_month)
    fy_name_now = fy_now.year if fy_start_month == 1 else fy_now.year + 1
    this_year = _fiscal_year(fy_name_now, fy_start_month)
    if phrase in ("this year", "current year", "this fiscal year", "fy", "this fy", "current fy"):
        return this_year
    if phrase in ("last year", "previous year", "last fiscal year"):
        return _fiscal_year(fy_name_now - 1, fy_start_month)
    if phrase in ("next year", "next fiscal year"):
        return _fiscal_year(fy_name_now + 1, fy_start_month)
    if phrase in ("ytd", "year to date", "this year to date", "fytd", "fiscal year to date"):
        return Period(
            label=f"{this_year.label} to date",
            start=this_year.start,
            end=as_of + dt.timedelta(days=1),
            quota_periods=_quotas_until(this_year, as_of),
        )
    month_start = as_of.replace(day=1)
    if phrase in ("this month", "current month"):
        return _month(month_start)
    if phrase in ("mtd", "month to date", "this month to date"):
        this_month = _month(month_start)
        return Period(
            label=f"{this_month.label} to date", start=month_start, end=as_of + dt.timedelta(days=1)
        )
    if phrase in ("last month", "previous month"):
        return _month(_add_months(month_start, -1))
    if phrase == "next month":
        return _month(_add_months(month_start, 1))
    quarter = _QUARTER.fullmatch(phrase.replace(" ", ""))
    if quarter:
        year_text = quarter.group(1) or quarter.group(3)
        number = int(quarter.group(2))
        fy_name = int(year_text) if year_text else fy_name_now
        start = _add_months(_fiscal_year(fy_name, fy_start_month).start, 3 * (number - 1))
        return _quarter(start, fy_start_month)
    year = re.fullmatch(r"(?:fy\s*)?(\d{4})", phrase)
    if year:
        return _fiscal_year(int(year.group(1)), fy_start_month)
    month = re.fullmatch(r"([a-z]+)(?:\s+(\d{4}))?", phrase)
    if month and month.group(1) in _MONTHS:
        number = _MONTHS[month.group(1)]
        year_value = int(month.group(2)) if month.group(2) else as_of.year
        return _month(dt.date(year_value, number, 1))
    raise InputError(
        f"unknown period {text!r}; try 'this quarter', 'next quarter', 'Q3', 'last month', 'this week', "
        "'next 30 days', 'H1', '2026', 'YTD' or '2026-01-01..2026-03-31'"
    )


def date_range(first: str, last: str, fy_start_month: int = 1) -> Period:
    """The days ``first`` to ``last`` inclusive (ISO dates), with the quota quarters that start in them."""
    try:
        start, last_day = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    except ValueError as exc:
        raise InputError(f"not a date range: {first}..{last} (use YYYY-MM-DD..YYYY-MM-DD)") from exc
    if last_day < start or last_day.year >= 9999:
        raise InputError(f"the range {first}..{last} ends before it starts or past year 9998")
    end = last_day + dt.timedelta(days=1)
    quarters, quarter = [], quarter_containing(start, fy_start_month)
    while quarter.start < end:
        if quarter.start >= start:
            quarters.append(quarter.label)
        quarter = quarter_containing(quarter.end, fy_start_month)
    return Period(label=f"{start} to {last_day}", start=start, end=end, quota_periods=quarters)


def _month(start: dt.date) -> Period:
    return Period(label=start.strftime("%B %Y"), start=start, end=_add_months(start, 1))


def _quotas_until(year: Period, as_of: dt.date) -> list[str]:
    labels = []
    for index, label in enumerate(year.quota_periods):
        if _add_months(year.start, 3 * index) <= as_of:
            labels.append(label)
    return labels
