"""How a measure is ranked and compared: top or bottom N, the most and the least, behind, against the
previous period or a year earlier, a share of the total, the average over the groups."""

from __future__ import annotations

import re

from assistant.offline.breakdowns import (
    COUNT_WORD,
    DIMENSION_WORD,
)
from assistant.offline.measure_words import (
    any_of,
)

TOP_N = re.compile(rf"\b(?:top|best|biggest|largest|highest|leading)\s+{COUNT_WORD}\b")


BOTTOM_N = re.compile(rf"\b(?:bottom|worst|smallest|lowest|weakest)\s+{COUNT_WORD}\b")
#: "the best and worst month", "top 3 / bottom 3", "highest and lowest win rate": both ends at once.
BOTH_ENDS = re.compile(
    rf"\b(?:best|top|highest|most|biggest|strongest|largest)(?:\s+{COUNT_WORD})?\s*(?:and|&|/|vs\.?|or|,)\s*"
    rf"(?:the\s+)?(?:worst|bottom|lowest|least|weakest|smallest)\b"
    rf"|\b(?:worst|bottom|lowest|weakest|smallest)(?:\s+{COUNT_WORD})?\s*(?:and|&|/|vs\.?|or|,)\s*(?:the\s+)?"
    rf"(?:best|top|highest|strongest|biggest|largest)\b"
    # "which team had the best win rate in q4? and the worst?": the other end, asked last on its own
    rf"|\b(?:best|top|highest|most|biggest|strongest|largest)\b.{{1,80}}?\b(?:and|&|also|plus)\s+(?:the\s+)?"
    rf"(?:worst|bottom|lowest|least|weakest|smallest)(?:\s+(?:one|ones))?\W*$"
    rf"|\b(?:worst|bottom|lowest|weakest|smallest)\b.{{1,80}}?\b(?:and|&|also|plus)\s+(?:the\s+)?"
    rf"(?:best|top|highest|strongest|biggest|largest)(?:\s+(?:one|ones))?\W*$"
    # "which month was best and how much more was it than the worst": both ends, and the gap
    rf"|\b(?:best|top|highest|biggest|strongest|largest)\b.{{1,80}}?\bthan\s+(?:the\s+)?"
    rf"(?:worst|bottom|lowest|weakest|smallest)(?:\s+(?:one|ones|month|quarter|week|year))?\W*$"
)
#: Superlatives pointing up and down: with "which X" or "who", the one at the top (or bottom).
MOST = any_of(r"most|best|highest|biggest|largest|top|leading|strongest|more|longest|slowest")
LEAST = any_of(r"least|worst|lowest|smallest|fewest|bottom|weakest|less|shortest|fastest|quickest")
#: Falling short without a superlative ("who is behind on quota?"): everyone, lowest first.
BEHIND = any_of(r"behind|lagging|struggling|miss|missing|short of|below|under|coaching|needs? help")
PREVIOUS = re.compile(
    r"\b(?:vs\.?|versus|compared? (?:to|with)|against|than|relative to|over)\s+(?:the\s+)?"
    r"(?:last|previous|prior|the previous|the prior)\s+(?:quarter|month|year|period|week)\b"
    r"|\b(?:quarter|month|week)[- ]over[- ](?:quarter|month|week)\b|\b(?:qoq|mom|wow)\b"
    r"|\b(?:vs\.?|versus|compared (?:to|with)|than)\s+(?:the\s+)?"
    r"(?:last|previous|prior|before)\s*(?:one\s*)?\W*$"
    # "last quarter vs the quarter before", "this month compared with the one before"
    r"|\b(?:vs\.?|versus|compared (?:to|with)|than|and)\s+the\s+"
    r"(?:quarter|month|week|year|one|period)\s+before\b"
    r"|\b(?:growth|grew|growing|change|changed|up or down|increase|decrease)\b"
)
LAST_YEAR = re.compile(
    r"\b(?:year[- ]over[- ]year|yoy"
    r"|same (?:quarter|month|period|time) last year|a year ago"
    r"|vs\.? last year|versus last year|compared? (?:to|with) last year|than last year"
    # "Q3 won revenue vs Q3 last year", "this month vs the same month last year"
    r"|(?:vs\.?|versus|compared? (?:to|with)|against|than) (?:the )?(?:same )?"
    r"(?:q[1-4]|h[12]|quarter|month|period|week|january|february|march|april|may|june|july|august|september|october|november|december)"
    r"(?: of)? last year)\b"
)
#: What "% of" is taken of when it is attainment: "their quota", "his Q3 quota", "the annual target".
OF_QUOTA_WORDS = (
    r"(?:their |his |her |the |my |our )?(?:(?:q[1-4]|h[12]|quarterly|annual|yearly|monthly|\d{4}) )?"
    r"(?:quota|target|number|plan)\b"
)
SHARE = re.compile(
    r"\b(?:share|percent(?:age)?|proportion|portion|fraction|what part|how much of|slice|chunk|piece)\b"
    rf"(?!\s+of\s+{OF_QUOTA_WORDS})"
    # "% of quota", "percent of target" is attainment, not a share of the total
    rf"|%\s*of\b(?!\s+{OF_QUOTA_WORDS})|\bmix\b"
    # "the US vs elsewhere", "Cobalt Platform against everything else": one member's part of the whole
    r"|\b(?:vs\.?|versus|compared (?:to|with)|against)\s+(?:the rest(?: of)?|elsewhere|everyone else"
    r"|everything else|every ?(?:one|thing|where) else|all (?:the )?others?|other (?:\w+)|anywhere else)\b"
)
#: "the team average", "the average rep", "per rep on average": the mean over the group's members.
MEAN_OF_GROUPS = re.compile(
    rf"\b(?:team|group|office|regional) average\b"
    # "how does it stack up against the rest of the team?", "compared to my peers"
    rf"|\b(?:vs\.?|versus|against|compared? (?:to|with)|than|relative to|stack(?:s)? up (?:against|to|with))"
    rf" (?:the |my )?(?:rest of (?:the |my |\w+'s )?(?:\w+ )?team|team|peers|other reps|everyone else)\b"
    # "average rep", not "average days to close" (a duration)
    rf"|\baverage ({DIMENSION_WORD})\b(?! (?:to|in|from|until|before|between|it takes)\b)"
    rf"|\b(?:average|avg|mean) (?:per|across|for each|by|of (?:the|my|our)) ({DIMENSION_WORD})\b(?! to )"
    rf"|\bper ({DIMENSION_WORD}) on average\b"
)
