"""Spans a period phrase can name beside the single periods of :mod:`tools.periods`: days ("jan 1
thru today", "from march 3 to june 30 2026", "since oct 15"), quarters or months ("Q1-Q3", "q2 to q4
2025", "jan-mar", "march through june 2026") and "this month or next" — each read as its first and
last day, both included; and the words of relative periods (:data:`ALL_TIME`, :data:`WINDOW`,
:data:`AGO`, :data:`HALF`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Protocol

from tools.errors import InputError


class Dated(Protocol):
    """A period, as :class:`tools.periods.Period` is: its first day and the day after its last."""

    @property
    def start(self) -> dt.date: ...

    @property
    def end(self) -> dt.date: ...

    @property
    def last_day(self) -> dt.date: ...


#: Month names and abbreviations ("sep", "sept", "september") by month number.
MONTH_NUMBERS: dict[str, int] = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
#: "Q1-Q3", "q2 to q4 2025", "jan-mar", "march through june 2026": from the first to the end of the last.
_PART_SPAN = re.compile(
    r"(q[1-4]|[a-z]+)\s*(?:-|–|to|thru|through|until)\s*(q[1-4]|[a-z]+)(?:\s+((?:19|20)\d{2}))?"
)


def _day_pattern(n: int) -> str:
    month = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
    return (
        rf"(?:(?P<m{n}>{month})\.? (?P<d{n}>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y{n}>\d{{4}}))?"
        r"|today|now|date)"
    )


#: A span of days: "jan 1 thru today", "march 3 - june 30", "since oct 15" (to today).
_DAYS = re.compile(
    rf"(?:(?:from )?{_day_pattern(1)} (?:thru|through|to|until|till|-) {_day_pattern(2)}"
    rf"|since {_day_pattern(3)})"
)


def _day(month: str, day: str, year: str | None, as_of: dt.date) -> dt.date:
    try:
        return dt.date(int(year) if year else as_of.year, MONTH_NUMBERS[month], int(day))
    except ValueError as exc:
        raise InputError(f"there is no day {month} {day}{f' {year}' if year else ''}") from exc


def _part(word: str) -> bool:
    """A quarter ("q3") or a month ("march", "mar") a span of them is made of."""
    return bool(re.fullmatch(r"q[1-4]", word)) or word in MONTH_NUMBERS


#: "this month or next", "this quarter or the next one": both.
_EITHER = re.compile(r"this (month|quarter|week) or (?:the )?next(?: one| (?:month|quarter|week))?")


def span_of_days(
    phrase: str, as_of: dt.date, period: Callable[[str], Dated]
) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the span ``phrase`` names, if it names one (``period`` reads a single
    period phrase, as :func:`tools.periods.parse_period` does)."""
    either = _EITHER.fullmatch(phrase)
    if either:
        now, then = period(f"this {either[1]}"), period(f"next {either[1]}")
        return now.start, then.last_day
    parts = _PART_SPAN.fullmatch(phrase)
    if parts and _part(parts[1]) and _part(parts[2]):
        named_year = f" {parts[3]}" if parts[3] else ""
        opening, closing = (period(f"{p}{named_year}") for p in (parts[1], parts[2]))
        if opening.start < closing.end:
            return opening.start, closing.last_day
    found = _DAYS.fullmatch(phrase)
    if found is None:
        return None
    which = "1" if found["m1"] or not found["m3"] else "3"
    given = found[f"m{which}"]
    start = _day(given, found[f"d{which}"], found[f"y{which}"], as_of) if given else as_of
    last = _day(found["m2"], found["d2"], found["y2"], as_of) if found["m2"] else as_of
    if given and not found[f"y{which}"] and start > last:
        start = start.replace(year=start.year - 1)  # "dec 1 to jan 15": the December before
    return start, last


# The words of relative periods parse_period reads: every record ("all time"), weekdays, counts in
# words, rolling windows, whole units counted back ("two quarters ago"), the trailing year, halves.
ALL_TIME = frozenset(
    {"all time", "all-time", "of all time", "lifetime", "ever", "since the beginning"}
    | {"full history", "all history", "the whole history", "since we started", "since day one"}
    # "why did we lose the old ones": every record, the older ones included
    | {"old ones", "older ones", "earlier ones", "historically", "over the years"}
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12, "eighteen": 18}
WINDOW = re.compile(
    rf"(last|past|next|coming|trailing|rolling) (\d{{1,3}}|{'|'.join(COUNTS)})"
    r" (days?|weeks?|months?|quarters?|years?)"
)
AGO = re.compile(
    rf"(?:(?P<count>\d{{1,2}}|a|an|one|{'|'.join(COUNTS)}) (?P<unit>week|month|quarter|year)s? ago"
    r"|(?P<before_last>week|month|quarter|year) before last)"
)
#: "TTM", "LTM": the trailing twelve months.
TRAILING_YEAR = ("ttm", "ltm", "trailing twelve months", "last twelve months", "rolling twelve months")
HALF = re.compile(r"(?:(?:fy)?(\d{4})[\s-]*)?h([12])(?:[\s-]*(?:fy)?(\d{4}))?")
