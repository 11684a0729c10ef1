"""Requests to change one field of one deal, read into the ``propose_change`` tool's arguments.

"push the Acme close date to Jan 15", "move the Evergreen deal to Negotiation", "set the amount
on Acme Expansion to 40k", "next step on Acme Renewal: pricing call on Friday", "mark the Acme
deal as won", "we lost Globex Platform". A request names the deal (as written: the tool finds it in
the viewer's scope, or asks which one), the field and the new value, normalised as the tool takes
it: a date as ``YYYY-MM-DD``, an amount as a number, a stage by its name, a next step as written
with the day it is due when one ends it ("… on Friday", "… by Dec 2").

An outcome is a stage by what it means, not by its name: "won", "closed won", "a win" is the data
set's won stage whatever the CRM calls it ("Closed Won", "Won"); "lost", "closed lost" its lost
stage.

Days resolve against the data's as-of date, forwards (a close date moves to a day ahead): "Jan 15"
is the next January 15th, "Friday" and "next Friday" the first Friday after the as-of date,
"tomorrow" the day after it. The proposal states the date it read, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assistant.offline.dates import _day, _day_pattern
from tools.store.stages import StageConfig

_POLITE = (
    r"^(?:(?:hey|hi|ok|okay|so|and|also|now|then|pls|please|can you|could you|would you|will you|can we"
    r"|could we|i need you to|i want you to|i'd like you to|go ahead and|let's|lets)[\s,]+)*"
)
#: "pull up Kenji's pipeline" shows it: "pull" moves a date only when not "pull up"
_VERB = r"(?:push|move|change|set|update|pull(?! up\b)|bump|slip|shift|make|put|advance|mark)"
#: Field names as people write them, longest first.
_FIELDS = {
    "close date": "close_date",
    "closing date": "close_date",
    "expected close date": "close_date",
    "close": "close_date",
    "stage": "stage",
    "amount": "amount",
    "deal size": "amount",
    "deal value": "amount",
    "value": "amount",
    "next steps": "next_step",
    "next step": "next_step",
}
_FIELD = r"(?P<field>" + "|".join(re.escape(f) for f in sorted(_FIELDS, key=len, reverse=True)) + r")"
_SUBJECT = r"(?:the )?(?P<subject>.+?)(?:'s)?(?: deal| opportunity| opp)?"
_TO = r"(?:\s+(?:to|as|at|=)\s+|\s*[:=]\s*)"
_VALUE = r"(?P<value>.+?)[\s.!]*$"
#: The shapes of a request, tried in order.
_SHAPES = (
    # "set the amount on X to 40k", "push the close date of X to next Friday"
    re.compile(_POLITE + _VERB + rf" (?:the )?{_FIELD} (?:on|of|for) {_SUBJECT}{_TO}{_VALUE}", re.I),
    # "push the Acme close date to Jan 15", "change Acme Renewal's stage to Proposal"
    re.compile(_POLITE + _VERB + rf" {_SUBJECT} {_FIELD}{_TO}{_VALUE}", re.I),
    # "next step on X: pricing call", "close date for X is Jan 15"
    re.compile(_POLITE + rf"(?:the )?{_FIELD} (?:on|of|for) {_SUBJECT}(?:{_TO}|\s+is\s+){_VALUE}", re.I),
    # "move the Evergreen deal to Negotiation", "push Acme Renewal to Jan 15"
    re.compile(_POLITE + _VERB + rf" {_SUBJECT}\s+(?:to|into)\s+{_VALUE}", re.I),
)
_OUTCOME = r"(?P<value>(?:closed[\s-]+)?(?:won|lost)|(?:a\s+)?(?:win|loss))"
#: A deal's outcome: "mark the Acme deal as won", "close Acme Renewal as lost", "we won Globex".
_OUTCOMES = (
    re.compile(
        _POLITE + r"(?:mark|set|close(?: out)?|flag|move|change|update|put|make)\s+"
        rf"{_SUBJECT}\s+(?:as\s+|to\s+|in(?:to)?\s+|=\s*)?{_OUTCOME}[\s.!]*$",
        re.I,
    ),
    re.compile(_POLITE + rf"we(?:'ve| have)?\s+(?:just\s+)?(?P<value>won|lost)\s+{_SUBJECT}[\s.!]*$", re.I),
)
#: Words of an outcome, and whether they mean the deal was won.
_WON = {"won": True, "closed won": True, "closed-won": True, "win": True, "a win": True}
_LOST = {"lost": False, "closed lost": False, "closed-lost": False, "loss": False, "a loss": False}
_DAY = re.compile(_day_pattern("x") + r"$", re.I)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"^(?:(?:next|this|on|coming|this coming) )?(?P<day>" + "|".join(_WEEKDAYS) + r")$")
_RELATIVE = re.compile(r"^in (?P<n>\d+|a|one|two|three|four) (?P<unit>days?|weeks?|months?)$")
_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4}
_AMOUNT = re.compile(r"^\$?\s*(?P<number>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>k|m|mm|thousand|million)?$", re.I)
_SCALE = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "mm": 1_000_000, "million": 1_000_000}


@dataclass(frozen=True)
class ChangeAsk:
    """What a change request asks for: the deal as written, the field and its new value."""

    deal: str
    field: str
    value: str
    #: A next step's due day (``YYYY-MM-DD``), when the request gives one.
    due: str | None = None


def change_asked(question: str) -> bool:
    """Whether ``question`` has the shape of a request to change a deal's field."""
    text = question.strip()
    if any(shape.match(text) for shape in _OUTCOMES):
        return True
    return any(shape.match(text) for shape in _SHAPES[:3]) or bool(
        _SHAPES[3].match(text)
        and re.match(_POLITE + r"(?:move|push|pull(?! up\b)|advance|slip|bump)\b", text, re.I)
    )


def read_change(question: str, as_of: dt.date, stages: StageConfig) -> ChangeAsk | None:
    """The change ``question`` asks for, or None when it names no deal, field or readable value."""
    text = question.strip()
    return _field_change(text, as_of, stages) or _outcome(text, stages)


def _outcome(text: str, stages: StageConfig) -> ChangeAsk | None:
    """ "mark the Acme deal as won": the stage of that outcome."""
    for shape in _OUTCOMES:
        outcome = shape.match(text)
        stage = stage_named(outcome["value"], stages) if outcome else None
        if outcome and stage and outcome["subject"].strip(" ,"):
            return ChangeAsk(outcome["subject"].strip(" ,"), "stage", stage)
    return None


def _field_change(text: str, as_of: dt.date, stages: StageConfig) -> ChangeAsk | None:
    for number, shape in enumerate(_SHAPES):
        match = shape.match(text)
        if match is None:
            continue
        deal, written = match["subject"].strip(" ,"), match["value"].strip(" \"'")
        if not deal or not written:
            continue
        if number == len(_SHAPES) - 1:
            # "move X to Negotiation" is a stage; "push X to Jan 15" a close date
            stage = stage_named(written, stages)
            if stage is not None:
                return ChangeAsk(deal, "stage", stage)
            day = day_named(written, as_of)
            return ChangeAsk(deal, "close_date", day.isoformat()) if day else None
        field = _FIELDS[match["field"].casefold()]
        if field == "next_step":
            step, due = split_due(written, as_of)
            return ChangeAsk(deal, field, step, due) if step else None
        value = _value(field, written, as_of, stages)
        return ChangeAsk(deal, field, value) if value is not None else None
    return None


#: Words between a next step and its day: "pricing call on Friday", "send terms by Dec 2".
_DUE_WORDS = re.compile(
    r"^(?:[,;:]\s*|[-–—]\s*)?(?:(?:due|scheduled|set)\s+)?(?:on|by|for|before|at)?\s*", re.I
)


def split_due(text: str, as_of: dt.date) -> tuple[str, str | None]:
    """A next step and the day it is due, when the text ends with one: ``pricing call on Friday``
    → (``pricing call``, the Friday after ``as_of``). Days resolve forwards (:func:`day_named`)."""
    words = text.split()
    for start in range(1, len(words)):
        tail = _DUE_WORDS.sub("", " ".join(words[start:]))
        day = day_named(tail, as_of) if tail else None
        if day is not None:
            step = " ".join(words[:start]).rstrip(" ,;:-–—")
            step = re.sub(r"\s+(?:due|on|by|for|before|at)$", "", step, flags=re.I)
            if step:
                return step, day.isoformat()
    return text, None


def _value(field: str, written: str, as_of: dt.date, stages: StageConfig) -> str | None:
    if field == "close_date":
        day = day_named(written, as_of)
        return day.isoformat() if day else None
    if field == "amount":
        return amount_named(written)
    if field == "stage":
        return stage_named(written, stages) or written
    return written


def day_named(text: str, as_of: dt.date) -> dt.date | None:
    """The day ``text`` names, on or after ``as_of`` when no year is written."""
    cleaned = re.sub(r"\s+", " ", text.casefold().strip().rstrip(".")).removeprefix("the ")
    if cleaned == "tomorrow":
        return as_of + dt.timedelta(days=1)
    weekday = _WEEKDAY.match(cleaned)
    if weekday:
        ahead = (_WEEKDAYS.index(weekday["day"]) - as_of.weekday()) % 7 or 7
        return as_of + dt.timedelta(days=ahead)
    relative = _RELATIVE.match(cleaned)
    if relative:
        count = _WORDS.get(relative["n"]) or int(relative["n"])
        unit = relative["unit"].rstrip("s")
        if unit == "month":
            month = as_of.month - 1 + count
            year, month = as_of.year + month // 12, month % 12 + 1
            try:
                return as_of.replace(year=year, month=month)
            except ValueError:
                return None
        return as_of + dt.timedelta(days=count * (7 if unit == "week" else 1))
    day = _DAY.match(cleaned)
    return _day(day, "x", as_of, ahead=True) if day else None


def amount_named(text: str) -> str | None:
    """``40k`` → ``40000``; ``$1.2m`` → ``1200000``; None when not an amount."""
    match = _AMOUNT.match(text.strip())
    if match is None:
        return None
    try:
        number = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:
        return None
    scale = _SCALE.get((match["scale"] or "").casefold(), 1)
    return format((number * scale).normalize(), "f")


def stage_named(text: str, stages: StageConfig) -> str | None:
    """The stage ``text`` names: by its name or alias, an outcome by what it means ("won", "closed
    won": the won stage), else the one stage whose name starts so."""
    found = stages.find(text)
    if found is not None:
        return found.name
    key = " ".join(text.casefold().split())
    outcome = _WON.get(key, _LOST.get(key))
    if outcome is not None:
        matching = [s for s in stages.stages if s.closed and s.won is outcome]
        return matching[0].name if matching else None
    starting = [s.name for s in stages.stages if s.name.casefold().startswith(key)]
    return starting[0] if len(starting) == 1 else None
