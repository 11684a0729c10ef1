"""A period named from the thread's own: "the quarter before that", "and the month after?", "what
about two years before that", "the period before", and "that quarter" (the thread's period itself).

Read alone, "the quarter before that" names no period, and "previous quarter" names the one before
today's, so the asker's meaning ("the one before the quarter we were just looking at") is lost. Here
the phrase is replaced, before the follow-up is read, by the thread's period moved back (or on):

* by its own length when the unit said is its own kind or none ("the period before that", "the one
  before that"): Q2 after Q3, October after November, 2016 after 2017, the same number of days
  before a span of days (:func:`tools.semantic.windows.previous_window`);
* by the unit said otherwise, keeping its length ("the year before that" after Q3 2017 is Q3 2016);
* as many times as counted ("two quarters before that").

The moved period is written as the tools read it ("2017-Q2", "September 2017", "2016", or the days
``2017-01-01..2017-06-30``), so it reads as a named period. A thread with no named period (a
default such as the fiscal year to date) moves from that default: "before that" after a question with
no period is taken from the fiscal year to date, as the answer said.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.offline.period_slots import PERIOD
from tools.errors import InputError
from tools.periods import parse_period
from tools.semantic.windows import Window, previous_window, shift, span

_COUNT = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
#: "the quarter before that", "two months after that", "the year prior", "the period before"; the
#: unit is needed ("before that" alone is a time, "prior" alone a record's history).
MOVED = re.compile(
    r"\b(?:(?P<count>two|three|four|[234]) |the |a |one )?(?P<unit>week|month|quarter|year|period|one)s? "
    r"(?P<way>before|prior(?: to)?|earlier|after|later|following)"
    r"(?: (?:that|this|it|then|those|these))?\b(?! last\b)",
    re.I,
)
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
#: "that quarter", "the same month", "in that period": the thread's period itself.
THAT_PERIOD = re.compile(
    r"\b(?:(?:in|for|during|over) )?(?:that|the same|this same) (?:quarter|month|year|period|week|time)\b"
    r"(?! (?:last|a) year\b)",
    re.I,
)


def _window(phrase: str | None, as_of: dt.date, fy_start_month: int) -> Window | None:
    try:
        period = parse_period(phrase or "ytd", as_of, fy_start_month)
    except InputError:
        return None
    return Window.of(period)


def _kind(window: Window, fy_start_month: int) -> str | None:
    """ "month", "quarter" or "year" when ``window`` is exactly one, else None."""
    if window.start is None or window.end is None:
        return None
    label = span(window.start, window.end, fy_start_month).label
    if re.fullmatch(r"\d{4}-Q[1-4]", label):
        return "quarter"
    if re.fullmatch(r"(?:FY)?\d{4}", label):
        return "year"
    return "month" if re.fullmatch(r"[A-Z][a-z]+ \d{4}", label) else None


def _moved(window: Window, unit: str, steps: int, fy_start_month: int) -> Window | None:
    """``window`` moved by ``steps`` of ``unit`` (negative: back), or of its own length."""
    if window.start is None or window.end is None:
        return None
    kind = _kind(window, fy_start_month)
    if unit in ("period", "one") and kind is None:
        if steps > 0:  # the same number of days just after
            length = (window.end - window.start) * steps
            return span(window.start + length, window.end + length, fy_start_month)
        moved: Window | None = window
        for _ in range(-steps):
            moved = None if moved is None else previous_window(moved, fy_start_month)
        return moved
    if unit == "week":
        days = dt.timedelta(days=7 * steps)
        return span(window.start + days, window.end + days, fy_start_month)
    months = _MONTHS[kind if unit in ("period", "one") and kind else unit] * steps
    return span(shift(window.start, months), shift(window.end, months), fy_start_month)


def _written(window: Window, as_of: dt.date, fy_start_month: int) -> str:
    """``window`` as a period phrase the reader takes back to the same dates."""
    assert window.start is not None and window.last_day is not None
    days = f"{window.start.isoformat()}..{window.last_day.isoformat()}"
    try:
        again = parse_period(window.label, as_of, fy_start_month)
    except InputError:
        return days
    return window.label if (again.start, again.end) == (window.start, window.end) else days


def from_thread(question: str, period: str | None, as_of: dt.date, fy_start_month: int = 1) -> str:
    """``question`` with a period named from the thread's ``period`` spelt out ("the quarter before
    that" after Q3 2017 → "2017-Q2"); the question as it was when it names none."""
    same = THAT_PERIOD.search(question)
    window = _window(period, as_of, fy_start_month) if same is not None and period is not None else None
    unit = same[0].split()[-1].casefold() if same is not None else ""
    if (
        same is not None
        and window is not None
        and MOVED.search(question) is None
        # "that month" after a year by month is a month the answer showed, not the thread's year
        and (unit in ("period", "time") or _kind(window, fy_start_month) == unit)
    ):
        # "which product had my best win rate that quarter?" after Q3 2017: Q3 2017
        return f"{question[: same.start()]}{period}{question[same.end() :]}"
    match = MOVED.search(question)
    if match is None or (match["unit"].casefold() == "one" and period is None):
        return question  # "the one after that" in a thread with no period is a row of a list
    named = [m for m in PERIOD.finditer(question.casefold()) if m.end() <= match.start()]
    if named:  # "Q3 vs the quarter before that": the period the question itself named
        period = named[-1].group(0)
    window = _window(period, as_of, fy_start_month)
    if window is None:
        return question
    count = _COUNT.get((match["count"] or "").casefold(), 1)
    back = match["way"].casefold().split()[0] in ("before", "prior", "earlier")
    moved = _moved(window, match["unit"].casefold(), -count if back else count, fy_start_month)
    if moved is None or moved.start is None:
        return question
    return question[: match.start()] + _written(moved, as_of, fy_start_month) + question[match.end() :]
