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
    ADJECTIVAL,
    AMOUNT_BASIS,
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
from assistant.offline.comparisons import (
    BEHIND,
    BOTH_ENDS,
    BOTTOM_N,
    LAST_YEAR,
    LEAST,
    MEAN_OF_GROUPS,
    MOST,
    PREVIOUS,
    SHARE,
    TOP_N,
)
from assistant.offline.measure_lists import IN_DOLLARS, IN_MONEY, beside, listed_measures
from assistant.offline.measure_words import (
    ACTIVITY,
    ARR,
    ATTAINMENT,
    AVERAGE,
    BOUGHT,
    BY_VALUE,
    CHURN,
    CLOSED,
    COUNT,
    COVERAGE,
    CREATED,
    CYCLE,
    DEAL_AGE,
    LOSS_RATE,
    LOST,
    MEDIAN,
    MONEY,
    NOT_YET,
    OPEN,
    QUOTA,
    RATE,
    SHOULD_CONTACT,
    SIZE,
    STAGE_DAYS,
    WEIGHTED,
    WON,
    said_of,
)
from assistant.offline.slots import WORD_NUMBERS
from tools.semantic.measures import INSTALLED_BASE, MEASURES

Outcome = Literal["won", "lost", "closed", "open", "created", "activity", "quota"]


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
    #: How many groups to show at each end, when the top and the bottom are asked for together.
    both_ends: int | None = None
    #: "GTK 500 vs everything else" of a rate or an average: the member's figure and the rest's.
    versus_rest: bool = False
    #: "retail vs overall": the member's figure and everyone's (the member included).
    versus_all: bool = False
    #: Further measures asked for beside the first ("average and median deal size").
    also: list[str] = field(default_factory=list)
    #: Signals seen: how sure the reading is (a measure alone is weaker than a measure + breakdown).
    signals: list[str] = field(default_factory=list)


#: "dropped", "drop off": lost deals, or a figure that fell ("bookings per rep, who dropped the most?").
DROP = re.compile(r"\bdrop(?:ped|s|ping)?(?: off)?\b")


def _outcome(text: str) -> Outcome | None:
    if QUOTA.search(text) and (ATTAINMENT.search(text) or COVERAGE.search(text) or "quota" in text):
        return "quota"
    # a drop beside bookings is the bookings falling, not deals lost
    if LOST.search(text) and not (WON.search(text) and not LOST.search(DROP.sub(" ", text))):
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
#: Companies as the subject: their headcount is their employees, not reps.
COMPANIES = re.compile(
    r"\b(?:entaccount|accts?|accounts?|customers?|compan(?:y|ies)|clients?|logos?|firms?|businesses)\b"
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
    if COMPANY_FACTS.search(text):
        # "Vanguard - sector, size, parent": the company's size (its headcount), not a deal size
        text = re.sub(r"(?<!deal )(?<!deals )\bsizes?\b", " ", text)
    if CHURN.search(text):
        # "top accounts by churned ARR", "how many products churned?": the installed base lost
        return "churned_products" if COUNT.search(text) and not ARR.search(text) else "churned_arr"
    if ARR.search(text):
        return "active_arr"  # "how much ARR are my accounts carrying on Cobalt Platform?"
    if ACCOUNT_COUNT.search(text) and not (WON.search(text) or LOST.search(text) or OPEN.search(text)):
        return "accounts"
    if ACCOUNT_COUNT.search(text) and WON.search(text) and not (LOST.search(text) or MONEY.search(text)):
        return "won_accounts"  # "how many customers did we win this year": accounts, not deals
    if ATTAINMENT.search(text) and not (COVERAGE.search(text) and OPEN.search(text)):
        return "attainment"
    if COVERAGE.search(text):
        return "coverage"
    if LOSS_RATE.search(text):
        return "loss_rate"  # "which product has the highest loss rate?"
    if RATE.search(text) and not LOST.search(text.replace("win rate", "")):
        return "win_rate_by_value" if BY_VALUE.search(text) else "win_rate"
    if STAGE_DAYS.search(text):
        return "average_days_in_stage"
    if DEAL_AGE.search(text):
        return "average_deal_age"
    if CYCLE.search(text):
        if LOST.search(text) and not WON.search(text):
            return "average_lost_cycle"  # "how long do the deals we lose take to close out?"
        # the sales cycle the scorecards and the metric registry report is the median; the mean
        # only when asked for ("average sales cycle") or set beside the lost deals' mean
        return "average_sales_cycle" if AVERAGE.search(text) or LOST.search(text) else "median_sales_cycle"
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
    if (
        outcome == "lost"
        and (SIZE.search(text) or AVERAGE.search(text))
        and not counted
        and not MEDIAN.search(text)
    ):
        return "average_lost_deal_size"  # "avg size of the deals we lost"
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
        # "how much has each team closed so far": the money closed is what was won
        return "won_revenue" if re.search(r"\bhow much\b", text) and not counted else "closed_deals"
    if counted or (re.search(r"\b(?:deals|opportunities|opps)\b", text) and not MONEY.search(text)):
        return f"{outcome}_deals"
    return f"{outcome}_revenue"


_DEAL_WORDS = r"(?:(deal|win|loss|opportunity|opp)|deals|wins|losses|opportunities|opps)"
#: "my 3 biggest wins", "the largest deal we lost", "top 5 deals won": deals themselves, ranked.
DEAL_RANKED = re.compile(
    rf"\b(?:top|bottom|best|worst|biggest|largest|smallest|highest|lowest|oldest|newest|youngest)\s+"
    rf"(?:{COUNT_WORD}\s+)?(?:single\s+)?"
    rf"(?:(?:open|active|live|current|new|won|lost|closed|committed|commit)\s+)?{_DEAL_WORDS}\b(?!\s+(?:rate|ratio|%|percentage|size|sizes|value|count))"
    # "my 5 oldest open deals", "3 biggest wins": the count first
    rf"|\b{COUNT_WORD}\s+(?:biggest|largest|best|worst|top|smallest|oldest|newest|youngest)\s+"
    rf"(?:(?:open|active|live|current|new|won|lost|closed|committed|commit)\s+)?{_DEAL_WORDS}\b"
)
#: "deals I won last month", "which deals did we lose this quarter": the deals themselves, listed.
DEALS_DONE = re.compile(
    r"\b(?:deals|opportunities|opps) (?:(?:that )?(?:i|we|you|he|she|they|entperson) )?"
    r"(?:have |had |did )?(?:won|lost|closed)\b(?! (?:by|per|rate))"
    r"|\b(?:which|what) (?:deals|opportunities|opps) did (?:\w+ ){1,2}(?:win|lose|close)\b"
    # "what did I lose in December?", "what have we won this week": what, so the deals
    r"|^\W*(?:so |ok |and )?what (?:did|have|has) (?:i|we|you|he|she|they|entperson) (?:just )?"
    r"(?:win|won|lose|lost)\b"
    r"(?! (?:by|per|rate|on|to|the most|most))"
    # "list my closed won deals this quarter", "show me our lost opps": the deals, listed
    r"|\b(?:list|show(?: me)?|give me|pull(?: up)?)\s+(?:all\s+)?(?:of\s+)?(?:my|our|the|his|her|their)\s+"
    r"(?:(?:recent|latest|biggest|largest)\s+)?(?:closed[- ]won|closed[- ]lost|won|lost)\s+"
    r"(?:deals|opportunities|opps)\b"
    # "my lost deals last 90 days", "won deals in december over 5k", "open healthcare deals over 100k":
    # a question that only names deals asks for them
    r"|^\W*(?:all )?(?:(?:my|our|the|his|her|their|entperson's|team) )?(?:(?:closed[- ]?)?(?:won|lost)|open) "
    r"(?:(?!by\b|per\b)[\w&-]+ ){0,3}?(?:deals|opportunities|opps)\b(?! (?:by|per|rate|count)\b)"
)
#: "which deal", "which of my open opps": the answer is a deal (group 1 set when several are asked for).
WHICH_DEAL = re.compile(
    # "what about deal size": "about" starts a follow-up, it picks no deal
    # "which of my team's deals": whose they are may come first
    r"\b(?:which|what)\s+(?:of (?:my|our|the)(?: [\w-]+'s?)? )?(?:(?!about\b)\w+ )?"
    r"(?:deal|opp|opportunity)(s|ies)?\b"
)
#: "my deals stuck in Engaging the longest", "opps open the longest": each deal's own figure, ranked.
DEALS_LONGEST = re.compile(r"\b(?:deal|opp|opportunit)(s|ies)\b.{0,40}?\b(?:the )?(?:longest|oldest)\b")
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
        "average_lost_cycle",
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


def _ranked_word(ranked: re.Match[str]) -> str:
    """The dimension word a ranking names ("top 5 accounts", "best selling product")."""
    return next(g for g in ranked.groups() if g)


def _ranked_without_measure(text: str) -> str | None:
    found = WHICH.search(text) or RANKED.search(text)
    dimension = (
        DIMENSIONS[next(g for g in found.groups() if g)] if found else "rep" if WHO.search(text) else None
    )
    superlative = (
        r"\b(?:best|top|strongest|leading|worst|weakest|fastest|growing|grew|growth|highest|lowest)\b"
    )
    if dimension in PERFORMERS and re.search(superlative, text):
        return "won_revenue"
    if dimension not in (None, "deal", "stage", "loss_reason") and re.search(
        r"\b(?:best|most valuable|most loyal) (?:customers?|clients?|accounts?|products?|sellers?)\b",
        text,
    ):
        return "won_revenue"  # "which account has been our best customer?": by what they bought
    if dimension and re.search(
        r"\b(?:most|fewest|least|more|fewer) (?:\w+ )?(?:accounts|customers|companies|subsidiaries)\b", text
    ):
        return "accounts"  # "which territory has the most accounts?"
    stalled = re.search(r"\b(?:stall\w*|stuck|at[- ]risk|risky|slipp\w*|dark|neglected|stale)\b", text)
    if (
        dimension
        and not stalled
        and re.search(
            r"\b(?:most|fewest|least|more|fewer)\b(?: [\w-]+){0,2} (?:deals|opportunities|opps)\b", text
        )
    ):
        # "which agent has the most prospecting deals?": deals are counted, and with no outcome
        # named they are the ones still open
        return "open_deals"
    return None


#: "what are we losing on?", "what do we lose deals on lately": the reasons, not one named.
LOSING_ON = re.compile(
    r"\blos(?:e|es|ing|t)(?: (?:deals|them|out|most))? on(?:\s+(?:lately|recently|these days|most))?"
    r"\s*(?:[?.!,;]|$)"
)


#: A question that starts with the members it is about ("accounts i sold to in medical", "list the
#: customers we won in Q3"): the figure for each of them.
LEADING_MEMBERS = re.compile(
    r"^\W*(?:(?:list|show|give|get)(?: me)?\s+)?(?:(?:all|the|my|our)\s+)?"
    r"(accounts|customers|clients|companies)\s+(?:that\s+|which\s+|who\s+)?(?:i|we|you|entperson|have|has)\b"
)


def read_metric_question(text: str, default: str | None = None) -> MetricReading | None:
    """The metric reading of a prepared question, or ``None`` when it names no measure (and no
    ``default`` measure is given, as a thread gives one)."""
    text = said_of(text)
    measure = _measure(text) or default
    implied = False
    if measure is None:
        # a superlative over a dimension implies a measure ("which manager has the fewest deals?");
        # without one, a question about the team itself counts its people
        measure = _ranked_without_measure(text)
        implied = measure is not None
        people = HEADCOUNT.search(text)
        if people and people[0] == "headcount" and COMPANIES.search(text):
            people = None  # "top 10 accts by headcount": the companies' people, an account fact
        if measure is None and (people or MANAGERS.search(text)):
            measure = "reps"
    if measure is None:
        return None
    reading = MetricReading(measure=measure, signals=["implied measure" if implied else "measure"])
    breakdown = BREAKDOWN.search(text) or WHICH.search(text) or COMPARED_GROUPS.search(text)
    breakdown = breakdown or ADJECTIVAL.search(text)
    if (
        measure.startswith("lost_")
        and (re.search(r"\bwhy\b|\breasons?\b", text) or LOSING_ON.search(text))
        and not breakdown
    ):
        # "how many deals did I lose in Q2 and why?": the losses by the reason recorded
        reading.group_by = "loss_reason"
        reading.signals.append("breakdown")
        if not MONEY.search(text):
            reading.measure = "lost_deals"  # "what are we losing on?": how many deals each reason cost
        biggest = BIGGEST_LOSSES.search(text)
        if EACH_ONE.search(text):
            # "lost deals 250k+ this year and why we lost each one": every deal, beside its reason
            reading.measure, reading.group_by, reading.then_by = "lost_revenue", "deal", "loss_reason"
        elif biggest:
            # "biggest deal I lost this year and why?": the deal, beside the reason it was lost for
            reading.measure, reading.group_by, reading.then_by = "lost_revenue", "deal", "loss_reason"
            several = re.search(r"(?:deals|opps|opportunities|losses)$", biggest[0]) is not None
            # "my biggest lost deals": the few biggest; "the biggest deal I lost": one
            reading.top = _number(biggest[1]) if biggest[1] else (FEW_LOSSES if several else 1)
            reading.signals.append("ranking")
        return _in_money_too(reading, text)
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
    if AMOUNT_BASIS.search(text):
        reading.group_by = "amount_basis"  # "how much of that is real vs estimated"
        reading.signals.append("breakdown")
    elif breakdown:
        reading.group_by = DIMENSIONS[breakdown[1]]
        reading.then_by = second_breakdown(text, breakdown)
        reading.signals.append("breakdown")
        if (
            measure.startswith("lost_")
            and REASONS.search(text)
            and "loss_reason" not in (reading.group_by, reading.then_by)
        ):
            # "loss reasons by segment": each segment's losses, by the reason recorded
            reading.then_by = reading.then_by or "loss_reason"
            if not MONEY.search(text):
                reading.measure = "lost_deals"
    elif TEAM_RANKED.search(text):
        # "rank my team by Q3 attainment", "sort the team by win rate": its people, ranked
        reading.group_by = "rep"
        reading.signals += ["breakdown", "ranking"]
    elif THREADED.search(text):
        # "do I win more with 3+ contacts engaged vs just 1?": the deals by how many people they reached
        reading.group_by = "contacts_engaged"
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
    elif reading.measure in OVER_DEALS and (one := WHICH_DEAL.search(text) or DEALS_LONGEST.search(text)):
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
        reading.group_by = DIMENSIONS[_ranked_word(ranked)]
        reading.signals.append("breakdown")
    elif mean:
        word = next((g for g in mean.groups() if g), None)
        reading.group_by = DIMENSIONS[word] if word else "rep"
        reading.signals.append("breakdown")
    elif (lead := LEADING_MEMBERS.match(text)) is not None:
        # "accounts i sold to in medical", "customers we won this quarter": those accounts, each
        reading.group_by = DIMENSIONS[lead[1]]
        reading.signals.append("breakdown")
    elif BOUGHT.search(text) and not NOT_YET.search(text) and measure == "won_revenue":
        # "what did they buy": by product; "retail accounts that bought the most": the accounts
        reading.group_by = "account" if BUYERS.search(text) else "product"
        reading.signals.append("breakdown")
    elif grain:
        reading.group_by = DIMENSIONS[grain[1] or grain[2]] if grain[1] or grain[2] else "month"
        reading.signals.append("breakdown")
    elif WHO.search(text):
        # "did anyone churn off it?": of the installed base, someone is an account, not a rep
        reading.group_by = "account" if measure in INSTALLED_BASE else "rep"
        reading.signals.append("who")
    top, bottom = TOP_N.search(text) or WHICH_N.search(text), BOTTOM_N.search(text)
    if reading.group_by == "deal":
        pass  # ranked above
    elif top or bottom:
        reading.top = _number((top or bottom)[1])  # type: ignore[index]
        # "which 3 reps have the fewest wins": the bottom three
        fewest = LEAST.search(text) and not MOST.search(text) and not TOP_N.search(text)
        reading.order = "asc" if (bottom and not top) or fewest else "desc"
        reading.signals.append("ranking")
    elif ranked and reading.group_by == DIMENSIONS[_ranked_word(ranked)] and _singular(_ranked_word(ranked)):
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
        # ... "which of my reps has the lowest": one of them, as the verb says
        plural = (
            word.endswith("s")
            and word not in ("series", "sales")
            # ("which accounts did I win the most with": "did" and "had" say nothing of how many,
            # unless the question picks one of a set: "which of my reps had the lowest")
            and not re.search(rf"\b{re.escape(word)} (?:has|is|was|does)\b", text)
            and not (
                re.search(r"\bwhich of\b", text) and re.search(rf"\b{re.escape(word)} (?:had|did)\b", text)
            )
        )
        reading.top = 1 if extreme and not plural else None
        low = LEAST.search(text) or BEHIND.search(text)
        reading.order = "asc" if low and not MOST.search(text) else "desc"
        reading.signals.append("ranking")
    if reading.group_by is not None and reading.top == 1 and RUNNER_UP.search(text):
        reading.top = 2  # "who sold the most, and who came 2nd?": the first two
    if reading.group_by not in (None, "deal") and BOTH_ENDS.search(text):
        # "the best and worst month", "top 3 / bottom 3 industries": every group, both ends shown
        count = (top or bottom)[1] if top or bottom else None  # type: ignore[index]
        plural = re.search(rf"\b(?:{DIMENSION_WORD})\b", text)
        many = plural is not None and not _singular(plural.group())
        reading.both_ends = _number(count) if count else 3 if many else 1
        reading.top, reading.order = None, "desc"
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
    summed = MEASURES[measure].additive if measure in MEASURES else True
    if SHARE.search(text) and summed and measure not in ("win_rate", "attainment", "coverage"):
        reading.share_of_total = True
        reading.signals.append("share")
    elif VERSUS_ALL.search(text):
        # "avg deal size in retail vs overall": the member's figure beside everyone's
        reading.versus_all = True
        reading.signals.append("compare")
    elif VERSUS_REST.search(text):
        # "win rate on GTK 500 vs everything else": a rate has no share; the rest's own figure beside it
        reading.versus_rest = True
        reading.signals.append("compare")
    if mean:
        reading.mean_of_groups = True
    listed = [] if implied else listed_measures(reading.measure, text, _measure)
    if listed:
        reading.measure, reading.also = listed[0], listed[1:]
    else:
        reading.also = beside(measure, reading.measure, text)
    _in_money_too(reading, text)
    single = re.search(r"\b(oldest|newest) (?:one|opp|deal)\b", text)
    if reading.measure == "average_deal_age" and reading.group_by is None and single:
        # "what's the oldest one in engaging?": that deal, by its own age
        reading.group_by, reading.top = "deal", 1
        reading.order = "desc" if single[1] == "oldest" else "asc"
        reading.signals.append("ranking")
    lost_too = LOST.search(text) and "average_lost_cycle" not in reading.also
    if reading.measure == "average_sales_cycle" and lost_too:
        # "how long do my won deals take vs the ones I lose?": both cycles, side by side
        reading.also = [*reading.also, "average_lost_cycle"]
    if reading.measure in IN_MONEY and reading.top is not None and RANKED_BY_MONEY.search(text):
        # "my best customer by $, and how many deals did they buy?": ranked by the amount, counted too
        reading.measure, reading.also = IN_MONEY[reading.measure], [reading.measure]
    return reading


def _in_money_too(reading: MetricReading, text: str) -> MetricReading:
    """ "loss reasons, count and $", "w/ the $ we lost": the amount beside the count."""
    money = IN_MONEY.get(reading.measure)
    if money and money not in reading.also and re.search(IN_DOLLARS, text):
        reading.also = [*reading.also, money]
    return reading


#: A ranking by the money: "best customer by $", "top accounts by revenue", "biggest in dollar terms".
RANKED_BY_MONEY = re.compile(
    r"\bby (?:\$|dollars?|revenue|value|amount|bookings|money)(?!\w)|\bin (?:\$|dollar) terms\b"
)


#: "rank my team by…", "sort the whole team by…", "order the team on…": the team's people, ranked.
TEAM_RANKED = re.compile(
    r"\b(?:rank|ranking|sort|order|stack[- ]rank)\s+(?:the\s+|my\s+|our\s+)?(?:whole\s+|entire\s+)?team\b"
    # "how are my reps tracking vs quota", "win rate for my guys": each of them, side by side
    r"|\b(?:how (?:are|'re) |for |of |across )(?:all )?(?:my|our|the) (?:reps|sellers|aes|guys|people"
    r"|team members|salespeople|agents)\b(?!'s)"
)
#: Deals set apart by how many people they reached: "3+ contacts engaged vs just 1", "multi-threaded
#: vs single-threaded deals", "single-threaded or not".
THREADED = re.compile(
    r"\b(?:\d\+?|one|two|three|several|multiple)\s+(?:or more\s+)?(?:contacts?|stakeholders|people)"
    r"(?:\s+engaged)?\b.{0,30}\b(?:vs\.?|versus|or|compared|than)\b"
    r"|\b(?:multi|single)[- ]?thread(?:ed|ing)?\b.{0,30}\b(?:vs\.?|versus|or|compared|than)\b"
)
#: "vs everything else", "against the rest", "compared with all other products": one member against
#: everything outside it.
VERSUS_REST = re.compile(
    r"\b(?:vs\.?|versus|compared (?:to|with)|against)\s+(?:the rest\b(?! of (?:the |my |\w+'s )?team)"
    r"|everything else|every ?(?:one|thing|where) else|all (?:the )?others?\b|all other \w+|the others\b"
    # "accounts with more than 5000 employees vs smaller ones": the rest by size
    r"|(?:the )?(?:smaller|bigger|larger) (?:ones|accounts|companies|customers|firms)\b)"
)
#: "vs overall", "than the company as a whole": a member's figure against everyone's, itself included.
VERSUS_ALL = re.compile(
    r"\b(?:vs\.?|versus|compared (?:to|with)|against|than|relative to)\s+(?:the\s+)?"
    r"(?:overall|company(?:[- ]wide)?(?! \w+'s)|(?:whole|entire) (?:company|org|business|book)"
    r"|org(?:[- ]wide)?|everyone|all (?:deals|accounts|industries|sectors|products|segments|regions)"
    r"|(?:company|org|overall) (?:average|avg|figure|number|rate|total))\b(?! (?:team|rep)s?\b)"
)
#: The buyers as the subject: "retail accounts that bought the most", "customers who purchased most".
BUYERS = re.compile(
    r"\b(?:accounts|customers|clients|companies|logos|buyers)\b(?: \w+){0,2}? (?:that|who|which)?\s*"
    r"(?:have |has )?(?:bought|purchased)\b"
)
#: What a company is, asked beside "size": "sector, size, parent", "industry and size".
COMPANY_FACTS = re.compile(
    r"\b(?:sector|industry|vertical|employees|headcount|parent|subsidiar\w*|founded|hq|headquarter\w*"
    r"|based|located|annual revenue)\b"
)
#: Losses asked by their reasons ("loss reasons by segment", "why we lose, by product").
REASONS = re.compile(r"\breasons\b|\bwhy\b")
#: "the biggest deal I lost", "my 3 largest losses", "top 5 lost deals": deals ranked by the amount lost.
#: "why we lost each one", "the reason for every one of them": each deal, not the reasons counted.
EACH_ONE = re.compile(r"\b(?:each|every) (?:one|single one|deal|opp|of them|of those)\b")
BIGGEST_LOSSES = re.compile(
    rf"\b(?:biggest|largest|top|costliest|most expensive)\s+(?:{COUNT_WORD}\s+)?"
    r"(?:lost\s+)?(?:deals?|opps?|opportunit(?:y|ies)|loss(?:es)?)\b(?!\s+reasons?)"
)
#: How many of the biggest losses "my biggest lost deals" lists.
FEW_LOSSES = 10
#: "and who came 2nd?", "the runner-up", "second place": the first two of a ranking.
RUNNER_UP = re.compile(r"\b(?:came|come|is|was|in)\s+(?:2nd|second)\b|\brunner[- ]up\b|\bsecond place\b|#2\b")
