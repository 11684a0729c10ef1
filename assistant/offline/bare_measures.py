"""Follow-ups that name a measure and little else, read in the thread they follow: "weighted?"
and "avg size?" after the pipeline or a scorecard (that measure, over the same records and
period), "whats that worth?" after a count, "vs my quota" after pipeline (its coverage), and a
question about the same outcome with no period ("which rep lost the most?" after December's
losses: in December). :mod:`assistant.offline.followups` merges them.
"""

from __future__ import annotations

import re

from assistant.offline.frame import Frame, Intent
from assistant.offline.measures import read_metric_question
from assistant.offline.thread_choices import names_in

#: Words that set what was booked against a quota ("attainment", "% of quota", "how much have I won").
BOOKED_AGAINST = re.compile(r"\battain|%|\bpercent|\bbook|\bwon\b|\bwin\b|\bclosed\b|\bsold\b")
#: "whats that worth?", "how much is that?", "in $?": the amount of what was just counted.
_THAT = r"(?:that|it|this|they|those|these|them|all that|all of (?:that|them|those))"
_MONEY = r"(?:value|worth|amount|\$ amount|dollar amount|dollar value|\$ value|revenue|dollars|\$|money)"
WORTH = re.compile(
    r"^\W*(?:and |so |ok |okay |and so )?(?:"
    rf"what(?:'s|s| is| are|re| was| were) {_THAT} worth"
    rf"|how much (?:money |revenue )?(?:is|are|was|were|does|do|did) {_THAT}"
    r"(?: worth| come to| add up to| total| amount to| bring in)?"
    # "what's the total value of that?", "total $ of those", "and the value?", "the amount?"
    rf"|(?:what(?:'s|s| is| was| are)|give me|show me|and)? ?(?:the )?"
    rf"(?:total |combined |overall |sum of the )?{_MONEY}(?: (?:of|for|on|in) {_THAT})?"
    # "sum of those", "the total for them", "add those up"
    rf"|(?:what(?:'s|s| is| was)|give me|show me|and)? ?(?:the )?(?:sum|total)(?: (?:of|for) {_THAT})"
    rf"|add {_THAT} up|add up {_THAT}"
    # "what's that in $?", "in dollars", "in revenue terms"
    rf"|(?:what(?:'s|s| is| was) {_THAT} )?in (?:\$|dollars|money|revenue|value)(?: terms)?"
    r")(?: in total| altogether| all together| combined| in all| overall)?\W*$",
    re.I,
)
#: "how many deals was that?", "and how many were there", "how many wins is that": the figure before, counted.
COUNT_OF_THAT = re.compile(
    r"^\W*(?:and |so |ok |okay )?how many(?: (?:deals|opps|opportunities|wins|losses|of them))?"
    r" (?:was|is|were|are|did) (?:that|it|this|they|those|these|there)"
    r"(?: make| come to| in all| in total)?\W*$",
    re.I,
)
#: Answers a bare measure ("weighted?", "avg size?") asks again in another measure.
MEASURED_ANSWERS = (Intent.MEASURE, Intent.PIPELINE, Intent.PERFORMANCE, Intent.FORECAST, Intent.TOP_DEALS)
#: The longest bare measure ("avg deal size?", "and the median?").
MAX_MEASURE_WORDS = 3


def measure_alone(current: Frame, question: str) -> bool:
    """The question names a measure and nothing else: no name, no period, no breakdown."""
    slots = current.slots
    if len(question.split()) > MAX_MEASURE_WORDS or names_in(slots) or slots.period or slots.dimension:
        return False
    return slots.measure is not None and read_metric_question(question.lower()) is not None


#: The figures an answer leads with: a bare measure among them asks that answer again.
HEADLINE = {
    Intent.PIPELINE: frozenset({"open_pipeline", "open_deals"}),
    Intent.PERFORMANCE: frozenset({"won_revenue", "won_deals", "win_rate"}),
}


def swaps_to_measure(previous: Frame, current: Frame, question: str) -> bool:
    """ "avg size?" after my wins last quarter: that measure over the same records and period (a
    bare measure the last answer led with, or of another intent's own, keeps its intent)."""
    if not measure_alone(current, question):
        return False
    own = current.intent in (Intent.MEASURE, Intent.UNKNOWN) or current.intent is previous.intent
    return own and current.slots.measure not in HEADLINE.get(current.intent, frozenset())


#: Measures of one outcome: a question about the same outcome keeps the thread's period.
OUTCOMES = (
    frozenset({"lost_deals", "lost_revenue", "average_lost_cycle"}),
    frozenset(
        {"won_revenue", "won_deals", "win_rate", "average_deal_size", "median_deal_size"}
        | {"average_sales_cycle", "median_sales_cycle", "closed_deals"}
    ),
    frozenset({"deals_created", "pipeline_created"}),
    frozenset({"activities"}),
)
#: The longest question read as the same outcome's next question ("which rep lost the most on price?").
MAX_SAME_OUTCOME_WORDS = 10


def same_outcome_without_period(previous: Frame, current: Frame, question: str) -> bool:
    """A question naming no period about what the thread's period was about (losses after the deals
    lost in December, who won the most after the quarter's bookings): that period still."""
    if previous.intent is not Intent.MEASURE or current.intent is not Intent.MEASURE:
        return False
    if not previous.slots.period or current.slots.period or names_in(current.slots):
        return False
    before, now = previous.slots.measure, current.slots.measure
    same = any(before in family and now in family for family in OUTCOMES)
    return same and len(question.split()) <= MAX_SAME_OUTCOME_WORDS
