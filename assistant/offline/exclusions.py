"""Filters that leave something out: "bookings outside the US", "pipeline excluding Cobalt Platform",
"win rate for every industry except retail", "non-enterprise deals".

A negation word right before a name or a value turns the filter that name set into an exclusion:
the metric query leaves those records out (``MetricQuery.exclude``) instead of keeping only them.
Read from the prepared question (names masked as ``ent<kind>``), after the slots are filled.
"""

from __future__ import annotations

import re

from assistant.offline.frame import Slots
from assistant.offline.slots import extract_slots
from tools.lexicon import Lexicon

NEGATION = re.compile(
    r"\b(?:outside(?: of)?|excluding|exclude|except(?: for)?|other than|apart from|aside from|not in"
    r"|besides|but not|without counting|not counting|leaving out|leave out|ignoring|ignore|minus|ex"
    # "drop mg special and redo it", "take out retail", "remove kenji's"
    r"|drop|remove|take out|strip out|filter out"
    # "the biggest deal that isn't Cobalt Platform", "deals that aren't in Texas"
    r"|(?:that|which|who)\s+(?:isn'?t|is not|aren'?t|are not|wasn'?t|weren'?t)(?:\s+(?:in|on|for|from))?)"
    r"\s+(?:of\s+)?|\bnon[- ]"
)
#: Value slots a negated phrase can name, and the query filter each is.
VALUE_SLOTS = (
    *("country", "state", "city", "industry", "segment", "stage", "product_family", "loss_reason", "region"),
)
#: Masked names, and the slot each fills.
MASKED = {"entaccount": "account", "entproduct": "product", "entperson": "owner", "entterritory": "territory"}
MASKED |= {"entregion": "region"}


def _names_the_last(text: str, at: int, token: str, slots: Slots) -> bool:
    """Whether the negation ending at ``at`` names the second of two names of one kind (``others``)."""
    slot = MASKED[token]
    two = slots.others_slot == slot and len(slots.others or []) == 1 and getattr(slots, slot) is not None
    return two and text.count(token) == 2 and text.rfind(token) >= at


def read_exclusions(text: str, slots: Slots, lexicon: Lexicon) -> None:
    """Move the filters a negation names from ``slots`` to ``slots.exclude``."""
    excluded: dict[str, str] = {}
    second: dict[str, str] = {}
    for negation in NEGATION.finditer(text):
        tail = text[negation.end() : negation.end() + 40]
        token = re.match(r"(?:the\s+)?(ent[a-z]+)\b", tail)
        if token and token[1] in MASKED and text.count(token[1]) == 1:
            slot = MASKED[token[1]]
            if getattr(slots, slot) is not None:
                excluded[slot] = str(getattr(slots, slot))
            continue
        if token and token[1] in MASKED and _names_the_last(text, negation.end(), token[1], slots):
            # "on Cobalt but not Security Shield": the second name of the kind is the one left out,
            # the first stays a filter
            second[MASKED[token[1]]] = (slots.others or [""])[-1]
            slots.others = slots.others_slot = None
            continue
        # read with the negation word, so "outside us" names the country
        said = text[negation.start() : negation.end() + 40]
        named = extract_slots(said, lexicon, said).slots
        for slot in VALUE_SLOTS:
            value, kept = getattr(named, slot), getattr(slots, slot)
            # the value read from the words after the negation, or written there as the data writes it
            if kept is not None and (value == kept or tail.lstrip().startswith(str(kept).casefold())):
                excluded[slot] = str(kept)
    for slot in excluded:
        setattr(slots, slot, None)
    if excluded or second:
        slots.exclude = {**(slots.exclude or {}), **excluded, **second}
