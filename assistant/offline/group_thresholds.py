"""Dropping groups of the previous breakdown by a figure: "drop the ones under 25%" after the top 5
reps with their win rates, "drop anyone under 25k" after each rep's wins and their total $, "only
the ones over 1.5x".

The bound is read in the unit it is written in ("%" a rate, "$"/"k" money, a plain number a count,
"x" a ratio to quota) and set on the measure of the thread in that unit, which leads the query so
the bound applies to it. When the previous answer showed a cut of the groups ("top 5"), those shown
are the ones kept or dropped, not every group.
"""

from __future__ import annotations

import re

from assistant.offline.frame import Frame, Intent
from assistant.offline.listed import CUT, rows
from assistant.offline.slots import SCALE
from tools.evidence import Unit
from tools.semantic.measures import MEASURES

#: "drop the ones under 25%", "remove anyone below 25k", "only those over 50%", "just reps above 1x".
BOUND = re.compile(
    r"^\W*(?:and |ok |now |then |pls |please )?(?P<verb>drop|remove|exclude|hide|cut|filter out|lose|skip"
    r"|ignore|get rid of|only|just|keep|show only|show me only)"
    r"(?: (?:the ones|ones|anyone|anybody|everyone|those|them|the reps|reps|people|the groups|any|all))?"
    r"(?: (?:with|who are|that are|at|that have|who have))?"
    r" (?P<side>under|below|less than|lower than|over|above|more than|higher than|at least|at most)"
    r" \$?(?P<number>\d[\d,]*(?:\.\d+)?)\s?(?P<unit>%|percent|k|m|mm|x|thousand|million)?\W*$",
    re.I,
)
LOW = ("under", "below", "less than", "lower than", "at most")
KEEP = ("only", "just", "keep", "show only", "show me only")


def dropped(previous: Frame | None, question: str, answers: list[str]) -> Frame | None:
    """The previous breakdown with only the groups on the kept side of the bound, if ``question``
    sets one."""
    found = BOUND.match(question.strip())
    if previous is None or found is None or previous.intent is not Intent.MEASURE:
        return None
    slots = previous.slots
    if not slots.dimension or not slots.measure:
        return None
    written = (found["unit"] or "").lower()
    number = float(found["number"].replace(",", ""))
    measures = [slots.measure, *(slots.also or [])]
    if written in ("%", "percent"):
        wanted, number = Unit.RATIO, number / 100
    elif written == "x":
        wanted = Unit.RATIO
    elif written:
        wanted, number = Unit.USD, number * SCALE[written]
    else:
        money = [m for m in measures if m in MEASURES and MEASURES[m].unit is Unit.USD]
        wanted = Unit.USD if money and number >= 1000 else Unit.COUNT
    matching = next((m for m in measures if m in MEASURES and MEASURES[m].unit is wanted), None)
    if matching is None:
        return None
    # "drop the ones under 25%" keeps those above it; "only the ones under 25%" keeps those under
    low = found["side"].lower() in LOW
    keep_below = low is (found["verb"].lower() in KEEP)
    if wanted is Unit.COUNT and number.is_integer() and found["verb"].lower() not in KEEP:
        # "drop anyone under 3" keeps those with 3 or more: whole counts, so above 2 ("drop anyone
        # over 3": below 4); "only the ones under 3" is below 3 as written
        number = number + 1 if keep_below else number - 1
    update: dict[str, object] = {
        "measure": matching,
        "also": [m for m in measures if m != matching] or None,
        "above": None if keep_below else number,
        "below": number if keep_below else None,
    }
    shown = [row.name for row in rows(answers[-1])] if answers else []
    if slots.limit is not None and shown and (CUT.search(answers[-1]) or len(shown) == slots.limit):
        # the top 5 shown are the ones kept or dropped, not every rep
        update |= {"any_of": {**(slots.any_of or {}), slots.dimension: shown}, "limit": None, "ranking": None}
    return previous.model_copy(
        update={"slots": slots.model_copy(update=update), "follow_up": True, "question": question}
    )
