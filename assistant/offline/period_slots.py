"""The period a question names, read before anything else: a named period ("Q3", "last 30 days",
"since March", "FY25"), or two of them set against each other ("Q2 vs Q1", "Q3 compared with Q3
last year"), which is a comparison: the later one is the period, the earlier says with what it is
compared. Each phrase is checked with :func:`tools.periods.parse_period` against the data's today,
and its characters are marked explained so no period is mistaken for a name."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from assistant.offline.frame import Slots
from tools.errors import InputError
from tools.lexicon import Lexicon
from tools.periods import Period, parse_period
from tools.semantic.windows import shift, span

Span = tuple[int, int]


MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
#: Month names that stand alone as periods: the full names, but "may" (a verb too often).
BARE_MONTHS = "|".join(name.lower() for name in calendar.month_name[1:] if name != "May")
#: A day: "jan 1", "march 3rd, 2025", "today".
DAY = rf"(?:(?:{MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|today|now)"
PERIOD = re.compile(
    r"\b(?:"
    # a span of days: "jan 1 thru today", "from march 3 to june 30", "since oct 15"
    rf"(?:from )?{DAY} (?:thru|through|to|until|till|-) {DAY}"
    rf"|since (?:{MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?"
    # a span of quarters or months: "Q1-Q3", "q2 to q4 2025", "jan-mar", "march through june"
    r"|q[1-4]\s*(?:-|–|to|thru|through)\s*q[1-4](?: (?:19|20)\d{2})?"
    rf"|(?:{MONTHS})\s*(?:-|–|thru|through|to)\s*(?:{MONTHS})\b(?: (?:19|20)\d{{2}})?"
    r"|ttm|ltm|(?:trailing|rolling|last) twelve months"
    r"|this (?:month|quarter|week) or (?:the )?next(?: one| (?:month|quarter|week))?|"
    r"\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}|"
    r"(?:this|next|last|previous|current) (?:quarter|qtr|month|year|fiscal year|week|fy)"
    r"|(?:this |the )?(?:past|trailing|rolling) (?:week|month|quarter|year)"
    r"|(?:this )?year to date|(?:fiscal )?year to date|ytd|fytd|qtd|mtd|today|yesterday"
    r"|(?:of )?all[- ]time|lifetime|ever|since the beginning|(?:the )?(?:full|whole|all) history"
    r"|since we started|since day one|the (?:old|older|earlier) ones|historically|over the years"
    r"|(?:last|past|next|coming|trailing|rolling) (?:\d{1,3}|two|three|four|five|six|twelve|eighteen)"
    r" (?:days?|weeks?|months?|quarters?|years?)"
    # "two quarters ago", "3 months ago", "the quarter before last" ("a year ago" sets a comparison)
    r"|(?<!over )(?<!than )(?<!under )(?<!least )(?<!within )(?<!most )(?<!> )(?<!< )"
    r"(?!a year)(?:\d{1,2}|an?|one|two|three|four|five|six) (?:weeks?|months?|quarters?|years?) ago"
    r"|(?:the )?(?:week|month|quarter|year) before last"
    r"|since (?:mon|tues|wednes|thurs|fri|satur|sun)day"
    rf"|since (?:{MONTHS})\b(?! \d)"
    r"|(?:fy ?)?\d{4}[ -]?h[12]|h[12](?:[ -]?(?:fy ?)?\d{4})?"
    r"|(?:fy ?)?\d{4}[ -]?q[1-4]|q[1-4](?:[ -]?(?:fy ?)?\d{4})?"
    rf"|(?:(?:in|for|during|since) )?(?:{MONTHS}) \d{{4}}|(?:in|for|during|since) (?:{MONTHS})"
    # a month on its own ("and September?", "October vs September"); "may" is a verb too often
    rf"|(?:{BARE_MONTHS})"
    # "oct vs sept", "sept and oct": short month names set beside another month
    rf"|(?:{MONTHS})(?= (?:vs\.?|versus|or|and|compared? (?:to|with)|to|-) (?:{MONTHS})\b)"
    rf"|(?:(?<=vs )|(?<=vs\. )|(?<=versus )|(?<= or )|(?<= and )|(?<=compare to )|(?<=compared to )"
    rf"|(?<=compare with )|(?<=compared with ))(?:{MONTHS})"
    # "and sept?", "what about nov": a month on its own is the whole follow-up
    rf"|(?:(?<=^)|(?<=^and )|(?<=^or )|(?<=^what about )|(?<=^how about ))(?:{MONTHS})(?=\W*$)"
    r"|fy ?\d{4}|(?:19|20)\d{2}|fy ?['-]?\d{2}"
    r")\b"
)


@dataclass
class Extracted:
    slots: Slots = field(default_factory=Slots)
    spans: list[Span] = field(default_factory=list)
    #: Where a company's size is said ("5k+ employees", "over $1B revenue"): read as no other word.
    sized: list[Span] = field(default_factory=list)


#: Looks like a period but is not one ("Q7", "FY20275"): passed on, so the tool says what it accepts.
NEAR_PERIOD = re.compile(r"\b(?:fy ?)?(?:\d{4}[ -]?)?q\d+\b|\bfy ?\d+\b")
LAST_YEAR = re.compile(r" last year\b")


def _year_earlier(period: Period, lexicon: Lexicon) -> tuple[str, Period]:
    """The same dates a year before ``period``, as a phrase the tools read, and as a period."""
    start, end = shift(period.start, -12), shift(period.end, -12)
    label = span(start, end, lexicon.fy_start_month).label
    try:
        return label, parse_period(label, lexicon.as_of, lexicon.fy_start_month)
    except InputError:  # not a quarter, month or year: the dates themselves
        phrase = f"{start}..{end - dt.timedelta(days=1)}"
        return phrase, parse_period(phrase, lexicon.as_of, lexicon.fy_start_month)


#: "the same quarter last year", "this time last year": the current quarter (month) a year earlier.
SAME_LAST_YEAR = re.compile(
    r"\b(?:(?:the )?same (quarter|month|period|week|window|time|dates|days|stretch) "
    r"(?:last year|a year (?:ago|earlier|before))"
    r"|this time last year|(?:at )?this point last year"
    r"|last year at (?:the |this )?same (?:point|time|stage))\b"
)


def one_period_a_year_back(text: str) -> bool:
    """ "bookings the same quarter last year" names one period; "this quarter vs the same quarter
    last year" is a comparison (another period is named)."""
    match = SAME_LAST_YEAR.search(text)
    if match is None:
        return False
    rest = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    return not (PERIOD.search(rest) or NEAR_PERIOD.search(rest))


def _same_last_year(text: str, lexicon: Lexicon, out: Extracted) -> bool:
    match = SAME_LAST_YEAR.search(text)
    if match is None or not one_period_a_year_back(text):
        return False
    if COMPARED_TO.search(text[: match.start()]):
        # "how am I doing compared to this time last year?": to date, against the same dates a year before
        out.slots.period = f"this {match[1]}" if match[1] in ("quarter", "month", "week") else "ytd"
        if SO_FAR.search(text):
            # "November so far vs the same month last year": the same days of both
            out.slots.period = {"this month": "mtd", "this quarter": "qtd"}.get(
                out.slots.period, out.slots.period
            )
        out.slots.compare = "last_year"
        out.spans.append(match.span())
        return True
    unit = match[1] if match[1] in ("month", "week") else "quarter"
    current = parse_period(f"this {unit}", lexicon.as_of, lexicon.fy_start_month)
    out.slots.period = _year_earlier(current, lexicon)[0]
    out.spans.append(match.span())
    return True


COMPARED_TO = re.compile(r"\b(?:vs\.?|versus|compared? (?:to|with)|than|relative to)\s+(?:the\s+)?$")


def _periods(text: str, lexicon: Lexicon, out: Extracted) -> None:
    """The period asked about. Two periods ("Q2 vs Q1", "October or September", "Q3 compared with Q3
    last year") are a comparison: the later one is the period, and the earlier one says whether it
    is compared with the period before it or with the same period a year earlier. Every period
    phrase is explained, so none is mistaken for a name."""
    if _same_last_year(text, lexicon, out):
        return
    found: list[tuple[str, Period]] = []
    bases: list[str] = []
    founded = FOUNDED.search(text)
    matches = list(PERIOD.finditer(text))
    # "2025 bookings H1 vs H2": the year named once is the year of the halves (or quarters) named bare
    years = {y for m in matches for y in re.findall(r"\b(?:19|20)\d{2}\b", m.group())}
    bare = [m for m in matches if re.fullmatch(r"[qh][1-4]", m.group())]
    # ("Q3 vs Q3 2025" is this year's Q3 against that one: the same part named twice)
    parts = [re.sub(r"\s*\b(?:19|20)\d{2}\b\s*", "", m.group()) for m in matches]
    twice = len(parts) != len(set(parts))
    year_of_parts = next(iter(years)) if len(years) == 1 and bare and not twice else None
    for match in matches:
        if year_of_parts and match.group() == year_of_parts:
            out.spans.append(match.span())
            continue
        phrase = re.sub(r"^(?:in|for|during) ", "", match.group())
        if year_of_parts and match in bare:
            phrase = f"{phrase} {year_of_parts}"
        if phrase.startswith("since ") and not re.search(r"day$", phrase) and re.search(r"\d{4}$", phrase):
            phrase = phrase.removeprefix("since ")
        if re.fullmatch(r"(?:19|20)\d{2}", phrase) and re.search(
            r"(?:[$\d.]|\d,)\s*$", text[: match.start()]
        ):
            continue
        if founded and match.start() <= founded.start(2) < match.end():
            continue  # "accounts founded before 1990": the company's age, not a period
        try:
            period = parse_period(phrase, lexicon.as_of, lexicon.fy_start_month)
        except InputError:
            continue
        end = match.end()
        if COMPARED_TO.search(text[: match.start()]) and re.fullmatch(r"(?:last|previous|prior) \w+", phrase):
            # "grew the most vs last year": the base of the comparison (the reading's), not the period;
            # "win rate compared to last quarter" is this quarter's (a year's is the year to date)
            out.spans.append((match.start(), end))
            unit = phrase.split()[1]
            if unit in ("quarter", "month", "week") and not out.slots.period:
                bases.append(f"this {unit}")
            continue
        year_back = LAST_YEAR.match(text, end)
        if year_back:  # "Q3 last year": the same quarter a year earlier
            phrase, period = _year_earlier(period, lexicon)
            end = year_back.end()
        found.append((phrase, period))
        out.spans.append((match.start(), end))
    if not found and bases:
        out.slots.period = bases[0]
        return
    if not found:
        near = NEAR_PERIOD.search(text)
        if near:
            out.slots.period = near.group()
            out.spans.append(near.span())
        return
    out.slots.period = found[0][0]
    if _several_of_a_grain(found, out):
        return
    if len(found) < 2:
        out.slots.period = _so_far(text, found[0], lexicon)
        return
    (phrase, later), (before, earlier) = sorted(found[:2], key=lambda item: item[1].start, reverse=True)
    inner = _within(found[0], found[1])
    if inner is not None:
        out.slots.period = inner  # "the first half of this year": the half, of that year
        return
    out.slots.period = phrase
    if earlier.start == shift(later.start, -12) and earlier.end == shift(later.end, -12):
        out.slots.compare = "last_year"
    elif SAME_LAST_YEAR.search(text):
        out.slots.compare = "last_year"  # "this month vs the same month last year"
    elif earlier.end == later.start and not WHOLE.search(text):
        # "YTD vs last year": like for like, the same days of the year before
        out.slots.compare = "previous_period"
    else:
        # "Q3 vs Q1", "YTD vs all of last year": set against that period, named
        out.slots.compare_to = before


def _several_of_a_grain(found: list[tuple[str, Period]], out: Extracted) -> bool:
    """ "sept vs oct vs nov", "Q1, Q2 and Q3": three or more months (or quarters, or years) are each
    of them, side by side: the time from the first to the last, by that grain (never the two
    nearest compared, the third dropped)."""
    periods = sorted((period for _, period in found), key=lambda p: p.start or dt.date.min)
    if len(periods) < 3 or any(p.start is None or p.end is None for p in periods):
        return False
    lengths = {((p.end - p.start).days + 1) // 28 for p in periods if p.start and p.end}
    grain = {1: "month", 3: "quarter", 13: "year"}.get(next(iter(lengths))) if len(lengths) == 1 else None
    first, last = periods[0].start, periods[-1].end
    if grain is None or first is None or last is None:
        return False
    last -= dt.timedelta(days=1)  # a period ends before its end date; the span names its last day
    out.slots.period, out.slots.dimension = f"{first.isoformat()}..{last.isoformat()}", grain
    out.slots.compare = out.slots.compare_to = None
    return True


#: "November so far", "this quarter to date": the part of the current period that has passed.
SO_FAR = re.compile(r"\b(?:so far|to date|thus far|until now|till now)\b")


def _so_far(text: str, found: tuple[str, Period], lexicon: Lexicon) -> str:
    """The current month, quarter or year asked "so far": the days of it gone (MTD, QTD, YTD), so
    that it is set against the same days of an earlier one."""
    phrase, period = found
    if not SO_FAR.search(text) or not period.start <= lexicon.as_of < period.end:
        return phrase
    for unit, to_date in (("month", "mtd"), ("quarter", "qtd"), ("year", "ytd")):
        current = parse_period(f"this {unit}", lexicon.as_of, lexicon.fy_start_month)
        if (current.start, current.end) == (period.start, period.end):
            return to_date
    return phrase


def _within(first: tuple[str, Period], second: tuple[str, Period]) -> str | None:
    """Of two periods one inside the other ("H1 of this year", "March 2026"), the inner one."""
    (a, one), (b, two) = first, second
    if two.start <= one.start and one.end <= two.end and (one.start, one.end) != (two.start, two.end):
        return a
    if one.start <= two.start and two.end <= one.end and (one.start, one.end) != (two.start, two.end):
        return b
    return None


#: "all of last year", "the whole of Q3", "full year 2025": the whole period, not the same days of it.
WHOLE = re.compile(
    r"\b(?:all of|(?:the )?whole(?: of)?|full|entire)\s+(?:the\s+)?(?:of\s+)?"
    r"(?:last|previous|prior|fy|q[1-4]|h[12]|(?:19|20)\d{2}|year|quarter|month)\b"
)


#: "founded before 1990", "established after 2010", "started in 2001": a company's age.
FOUNDED = re.compile(
    r"\b(?:founded|established|incorporated|started|set up|formed)\s+(before|after|prior to|since|in)\s+"
    r"(?:the year\s+)?((?:19|20)\d{2})\b"
)
