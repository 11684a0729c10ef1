"""What became of the deals created in a period, asked in one question: "how many opps created in
October are still open?", "how much of the pipeline we created in Q3 got won?".

The period is then the deals' creation date (``date_field="created"``) and the measure is what
they became: still open, won or lost, counted or in money.
"""

from __future__ import annotations

import re

from assistant.offline.frame import Frame, Intent
from assistant.offline.measure_lists import OUTCOME_MEASURES

#: Created in a period, then what they became.
COHORT = re.compile(
    r"\b(?:created|opened|sourced|generated|added)\b.{0,40}?\b(?P<became>still open|(?:are|is) still open"
    r"|(?:are|is) open|remain(?:s|ing)? open|still in (?:the )?pipe(?:line)?|not (?:yet )?closed"
    r"|(?:have|has)n't closed|(?:got |been |were |was )?(?:closed )?won"
    r"|(?:got |been |were |was )?(?:closed )?lost)\b"
)
MONEY = re.compile(r"\bhow much\b|\$|\bvalue\b|\bworth\b|\bpipe(?:line)?\b(?! (?:deals|opps))")


def read_cohort(frame: Frame, prepared: str) -> bool:
    """Read "how many deals created in October are still open?" into the frame: the deals created in
    the period named, measured by what they became."""
    found = COHORT.search(prepared)
    if found is None or frame.slots.period is None or frame.intent not in (Intent.MEASURE, Intent.PIPELINE):
        return False
    became = found["became"]
    outcome = "won" if became.endswith("won") else "lost" if became.endswith("lost") else None
    money, count = OUTCOME_MEASURES[outcome or "open"]
    slots = frame.slots
    slots.measure = money if MONEY.search(prepared) else count
    slots.date_field, slots.also = "created", None
    frame.intent = Intent.MEASURE
    return True
