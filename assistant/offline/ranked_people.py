"""Who comes first in the previous answer: "who has the most $ in that?" after the open deals in
Negotiation, "which rep had the most?" after a quarter's bookings, "and the least?" after that.

The thread's measure and filters stay; the figure is broken down by rep and cut to the one at the
top (or the bottom). A money or a count word swaps the measure for its twin over the same deals
("who has the most deals in that?" after the pipeline counts them).
"""

from __future__ import annotations

import re

from assistant.offline.frame import Frame, Intent
from assistant.offline.measure_lists import AS_COUNT, IN_MONEY
from assistant.offline.previous_answer import MEASURED_BY
from assistant.offline.thread_choices import names_in

#: "who has the most", "which rep had the least", "who's got the biggest".
WHO_MOST = re.compile(
    r"^\W*(?:and |so |ok |okay )?(?:who|which (?:rep|person|owner|ae|seller|salesperson|one of them))"
    r"(?:'s|s| is| was| has| had| have| got| owns| holds| carries| logged| booked| won| sold| closed"
    r"| lost| made| did| created)? (?:got )?(?:the )?"
    r"(?P<end>most|least|fewest|biggest|largest|highest|lowest|smallest|top|bottom)\b(?P<rest>.*)$",
    re.I,
)
#: What may follow: the figure's kind, and the words pointing back at the previous answer.
REST = re.compile(
    r"^(?:\s*(?:\$|\$\$|money|dollars|value|revenue|amount|pipe|pipeline|deals|opps|opportunities"
    r"|of|in|it|that|those|them|there|these|then|now|\?|!|\.|-"
    # "who was the lowest rep across all three teams", "who logged the fewest last month"
    r"|rep|person|seller|overall|across|all|the|three|two|four|teams?|on|my|org"
    # "who's top by deal count?", "and who's bottom by $"
    r"|by|count|number|#|deal"
    r"|last (?:month|quarter|week|year)|this (?:month|quarter|week|year)))*\s*$",
    re.I,
)
MONEY = re.compile(r"\$|\b(?:money|dollars|value|revenue|amount|pipe|pipeline)\b", re.I)
COUNTED = re.compile(r"\b(?:deals|opps|opportunities|count|number)\b|#", re.I)
LOW = frozenset({"least", "fewest", "lowest", "smallest", "bottom"})


def asks_who_ranks(question: str) -> bool:
    """Whether ``question`` asks who comes first or last, of what the thread is about."""
    found = WHO_MOST.match(question.strip())
    return found is not None and REST.match(found["rest"]) is not None


def who_ranks(previous: Frame | None, current: Frame, question: str) -> Frame | None:
    """The frame answering "who has the most in that?" after a figure, if the question is one."""
    found = WHO_MOST.match(question.strip())
    if previous is None or found is None or not asks_who_ranks(question) or names_in(current.slots):
        return None
    if previous.intent not in MEASURED_BY or previous.slots.owner is not None:
        return None
    measure = previous.slots.measure or MEASURED_BY[previous.intent]
    if measure is None:
        return None
    if MONEY.search(found["rest"]) and measure in IN_MONEY:
        measure = IN_MONEY[measure]  # "who has the most $ in those?" after a count of deals
    elif COUNTED.search(found["rest"]) and measure in AS_COUNT:
        measure = AS_COUNT[measure]  # "who has the most deals in that?" after the pipeline
    slots = previous.slots.model_copy(
        update={
            "measure": measure,
            "also": None,
            "dimension": "rep",
            "group_by": None,
            "limit": 1,
            "ranking": "bottom" if found["end"].lower() in LOW else "top",
            "share": None,
            "above": None,
            "below": None,
        }
    )
    return previous.model_copy(
        update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True, "question": current.question}
    )
