"""A threshold on the groups of a measure: "reps under 50% attainment", "win rate below 60%",
"who booked more than $1M", "which reps have hit their quota". A bound on something else (a deal
amount, an age, another figure) is left to the filters."""

from __future__ import annotations

import re

from assistant.offline.breakdowns import DIMENSION_WORD, DIMENSIONS
from assistant.offline.frame import Frame, Intent
from tools.semantic.measures import MEASURES

#: "under 50% attainment", "win rate below 60%", "under 100 wins", "more than $1M booked": a
#: threshold on the measure of each group.
THRESHOLD = re.compile(
    r"\b(?:(under|below|less than|fewer than|lower than|<)|(over|above|more than|greater than|higher than"
    r"|at least|>))\s*\$?(\d[\d,]*(?:\.\d+)?)(?![\d,.])\s*(%|percent|k|m\b|mm|million|x\b|times\b)?"
    # "more than 120 days old", "over 3 weeks": an age or a duration, not a bound on the measure
    r"(?!\s*\+?\s*(?:days?|weeks?|wks?|months?|years?|yrs?|hours?)\b)"
)


#: "who booked over…", "reps with more than…", "reps with won revenue over…", "accounts with over…":
#: the groups are the subject of a money threshold (a measure may be named between).
GROUP_HAS = re.compile(
    r"\b(?P<subject>who|which \w+|anyone|anybody|reps|agents|accounts|customers|companies|products"
    r"|territories|regions|teams)\b.{0,25}"
    r"\b(?:booked|sold|won|closed|has|have|had|with)"
    r"(?:\s+(?:their |in |a |an )?(?:won |closed |open |total |weighted )?"
    r"(?:revenue|bookings|pipeline|pipe|sales|quota|win rate))?\s*$"
)
#: "accounts with more than 100k in open pipeline": the measure named after the bound.
MEASURE_AFTER = re.compile(
    r"^\s*(?:in|of)\s+(?:won |closed |open |total |weighted )?(?:revenue|bookings|pipeline|pipe|sales)\b"
)
#: The groups a subject names (any other subject is the reps).
SUBJECTS = {
    "accounts": "account",
    "customers": "account",
    "companies": "account",
    "products": "product",
    "territories": "territory",
    "regions": "region",
    "teams": "team",
}
SCALES = {"k": 1_000, "m": 1_000_000, "mm": 1_000_000, "million": 1_000_000}
#: Quota reached: "who has hit their number?", "reps that made quota", "already over quota".
HIT_QUOTA = re.compile(
    r"\b(?:hit|made|reached|exceeded|beat|beaten|over|above|achieved|blown past)\s+(?:their |his |her |the )?"
    r"(?:q[1-4] |quarterly |annual )?(?:quota|number|target)\b"
)


#: A bound said right after the deals it bounds ("won deals over 5000") is on their amount.
DEALS_BEFORE = re.compile(r"\b(?:deals|opps|opportunities|wins|losses)\s*$")
#: Quota not reached: "below quota", "short of their number", "behind target".
BELOW_QUOTA = re.compile(
    r"\b(?:below|under|short of|behind|not at|not yet at)\s+(?:their |his |her |the |our )?"
    r"(?:q[1-4] |quarterly |annual )?(?:quota|number|target)\b"
)
#: "min 20 closed", "only reps with 100+ closed deals", "ignore anyone with fewer than 10 closed":
#: the fewest records a group needs behind its figure (a rate over a handful of deals says little).
RECORDS = (
    r"(?:closed|won|lost|decided)(?:\s+(?:deals|opps|opportunities))?|deals|opps|opportunities|wins|losses"
)
MIN_RECORDS = re.compile(
    rf"\b(?:min(?:imum)?\.?|at least|with at least|only (?:\w+ )?with|with)\s+(\d{{1,6}})\+?\s+"
    rf"(?:{RECORDS})\b"
    rf"|\b(\d{{1,6}})\+\s+(?:{RECORDS})\b"
    rf"|\b(?:ignore|ignoring|exclude|excluding|leave out|skip|drop|not counting)\b.{{0,25}}"
    rf"\b(?:fewer|less) than\s+"
    rf"(\d{{1,6}})\s+(?:{RECORDS})\b"
)

#: Asked beside who hit their number: who did not ("and who missed by the most?").
MISSED = re.compile(r"\b(?:miss|missed|missing|fell short|short of|furthest (?:from|below|behind)|didn'?t)\b")


#: "only those with over 500 closed deals" after a rate by group: groups with more records than that.
MORE_RECORDS = re.compile(
    rf"\b(?:with|having|that have|who have|which have)\s+(?:over|more than|>)\s*(\d{{1,6}})\s+"
    rf"(?:{RECORDS})\b",
    re.I,
)
#: Measures a group's size does not make: a rate, an average or a median over its records.
PER_RECORD_UNITS = ("ratio", "days")


def fewest_records(previous: Frame, question: str) -> Frame | None:
    """ "only those with over 500 closed deals" after the win rate by industry: the same rows, only
    the groups with more than 500 records behind them (not a bound on a count of something else)."""
    found = MIN_RECORDS.search(question) or MORE_RECORDS.search(question)
    measure = MEASURES.get(previous.slots.measure or "")
    if found is None or measure is None or previous.slots.dimension is None:
        return None
    if measure.unit.value not in PER_RECORD_UNITS and measure.additive:
        return None  # "reps with over 50 deals" after bookings by rep: a bound on the groups' own count
    least = int(next(g for g in found.groups() if g)) + (1 if found.re is MORE_RECORDS else 0)
    slots = previous.slots.model_copy(update={"min_records": least})
    return previous.model_copy(update={"slots": slots, "follow_up": True})


def min_records(frame: Frame, prepared: str) -> None:
    """Read the fewest records a group needs ("min 20 closed") into ``frame.slots.min_records``."""
    found = MIN_RECORDS.search(prepared)
    if found is None or frame.slots.measure is None:
        return
    frame.slots.min_records = int(next(g for g in found.groups() if g))
    if frame.slots.min_amount is not None and int(frame.slots.min_amount) == frame.slots.min_records:
        frame.slots.min_amount = None  # "100+ closed deals": a count, not a deal amount


def threshold(frame: Frame, prepared: str) -> bool:
    """Read a threshold on the groups of a measure ("who's under 50% attainment?") into the frame:
    the measure asked of each rep (unless a breakdown is named), only those above or below it. The
    number is then not a deal amount."""
    slots = frame.slots
    found = THRESHOLD.search(prepared)
    if found is not None and slots.measure == "reps" and found[4] in ("%", "percent"):
        slots.measure = "attainment"  # "how many reps were under 50% in Q3?": of their quota
    quota = slots.measure in ("quota", "attainment") and slots.owner is None
    if found is None and quota and BELOW_QUOTA.search(prepared):
        # "which of my reps are below quota this quarter?": those under 100% of it
        slots.measure, slots.dimension = "attainment", slots.dimension or "rep"
        slots.above, slots.below, slots.ranking, slots.limit = None, 1.0, None, None
        frame.intent = Intent.MEASURE
        return True
    if found is None and slots.measure == "attainment" and slots.owner is None and HIT_QUOTA.search(prepared):
        # "which reps have already hit their quota?": those at 100% or more
        slots.dimension = slots.dimension or "rep"
        frame.intent = Intent.MEASURE
        if MISSED.search(prepared):
            # "how many hit their number, and who missed by the most?": everyone, furthest below first
            slots.limit, slots.ranking = None, "bottom"
            return True
        slots.above, slots.below = 0.9999, None
        return True
    if found is None or slots.measure is None or slots.owner is not None:
        return False
    if frame.intent is Intent.ACCOUNTS and not MEASURE_AFTER.match(prepared[found.end() :]):
        return False  # "accounts with more than 100k of potential": the account search's own bound
    measure = MEASURES.get(slots.measure)
    unit = measure.unit.value if measure is not None else None
    number = float(found[3].replace(",", ""))
    if (unit == "ratio") != (found[4] in ("%", "percent", "x", "times")):
        # "50% of quota" on a money measure, or "fewer than 10 closed" beside a win rate: a bound on
        # something else, which the query does not take (the groups are shown unbounded)
        return False
    if unit != "usd" and (found[4] in SCALES or "$" in found[0]):
        return False  # "deals over 100k we lost": an amount bounds the deals, not the count of them
    if unit != "usd" and DEALS_BEFORE.search(prepared[: found.start()]):
        return False  # "won deals over 5000": deals of that amount, not reps with 5,000 wins
    if found[4] in ("%", "percent"):
        number /= 100
    elif found[4] in ("x", "times"):
        pass  # "under 2x": a multiple, as coverage is shown
    elif found[4]:
        number *= SCALES[found[4]]
    subject = GROUP_HAS.search(prepared[: found.start()])
    if unit == "usd" and not subject:
        return False  # "bookings over 100k by rep": deals over 100k, unless the groups are the subject
    word = subject["subject"].split()[-1] if subject else ""
    slots.dimension = slots.dimension or SUBJECTS.get(word, SUBJECTS.get(f"{word}s", "rep"))
    slots.above, slots.below = (None, number) if found[1] else (number, None)
    slots.min_amount = slots.max_amount = None
    frame.intent = Intent.MEASURE
    return True


_PEOPLE = r"(?:reps|agents|sales agents|sellers|salespeople|people|aes|users|anyone|anybody|who)"
#: "which agents have no deals at all?", "reps with zero wins this quarter", "anyone with no open
#: pipeline": the people whose count of those records is nil.
NOBODY = re.compile(
    rf"\b{_PEOPLE}\b.{{0,25}}\b(?:no|zero|0|not a single|not any)\s+"
    r"(open deals|open opps|open pipeline|pipeline|pipe|won deals|wins|deals won|losses|lost deals"
    r"|activit(?:y|ies)|deals|opps|opportunities"
    # "anyone with zero meetings?": the activities of that kind
    r"|calls?|meetings?|emails?|demos?|notes?|touch(?:es|points?)?)\b"
)
#: "which reps haven't closed anything this quarter?", "who hasn't won a deal yet", "anyone who
#: didn't log a call this week": the people who did none of it, by the verb.
NOBODY_DID = re.compile(
    rf"\b{_PEOPLE}\b.{{0,25}}\b(?:haven't|hasn't|have not|has not|didn't|did not|never|not yet)\s+"
    r"(?:yet\s+|even\s+|actually\s+)?(clos|won|win|book|sold|sell|los|log|made|make|creat|open|sourc)(?:ged|ed|e|t)?"
    r"\s+(?:anything|a thing|any(?:thing)?|a|one|a single|(?:any|a|one)\s+\w+)\b"
)
#: The count each verb above counts ("closed a deal", as a rep says it, is a win).
NOBODY_DID_COUNTS = {"clos": "won_deals", "won": "won_deals", "win": "won_deals", "book": "won_deals"}
NOBODY_DID_COUNTS |= {"sold": "won_deals", "sell": "won_deals", "los": "lost_deals", "log": "activities"}
NOBODY_DID_COUNTS |= {"made": "activities", "make": "activities", "creat": "deals_created"}
NOBODY_DID_COUNTS |= {"open": "deals_created", "sourc": "deals_created"}
#: The count each of those records is, by the words above.
NOBODY_COUNTS = {"win": "won_deals", "won": "won_deals", "los": "lost_deals", "act": "activities"}
NOBODY_COUNTS |= {"ope": "open_deals", "pip": "open_deals"}
NOBODY_COUNTS |= dict.fromkeys(("cal", "mee", "ema", "dem", "not", "tou"), "activities")


def nobody(frame: Frame, prepared: str) -> bool:
    """Read "which agents have no deals at all?" into the frame: each rep's count of those records,
    only those with none (every member of the team is counted, so a rep with none is shown)."""
    if frame.slots.owner is not None:
        return False
    slots = frame.slots
    did = NOBODY_DID.search(prepared)
    if did is not None:
        slots.measure = NOBODY_DID_COUNTS[did[1]]
        slots.dimension, slots.below, slots.above, slots.limit = "rep", 1, None, None
        frame.intent = Intent.MEASURE
        return True
    found = NOBODY.search(prepared)
    if found is None:
        return False
    words = found[1]
    measure = next(
        (m for start, m in NOBODY_COUNTS.items() if words.startswith(start) or f" {start}" in f" {words}"),
        None,
    )
    slots.measure = (
        "deals_created"
        if measure is None and words.split()[0] in ("deals", "opps", "opportunities")
        else measure
    )
    if slots.measure == "deals_created" and slots.period is None:
        slots.period = "all time"  # "no deals at all": never one, whenever made
    slots.dimension, slots.below, slots.above, slots.limit = "rep", 1, None, None
    frame.intent = Intent.MEASURE
    return True


#: "which reps are under 2x", "any teams below 60%": the groups a bound is asked of.
BOUND_SUBJECT = re.compile(rf"\b(?:which|what|any|the|how many)\s+({DIMENSION_WORD})\b", re.I)


def bounded_after(previous: Frame, current: Frame, question: str) -> Frame | None:
    """ "which reps are under 2x" after the coverage by team: the thread's measure, of the groups
    named (else the thread's), only those past the bound; none when the question is not that."""
    if previous.intent is not Intent.MEASURE or previous.slots.measure not in MEASURES:
        return None
    if (
        current.slots.measure
        or current.intent not in (Intent.UNKNOWN, Intent.MEASURE)
        or not THRESHOLD.search(question)
    ):
        return None
    frame = previous.model_copy(deep=True)
    subject = BOUND_SUBJECT.search(question)
    if subject is not None and subject[1].casefold() in DIMENSIONS:
        frame.slots.dimension = DIMENSIONS[subject[1].casefold()]
        frame.slots.group_by = None
    frame.slots.limit = frame.slots.ranking = frame.slots.above = frame.slots.below = None
    if not threshold(frame, question):
        return None
    return frame.model_copy(update={"follow_up": True, "question": current.question})
