"""Measures asked together: "win rate + avg deal size", "GTK 500 - won, lost, open", "bookings w/
their win rates", "how many did we win, and what's that in $?", "q4 bookings + % of quota".

The first measure written leads; the others are computed for the same groups. A count asked beside
its amount ("how many … and what were they worth") adds the amount, and "average and median" the
median of the same figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.offline.measure_words import MEDIAN

#: Between measures asked together: "win rate + avg deal size", "won, lost, open", "bookings w/ win rates".
MEASURE_LIST = re.compile(
    r"\s*(?:,|\+|&|/|[.?!;:](?=\s)|\band\b|\bplus\b|\bw/|\bwith(?: their| its| the)?\b)\s*"
)
#: A measure counted deal by deal beside one summed, as the first one counts them ("how many did I win
#: and lose": deals lost, not their value).
AS_COUNT = {"won_revenue": "won_deals", "lost_revenue": "lost_deals", "open_pipeline": "open_deals"}
AS_COUNT |= {"pipeline_created": "deals_created"}


#: A count, and the same deals in money, asked together: "how many … and what's that in $".
IN_MONEY = {count: money for money, count in AS_COUNT.items()}
#: Words asking for the count, or the money, of a measure asked the other way ("#" before a number
#: picks a row: "break #1 down").
IN_COUNT_WORDS = re.compile(r"#(?!\s?\d)|\b(?:number|count|counts|how many|volume|units?)\b", re.I)
IN_MONEY_WORDS = re.compile(r"\$|\b(?:dollars?|cost|costs|worth|value|money|revenue|amounts?)\b", re.I)
#: Each outcome of a deal, in money and counted: what "won", "lost", "open" and "created" measure.
OUTCOME_MEASURES = {
    "won": ("won_revenue", "won_deals"),
    "lost": ("lost_revenue", "lost_deals"),
    "open": ("open_pipeline", "open_deals"),
    "created": ("pipeline_created", "deals_created"),
}
IN_DOLLARS = (
    r"\b(?:in|as)\s+(?:\$|dollars|money|revenue|value)|\bwhat(?:'s|s| is) (?:that|it|this|they|those) worth\b"
    r"|\bhow much is that\b|\band how much\b"
    # "how many … and whats the pipe": the count, and what the deals are worth
    r"|\b(?:and|&) (?:what(?:'s|s| is) )?(?:the |their )?(?:pipe|pipeline|total value)\W*$"
    r"|\b(?:and|&)\s+(?:what\s+)?(?:(?:is|was|were|are)\s+)?(?:it|that|they|those)\s+worth\b"
    r"|(?:\b(?:and|&|with|plus)|\+|\bw/)\s*(?:the\s+)?(?:\$|value|worth|dollars?)(?!\w)"
    # "won $ and number of deals", "# won, won $, avg cycle": the money listed beside the count
    r"|\$(?!\s*\d)\s*(?:and|&|\+|,)\s|,\s*(?:won |lost |booked )?\$(?!\s*\d)"
    # "count and total amount", "how many and the total value": the amount beside the count
    r"|\bcount(?:s)?\s*(?:and|&|\+|,|plus|with)\s*(?:the\s+)?(?:total\s+)?(?:amount|value|\$|dollars|sum)\b"
)


#: "w/ deal counts", "and the number of deals": the deals behind a summed measure, counted.
DEAL_COUNT = re.compile(
    r"^(?:the |their |its )?(?:deal counts?|(?:number|#|count) of (?:deals|opps|opportunities))\b"
)


#: "+ % of quota", "percent of target": attainment, beside the bookings it is worked out from.
OF_QUOTA = re.compile(
    r"^(?:the |their )?(?:%|percent|pct)\s*(?:of|to)\s+(?:their |the |his |her )?(?:quota|target|number)\b"
)


def _of_quota(part: str) -> str | None:
    return "attainment" if OF_QUOTA.match(part.strip()) else None


def _counted(part: str, measure: str) -> str | None:
    return AS_COUNT.get(measure) if DEAL_COUNT.match(part.strip()) else None


#: "won vs lost", "wins versus losses": two outcomes set side by side are two measures.
VERSUS = re.compile(r"\s*\b(?:vs\.?|versus)\s*")
OUTCOMES = frozenset({"won_revenue", "lost_revenue", "won_deals", "lost_deals"})


def listed_measures(measure: str, text: str, read: Callable[[str], str | None]) -> list[str]:
    """The measures ``text`` lists, the leading one first (empty unless two or more are listed and
    one is of the kind ``measure``, the reading of the whole question); ``read`` reads one part."""
    found = _listed(measure, MEASURE_LIST.split(text), read)
    if not found and VERSUS.search(text):
        # "won vs lost by product": both outcomes (a "vs" between anything else compares members)
        outcomes = _listed(measure, VERSUS.split(text), read)
        found = outcomes if set(outcomes) <= OUTCOMES else []
    return found


def _listed(measure: str, parts: list[str], read: Callable[[str], str | None]) -> list[str]:
    found = [m for part in parts if (m := _of_quota(part) or read(part) or _counted(part, measure))]
    if measure.endswith("_deals"):
        found = [AS_COUNT.get(m, m) for m in found]
    found = list(dict.fromkeys(found))
    family = measure.split("_", 1)[-1]
    # "average deal size and median sales cycle": the measures as listed, though the whole question
    # read as another of the same kind (the average cycle)
    quota = {measure, *found} >= {"quota", "attainment"}  # "bookings + % of quota"
    kin = any(m == measure or m.split("_", 1)[-1] == family for m in found)
    return found[:6] if len(found) >= 2 and (quota or kin) else []


def beside(asked: str, measure: str, text: str) -> list[str]:
    """A measure asked beside ``measure`` without being listed: the median beside an average (of
    the measure ``asked`` first), the amount beside a count ("and what's that in $?")."""
    if asked == "average_deal_size" and MEDIAN.search(text):
        return ["median_deal_size"]
    if asked == "average_sales_cycle" and MEDIAN.search(text):
        return ["median_sales_cycle"]
    if measure in IN_MONEY and re.search(IN_DOLLARS, text):
        return [IN_MONEY[measure]]
    return []
