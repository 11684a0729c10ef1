"""Reading a metric question: which measure, broken down by what, ranked, compared, as a share.

Most analytical questions are compositions: a measure ("won revenue", "win rate", "deal size"),
maybe broken down by a dimension ("by product", "which rep", "per month"), ranked ("top 3",
"who has the most"), compared ("vs last quarter", "year over year") or taken as a share ("what
share of revenue comes from GTX Pro"). This module reads those parts from the prepared question
(lower-cased, typos corrected, names replaced by their kind: ``entproduct``, ``entperson``…) and
nothing else: the filters are the names and values the slot extractors found, the period is the
period slot. The measure is composed from two readings — *which deals* (won, lost, closed, open,
created) and *how they are counted* (amount, number, average, median, rate, days) — so "how many
deals did we lose", "average won deal", "median time to close" and "what's our close rate" are
each read without a phrase list per question.

A question with no measure word is not a metric question (``None``): it belongs to another intent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.offline.breakdowns import (
    BREAKDOWN,
    COMPARED_GROUPS,
    COUNT_WORD,
    DIMENSION_WORD,
    DIMENSIONS,
    GRAIN,
    RANKED,
    UNAVAILABLE,
    WHICH,
    WHICH_N,
    WHO,
    second_breakdown,
)
from assistant.offline.slots import WORD_NUMBERS

Outcome = Literal["won", "lost", "closed", "open", "created", "activity", "quota"]


def _any(words: str) -> re.Pattern[str]:
    """Any of ``words`` (alternatives separated by ``|``, regular expressions) as whole words."""
    return re.compile(r"\b(?:" + words + r")\b")


WON = _any(
    r"won|did \w+(?: \w+)? close|(?:i|we|they|he|she) closed|bought|purchased|wins?|winning|closed[- ]won"
    r"|bookings?|booked|(?:did|do|does|will|to|i|we|they) book|sold|(?<!-)(?:sell|sells|selling)"
    r"|(?<!annual )revenue"
    # "sales" is what was sold, except in a role or a process ("which sales agent…", "sales cycle")
    r"|sales(?! (?:agents?|reps?|representatives?|people|persons?|team|teams|managers?|leaders?|org"
    r"|ops|cycles?|playbook|process|stages?|calls?|methodology|motion|territor(?:y|ies)|offices?))"
    r"|closed (?:revenue|business|deals?)"
    r"|(?:brought|bring|brings|bringing) in|made"
    r"|generated revenue|landed|signed|converts?|converted|conversion|close rate|closing rate|hit rate"
)
#: "what did Acme buy": what an account bought, by product.
BOUGHT = re.compile(
    r"\b(?:bought|purchased|did (?:\w+ ){0,4}buy|do(?:es)? (?:\w+ ){0,4}buy from us|buys? from us"
    r"|did (?:\w+ ){0,2}sell (?:to|them|him|her)|(?:we|i|have|has) sold (?:to|them)"
    r"|(?:have|has) (?:\w+ ){0,3}bought|buys (?:\w+ ){0,3}from us|buys the most"
    r"|(?:we|i|you) (?:won|sold|booked|closed) (?:at|from|with|to|in) (?:entaccount|entunknown|them))\b"
)
#: Whitespace and upsell questions ("what else could they buy?") are about what was not bought.
NOT_YET = re.compile(
    r"\b(?:could|what else|else (?:could|can|might|should|would)|might|would|should|upsell|cross[- ]?sell"
    r"|not (?:yet )?bought"
    # "which customers haven't bought Security Shield?": the accounts without it
    r"|(?:haven't|hasn't|have not|has not|never|didn't|did not|don't|doesn't|do not|does not)"
    r"(?: \w+){0,2} (?:bought|purchased|buy|own|owned|have|use|using))\b"
)
LOST = _any(r"lost|lose|losing|losses|loss|closed[- ]lost|dropped|drop|drops|dropping")
CLOSED = _any(r"closed|decided")
OPEN = _any(r"open|pipeline|pipe|in play|in flight|active deals?|working on|on the table|closing")
CREATED = _any(
    r"created|create|creating|new deals?|new opportunit(?:y|ies)|new opps?|generated|sourced|opened|added"
    r"|pipeline creation|pipeline created|pipegen|engaged"
    # "how much pipeline did each rep add?", "deals added to the pipe this month"
    r"|(?:pipe(?:line)?|deals?|opps?|opportunit(?:y|ies))\b(?: \w+){0,4} (?:add|adds|adding)\b"
    r"|(?:add|adds|adding|added) (?:\w+ )?(?:to )?(?:the |their |my |our )?pipe(?:line)?\b"
    r"|new pipe(?:line)?|fresh pipe(?:line)?|pipeline added"
    r"|did (?:\w+ ){1,2}open|(?:i|we|they|he|she) opened"
)
#: Activities counted: the word itself, or calls, meetings, emails counted or logged ("how many calls",
#: "meetings by rep", "emails sent last week") — not a call one is preparing for ("the forecast call").
_KINDS = r"(?:calls?|meetings?|e-?mails?|demos?)"
ACTIVITY = _any(
    r"activit(?:y|ies)|touches|touchpoints?"
    r"|(?:how many|number of|(?<=#) of|count of|count|total|logged|made|had|held|booked|sent)\s+"
    rf"(?:\w+\s+){{0,2}}{_KINDS}"
    rf"|{_KINDS}\s+(?:(?:i|we|you|he|she|they|have|has|did|were|was)\s+){{0,2}}"
    r"(?:logged|made|held|booked|sent|done|had|per|by|this|last|in the last|so far|count|volume"
    r"|numbers?|ytd|qtd|mtd|since)"
)
#: "who should I call first?": whom to contact, not a count of calls.
SHOULD_CONTACT = re.compile(r"\b(?:should|do|must) (?:i|we) (?:call|email|contact|reach out to|ping|chase)\b")
QUOTA = _any(r"quota|target|number")
RATE = _any(
    r"win rates?|win ratios?|win %|win percentages?|close rates?|closing rates?|hit rates?"
    r"|conversion(?: rates?)?"
    r"|converts?|converted|success rates?|how often"
    # "which do I win more often?": the share of the deals pursued that are won
    r"|win (?:\w+ )?(?:more|less) (?:often|frequently)"
    # "are we winning more often in enterprise or mid-market?"
    r"|winning (?:\w+ )?(?:more|less) (?:often|frequently)"
)
COUNT = _any(r"how many|number of|count|# of|volume of|how much deals")
AVERAGE = _any(r"average|avg|mean|typical|on average|per deal")
MEDIAN = _any(r"median|middle")
SIZE = _any(
    # "how big are our deals", not "only the big ones" (a filter on the deals)
    r"deal sizes?|size|ticket|acv|deal value|value per deal|how big"
    r"|(?:close|closing|contract|deal|order|sale|sales) (?:values?|amounts?|prices?)|selling price|sale price"
)
CYCLE = _any(
    r"sales cycles?|cycle|time to close|days to close|how long (?:does it|do deals|it) take|how long to close"
    r"|how long .{0,30} to close|velocity"
    # "avg days from engage to close", "time from creation to close"
    r"|(?:days|time|weeks) from \w+ (?:date )?to (?:close|closing|won|win|signature)"
)
STAGE_DAYS = _any(
    r"days in (?:each |every |a |the )?stage|time in (?:each |every |a |the )?stage|stuck in stage"
    r"|how long .{0,20} in (?:each )?stage"
    # "which deal has been sitting in its stage the longest", "longest in stage", "oldest in stage"
    r"|(?:sit|sits|sitting|sat|stuck|been|parked|stayed|staying) in (?:(?:its|their|the|a|that|this|current"
    r"|the same|one) )?(?:current )?stage"
    r"|(?:longest|oldest|most days|most time) in (?:its |their |the |a )?(?:current )?stage"
    # "how many days do deals sit in proposal?", "how long do deals stay in negotiation"
    r"|(?:how long|how many days|days|time)\b.{0,40}\b(?:sit|sits|sitting|sat|stay|stays|staying|spend|spends"
    r"|spent|linger|lingers|lingering|remain|remains|sit around) in\b"
    # "avg days in negotiation": the time deals spend in the stage named (not "days in the quarter")
    r"|(?:avg|average|mean|median|typical)\s+(?:number of\s+)?(?:days|time)\s+(?:spent\s+)?in\s+"
    r"(?!(?:the |this |last |next |a |each |every )?"
    r"(?:quarter|month|year|week|period|total|q[1-4]\b|\d))[a-z]+"
)
#: How long open deals have been open: "my 5 oldest open deals", "average age of our pipeline".
DEAL_AGE = _any(
    r"(?:oldest|newest|youngest)\s+(?:\d{1,2}\s+)?(?:open\s+|active\s+)?(?:deals?|opps?|opportunit(?:y|ies)|pipeline)"
    r"|(?:average\s+)?age of (?:my |our |the |their )?(?:open )?(?:deals|pipeline|opps|opportunities)"
    r"|how old (?:are|is) (?:my|our|the|their) (?:open )?(?:deals|pipeline|opps|opportunities)"
    r"|average (?:deal|opp|opportunity) age|deal age"
)
WEIGHTED = _any(r"weighted|probability[- ]adjusted|expected value")
_AGAINST = r"(?:against|vs\.?|versus|relative to|compared (?:to|with)|measured against|stack(?:s|ing)? up to)"
#: Quota attainment, asked as such or as being behind, on track, hitting or missing the number.
ATTAINMENT = _any(
    r"attainment|attained|% (?:of|to) (?:quota|target|plan)|percent (?:of|to) quota"
    r"|(?:behind|ahead|on track|tracking|furthest|closest)\b.{0,30}\b(?:quota|number|target|plan)"
    r"|(?:hit|make|making|miss|missing|reach|reached|made|beat|exceeded) (?:their |my |our |the |his |her )?"
    r"(?:q[1-4] |quarterly |annual |yearly |full[- ]year |fy )?(?:quota|number|target)"
    # "how far am I from my number?"
    r"|far (?:\w+ ){0,2}?(?:from|off|away from|behind) (?:my |our |their |his |her |the )?"
    r"(?:quota|number|target|plan)"
    # "how is Kenji doing against quota?", "bookings vs target", "where am I relative to plan"
    rf"|{_AGAINST} (?:my |our |their |his |her |the |team |annual |quarterly )?(?:quota|target|plan)"
    r"|gap to (?:quota|target|plan)|short of (?:quota|target|plan)"
    # "who needs coaching?": the furthest from their number first
    r"|(?:needs?|could use|would benefit from) (?:some |more )?(?:coaching|help|support)"
)
COVERAGE = _any(
    # "cover" is a verb too ("what should I cover in the call?", "I'm covering for Jamie"): pipeline
    # covering a number only
    r"coverage"
    r"|(?:pipe(?:line)?|enough)\b.{0,30}\bcover(?:s|ed)?\b"
    # "do I have enough pipeline for next quarter?"
    r"|enough pipe(?:line)?\b"
    r"|cover(?:s|ed)? (?:my |our |the |their |his |her )?(?:quota|number|target|gap|plan)"
    # "pipeline vs quota": the open pipeline set against the quota is its coverage
    rf"|pipe(?:line)?\b.{{0,30}}\b{_AGAINST} (?:my |our |their |his |her |the |team )?(?:quota|target|plan)"
)
MONEY = _any(r"how much|revenue|bookings?|amount|value|dollars?|money|worth|total|sum|sales")

TOP_N = re.compile(rf"\b(?:top|best|biggest|largest|highest|leading)\s+{COUNT_WORD}\b")
BOTTOM_N = re.compile(rf"\b(?:bottom|worst|smallest|lowest|weakest)\s+{COUNT_WORD}\b")
#: Superlatives pointing up and down: with "which X" or "who", the one at the top (or bottom).
MOST = _any(r"most|best|highest|biggest|largest|top|leading|strongest|more|longest|slowest")
LEAST = _any(r"least|worst|lowest|smallest|fewest|bottom|weakest|less|shortest|fastest|quickest")
#: Falling short without a superlative ("who is behind on quota?"): everyone, lowest first.
BEHIND = _any(r"behind|lagging|struggling|miss|missing|short of|below|under|coaching|needs? help")

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
SHARE = re.compile(
    r"\b(?:share|percent(?:age)?|proportion|portion|fraction|what part|how much of|slice|chunk|piece)\b"
    r"|%\s*of\b|\bmix\b"
    # "the US vs elsewhere", "Cobalt Platform against everything else": one member's part of the whole
    r"|\b(?:vs\.?|versus|compared (?:to|with)|against)\s+(?:the rest(?: of)?|elsewhere|everyone else"
    r"|everything else|every ?(?:one|thing|where) else|all (?:the )?others?|other (?:\w+)|anywhere else)\b"
)


@dataclass
class MetricReading:
    """What a metric question asks for, in the query tool's terms."""

    measure: str
    group_by: str | None = None
    #: A second breakdown inside the first ("by rep and product").
    then_by: str | None = None
    top: int | None = None
    order: Literal["desc", "asc"] = "desc"
    compare: Literal["previous_period", "last_year"] | None = None
    share_of_total: bool = False
    #: The question asks for the mean over the groups ("the team average", "average per rep").
    mean_of_groups: bool = False
    #: A breakdown asked for that the data cannot give ("by lead source"), as written.
    unavailable: str | None = None
    #: Further measures asked for beside the first ("average and median deal size").
    also: list[str] = field(default_factory=list)
    #: Signals seen: how sure the reading is (a measure alone is weaker than a measure + breakdown).
    signals: list[str] = field(default_factory=list)


def _outcome(text: str) -> Outcome | None:
    if QUOTA.search(text) and (ATTAINMENT.search(text) or COVERAGE.search(text) or "quota" in text):
        return "quota"
    if LOST.search(text):
        return "lost"
    if CREATED.search(text) and not re.search(r"\b(?:won|closed)\b", text):
        return "created"
    if WON.search(text) or (BOUGHT.search(text) and not NOT_YET.search(text)):
        return "won"
    if OPEN.search(text):
        return "open"
    if ACTIVITY.search(text) and not SHOULD_CONTACT.search(text):
        return "activity"
    if CLOSED.search(text):
        return "closed"
    return None


_PEOPLE = r"(?:reps|agents|sales agents|salespeople|sales people|sellers|aes|account executives|people)"
#: "how many reps do we have in each territory?", "agents per office", "headcount by team".
HEADCOUNT = re.compile(
    rf"\b(?:how many|number of|count of)\s+(?:\w+\s+)?{_PEOPLE}\b"
    r"(?!.{0,30}\b(?:won|lost|closed|hit|made|sold|missed|beat|with"
    r"|have (?:open|stalled|no)|has|booked|are behind"
    r"|work (?:there|at|for)\b(?! (?:our|my|sales|us))|does \w+ have)\b)"
    rf"|\bheadcount\b|\b{_PEOPLE} (?:per|by|in each|for each) "
)
#: "who are the managers in West?", "who manages the East office?": the teams, with their size.
MANAGERS = re.compile(
    r"\bwho (?:are|is) (?:the |our )?managers?\b|\bwho manages\b|\bwhich managers?\b(?!'s| team)"
    r"|\blist (?:the |our )?managers\b"
)


#: "how many accounts in each territory?", "account counts by industry": the accounts themselves.
ACCOUNT_COUNT = re.compile(
    r"\b(?:how many|number of|count of|# of|count the)\s+(?:\w+\s+)?"
    r"(?:accounts|customers|companies|clients)\b"
    r"|\b(?:account|customer) counts?\b|\baccounts? (?:does|do) (?:each|every)\b"
)


def _measure(text: str) -> str | None:
    """The measure key the question asks for, composed from which deals and how they count."""
    text = re.sub(r"\b(?:does|do|did) (.{1,40}?) mean\b", r"\1", text)  # "what does X mean": not a mean
    # "opps with no real deal value": which deals (a filter), not their size
    text = re.sub(r"\b(?:no|without|missing)\s+(?:\w+\s+){0,2}(?:values?|amounts?|sizes?)\b", " ", text)
    if ACCOUNT_COUNT.search(text) and not (WON.search(text) or LOST.search(text) or OPEN.search(text)):
        return "accounts"
    if ATTAINMENT.search(text) and not (COVERAGE.search(text) and OPEN.search(text)):
        return "attainment"
    if COVERAGE.search(text):
        return "coverage"
    if RATE.search(text) and not LOST.search(text.replace("win rate", "")):
        return "win_rate"
    if STAGE_DAYS.search(text):
        return "average_days_in_stage"
    if DEAL_AGE.search(text):
        return "average_deal_age"
    if CYCLE.search(text):
        # the sales cycle the scorecards and the metric registry report is the median; the mean
        # only when asked for ("average sales cycle")
        return "average_sales_cycle" if AVERAGE.search(text) else "median_sales_cycle"
    if WEIGHTED.search(text):
        return "weighted_pipeline"
    outcome = _outcome(text)
    if outcome is None and re.search(r"\b(?:ever|all[- ]time|lifetime)\b", text):
        outcome = "won"  # "my biggest deal ever": of the deals won, since the first
    # "most wins", "total deals won": deals counted, not their amounts
    counted = bool(
        COUNT.search(text)
        # "which product do I win most often?": how many times, not how much
        or re.search(r"\b(?:wins|losses)\b|\btotal (?:\w+ )?deals\b|\bmost (?:often|frequently)\b", text)
    )
    if SIZE.search(text) or (AVERAGE.search(text) and outcome in ("won", None) and not counted):
        if MEDIAN.search(text) and not AVERAGE.search(text):
            return "median_deal_size"
        return "average_deal_size"
    if MEDIAN.search(text) and outcome in ("won", None):
        return "median_deal_size"
    if outcome == "quota":
        return "quota"
    if outcome == "activity":
        return "activities"
    if outcome is None:
        return None
    if outcome == "created":
        deals = re.search(r"\b(?:deals|opportunities|opps)\b", text) and not MONEY.search(text)
        return "deals_created" if counted or deals else "pipeline_created"
    if outcome == "open":
        return (
            "open_deals"
            if counted
            or (re.search(r"\bopen (?:deals|opportunities|opps)\b", text) and not MONEY.search(text))
            else "open_pipeline"
        )
    if outcome == "closed":
        return "closed_deals"
    if counted or (re.search(r"\b(?:deals|opportunities|opps)\b", text) and not MONEY.search(text)):
        return f"{outcome}_deals"
    return f"{outcome}_revenue"


_DEAL_WORDS = r"(?:(deal|win|loss|opportunity|opp)|deals|wins|losses|opportunities|opps)"
#: "my 3 biggest wins", "the largest deal we lost", "top 5 deals won": deals themselves, ranked.
DEAL_RANKED = re.compile(
    rf"\b(?:top|bottom|best|worst|biggest|largest|smallest|highest|lowest|oldest|newest|youngest)\s+"
    rf"(?:{COUNT_WORD}\s+)?"
    rf"(?:(?:open|active|live|current|new|won|lost|closed|committed|commit)\s+)?{_DEAL_WORDS}\b(?!\s+(?:rate|ratio|%|percentage|size|sizes|value|count))"
    rf"|\b{COUNT_WORD}\s+(?:biggest|largest|best|worst|top|smallest)\s+{_DEAL_WORDS}\b"
)
#: "deals I won last month", "which deals did we lose this quarter": the deals themselves, listed.
DEALS_DONE = re.compile(
    r"\b(?:deals|opportunities|opps) (?:(?:that )?(?:i|we|you|he|she|they|entperson) )?"
    r"(?:have |had |did )?(?:won|lost|closed)\b(?! (?:by|per|rate))"
    r"|\b(?:which|what) (?:deals|opportunities|opps) did (?:\w+ ){1,2}(?:win|lose|close)\b"
)
#: "which deal", "which of my open opps": the answer is a deal (group 1 set when several are asked for).
WHICH_DEAL = re.compile(
    r"\b(?:which|what)\s+(?:of (?:my|our|the) )?(?:\w+ )?(?:deal|opp|opportunity)(s|ies)?\b"
)
#: Figures taken over many deals at once ("the median cycle on deals I won" is one figure, not a list).
OVER_DEALS = frozenset(
    {
        "average_deal_size",
        "median_deal_size",
        "average_sales_cycle",
        "median_sales_cycle",
        "win_rate",
        "average_days_in_stage",
        "average_deal_age",
    }
)
#: Counting deals one by one is their amount: "top 5 deals lost" lists the deals and what they were worth.
PER_DEAL = {
    "won_deals": "won_revenue",
    "lost_deals": "lost_revenue",
    "closed_deals": "won_revenue",
    "deals_created": "pipeline_created",
    "open_deals": "open_pipeline",
}

#: "the team average", "the average rep", "per rep on average": the mean over the group's members.
MEAN_OF_GROUPS = re.compile(
    rf"\b(?:team|group|office|regional) average\b"
    # "how does it stack up against the rest of the team?", "compared to my peers"
    rf"|\b(?:vs\.?|versus|against|compared? (?:to|with)|than|relative to|stack(?:s)? up (?:against|to|with))"
    rf" (?:the |my )?(?:rest of (?:the |my |\w+'s )?team|team|peers|other reps|everyone else)\b"
    # "average rep", not "average days to close" (a duration)
    rf"|\baverage ({DIMENSION_WORD})\b(?! (?:to|in|from|until|before|between|it takes)\b)"
    rf"|\b(?:average|avg|mean) (?:per|across|for each|by|of (?:the|my|our)) ({DIMENSION_WORD})\b(?! to )"
    rf"|\bper ({DIMENSION_WORD}) on average\b"
)


def _singular(word: str) -> bool:
    return not word.endswith("s") or word in ("series", "sales", "business")


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() else WORD_NUMBERS[raw]


#: Who or what is "best" with no measure named is judged by bookings: "who's my best rep?".
PERFORMERS = frozenset(
    {
        "rep",
        "team",
        "territory",
        "region",
        "product",
        "product_family",
        "industry",
        "segment",
        "month",
        "quarter",
    }
)


def _ranked_without_measure(text: str) -> str | None:
    found = WHICH.search(text) or RANKED.search(text)
    dimension = (
        DIMENSIONS[next(g for g in found.groups() if g)] if found else "rep" if WHO.search(text) else None
    )
    superlative = r"\b(?:best|top|strongest|leading|worst|weakest|fastest|growing|grew|growth)\b"
    if dimension in PERFORMERS and re.search(superlative, text):
        return "won_revenue"
    if dimension not in (None, "deal", "stage", "loss_reason") and re.search(
        r"\b(?:best|most valuable|most loyal) (?:customers?|clients?|accounts?|products?|sellers?)\b",
        text,
    ):
        return "won_revenue"  # "which account has been our best customer?": by what they bought
    if dimension and re.search(
        r"\b(?:most|fewest|least|more|fewer) (?:\w+ )?(?:accounts|customers|companies)\b", text
    ):
        return "accounts"  # "which territory has the most accounts?"
    stalled = re.search(r"\b(?:stall\w*|stuck|at[- ]risk|risky|slipp\w*|dark|neglected|stale)\b", text)
    if (
        dimension
        and not stalled
        and re.search(
            r"\b(?:most|fewest|least|more|fewer)\b(?: \w+){0,2} (?:deals|opportunities|opps)\b", text
        )
    ):
        # "which agent has the most prospecting deals?": deals are counted, and with no outcome
        # named they are the ones still open
        return "open_deals"
    return None


def read_metric_question(text: str, default: str | None = None) -> MetricReading | None:
    """The metric reading of a prepared question, or ``None`` when it names no measure (and no
    ``default`` measure is given, as a thread gives one)."""
    measure = _measure(text) or default
    implied = False
    if measure is None:
        # a superlative over a dimension implies a measure ("which manager has the fewest deals?");
        # without one, a question about the team itself counts its people
        measure = _ranked_without_measure(text)
        implied = measure is not None
        if measure is None and (HEADCOUNT.search(text) or MANAGERS.search(text)):
            measure = "reps"
    if measure is None:
        return None
    reading = MetricReading(measure=measure, signals=["implied measure" if implied else "measure"])
    breakdown = BREAKDOWN.search(text) or WHICH.search(text) or COMPARED_GROUPS.search(text)
    if measure.startswith("lost_") and re.search(r"\bwhy\b|\breasons?\b", text) and not breakdown:
        # "how many deals did I lose in Q2 and why?": the losses by the reason recorded
        reading.group_by = "loss_reason"
        reading.signals.append("breakdown")
        return reading
    if measure == "reps" and MANAGERS.search(text):
        reading.group_by = "team"
        reading.signals.append("breakdown")
        return reading
    missing = UNAVAILABLE.search(text)
    if missing and not breakdown:
        reading.unavailable = missing[1]
        reading.signals.append("unavailable breakdown")
    ranked = RANKED.search(text)
    grain = GRAIN.search(text)
    mean = MEAN_OF_GROUPS.search(text)
    if breakdown:
        reading.group_by = DIMENSIONS[breakdown[1]]
        reading.then_by = second_breakdown(text, breakdown)
        reading.signals.append("breakdown")
    elif (
        DEALS_DONE.search(text)
        and reading.measure not in OVER_DEALS
        and not COUNT.search(text)
        and not re.search(r"\b(?:rank|ranked|ranking|by|per|each)\b", text)
        and not WHICH.search(text)
    ):
        reading.group_by = "deal"
        reading.measure = PER_DEAL.get(reading.measure, reading.measure)
        reading.signals.append("breakdown")
    elif reading.measure in OVER_DEALS and (one := WHICH_DEAL.search(text)):
        # "which of my deals has been in its stage the longest?": each deal's figure, the top one
        reading.group_by = "deal"
        reading.signals.append("breakdown")
        if not one[1] and (MOST.search(text) or LEAST.search(text)):
            reading.top = 1
            reading.order = "asc" if LEAST.search(text) and not MOST.search(text) else "desc"
            reading.signals.append("ranking")
    elif deals_ranked := DEAL_RANKED.search(text):
        reading.group_by = "deal"
        reading.measure = PER_DEAL.get(reading.measure, reading.measure)
        reading.signals.append("breakdown")
        count = deals_ranked[1] or deals_ranked[3]
        singular = deals_ranked[2] or deals_ranked[4]
        reading.top = _number(count) if count else 1 if singular else None
        reading.order = (
            "asc"
            if re.search(r"\b(?:bottom|worst|smallest|lowest|newest|youngest)\b", deals_ranked[0])
            else "desc"
        )
        if reading.top is not None:
            reading.signals.append("ranking")
    elif ranked:
        reading.group_by = DIMENSIONS[ranked[1] or ranked[2]]
        reading.signals.append("breakdown")
    elif mean:
        word = next((g for g in mean.groups() if g), None)
        reading.group_by = DIMENSIONS[word] if word else "rep"
        reading.signals.append("breakdown")
    elif BOUGHT.search(text) and not NOT_YET.search(text) and measure == "won_revenue":
        reading.group_by = "product"
        reading.signals.append("breakdown")
    elif grain:
        reading.group_by = DIMENSIONS[grain[1] or grain[2]] if grain[1] or grain[2] else "month"
        reading.signals.append("breakdown")
    elif WHO.search(text):
        reading.group_by = "rep"
        reading.signals.append("who")
    top, bottom = TOP_N.search(text) or WHICH_N.search(text), BOTTOM_N.search(text)
    if reading.group_by == "deal":
        pass  # ranked above
    elif top or bottom:
        reading.top = _number((top or bottom)[1])  # type: ignore[index]
        reading.order = "asc" if bottom and not top else "desc"
        reading.signals.append("ranking")
    elif (
        ranked
        and reading.group_by == DIMENSIONS[ranked[1] or ranked[2]]
        and _singular(ranked[1] or ranked[2])
    ):
        # "our top customer", "the worst territory": the one at the top (or the bottom)
        reading.top = 1
        reading.order = (
            "asc" if re.search(r"\b(?:bottom|worst|smallest|lowest|weakest)\b", ranked[0]) else "desc"
        )
        reading.signals.append("ranking")
    elif (
        reading.group_by
        and (WHICH.search(text) or WHO.search(text))
        and not re.search(r"\b(?:each|every|all)\b", text)
    ):
        # "which product sells best", "who has the most open deals": the one at the top; "who is
        # behind on quota?": everyone, the furthest behind first.
        extreme = MOST.search(text) or LEAST.search(text) or "furthest" in text
        which = WHICH.search(text) or RANKED.search(text)
        word = next((g for g in which.groups() if g), "") if which else ""
        # "which industries do we win most in?": all of them, ranked; "which industry…": the one
        plural = word.endswith("s") and word not in ("series", "sales")
        reading.top = 1 if extreme and not plural else None
        low = LEAST.search(text) or BEHIND.search(text)
        reading.order = "asc" if low and not MOST.search(text) else "desc"
        reading.signals.append("ranking")
    if reading.measure == "attainment" and re.search(r"\b(?:gap|short of)\b", text):
        # "who has the biggest gap to quota?": the lowest attainment
        reading.order = "asc" if reading.order == "desc" else "desc"
    over = grain is not None and grain[2] is not None and reading.group_by == DIMENSIONS[grain[2]]
    if reading.group_by == "loss_reason" and reading.measure == "lost_revenue" and not MONEY.search(text):
        reading.measure = "lost_deals"  # "top loss reasons": how many deals each reason cost
    if LAST_YEAR.search(text):
        reading.compare = "last_year"
        reading.signals.append("compare")
    elif over:
        pass  # "month over month": every month side by side is the comparison
    elif PREVIOUS.search(text):
        reading.compare = "previous_period"
        reading.signals.append("compare")
    elif re.search(r"\b(?:compare[sd]?|comparison|vs\.?|versus|against)\b", text):
        # "Q2 vs Q1 revenue": the periods themselves say what is compared (see the slot reader).
        reading.signals.append("compare")
    if reading.compare and re.search(r"\b(?:growing|grew|growth)\b", text):
        reading.order = "desc"  # "which sector grew fastest?": the most growth first
    if reading.compare and reading.top == 1 and re.search(r"\b(?:growing|grew|growth|fastest)\b", text):
        # "which region is growing fastest?": every region with its change (they are ranked by value,
        # not by change, so the one at the top would answer a different question)
        reading.top = None
    if SHARE.search(text) and measure not in ("win_rate", "attainment", "coverage"):
        reading.share_of_total = True
        reading.signals.append("share")
    if mean:
        reading.mean_of_groups = True
    if measure == "average_deal_size" and MEDIAN.search(text):
        reading.also.append("median_deal_size")
    elif measure == "average_sales_cycle" and MEDIAN.search(text):
        reading.also.append("median_sales_cycle")
    return reading
