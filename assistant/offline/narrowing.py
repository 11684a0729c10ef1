"""Narrowing what a thread is about: "and only closing this qtr" after Enterprise pipeline by stage
(the same answer, every filter kept, one more added), "melvin's - by rep" after a breakdown by
manager, "how many have no account?" (a count with no subject of its own is of the thread's
records) and "which was best?" after a breakdown (the one group).

:mod:`assistant.offline.followups` reads these words and calls :func:`only_these`.
"""

from __future__ import annotations

import re

from assistant.offline.breakdowns import dimension_named
from assistant.offline.followup_words import CARRIED_FILTERS, DEAL_LISTS
from assistant.offline.frame import ENTITY_SLOTS, Frame, Intent
from assistant.offline.intents.registry import DATA_INTENTS
from assistant.offline.metric_claims import NOT_ON_PIPELINE, OPEN_MEASURES
from assistant.offline.record_filters import LEAVE_OUT_VERBS
from tools.semantic.measures import MEASURES

#: "which was best?", "which one is the worst": one group of the breakdown, ranked.
ONE_BEST = re.compile(
    r"^\W*(?:and |so |ok )?(?:which|what)(?: one)?(?: (?:was|is|did|does|had|has))? (?:the )?"
    r"(?:best|worst|biggest|highest|lowest|top|strongest|weakest|smallest|largest)\b"
    # "who's furthest behind?" after attainment by rep: the one person (not "who are the worst")
    r"|^\W*(?:and |so |ok )?who(?:'s| is| was| has| had)? (?:the )?(?:furthest|farthest|most|least|best|worst"
    r"|lowest|highest|weakest|strongest|top|bottom)\b",
    re.I,
)
#: "melvin's - by rep", "just Texas, per product": a member named, then a breakdown.
NAMED_THEN_BY = re.compile(r"[-–,:]\s*(?:by|per|split by|broken down by) [\w ]{2,20}\W*$", re.I)
#: "how many have no account?", "how many are over 50k": a count with no subject of its own is of
#: the thread's records.
SUBJECTLESS = re.compile(
    r"^\W*(?:and |so |ok |okay )?how many (?:of (?:them|those|these) )?(?:have|has|had|are|were|is|was"
    r"|closed|close|closing|got)\b",
    re.I,
)


#: "and only closing this qtr", "only the ones over 50k", "just the ones in Texas": the same records,
#: narrowed further.
#: A question that starts by leaving something out: "drop anything under 20k", "exclude ruth's".
LEAVING_OUT = re.compile(
    rf"^\W*(?:and |ok |now |then |pls |please |can you |so )?(?:(?:what )?if (?:you|we|i) )?"
    rf"(?:{LEAVE_OUT_VERBS}|except|but not)\b",
    re.I,
)
ONLY_THESE = re.compile(
    r"^\W*(?:and |ok |now |then )?(?:only|just)(?: (?:the ones|those|them|ones|the deals|deals|opps))?"
    r"(?: (?:that are|which are|that|which|who))?\s+(?!by\b|per\b)"
    # "drop anything under 20k", "exclude deals under 1k": the rest of the same answer
    rf"|{LEAVING_OUT.pattern}",
    re.I,
)
#: "in the west office", "for enterprise": a place or a member alone, narrowing the figure before.
IN_ALONE = re.compile(
    r"^\W*(?:and |ok |what about |how about )?(?:just |only )?(?:in|for|at|from|on) \S", re.I
)
#: What a narrowing adds: filters, names and a period (not a measure or a breakdown).
NARROWING_SLOTS = (
    *ENTITY_SLOTS,
    *CARRIED_FILTERS,
    "period",
    "loss_reason",
    "rule",
    "min_pushes",
    "max_pushes",
)


def only_these(previous: Frame, current: Frame, question: str) -> Frame | None:
    """ "and only closing this qtr" after Enterprise pipeline by stage: the same answer, with every
    filter it had and the one named now."""
    alone = IN_ALONE.match(question) and previous.intent is Intent.MEASURE and len(question.split()) <= 6
    if not (ONLY_THESE.match(question) or alone) or previous.intent not in DATA_INTENTS:
        return None
    open_list = previous.intent in (Intent.STALLED, *DEAL_LISTS) and current.slots.measure in OPEN_MEASURES
    if current.slots.measure not in (None, previous.slots.measure) and not open_list:
        return None  # "only the won ones" asks for another measure
    if current.slots.dimension:
        return None
    added = {
        slot: getattr(current.slots, slot)
        for slot in NARROWING_SLOTS
        if getattr(current.slots, slot, None) is not None and slot != "measure"
    }
    if added and current.slots.others:
        # "just tech and software" after win rate by sector: both of them
        added |= {"others": current.slots.others, "others_slot": current.slots.others_slot}
    if not added or any(
        getattr(previous.slots, s, None) not in (None, v) for s, v in added.items() if s in ENTITY_SLOTS
    ):
        return None  # nothing to narrow by, or another person or product: read as a question of its own
    if "max_pushes" in added:
        added.pop("rule", None)  # the deals pushed are left out, not asked for
    slots = previous.slots.model_copy(update=added)
    intent = previous.intent
    if intent is Intent.FORECAST and slots.measure in MEASURES and set(added) - {"period"}:
        # "and if you take out the deals pushed 2+ times?" after the team's coverage: the forecast
        # takes no such filter, the metric query gives the same measure without them
        intent = Intent.MEASURE
    unlisted = any(getattr(slots, s, None) is not None for s in NOT_ON_PIPELINE)
    if intent is Intent.PIPELINE and not unlisted:
        return None  # "only engaging" after the pipeline: the usual follow-up, which keeps what it asks
    named = dimension_named(question.lower())
    if intent is Intent.MEASURE and named and named != slots.dimension:
        # "just medical, by rep" after the pipeline by sector: that sector, rep by rep
        slots.dimension, slots.group_by, slots.limit, slots.ranking = named, None, None, None
    if intent is Intent.MEASURE and (current.intent is Intent.TOP_DEALS or current.slots.limit):
        # "just enterprise, top 3 deals" after the pipeline by segment: those deals, the top 3
        deals = current.intent is Intent.TOP_DEALS
        slots.dimension = "deal" if deals else slots.dimension
        slots.limit, slots.ranking = current.slots.limit or 3, current.slots.ranking or "top"
    if intent in DEAL_LISTS and unlisted:
        # the pipeline's own answer takes no segment or industry: the metric query, broken down alike
        intent = Intent.MEASURE
        slots.measure = slots.measure or "open_pipeline"
        slots.dimension = {"owner": "rep"}.get(slots.group_by or "", slots.group_by) or slots.dimension
    return previous.model_copy(
        update={"intent": intent, "slots": slots, "follow_up": True, "question": current.question}
    )
