"""A breakdown asked after an answer, read as the question before it asked with that breakdown.

"by rep instead" after "team forecast Q4", "by manager" after "pipeline coverage for Q1 2027",
"count by rep" after "stalled deals on my team": the follow-up only says how to cut the answer
before. The surest reading is the earlier question written out again with the new breakdown
("team forecast Q4 by rep"), read as a question of its own: every intent that takes a breakdown
gets it, with its period and filters kept, instead of each intent needing its own follow-up rule.

A frame remembers the question it answers written out on its own (:attr:`Frame.reading`): the
question itself for a first question, the written-out one for a recomposed follow-up (so "commit
only" can follow "by rep instead"). Other follow-ups have none and are read as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.offline.breakdowns import BREAKDOWN, DIMENSION_WORD
from assistant.offline.frame import Frame, Intent
from assistant.offline.slots import GROUP

#: "by rep instead", "break it down by manager", "split by quarter too", "count by rep", "per region?"
BREAKDOWN_ONLY = re.compile(
    r"^\W*(?:(?:and|ok|okay|so|now|then|can you|could you|pls|please|show|show me|give me|same)\W+)*"
    r"(?:(?:count|counts|number|numbers|totals?|#)\s+)?"
    r"(?:(?:break|split|group|slice|cut)(?: (?:it|that|this|them|those|these|em|'em))?"
    r"(?: (?:down|up|out))? )?"
    rf"(?:by|per|for each|across)\s+(?:the\s+|each\s+)?(?P<dimension>{DIMENSION_WORD})"
    r"(?P<tail>(?:\W+(?:instead|too|as well|also|please|pls|then|now|this time|rather))*)\W*$",
    re.I,
)
#: "by quarter too": a second breakdown beside the one the answer had, not in its place.
AS_WELL = re.compile(r"\b(?:too|as well|also)\b", re.I)
#: The intents whose follow-ups are read this way. The metric query's own follow-up reading
#: (:func:`assistant.offline.followups.merge`) already keeps its breakdowns, rankings and bounds.
RECOMPOSED = frozenset(
    {Intent.FORECAST, Intent.STALLED, Intent.PIPELINE, Intent.TOP_DEALS, Intent.PERFORMANCE}
)

#: Intents whose answer is a measure the metric query can cut too (a deal list is not one).
MEASURED = frozenset({Intent.FORECAST, Intent.PIPELINE, Intent.PERFORMANCE})


def recompose(previous: Frame | None, question: str) -> str | None:
    """The thread's question written out again with the breakdown ``question`` asks for, when
    ``question`` asks for nothing but a breakdown of an answer that can be written out."""
    if previous is None or not previous.reading or previous.intent not in RECOMPOSED:
        return None
    asked = BREAKDOWN_ONLY.match(question.strip())
    if asked is None:
        return None
    base = previous.reading
    if not AS_WELL.search(asked["tail"] or ""):
        base = GROUP.sub(" ", BREAKDOWN.sub(" ", base.lower()))
    return f"{' '.join(base.split()).rstrip(' ?.!')} by {asked['dimension'].lower()}"


def recomposed(previous: Frame | None, question: str, understand: Callable[[str], Frame]) -> Frame | None:
    """The follow-up's frame read from the question written out again, when it takes the
    breakdown asked for and is still a question of the thread's kind of data."""
    composed = recompose(previous, question)
    if composed is None or previous is None:
        return None
    frame = understand(composed)
    slots = frame.slots
    broken_down = slots.group_by is not None or slots.dimension is not None
    # the same kind of answer, cut another way: the same intent, or the thread's own measure from
    # the metric query ("coverage for Q1" answered by the forecast, "by manager" by the query)
    same_kind = frame.intent is previous.intent or (
        frame.intent is Intent.MEASURE
        and previous.intent in MEASURED
        and previous.slots.measure is not None
        and frame.slots.measure == previous.slots.measure
    )
    if not same_kind or not broken_down or frame.readings or frame.ambiguity:
        return None
    return frame.model_copy(update={"question": question, "follow_up": True, "reading": composed})
