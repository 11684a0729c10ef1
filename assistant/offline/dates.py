"""Periods written as days, holidays, spans and halves, rewritten into the period phrases the tools
read, before anything else reads the question.

"pipe closing before xmas" is the open deals closing from today to Christmas Eve; "since sept 1"
runs from that day to today; "from Oct 1 to Nov 15" and "October through December" are spans; "the
second half of 2017" is H2 2017; "Q1 next year" is next year's first quarter; "the last fortnight"
is the last two weeks. A day without a year is its next occurrence when the period looks ahead
("before", "by", "until") and its last one when it looks back ("since", "from"). The result is a
span of ISO dates (``2026-11-20..2026-12-24``), which :func:`tools.periods.parse_period` reads and
the answer states.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

from tools.period_spans import MONTH_NUMBERS

MONTH = r"(?:" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
#: Days people name by their holiday.
HOLIDAYS = {
    "christmas eve": (12, 24),
    "christmas": (12, 24),
    "xmas": (12, 24),
    "x-mas": (12, 24),
    "new year's eve": (12, 31),
    "new years eve": (12, 31),
    "new year": (12, 31),
    "new years": (12, 31),
    "new year's": (12, 31),
    "the holidays": (12, 24),
    "thanksgiving": (11, 26),
}
HOLIDAY = r"(?:" + "|".join(re.escape(h) for h in sorted(HOLIDAYS, key=len, reverse=True)) + r")"


def _day_pattern(p: str) -> str:
    """One day: "dec 25", "december 25th", "25 dec", "12/25", "2026-12-25", "dec 25, 2026", or a
    holiday; its groups are prefixed with ``p`` so two days fit in one pattern."""
    return (
        rf"(?:(?P<{p}m>{MONTH}) (?P<{p}d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<{p}y>\d{{4}}))?"
        rf"|(?P<{p}d2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<{p}m2>{MONTH})(?:,? (?P<{p}y2>\d{{4}}))?"
        rf"|(?P<{p}iso>\d{{4}}-\d{{2}}-\d{{2}})"
        rf"|(?P<{p}n1>\d{{1,2}})/(?P<{p}n2>\d{{1,2}})(?:/(?P<{p}ny>\d{{2,4}}))?"
        rf"|(?P<{p}h>{HOLIDAY}))"
    )


AHEAD = re.compile(
    rf"\b(?:before|by|until|till|til|through|thru|up to) (?:the )?{_day_pattern('a')}(?![\w/-])", re.I
)
SINCE = re.compile(rf"\b(?:since|after) (?:the )?{_day_pattern('s')}(?![\w/-])", re.I)
SPAN = re.compile(
    rf"\b(?:from |between )?{_day_pattern('f')} (?:to|through|thru|until|till|and|-) "
    rf"{_day_pattern('t')}(?![\w/-])",
    re.I,
)
MONTH_SPAN = re.compile(
    rf"\b(?:from )?(?P<first>{MONTH})(?: (?P<y1>\d{{4}}))? (?:to|through|thru|until|till|-) "
    rf"(?P<last>{MONTH})(?: (?P<y2>\d{{4}}))?\b(?! \d{{1,2}}\b)",
    re.I,
)
#: "for Oct, Nov and Dec", "September & October": consecutive months listed, read as their span.
MONTH_LIST = re.compile(
    rf"\b(?P<first>{MONTH})(?P<middle>(?:\s*,\s*{MONTH})*)\s*,?\s*(?:and|&|\+)\s*(?P<last>{MONTH})\b(?! \d)",
    re.I,
)
THROUGH_MONTH = re.compile(rf"\b(?:through|thru|until|till) (?:the end of )?(?P<m>{MONTH})\b(?! \d)", re.I)
HALF = re.compile(
    r"\b(?:the )?(first|second|1st|2nd|back|front) half(?: of)?(?: (?:the )?year)?(?: (\d{4}))?\b", re.I
)
NEXT_YEARS_QUARTER = re.compile(
    r"\b(?:q([1-4]) (?:of )?(next|last|this) (?:fiscal )?year"
    r"|(next|last|this) (?:fiscal )?year'?s? q([1-4]))\b",
    re.I,
)
FORTNIGHT = re.compile(r"\b(last|past|next|this) fortnight\b", re.I)


def _day(match: re.Match[str], prefix: str, as_of: dt.date, ahead: bool) -> dt.date | None:
    """The day a :func:`_day_pattern` group names (its next occurrence when ``ahead``, else its last)."""
    group = match.groupdict()
    if group.get(f"{prefix}iso"):
        try:
            return dt.date.fromisoformat(group[f"{prefix}iso"])
        except ValueError:
            return None
    year: int | None = None
    if group.get(f"{prefix}h"):
        month, day = HOLIDAYS[group[f"{prefix}h"].lower()]
    elif group.get(f"{prefix}n1"):
        month, day = int(group[f"{prefix}n1"]), int(group[f"{prefix}n2"])
        if group.get(f"{prefix}ny"):
            year = (
                int(group[f"{prefix}ny"]) % 100 + 2000
                if len(group[f"{prefix}ny"]) == 2
                else int(group[f"{prefix}ny"])
            )
    else:
        name = (group.get(f"{prefix}m") or group.get(f"{prefix}m2") or "").lower().rstrip(".")
        month = MONTH_NUMBERS[name]
        day = int(group.get(f"{prefix}d") or group.get(f"{prefix}d2") or 0)
        written = group.get(f"{prefix}y") or group.get(f"{prefix}y2")
        year = int(written) if written else None
    candidates = [year] if year else [as_of.year, as_of.year + 1] if ahead else [as_of.year, as_of.year - 1]
    for value in candidates:
        try:
            found = dt.date(value, month, day)
        except ValueError:
            return None
        if year or (found >= as_of if ahead else found <= as_of):
            return found
    return None


def _span(start: dt.date, last: dt.date) -> str:
    return f"{start.isoformat()}..{last.isoformat()}"


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def rewrite(question: str, as_of: dt.date) -> str:
    """``question`` with its days, spans, halves and "Q1 next year" written as period phrases."""

    def span(match: re.Match[str]) -> str:
        # the first day in the year of today (unless written), the last its next occurrence after it
        first = _day(match, "f", as_of.replace(month=1, day=1), ahead=True)
        last = _day(match, "t", first, ahead=True) if first else None
        return f" {_span(first, last)} " if first and last else match.group()

    def ahead(match: re.Match[str]) -> str:
        last = _day(match, "a", as_of, ahead=True)
        return f" {_span(as_of, last)} " if last else match.group()

    def since(match: re.Match[str]) -> str:
        first = _day(match, "s", as_of, ahead=False)
        return f" {_span(first, as_of)} " if first else match.group()

    def months(match: re.Match[str]) -> str:
        first, last = (
            MONTH_NUMBERS[match["first"].lower().rstrip(".")],
            MONTH_NUMBERS[match["last"].lower().rstrip(".")],
        )
        y1 = int(match["y1"] or match["y2"] or as_of.year)
        y2 = int(match["y2"] or (y1 + 1 if last < first else y1))
        return f" {_span(dt.date(y1, first, 1), _month_end(y2, last))} "

    def listed(match: re.Match[str]) -> str:
        names = [match["first"], *re.findall(MONTH, match["middle"], re.I), match["last"]]
        numbers = [MONTH_NUMBERS[n.lower().rstrip(".")] for n in names]
        if any(b != a + 1 for a, b in itertools.pairwise(numbers)):
            return match.group()  # "January and March" are two months, not a span
        # months listed look back: the latest such run that has begun by today
        year = as_of.year if numbers[0] <= as_of.month else as_of.year - 1
        return f" {_span(dt.date(year, numbers[0], 1), _month_end(year, numbers[-1]))} "

    def through(match: re.Match[str]) -> str:
        month = MONTH_NUMBERS[match["m"].lower().rstrip(".")]
        year = as_of.year if month >= as_of.month else as_of.year + 1
        return f" {_span(as_of, _month_end(year, month))} "

    def half(match: re.Match[str]) -> str:
        which = "1" if match[1].lower() in ("first", "1st", "front") else "2"
        return f" h{which} {match[2]} " if match[2] else f" h{which} "

    def year_quarter(match: re.Match[str]) -> str:
        number = match[1] or match[4]
        shift = {"next": 1, "last": -1, "this": 0}[(match[2] or match[3]).lower()]
        return f" q{number} {as_of.year + shift} "

    text = SPAN.sub(span, question)
    text = MONTH_SPAN.sub(months, text)
    text = MONTH_LIST.sub(listed, text)
    text = AHEAD.sub(ahead, text)
    text = SINCE.sub(since, text)
    text = THROUGH_MONTH.sub(through, text)
    text = HALF.sub(half, text)
    text = NEXT_YEARS_QUARTER.sub(year_quarter, text)
    text = FORTNIGHT.sub(lambda m: f"{m[1]} 2 weeks", text)
    return " ".join(text.split()) if text != question else question
