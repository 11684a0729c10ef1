"""A correction of the previous question: "no sorry, I meant won", "I meant won not lost", "actually
I meant Q3", "no - Morgan's team".

The thread's question is asked again with what the correction names in place of what it replaces:
an outcome (won, lost, open, created) swaps the measure for the same kind of figure of that outcome
(a count stays a count); a name, a period or a filter replaces the one of its kind.
"""

from __future__ import annotations

import re

from assistant.offline.frame import Frame, Intent, Slots
from assistant.offline.measure_lists import IN_MONEY, OUTCOME_MEASURES
from assistant.offline.previous_answer import MEASURED_BY

#: "no sorry i meant won", "i meant won not lost", "actually, I meant last quarter".
CORRECTION = re.compile(
    r"^\W*(?:(?:no+|nope|nah|sorry|oops|actually|wait|my bad|correction)\b[\s,.!:-]*)*"
    r"(?:i (?:meant|mean)|it should be|should have said|make that|make it)\s+(?P<what>.+?)"
    r"(?:[\s,]+(?:not|instead of|rather than)\s+(?P<not>[\w\s'-]+?))?\W*$",
    re.I,
)
#: "no, won" / "no - Morgan's team": a bare correction after "no".
BARE = re.compile(
    r"^\W*no+\b[\s,.!:-]+(?P<what>[\w\s'-]{2,40}?)(?:[\s,]+not\s+(?P<not>[\w\s'-]+?))?\W*$", re.I
)
#: The outcome a correction names, and each kind's money and count measures.
OUTCOMES = (
    (re.compile(r"^(?:the )?(?:won|wins?|booked|bookings|closed won|closed-won)$", re.I), "won"),
    (re.compile(r"^(?:the )?(?:lost|losses|loss|lose|closed lost|closed-lost)$", re.I), "lost"),
    (re.compile(r"^(?:the )?(?:open|pipeline|pipe|open deals|open pipe)$", re.I), "open"),
    (re.compile(r"^(?:the )?(?:created|new|new deals|created deals)$", re.I), "created"),
)
COUNTS = frozenset(IN_MONEY) | {"closed_deals"}


#: "same for lost deals", "and the same for the won ones": the thread's question of another outcome.
SAME_FOR = re.compile(
    r"^\W*(?:and |ok |now )?(?:(?:(?:do )?(?:the )?same(?: thing)?|ditto) (?:for|with|but (?:for )?)"
    # "what about for lost ones", "and the lost ones?", "how about losses"
    r"|(?:what|how) about(?: for| among| with| on)?|and(?: for| among| with| on| of)?|for|among)(?: the)?"
    r" (?P<what>won|wins|lost|losses|open|open ones|created)(?: (?:ones|deals|opps))?\W*$",
    re.I,
)
#: A measure of one outcome and the same measure of another.
TWINS = {
    ("average_deal_size", "lost"): "average_lost_deal_size",
    ("average_lost_deal_size", "won"): "average_deal_size",
    ("average_sales_cycle", "lost"): "average_lost_cycle",
    ("median_sales_cycle", "lost"): "average_lost_cycle",
    ("average_lost_cycle", "won"): "average_sales_cycle",
}
# a measure of the outcome named already ("and among the won ones?" asked again) stays itself
TWINS |= {
    (measure, "won" if "lost" in twin else "lost"): measure for (measure, _), twin in list(TWINS.items())
}


def same_for(previous: Frame, question: str) -> Frame | None:
    """ "same for lost deals" after the average deal size by family: the average lost deal size, by
    family; after a count or an amount, that of the other outcome."""
    # "and among the ones we won?": the won ones
    said = re.sub(
        r"\b(?:ones|deals|opps) (?:that )?(?:we|i|you|they) (won|lost)\b", r"\1 ones", question.strip()
    )
    found = SAME_FOR.match(said)
    if found is None or previous.intent not in (Intent.MEASURE, Intent.PERFORMANCE):
        return None
    word = found["what"].lower()
    outcome = (
        "won"
        if word.startswith("win") or word == "won"
        else "lost"
        if word.startswith("los")
        else word.split()[0]
    )
    twin = TWINS.get((previous.slots.measure or "", outcome))
    if twin is not None:
        slots = previous.slots.model_copy(update={"measure": twin, "also": None})
        return previous.model_copy(update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True})
    return outcome_swapped(previous, outcome)


def corrected(question: str) -> tuple[str, str | None] | None:
    """What a correction names, and what it says it is not; none when the question is no correction."""
    found = CORRECTION.match(question.strip()) or BARE.match(question.strip())
    if found is None:
        return None
    return found["what"].strip(), (found["not"] or "").strip() or None


def outcome_swapped(previous: Frame, what: str) -> Frame | None:
    """The previous frame measuring the outcome ``what`` names ("won" after the deals lost), or none
    when ``what`` names no outcome."""
    outcome = next((kind for pattern, kind in OUTCOMES if pattern.match(what.strip())), None)
    measure = previous.slots.measure or MEASURED_BY.get(previous.intent)
    if outcome is None or measure is None:
        return None
    money, count = OUTCOME_MEASURES[outcome]
    slots = previous.slots.model_copy(update={"measure": count if measure in COUNTS else money, "also": None})
    # the metric query measures every outcome; the pipeline's own answer stays the pipeline's
    intent = Intent.PIPELINE if outcome == "open" and previous.intent is Intent.PIPELINE else Intent.MEASURE
    return previous.model_copy(update={"intent": intent, "slots": slots, "follow_up": True})


def replaced(previous: Frame, current: Frame) -> Frame | None:
    """The previous frame with each slot the correction fills in place of the one it had; none when
    the correction fills nothing (it is then read as a question of its own)."""
    named = current.slots.model_dump(exclude_none=True)
    if not named:
        return None
    slots = Slots.model_validate(previous.slots.model_dump() | named)
    return previous.model_copy(update={"slots": slots, "follow_up": True})
