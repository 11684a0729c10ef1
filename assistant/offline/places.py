"""Where the accounts are: "pipeline in Texas", "TX deals", "accounts in Denver", "NYC vs LA".

A US state is read by its name anywhere ("texas", "north carolina") and by its postal code where a
place is meant: after "in", "from", "based in" ("deals in tx"), or before the records
("TX accounts", "ca deals"). Codes that are also English words ("or", "me", "ok", "oh", "hi", "in",
"id") count only written in capitals. A city is read by its name or a common short form ("NYC",
"Vegas") when the viewer's accounts have it; a state is read even when they have none there, so
the answer can say so rather than drop the filter. A name that is both a state and a city
in the data ("New York") is the state, unless "city" follows it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.offline.period_slots import Extracted, Span
from tools.lexicon import Lexicon
from tools.resolve import US_STATES

#: Postal codes that are everyday words too: a place only when written in capitals.
WORDLIKE = frozenset({"or", "me", "ok", "oh", "hi", "in", "id", "de", "al", "ma", "la", "co", "pa"})
PLACE_BEFORE = r"(?:in|from|based in|located in|out of|across|within|throughout|for)"
RECORDS_AFTER = (
    r"(?:-based|based|accounts?|deals?|customers?|clients?|companies|pipeline|pipe|opps?|"
    r"opportunities|bookings|revenue|reps?|territory|business|market)"
)
#: Words between two places set side by side ("TX vs CA", "texas and california").
JOIN = r"\s*(?:vs\.?|versus|and|or|&|,|/)\s*"
#: Short forms people write for a city, and the city they mean.
CITY_SHORT = {
    "nyc": "new york",
    "sf": "san francisco",
    "la": "los angeles",
    "vegas": "las vegas",
    "philly": "philadelphia",
    "slc": "salt lake city",
    "kc": "kansas city",
    "st louis": "st. louis",
    "saint louis": "st. louis",
    "dc": "washington",
}


@lru_cache(maxsize=64)
def _forms(states: tuple[str, ...]) -> dict[str, str]:
    """Every way of writing a US state (name, code), folded, to the value the query passes: the
    stored value where the viewer's accounts have the state, else the form the data uses (a state
    outside the data is still read, so the answer can say none is there)."""
    codes = all(len(v) == 2 for v in states)
    forms: dict[str, str] = {}
    for code, name in US_STATES.items():
        held = [v for v in states if v.casefold() in (code.casefold(), name.casefold())]
        forms[code.casefold()] = forms[name.casefold()] = held[0] if held else code if codes else name
    for value in states:
        forms.setdefault(value.casefold(), value)
    return forms


@lru_cache(maxsize=64)
def _alternation(forms: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for many names, the longest first (so "new york" wins over "york")."""
    ordered = sorted(forms, key=len, reverse=True)
    return re.compile(rf"\b({'|'.join(re.escape(f) for f in ordered)})\b")


def _capitals_missing(form: str, start: int, end: int, written: str | None) -> bool:
    return form in WORDLIKE and (written is None or written[start:end] != form.upper())


def _code_meant(text: str, written: str | None, start: int, end: int, forms: dict[str, str]) -> bool:
    """Whether the two letters at ``start`` name a state: written where a place goes, or beside
    another state ("tx vs ca"), or in capitals in a question not written all in capitals."""
    form = text[start:end]
    if _capitals_missing(form, start, end, written):
        return False
    before, after = text[:start], text[end:]
    beside = _alternation(tuple(f for f in forms if f != form))
    joined_after = re.match(JOIN, after)
    joined_before = re.search(rf"{JOIN}$", before)
    return bool(
        re.search(rf"\b{PLACE_BEFORE} (?:the )?$", before)
        or re.match(rf"[- ]?{RECORDS_AFTER}\b", after)
        or (joined_after and beside.match(after, joined_after.end()))
        or (joined_before and any(m.end() == joined_before.start() for m in beside.finditer(before)))
        or (written is not None and written[start:end] == form.upper() and not written.isupper())
    )


def _state_names(text: str, written: str | None, forms: dict[str, str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for match in _alternation(tuple(forms)).finditer(text):
        form, (start, end) = match[1], match.span(1)
        if len(form) == 2 and not _code_meant(text, written, start, end, forms):
            continue
        if re.match(r" (?:city|d\.?c)\b", text[end:]):
            continue  # "new york city", "washington dc": the city
        stated = re.match(r" state\b", text[end:])
        found.append((start, end + (stated.end() if stated else 0), forms[form]))
    return found


def _cities(
    text: str, written: str | None, lexicon: Lexicon, taken: list[Span]
) -> list[tuple[int, int, str]]:
    stored = {c.casefold(): c for c in lexicon.cities}
    forms = dict(stored)
    forms |= {short: stored[city] for short, city in CITY_SHORT.items() if city in stored}
    found: list[tuple[int, int, str]] = []
    for match in _alternation(tuple(forms)).finditer(text) if forms else ():
        form, start = match[1], match.start(1)
        end = match.end(1) + (5 if text[match.end(1) : match.end(1) + 5] == " city" else 0)
        if any(s <= start < e or start <= s < end for s, e in taken):
            continue
        if form in CITY_SHORT and _capitals_missing(form, start, start + len(form), written):
            continue
        found.append((start, end, forms[form]))
    return found


def _a_city_here(written: str, value: str, lexicon: Lexicon, held: set[str]) -> bool:
    """ "NYC vs LA": two letters that are a city the accounts are in, and a state they are not in."""
    city = CITY_SHORT.get(written)
    return city is not None and city in held and value not in lexicon.states


def _in_a_name(written: str | None, start: int) -> bool:
    """ "Zorblax Supply of New York": the place ends a company's name, it does not filter."""
    return written is not None and re.search(r"\b[A-Z][\w&'.-]* of $", written[:start]) is not None


def read_places(text: str, lexicon: Lexicon, out: Extracted, written: str | None = None) -> None:
    """Fill the ``state`` and ``city`` slots (and ``others`` for "Texas vs California") from the
    lower-cased ``text``; ``written`` is the question as typed, for codes that need capitals."""
    if written is not None and len(written) != len(text):
        written = None
    held = {c.casefold() for c in lexicon.cities}
    states = [
        (start, end, value)
        for start, end, value in _state_names(text, written, _forms(tuple(lexicon.states)))
        if not _in_a_name(written, start) and not _a_city_here(text[start:end], value, lexicon, held)
    ]
    cities = _cities(text, written, lexicon, [(s, e) for s, e, _ in states])
    cities = [c for c in cities if not _in_a_name(written, c[0])]
    for slot, found in (("state", states), ("city", cities)):
        if not found:
            continue
        ordered = list(dict.fromkeys(value for _, _, value in sorted(found)))
        setattr(out.slots, slot, ordered[0])
        out.spans += [(s, e) for s, e, _ in found]
        if len(ordered) > 1 and out.slots.others_slot is None:
            out.slots.others, out.slots.others_slot = ordered[1:], slot


#: Names of sales geographies a team may use that a CRM's data may not have ("EMEA", "APAC").
GEOGRAPHIES = (
    r"emea|apac|apj|latam|lata|amer|amers|americas|anz|dach|nordics|benelux|mena|emena|ukí|uk&i"
    r"|north america|south america|latin america|middle east|asia[- ]pacific|europe|asia|africa"
)
#: A place named as a region of the team's own ("the north region", "northeast territory", "in the
#: midwest"): a compass or geography word before what sales teams call their areas.
COMPASS = r"north|south|east|west|northeast|northwest|southeast|southwest|midwest|mid-atlantic|central"
NAMED_PLACE = re.compile(
    rf"\b(?:(?P<geo>{GEOGRAPHIES})|(?P<compass>{COMPASS})"
    r"(?= (?:region|regions|territory|territories|office|area|geo|zone|district|team|patch)\b)"
    rf"|(?<=\bthe )(?P<alone>{COMPASS})(?=\s*(?:$|[?.!,]|\s(?:region|territory|office|area|and|or)\b)))\b"
)


def unknown_place(question: str, lexicon: Lexicon) -> str | None:
    """A region or area ``question`` names that the data has no place called ("EMEA", "the north
    region" where the regions are West, Central and East), as written; ``None`` when every place named
    is in the data."""
    known = {
        name.casefold()
        for name in (
            *lexicon.places,
            *(t.name for t in lexicon.territories),
            *(r.name for r in lexicon.regions),
            *(t.detail or "" for t in lexicon.territories),
            *lexicon.countries,
            *lexicon.states,
            *lexicon.cities,
        )
        if name
    }
    for match in NAMED_PLACE.finditer(question.casefold()):
        phrase = match["geo"] or match["compass"] or match["alone"]
        if phrase not in known and not any(phrase in name.split() or phrase == name for name in known):
            start = match.start()
            return question[start : start + len(phrase)]
    return None
