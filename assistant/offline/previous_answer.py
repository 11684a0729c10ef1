"""Follow-ups about the previous answer as a whole: its total ("total?"), its share of the quota
("what % is that?"), what became of the deals it counted ("how much of that is already won?"), the
same figure beside the team or the company ("how does that compare to the team?", "vs company"),
the thread's period so far, and short questions after an account's profile ("any open deals?").

:mod:`assistant.offline.followups` asks :func:`asks_of_previous` whether a question is one of these,
and :func:`of_previous` for the frame that answers it.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.offline.bare_measures import WORTH
from assistant.offline.followup_words import MAX_FRAGMENT_WORDS
from assistant.offline.frame import Frame, Intent, Slots
from assistant.offline.intents import spec_for
from assistant.offline.intents.registry import DATA_INTENTS, PERIOD_INTENTS
from assistant.offline.measure_lists import AS_COUNT, IN_COUNT_WORDS, IN_MONEY, IN_MONEY_WORDS
from assistant.offline.measures import VERSUS_REST
from assistant.offline.thread_choices import names_in

#: Intents whose answer is about one account as a whole.
ACCOUNT_ANSWERS = frozenset({Intent.ACCOUNT, Intent.ACCOUNT_FACTS, Intent.PURCHASES, Intent.WHITESPACE})
#: Words that widen a question beyond the account of the thread ("our total pipeline").
WIDER = re.compile(r"\b(?:our|we|my|i|team|overall|company|everyone|all)\b", re.I)
#: "how does that compare to the team?", "vs the team avg", "against her peers": beside the team's.
VS_TEAM = re.compile(
    r"\b(?:compare[sd]?|comparison|vs\.?|versus|against|relative to|stack up)\b.{0,25}"
    r"\b(?:the |my |our |her |his |their )?"
    r"(?:team(?:'s)?(?: avg| average)?|rest of the team|peers|teammates)\b",
    re.I,
)
#: "how much of that is already won?", "how many of those closed won?", "any of it lost yet?": what
#: became of the deals created in a period.
COHORT = re.compile(
    r"^\W*(?:and |so |ok )?(?:how (?:much|many)|what|any|which)\b.{0,30}\b(?:of (?:that|those|them|it|these)|"
    r"(?:that|those|it) (?:is|are|has|have))\b.{0,25}\b(closed won|won|booked|signed|lost|still open|open)\b",
    re.I,
)
CREATED_MEASURES = frozenset({"pipeline_created", "deals_created"})
COUNT_OF = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b", re.I)
#: "vs company", "compared to the whole org": beside everyone's figure.
VS_COMPANY = re.compile(
    r"\b(?:vs\.?|versus|compared? (?:to|with)|against|relative to"
    r"|how (?:do|does) (?:that|it|we|they) compare to)\s+(?:the\s+)?(?:whole\s+|entire\s+|rest of the\s+)?"
    r"(?:company|org|organi[sz]ation|business|everyone|all reps)\b",
    re.I,
)
#: "so far", "to date": the period the thread is in, up to today.
SO_FAR = re.compile(r"\bso far\b|\bto date\b|\bas of (?:now|today)\b", re.I)
#: "total?", "total spend?", "in total?": the previous answer's total.
TOTAL_ONLY = re.compile(
    r"^\W*(?:and |so |ok |the |whats the |what's the |what is the )?"
    r"(?:total|sum|in total|all together|altogether|grand total)(?: \w+)?\W*$",
    re.I,
)
#: "how many?", "how much is that?": the previous answer's figure, counted or in money.
HOW_MANY_ALONE = re.compile(
    r"^\W*(?:and |so |ok |okay )?how (many|much)(?: (?:is|was|are|were) (?:that|it|there|they))?"
    r"(?: (?:in total|then|exactly|total))?\W*$",
    re.I,
)
#: What each kind of answer measured when its frame names no measure.
MEASURED_BY = {Intent.PIPELINE: "open_pipeline", Intent.PERFORMANCE: "won_revenue", Intent.MEASURE: None}
#: "what % is that?": the figure before as a percentage (of the quota, after bookings).
WHAT_PERCENT = re.compile(
    r"^\W*(?:and |so |ok )?(?:what|which|how much) (?:%|percent(?:age)?) (?:is|of) (?:that|it|this)\b", re.I
)


def about_one_account(previous: Frame, current: Frame, question: str) -> bool:
    """A short question naming nothing, after an answer about one account, asks about that account:
    "any open deals?", "anything churned?", "contacts?" after Acme's profile are Acme's."""
    return (
        previous.intent in ACCOUNT_ANSWERS
        and previous.slots.account is not None
        and not names_in(current.slots)
        and not current.unplaced
        and "account" in spec_for(current.intent).takes
        and len(question.split()) <= MAX_FRAGMENT_WORDS
        and not WIDER.search(question)
    )


#: "how many deals is that based on?", "out of how many?", "what's the sample size": the count behind.
BASED_ON = re.compile(
    r"\b(?:(?:is|was|are) (?:that|this|it|those) (?:based|built) on|based on how many|out of how many"
    r"|what(?:'s| is) the sample(?: size)?|how big (?:is|was) the sample"
    r"|how many deals (?:is|was) (?:that|it))\b",
    re.I,
)
#: Rates over the deals closed in the period.
CLOSED_RATES = frozenset({"win_rate", "loss_rate"})


def asks_of_previous(previous: Frame, current: Frame, question: str) -> bool:
    """Whether ``question`` is about the previous answer as a whole (see the module docstring)."""
    if (VS_TEAM.search(question) or VS_COMPANY.search(question)) and previous.intent in (
        Intent.MEASURE,
        Intent.PERFORMANCE,
    ):
        return True  # "how does that compare to the team?": the figure before, beside the team's
    if COHORT.match(question) and previous.slots.measure in CREATED_MEASURES:
        return True  # "how much of that is already won?": the deals created then
    if _versus_rest(previous, current, question):
        return True  # "vs everywhere else" after what was won in the US: beside everything outside it
    # "how much is that worth" after the deals at risk: the list's own total, which its headline says
    worth = WORTH.match(question) is not None and previous.intent is Intent.STALLED
    alone = worth or any(p.match(question) for p in (TOTAL_ONLY, WHAT_PERCENT, HOW_MANY_ALONE))
    if BASED_ON.search(question) and previous.intent is Intent.MEASURE:
        return True  # "how many deals is that based on?": the deals behind the figure, counted
    if alone and previous.intent in DATA_INTENTS:
        return True  # "total?", "what % is that?": of the previous answer
    if SO_FAR.search(question) and current.slots.period is None and previous.intent in PERIOD_INTENTS:
        return True  # "how much have I closed so far?" after this quarter's forecast: this quarter, so far
    # "any open deals?", "anything churned?" after an account's profile: its own
    return about_one_account(previous, current, question)


def _versus_rest(previous: Frame, current: Frame, question: str) -> bool:
    """ "vs everywhere else", "against the rest" after a figure of one member (a country, a product):
    that member beside everything outside it."""
    return (
        previous.intent in (Intent.MEASURE, Intent.PERFORMANCE)
        and bool(VERSUS_REST.search(question.lower()))
        and not names_in(current.slots)
        and not previous.slots.dimension
        and len(question.split()) <= MAX_FRAGMENT_WORDS + 2
    )


def _measured(previous: Frame, current: Frame, slots: Slots, intent: Intent = Intent.MEASURE) -> Frame:
    return previous.model_copy(
        update={"intent": intent, "slots": slots, "follow_up": True, "question": current.question}
    )


def of_previous(previous: Frame, current: Frame, question: str) -> Frame | None:
    """The frame answering a question about the previous answer as a whole, if it is one."""
    if (
        WHAT_PERCENT.match(question)
        and previous.slots.measure in ("won_revenue", None)
        and previous.intent
        in (
            Intent.PERFORMANCE,
            Intent.MEASURE,
        )
    ):
        # "what % is that?" after what someone closed: of their quota
        slots = previous.slots.model_copy(update={"measure": "attainment", "also": None, "metric": None})
        return _measured(previous, current, slots)
    if (
        VS_COMPANY.search(question)
        and previous.intent in (Intent.MEASURE, Intent.PERFORMANCE)
        and not names_in(current.slots)
    ):
        # "vs company" after a team's or a rep's figure: the same figure over everything in scope; the
        # answer says when the scope is narrower than the company
        wide = {"owner": None, "dimension": None, "group_by": None, "limit": None, "ranking": None}
        slots = previous.slots.model_copy(
            update=wide | {"measure": previous.slots.measure or "won_revenue", "wider": "company"}
        )
        return _measured(previous, current, slots)
    if (
        VS_TEAM.search(question)
        and previous.intent in (Intent.MEASURE, Intent.PERFORMANCE)
        and not names_in(current.slots)
    ):
        # "how does that compare to the team?" after someone's figure: each rep's, with the team average
        # (a rep's scope is their own deals: the answer says the team's is not theirs to see)
        # "how does her win rate compare to the rest of my team": the measure named now, if one is
        slots = previous.slots.model_copy(
            update={
                "measure": current.slots.measure or previous.slots.measure or "won_revenue",
                "also": None if current.slots.measure else previous.slots.also,
                "dimension": "rep",
                "group_by": None,
                "mean_of_groups": True,
                "owner": None,
                "limit": None,
                "ranking": None,
            }
        )
        return _measured(previous, current, slots)
    outcome = COHORT.match(question)
    if outcome and previous.intent is Intent.MEASURE and previous.slots.measure in CREATED_MEASURES:
        # "how much of that is already won?" after the pipeline created in October: those deals (the
        # same creation period), by what became of them
        word = outcome[1].lower()
        money = previous.slots.measure == "pipeline_created" and not COUNT_OF.search(question)
        measure = {"won": ("won_revenue", "won_deals"), "lost": ("lost_revenue", "lost_deals")}.get(
            "won" if word in ("won", "closed won", "booked", "signed") else "lost" if word == "lost" else "",
            ("open_pipeline", "open_deals"),
        )[0 if money else 1]
        slots = previous.slots.model_copy(update={"measure": measure, "date_field": "created", "also": None})
        return _measured(previous, current, slots, previous.intent)
    if BASED_ON.search(question) and previous.intent is Intent.MEASURE:
        # "how many deals is that based on?" after a win rate: the same figure, ranked the same, with
        # the deals it counts beside it (closed ones for a rate over closed deals, else those it sums)
        measure = previous.slots.measure or "won_revenue"
        counted = AS_COUNT.get(measure) or ("closed_deals" if measure in CLOSED_RATES else None)
        slots = previous.slots.model_copy(update={"measure": measure, "also": [counted] if counted else None})
        return _measured(previous, current, slots)
    if _versus_rest(previous, current, question):
        slots = previous.slots.model_copy(
            update={"versus_rest": True, "measure": previous.slots.measure or "won_revenue", "also": None}
        )
        return _measured(previous, current, slots)
    many = HOW_MANY_ALONE.match(question)
    if many and previous.intent in MEASURED_BY and (previous.slots.measure or MEASURED_BY[previous.intent]):
        # "how many?" after the rep with the most deals in Prospecting: the same figure, counted
        # ("how much?": in money); the ranking stays, so the one row shown is the one counted
        measure = str(previous.slots.measure or MEASURED_BY[previous.intent])
        measure = (
            AS_COUNT.get(measure, measure) if many[1].lower() == "many" else IN_MONEY.get(measure, measure)
        )
        return _measured(
            previous, current, previous.slots.model_copy(update={"measure": measure, "also": None})
        )
    if many:
        return previous.model_copy(update={"follow_up": True, "question": current.question})
    if TOTAL_ONLY.match(question) and not current.slots.measure:
        # "total?" after a figure broken down: the figure over everything; after a list: the list again,
        # whose first line is its total
        overall: dict[str, Any] = dict.fromkeys(("dimension", "then_by", "limit", "ranking", "group_by"))
        slots = previous.slots.model_copy(update=overall if previous.intent is Intent.MEASURE else {})
        # "total $?" after the deals won counted: what they were worth ("total #?": how many)
        if IN_MONEY_WORDS.search(question) and slots.measure in IN_MONEY:
            slots.measure = IN_MONEY[slots.measure]
        elif IN_COUNT_WORDS.search(question) and slots.measure in AS_COUNT:
            slots.measure = AS_COUNT[slots.measure]
        return _measured(previous, current, slots, previous.intent)
    return None
