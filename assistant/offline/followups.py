"""Following a thread: "what about Globex?", "and his stalled deals?", "only the ones over 20k", "why?".

The planner has no memory of its own. The frame of a question in a thread is worked out again
on every call by reading the thread's earlier questions, oldest first, and folding them:

* a question that stands on its own starts a new context;
* a follow-up is merged into the context (:func:`merge`);
* small talk, help and out-of-scope questions leave the context as it was.

A question is a follow-up when it starts like one ("and", "what about", "only", "same for", "by"…),
refers back with a pronoun ("his", "their", "that deal", "those"), is a fragment with no intent
of its own ("Globex?", "over 20k", "Q3"), answers the planner's clarifying question (one of the
candidates, or "the second one"), or asks "why?".

Merging: the intent is the new one when the question has one, else the previous one (or, when
the new name does not fit it, the intent that name means on its own). Names: a question naming
something new replaces the previous names ("what about Globex?"), except after "only"/"just",
which narrow; with no new name the previous ones carry over ("and his stalled deals?"). A name
that matches nothing the viewer can see ("now show the same for Zed Ray") takes the place of
what the thread was about: a person after a question about someone's (or the viewer's own)
deals, else the name the intent needs; the tool then answers that it found no such name. Filters
(amount, stage, top-N…) carry over only while the intent stays the same; a period carries over
between intents that are about a period, except into the pipeline (open deals are open whatever
period the previous answer covered).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.offline.bare_measures import (
    BOOKED_AGAINST,
    MEASURED_ANSWERS,
    WORTH,
    measure_alone,
    same_outcome_without_period,
    swaps_to_measure,
)
from assistant.offline.breakdowns import (
    COMPARED_GROUPS,
    DIMENSION_WORD,
    DIMENSIONS,
    RANKED,
    WHICH,
    dimension_named,
)
from assistant.offline.corrections import corrected, outcome_swapped, replaced, same_for
from assistant.offline.deal_choice import chosen_deal
from assistant.offline.followup_words import (
    ACCOUNTS_THAT,
    ADVICE_ASKED,
    ASIDES,
    BIG_ONES,
    BROKEN_DOWN,
    BY_CLOSE,
    BY_SIZE,
    CARRIED_FILTERS,
    CHANGE_DOWN,
    CHANGE_UP,
    COMPARED,
    DEAL_LISTS,
    DEAL_WORD,
    DEALS_BEHIND,
    FRAGMENT,
    HOW_BIG,
    INSTEAD,
    IT,
    JUST_MEMBER,
    MAX_FRAGMENT_WORDS,
    MAX_PRONOUN_WORDS,
    MAX_SWAP_WORDS,
    NARROW,
    ONLY_AFTER,
    OVER_THE_DEALS,
    PRONOUN,
    RESHAPE,
    SHARE_OF_THAT,
    SHARE_WORDS,
    SHORTER,
    START,
    TEAM_WIDE,
    THE_ACCOUNT_AGAIN,
    THE_BIGGEST_ONE,
    THE_ONE,
    THOSE,
    VERSUS,
    WHICH_ONE,
)
from assistant.offline.frame import ENTITY_SLOTS, FILTER_SLOTS, Frame, Intent, Slots
from assistant.offline.group_thresholds import dropped
from assistant.offline.intents import spec_for
from assistant.offline.intents.registry import DATA_INTENTS, ENTITY_INTENT, PERIOD_INTENTS
from assistant.offline.listed import (
    DEAL_ADVICE,
    PLACE,
    lone_pair,
    named_in_place,
    named_row,
    only_row,
    pick,
    ranked_first,
    single_row,
    with_pick,
)
from assistant.offline.listed_sets import MEMBER_FIELDS, about_listed, needs_account
from assistant.offline.measure_lists import AS_COUNT, IN_COUNT_WORDS, IN_MONEY, IN_MONEY_WORDS
from assistant.offline.measures import read_metric_question
from assistant.offline.members import MEMBER_SLOTS
from assistant.offline.metric_claims import NOT_ON_PIPELINE, OPEN_MEASURES
from assistant.offline.narrowing import LEAVING_OUT, NAMED_THEN_BY, ONE_BEST, SUBJECTLESS, only_these
from assistant.offline.period_slots import SAME_LAST_YEAR
from assistant.offline.previous_answer import SO_FAR, asks_of_previous, of_previous
from assistant.offline.ranked_people import asks_who_ranks, who_ranks
from assistant.offline.ranked_rows import ranked_member
from assistant.offline.recompose import recomposed
from assistant.offline.record_filters import activity_kind
from assistant.offline.thread_choices import (
    choice_named,
    deals_behind,
    names_in,
    reading_picked,
    resolve_choice,
)
from assistant.offline.thread_periods import from_thread
from assistant.offline.thread_steps import after_merge, changes_nothing
from assistant.offline.thresholds import bounded_after
from assistant.offline.understanding import OWNER_INTENTS, drop_undated, place_unknown
from assistant.offline.vocabulary import correct_before_reading
from tools.deals.stalled_rules import RULES as STALL_RULES
from tools.deals.stalled_rules import Rule
from tools.lexicon import Lexicon
from tools.semantic.measures import MEASURES

#: How many deals a list sorted by size shows.
SORTED_SHOWN = 10


#: Money asked of deals counted before: "cost me the most $", "in dollars", "by value".
#: "why did it change?", "what drove that?", "why is it down": a compared figure's move, asked why.
WHY_IT_MOVED = re.compile(
    r"^\W*(?:and |so |ok )?(?:why\b.{0,30}\b(?:change|changed|drop|dropped|fall|fell|go (?:up|down)"
    r"|went (?:up|down)|rise|rose|increase|increased|decrease|decreased|decline|declined|dip|dipped|jump"
    r"|jumped|move|moved|differ|different|down|up|lower|higher|worse|better)"
    r"|what (?:drove|caused|explains?|is behind|was behind|happened)\b"
    r"(?: (?:that|it|this|there|the (?:change|drop|increase|decline|dip|jump|difference)))?)\W*$",
    re.I,
)
#: What a figure is made of, to show under a move asked why: a rate's wins and losses, bookings'
#: deal count and size, attainment's bookings and quota.
PARTS = {
    "win_rate": ("won_deals", "lost_deals"),
    "loss_rate": ("won_deals", "lost_deals"),
    "win_rate_by_value": ("won_revenue", "lost_revenue"),
    "won_revenue": ("won_deals", "average_deal_size"),
    "lost_revenue": ("lost_deals", "average_lost_deal_size"),
    "attainment": ("won_revenue", "quota"),
    "coverage": ("open_pipeline", "quota"),
}


def _parts_of_the_change(previous: Frame, current: Frame, question: str) -> Frame | None:
    """ "why did it change?" after win rate this quarter vs last: the data records outcomes, not
    reasons, so the figure's parts for both periods (wins and losses, deal count and size), which
    say where the move came from."""
    slots = previous.slots
    compared = slots.compare or slots.compare_to or slots.prior_period
    parts = PARTS.get(slots.measure or "")
    if not (compared and parts and WHY_IT_MOVED.match(question)) or names_in(current.slots):
        return None
    measure = slots.measure or ""
    update = {"measure": parts[0], "also": [*parts[1:], measure], "drivers": True}
    broken_down = slots.model_copy(update=update)
    return Frame(intent=Intent.MEASURE, slots=broken_down, follow_up=True, question=current.question)


#: "who drove the change?", "what's behind the drop?", "which product explains the growth?".
DROVE = re.compile(
    r"\b(?:drove|drives|driving|driven|caused|causes|behind|explains?|accounts? for|responsible for"
    r"|contributed (?:to|most to))\b.{0,20}?\b(change|drop|decline|dip|fall|slide|increase|growth|jump"
    r"|rise|gain|swing|difference|move)\b",
    re.I,
)
FALLING = frozenset({"drop", "decline", "dip", "fall", "slide"})
RISING = frozenset({"increase", "growth", "jump", "rise", "gain"})
WHO_START = re.compile(r"\W*(?:and |so |ok )?who\b", re.I)
#: Figures each deal has of its own (how long it has been open, or in its stage).
DEAL_OWN = frozenset({"average_deal_age", "average_days_in_stage"})
#: "which have…", "which ones are…": which of the records the previous answer covered.
WHICH_OF_THEM = re.compile(
    r"(?:and\s+|so\s+)?which\s+(?:(?:ones?\s+)?(?:have|has|are|is|were|was)\b|one's\b|ones're\b)", re.I
)
#: Names set side by side and nothing else asked: "Peter vs Felix", "Acme or Globex?".
NAMES_SET_SIDE_BY_SIDE = re.compile(r"\b(?:vs\.?|versus|against|compared? (?:to|with)|or|and)\b", re.I)


#: "the same time last year", "this time last year": the same days, so a running period to date.
SAME_TIME = re.compile(r"\b(?:same|this) (?:time|dates|days|stretch|point)\b")
TO_DATE = {"this year": "ytd", "this quarter": "qtd", "this qtr": "qtd", "this month": "mtd"}


def _has_slots(slots: Slots) -> bool:
    return bool(slots.model_dump(exclude_none=True))


#: "those deals", "them", "these": the deals the thread's answer was about.
THOSE_DEALS = re.compile(r"\b(?:those|these|them|they|the same)\b(?: (?:deals|opps|wins|losses))?", re.I)
#: Words that ask for open pipeline itself (a breakdown asked without them keeps the thread's measure).
OPEN_SAID = re.compile(r"\b(?:pipe|pipeline|open|opps|deals|closing|forecast)\b", re.I)


#: Measures of deals won, and of deals lost: "those deals" after them are the won (or lost) ones.
WON_MEASURES = frozenset(
    {"won_revenue", "won_deals", "average_deal_size", "median_deal_size", "won_accounts"}
)
LOST_MEASURES = frozenset({"lost_revenue", "lost_deals", "average_lost_deal_size"})
OPEN_NAMED = re.compile(r"\b(?:open|pipe|pipeline|active|live|current)\b", re.I)


def _outcome_counted(previous: Frame, merged: Slots, question: str) -> str | None:
    """The count of the thread's won (or lost) deals when "those deals" are counted after them; a
    bare "deals" is read as open deals on its own."""
    if merged.measure != "open_deals" or OPEN_NAMED.search(question) or not THOSE_DEALS.search(question):
        return None
    if previous.intent is Intent.PURCHASES or previous.slots.measure in WON_MEASURES:
        return "won_deals"
    return "lost_deals" if previous.slots.measure in LOST_MEASURES else None


def _recut_of_measure(previous: Frame, current: Frame, question: str) -> Frame | None:
    """ "show me Analytics Cloud month by month for 2026" after the bookings by product: the thread's
    measure for that member, by that breakdown (read alone, a member and a breakdown are its open
    pipeline), unless the pipeline or open deals are named."""
    if not (
        previous.intent is Intent.MEASURE
        and previous.slots.measure in MEASURES
        and current.intent is Intent.PIPELINE
        and current.slots.measure is None
        and current.slots.group_by
        and names_in(current.slots)
        and not OPEN_SAID.search(question)
    ):
        return None
    slots = previous.slots.model_copy(deep=True)
    for name in names_in(current.slots):
        setattr(slots, name, getattr(current.slots, name))
    breakdown = current.slots.group_by
    slots.dimension = slots.group_by = "rep" if breakdown == "owner" else breakdown  # the pipeline's word
    slots.period = current.slots.period or slots.period
    slots.compare = slots.compare_to = slots.by_change = slots.ranking = slots.limit = slots.then_by = None
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


def is_follow_up(previous: Frame | None, current: Frame, question: str) -> bool:
    if previous is None or current.intent in ASIDES:
        return False
    if reading_picked(previous, current, question) is not None:
        return True
    if who_ranks(previous, current, question) is not None:
        return True  # "who has the most $ in that?" after a figure: its top rep
    if (
        previous.intent is Intent.MEASURE
        and current.slots.measure is None
        and names_in(current.slots)
        and (NAMED_THEN_BY.search(question) or BROKEN_DOWN.match(question))
    ):
        return True  # "melvin's - by rep" after the count by manager: his part, by rep
    if _recut_of_measure(previous, current, question) or bounded_after(previous, current, question):
        return True  # "show me that product month by month" after its bookings: its bookings by month
    if _leaves_out(previous, current, question):
        return True  # "drop mg special and redo it": the figure before, without it
    if WHO_OWNS_THOSE.match(question) and previous.intent in (Intent.PIPELINE, Intent.TOP_DEALS):
        return True  # "who owns those?" after the deals closing next week: those deals, with owners
    if only_these(previous, current, question) is not None:
        return True  # "and only closing this qtr", "in the west office": the same answer, narrowed
    if SUBJECTLESS.match(question) and previous.intent in DATA_INTENTS and not names_in(current.slots):
        return True  # "how many have no account?" after the open pipeline in Central: of those deals
    if current.intent is Intent.WHY or choice_named(previous, current, question) is not None:
        return True
    if (
        previous.intent in (Intent.MEASURE, Intent.PERFORMANCE, Intent.FORECAST)
        and previous.slots.measure in MEASURES
        and current.slots.measure is None
        and not names_in(current.slots)
        and ranks_members(question)
    ):
        return True  # "rank my reps on that" after what the team won: that figure, by rep
    if previous.intent is Intent.MEASURE and SHARE_OF_THAT.search(question) and not names_in(current.slots):
        return True  # "what share of the total is that" after the top product: its share
    if previous.intent in MEASURED_ANSWERS and WORTH.match(question):
        return True  # "whats that worth?" after how many open deals: their amount
    sorted_list = BY_SIZE.match(question) or BY_CLOSE.search(question)
    if START.match(question) or SHORTER.match(question) or THE_ONE.match(question) or sorted_list:
        return True
    against = previous.slots.compare or previous.slots.compare_to or previous.slots.prior_period
    if against and (CHANGE_DOWN.search(question) or CHANGE_UP.search(question) or DROVE.search(question)):
        return True
    if (
        previous.intent is Intent.MEASURE
        and previous.slots.dimension
        and (CHANGE_UP.search(question) or CHANGE_DOWN.search(question))
        and not names_in(current.slots)
        # "which dropped the most": a fall, not deals lost (unless losses are named)
        and (current.slots.measure is None or not re.search(r"\blos[ets]", question, re.I))
    ):
        return True  # "which grew the most vs 2025?" after a measure by product: those rows, compared
    if previous.intent is Intent.MEASURE and VERSUS.match(question) and not current.slots.measure:
        return True  # "how does that compare to Q2?": the last figure, set against another period
    if previous.intent is Intent.MEASURE and VOLUME_OR_SIZE.search(question):
        return True  # "was that fewer deals or smaller deals?"
    if previous.intent in (Intent.MEASURE, Intent.PIPELINE) and FRAGMENT.match(question):
        return True  # "which products?", "percentage" after a measure
    if (
        previous.intent is Intent.MEASURE
        and INSTEAD.search(question)
        and len(question.split()) <= MAX_SWAP_WORDS
    ):
        return True  # "median instead"
    missing = spec_for(current.intent).missing(current.slots)
    if missing is not None and getattr(previous.slots, missing, None) is not None:
        return True  # "who's the champion?" after a question about an account: that account
    if missing == "account" and previous.intent is Intent.DEAL and previous.slots.deal:
        return True  # "who's on the buying committee?" after a deal: its account's
    if BIGGEST_ONES.match(question) and previous.intent in (Intent.PERFORMANCE, Intent.MEASURE):
        return True  # "biggest deal?" after the team's won revenue: the largest of those wins
    if THE_BIGGEST_ONE.search(question) and previous.intent in (Intent.PIPELINE, Intent.TOP_DEALS):
        return True  # "the biggest one - what's the next step?" after a deal list: its largest deal
    if asks_of_previous(previous, current, question):
        return True  # "total?", "vs company", "any open deals?" after a profile: of the previous answer
    if previous.intent is Intent.MEASURE and ONLY_AFTER.match(question) and current.slots.measure is None:
        return True  # "enterprise only - by product" after a measure by segment: that measure, narrowed
    measured = previous.intent is Intent.MEASURE or (
        previous.intent is Intent.PERFORMANCE and bool(current.slots.group_by or current.slots.dimension)
    )
    if measured and current.slots.measure is None and RESHAPE.match(question):
        return True
    if previous.intent in DATA_INTENTS and BROKEN_DOWN.match(question) and not names_in(current.slots):
        return True  # "break that down by rep" after the pipeline closing this quarter: that pipeline
    if current.intent is Intent.UNKNOWN:
        # "when does it close?" after a deal: about the thread's record
        about_it = bool(PRONOUN.search(question)) and len(question.split()) <= MAX_PRONOUN_WORDS
        return (
            _has_slots(current.slots) or current.ambiguity is not None or bool(current.unplaced) or about_it
        )
    if current.implied and len(question.split()) <= MAX_FRAGMENT_WORDS:
        return True
    if (
        WHICH_OF_THEM.match(question)
        and previous.intent in (Intent.MEASURE, *DEAL_LISTS)
        and not current.unplaced
    ):
        return True  # "which have been sitting the longest?" after the open deals: which of those
    if (
        (current.implied or (current.slots.others and current.slots.measure is None))
        and previous.intent is Intent.MEASURE
        and len(question.split()) <= MAX_SWAP_WORDS
        and NAMES_SET_SIDE_BY_SIDE.search(question)
    ):
        return True  # "peter costa vs felix ramos" after a measure by rep: the two, on that measure
    if (
        previous.intent is Intent.MEASURE
        and len(question.split()) <= MAX_SWAP_WORDS
        and _implied_measure(question)
    ):
        return True  # "which month was best?" after pipeline created by month: that measure, ranked
    if previous.intent in MEASURED_ANSWERS and measure_alone(current, question):
        return True  # "weighted?" after the pipeline closing next quarter: that, weighted
    if same_outcome_without_period(previous, current, question):
        return True  # "which rep lost the most?" after the deals lost in December: in December
    return bool(PRONOUN.search(question)) and len(question.split()) <= MAX_PRONOUN_WORDS


#: "there", "in there", "over there": the place the thread is about.
THERE = re.compile(r"(?<!\bare )(?<!\bis )(?<!\bwere )(?<!\bwas )\bthere\b", re.I)
PLACE_SLOTS = ("state", "city", "country", "territory", "region")


#: "who covers it?", "who works there?": the people whose territory it is.
WHO_COVERS = re.compile(
    r"\bwho (?:covers|works|sells|is|are) (?:in )?(?:it|there|that territory|that region)\b", re.I
)
#: "vs last quarter", "compared to the previous month": the one before, of that unit.
LAST_UNIT = re.compile(
    r"\b(?:last|previous|prior) (quarter|month|week|year)\b|\bthe (quarter|month|week|year) before\b", re.I
)


#: "who closed it?", "who owned that one?": the person on the one deal shown, not a ranking of people.
WHO_DID_IT = re.compile(
    r"^\W*(?:and |so |ok )?who(?:'s| is| was)? (?:closed|won|lost|owns|owned|sold|booked|signed|has|had"
    r"|worked|working|on|the owner of|the rep on) (?:it|that|that one|this one|that deal|this deal|the deal)"
    r"\W*$",
    re.I,
)


#: "which account was that?", "what company is it", "whose deal was that": the one deal's account.
WHICH_ACCOUNT = re.compile(
    r"^\W*(?:and |so |ok )?(?:which|what|whose) (?:account|acct|company|customer|client|logo|deal)"
    r" (?:was|is) (?:that|it|this)(?: one| deal)?\W*$",
    re.I,
)


def _of_the_deal(current: Frame, question: str) -> bool:
    """A question about "it" that names nothing and asks no breakdown: the deal's own facts."""
    slots = current.slots
    if WHO_DID_IT.match(question) and not names_in(slots):
        return True
    asks_how = current.intent is Intent.PLAYBOOK and ADVICE_ASKED.search(question) is not None
    return (
        IT.search(question) is not None
        and current.intent not in ASIDES
        and not asks_how
        and current.intent not in (Intent.CHANGE, Intent.ACTION, Intent.WIN_CHANCES)
        and not names_in(slots)
        # "why did we lose it?": one deal's own loss reason, not the losses broken down by reason
        and not ({slots.dimension, slots.group_by, slots.then_by} - {None, "loss_reason"})
    )


#: A person referred to by a pronoun: "what has he closed", "her pipeline".
HE_OR_SHE = re.compile(r"\b(?:he|she|him|her|his|hers)\b", re.I)


def _advice_on_it(current: Frame, question: str) -> bool:
    """ "what should I do about it?", "how do I save it": what to do about the one record shown."""
    asks = current.advice or (current.intent is Intent.PLAYBOOK and ADVICE_ASKED.search(question) is not None)
    return asks and IT.search(question) is not None and not names_in(current.slots)


#: Intents about one record itself: "who owns the top one" after the accounts ranked is its profile.
RECORD_INTENTS = frozenset({Intent.ACCOUNT, Intent.ACCOUNT_FACTS, Intent.DEAL, Intent.TERRITORY})


#: "who owns those?", "whose are they", "who's on them": the owners of the deals just listed.
WHO_OWNS_THOSE = re.compile(
    r"^\W*(?:and |so |ok )?(?:who(?:'s| is| are)? (?:owns?|owned|has|have|is on|are on|on|working) "
    r"(?:those|them|these|they|each(?: one)?)|whose (?:are )?(?:those|they|these)(?: deals)?"
    r"|who are the (?:owners|reps) (?:on|of|for) (?:those|them|these))\W*$",
    re.I,
)
#: How many deals "who owns those?" lists.
OWNERS_LISTED = 25


def _leaves_out(previous: Frame, current: Frame, question: str) -> bool:
    return (
        bool(current.slots.exclude)
        and previous.intent is Intent.MEASURE
        and bool(LEAVING_OUT.match(question))
    )


def _asks_its_own(current: Frame) -> bool:
    """A question whose intent stands alone once its pronoun is read as the row shown: a list of
    accounts or deals, not a measure (which the thread's question may still complete)."""
    return (
        current.intent not in (Intent.UNKNOWN, Intent.MEASURE, Intent.PERFORMANCE)
        and not current.implied
        and current.slots.ranking is None  # "top accounts in that": the thread's measure, ranked
    )


#: Words that rank: "the most", "best", "rank".
RANKING_WORD = re.compile(
    r"\b(?:most|least|fewest|best|worst|top|bottom|highest|lowest|biggest|largest|smallest|rank|ranked"
    r"|ranking|leads?|leading|quickest|fastest|slowest|shortest|longest)\b"
)


def _implied_measure(question: str) -> bool:
    """The question ranks a dimension without naming a measure ("which month was best?")."""
    lower = question.lower()
    reading = read_metric_question(lower)
    if reading is None:
        # "whats the top reason?" after the deals lost: a member of a dimension, ranked, no measure
        ranked = RANKED.search(lower)
        if ranked is not None and len(question.split()) <= MAX_SWAP_WORDS:
            return True
        return ranks_members(question)
    return "implied measure" in reading.signals


def ranks_members(question: str) -> bool:
    """ "which rep contributed the most over that period", "rank my reps on that": the members of a
    dimension ranked with no measure of their own (size or money words say which measure:
    "which product cost me the most $" is the money lost, whatever the thread counted)."""
    lower = question.lower()
    members = WHICH.search(lower) or COMPARED_GROUPS.search(lower)
    return (
        members is not None
        and RANKING_WORD.search(lower) is not None
        and not IN_MONEY_WORDS.search(lower)
        and not re.search(r"\b(?:biggest|largest|smallest|bigger|larger)\b", lower)
    )


def merge(previous: Frame, current: Frame, question: str) -> Frame:
    """``current`` read in the context of ``previous`` (see the module docstring)."""
    answered = (
        of_previous(previous, current, question)
        or who_ranks(previous, current, question)
        or _recut_of_measure(previous, current, question)
        or bounded_after(previous, current, question)
    )
    if answered is not None:
        return answered
    only = only_these(previous, current, question)
    if only is not None:
        return only
    if WHO_OWNS_THOSE.match(question) and previous.intent in (Intent.PIPELINE, Intent.TOP_DEALS):
        behind = deals_behind(previous)
        if behind is not None:
            # each deal with its owner, all of them (up to a long list)
            slots = behind.slots.model_copy(update={"limit": behind.slots.limit or OWNERS_LISTED})
            return behind.model_copy(update={"question": current.question, "slots": slots})
    if _leaves_out(previous, current, question):
        # "drop mg special and redo it", "exclude ruth's" after a measure: the same figure without them
        exclude = {**(previous.slots.exclude or {}), **(current.slots.exclude or {})}
        slots = previous.slots.model_copy(update={"exclude": exclude})
        return previous.model_copy(update={"slots": slots, "follow_up": True, "question": current.question})
    if DEALS_BEHIND.match(question) and not current.slots.measure:
        behind = deals_behind(previous)
        if behind is not None:
            # "which ones were GTX Pro?": the same deals, narrowed by what is named now
            narrowed = {
                slot: getattr(current.slots, slot)
                for slot in (*ENTITY_SLOTS, *CARRIED_FILTERS)
                if getattr(current.slots, slot) is not None
            }
            slots = behind.slots.model_copy(update=narrowed)
            if behind.intent is Intent.TOP_DEALS and any(
                getattr(slots, s) is not None for s in NOT_ON_PIPELINE
            ):
                # "which are in the East?" after the open deals over $200k: the deal list takes no region,
                # so the same deals, listed with their amounts by the metric query
                slots = slots.model_copy(
                    update={"measure": "open_pipeline", "dimension": "deal", "limit": None}
                )
                return behind.model_copy(
                    update={"intent": Intent.MEASURE, "slots": slots, "question": current.question}
                )
            return behind.model_copy(update={"slots": slots, "question": current.question})
    if (
        THE_ONE.match(question)
        and previous.slots.account
        and current.slots.product
        and not current.slots.account
    ):
        # "the GTX Plus Pro one" after an account: that account's deal for the product
        slots = Slots(account=previous.slots.account, product=current.slots.product)
        return Frame(intent=Intent.DEAL, slots=slots, follow_up=True, question=current.question)
    if previous.intent is Intent.CHANGE and IT.search(question) and not names_in(current.slots):
        # "ok what's the next step on it then?" after a change to a deal: that deal as it stands
        of_change = Slots(deal=previous.slots.deal, account=previous.slots.account)
        previous = Frame(intent=Intent.DEAL, slots=of_change)
    if previous.intent is Intent.DEAL and IT.search(question) and not names_in(current.slots):
        # "when did it close?", "who owns that deal?": the deal of the thread; "what should I do about
        # it?": the deal again, with the playbook's advice on moving a deal on ("when is it supposed
        # to close?" asks its date, not advice)
        if current.intent is Intent.PLAYBOOK and ADVICE_ASKED.search(question):
            slots = previous.slots.model_copy(update={"topic": current.slots.topic and DEAL_ADVICE})
            return previous.model_copy(
                update={"follow_up": True, "question": current.question, "advice": True, "slots": slots}
            )
        return previous.model_copy(
            update={"follow_up": True, "question": current.question, "advice": current.advice}
        )
    if BY_CLOSE.search(question) and previous.intent in DEAL_LISTS:
        # "sort by close date" after a deal list: the same open deals, by the month they close
        slots = previous.slots.model_copy(update={"group_by": "month", "measure": None, "dimension": None})
        return previous.model_copy(
            update={
                "intent": Intent.PIPELINE,
                "slots": slots,
                "follow_up": True,
                "question": current.question,
            }
        )
    by_size = BY_SIZE.match(question) is not None and previous.intent in (*DEAL_LISTS, Intent.STALLED)
    if (NARROW.match(question) and BIG_ONES.search(question) and previous.intent in DEAL_LISTS) or by_size:
        # "only the big ones": the largest deals of the same list
        slots = previous.slots.model_copy(update={"measure": None, "dimension": None})
        if by_size and slots.limit is None:
            slots.limit = SORTED_SHOWN  # "sort by amount": the whole list, largest first, as far as it fits
        return previous.model_copy(
            update={
                "intent": Intent.TOP_DEALS,
                "slots": slots,
                "follow_up": True,
                "question": current.question,
            }
        )
    if (
        previous.intent is Intent.STALLED
        and len(question.split()) <= MAX_FRAGMENT_WORDS
        and (current.slots.group_by == "owner" or current.slots.dimension in ("rep", "team"))
        and not names_in(current.slots)
    ):
        # "by rep" after the stalled list: the same list, whose answer counts the deals per owner
        return previous.model_copy(update={"follow_up": True, "question": current.question})
    biggest = _biggest_of(previous, current, question)
    if biggest is not None:
        return biggest
    if THE_BIGGEST_ONE.search(question) and previous.intent in (Intent.PIPELINE, Intent.TOP_DEALS):
        # "the biggest one - what stage is it at?" after the deals closing this month: that one deal,
        # with its stage, amount, close date and owner
        slots = previous.slots.model_copy(
            update={"limit": 1, "ranking": "top", "group_by": None, "dimension": None, "measure": None}
        )
        return Frame(intent=Intent.TOP_DEALS, slots=slots, follow_up=True, question=current.question)
    split = _counted_and_sized(previous, current, question)
    if split is not None:
        return split
    spread = _which_dimension(question) if FRAGMENT.match(question) else None
    if (
        previous.intent is Intent.PIPELINE
        and spread
        and spread not in ("stage", "deal")
        and not names_in(current.slots)
    ):
        # "which accounts?" after the open deals in Prospecting: that pipeline, by account
        slots = previous.slots.model_copy(
            update={
                "measure": previous.slots.measure or "open_pipeline",
                "dimension": spread,
                "group_by": None,
            }
        )
        return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)
    parts = _parts_of_the_change(previous, current, question)
    if parts is not None:
        return parts
    change = "down" if CHANGE_DOWN.search(question) else "up" if CHANGE_UP.search(question) else None
    earlier_slots = previous.slots
    compared = previous.intent is Intent.MEASURE and bool(
        earlier_slots.compare or earlier_slots.compare_to or earlier_slots.prior_period
    )
    driver = DROVE.search(question)
    spread_by = _which_dimension(question) or ("rep" if WHO_START.match(question) else None)
    if driver and spread_by and not change:
        # "who drove the change?", "which product drove the drop?": the figure by them, ranked by
        # their part in the change
        word = driver[1].lower()
        change = "down" if word in FALLING else "up" if word in RISING else "any"
    if change and compared and not names_in(current.slots):
        # "who dropped the most?" after Q4 vs Q3 by rep, or after Q4 then "and Q3?": the same rows,
        # ranked by their change
        update: dict[str, Any] = {"by_change": change, "limit": None, "ranking": None, "prior_period": None}
        if not (earlier_slots.compare or earlier_slots.compare_to):
            update["compare_to"] = earlier_slots.prior_period
        if driver and spread_by:
            update |= {"dimension": spread_by, "group_by": None}
        slots = earlier_slots.model_copy(update=update)
        return previous.model_copy(update={"slots": slots, "follow_up": True, "question": current.question})
    if (
        change
        and previous.intent is Intent.MEASURE
        and earlier_slots.dimension
        and not names_in(current.slots)
    ):
        # "which grew the most vs 2025?" after avg deal size by product: those rows, each against the
        # period named (or the one before), ranked by their change
        update = {"by_change": change, "limit": None, "ranking": None, "compare": None, "compare_to": None}
        named = current.slots.period if current.slots.period != earlier_slots.period else None
        if current.slots.compare_to or named:
            update["compare_to"] = current.slots.compare_to or named
        else:
            yearly = current.slots.compare == "last_year" or (earlier_slots.period or "ytd") in (
                "ytd",
                "this year",
            )
            update["compare"] = "last_year" if yearly else "previous_period"
        slots = earlier_slots.model_copy(update=update)
        return previous.model_copy(update={"slots": slots, "follow_up": True, "question": current.question})
    spread = _which_dimension(question)
    if spread and THOSE.search(question) and previous.intent in (Intent.PERFORMANCE, Intent.MEASURE):
        # "which accounts did those come from?" after what someone closed: the same figure, by account
        # "just the ones lost to competitors - which industries": narrowed by what is named now too
        narrowed_now = {
            slot: getattr(current.slots, slot)
            for slot in dict.fromkeys(
                [*ENTITY_SLOTS, *(s for s, _ in MEMBER_SLOTS), "min_amount", "max_amount"]
            )
            if getattr(current.slots, slot) is not None
        }
        slots = previous.slots.model_copy(
            update={"measure": previous.slots.measure or "won_revenue", "dimension": spread, "limit": None}
            | narrowed_now
        )
        return previous.model_copy(
            update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True, "question": current.question}
        )
    if current.intent is Intent.WHY:
        return previous.model_copy(update={"intent": previous.intent, "follow_up": True, "explain": True})
    choice = choice_named(previous, current, question)
    if choice is not None:
        return resolve_choice(previous, choice)
    reading = reading_picked(previous, current, question)
    if reading is not None:
        return previous.model_copy(update={"intent": reading, "readings": [], "follow_up": True})
    new_names = names_in(current.slots)
    intent: Intent = current.intent
    # a scorecard's measure is reshaped only by a breakdown, a top few or "shorter" ("what about Gladys?"
    # is her scorecard)
    reshapes_scorecard = (
        previous.intent is Intent.PERFORMANCE
        and (previous.slots.measure is not None or bool(current.slots.group_by or current.slots.dimension))
        and not new_names
        and (
            current.slots.group_by is not None
            or current.slots.limit is not None
            or current.brief
            # "by quarter" after my win rate this year: that rate, quarter by quarter
            or (previous.slots.measure is not None and bool(FRAGMENT.match(question)))
        )
    )
    # "vs Financial Services", "and SMB?" after a metric answer: the same measure for that member
    member_named = any(
        getattr(current.slots, slot) is not None for slot, _ in MEMBER_SLOTS if slot not in ENTITY_SLOTS
    )
    side_by_side = bool(current.slots.others and NAMES_SET_SIDE_BY_SIDE.search(question))
    # "which month was best?", "top 3 accounts" after a measure: its measure, ranked over that dimension
    # a measure the forecast answered ("team quota attainment q3" then "by rep - who's lowest?") is the
    # thread's measure as well as a metric answer's
    measured = previous.intent is Intent.MEASURE or (
        previous.intent is Intent.FORECAST and previous.slots.measure in MEASURES
    )
    # a product or a place named narrows the groups ranked ("who's best on gtx pro" after win rate by
    # product): the measure is still the thread's
    renamed = [name for name in new_names if name not in ("product", "territory", "region")]
    # "rank my reps on that" after what the team won: that figure, by rep
    ranks_scorecard = previous.intent is Intent.PERFORMANCE and previous.slots.measure in MEASURES
    implied = (
        (measured and _implied_measure(question)) or (ranks_scorecard and ranks_members(question))
    ) and not renamed
    reshaped = (
        (
            previous.intent is Intent.MEASURE
            or reshapes_scorecard
            or (member_named and previous.slots.measure)
            or (implied and previous.intent is Intent.PERFORMANCE)
            # "vs last quarter" after what someone won this quarter: that figure, compared
            or (previous.intent is Intent.PERFORMANCE and previous.slots.measure and VERSUS.match(question))
        )
        and (current.slots.measure is None or implied)
        and (
            intent
            in (
                Intent.UNKNOWN,
                Intent.PIPELINE,
                Intent.PERFORMANCE,
                Intent.TOP_DEALS,
                Intent.ACCOUNTS,
                Intent.TERRITORIES,
                Intent.MEASURE,
            )
            # "break west down by manager": the place named, broken down
            or (intent is Intent.TERRITORY and BROKEN_DOWN.match(question) is not None)
            # "break it down by country": the figure before, by the accounts' country (no account named)
            or (
                intent is Intent.ACCOUNT_FACTS
                and BROKEN_DOWN.match(question) is not None
                and not current.slots.account
            )
        )
        and bool(
            RESHAPE.match(question)
            or BROKEN_DOWN.match(question)
            or (member_named and ONLY_AFTER.match(question))
            # "east only, by rep" after the losses by office: those losses, in the East, by rep
            or (ONLY_AFTER.match(question) and previous.intent is Intent.MEASURE)
            or (NAMED_THEN_BY.search(question) and previous.intent is Intent.MEASURE)
            or PRONOUN.search(question)
            or SHORTER.match(question)
            or VERSUS.match(question)
            or (side_by_side and len(question.split()) <= MAX_SWAP_WORDS)
        )
    )
    # "which products?", "percentage?", "per month" after a measure: that breakdown, or the shares
    of_that = previous.intent is Intent.MEASURE and SHARE_OF_THAT.search(question) is not None
    fragment = of_that or (
        previous.intent is Intent.MEASURE
        # "which accounts?" after GTK 500 wins in 2017: those wins by account, not an account search
        and current.intent in (Intent.UNKNOWN, Intent.ACCOUNTS, Intent.TERRITORIES)
        and current.slots.measure is None
        and not new_names
        and bool(FRAGMENT.match(question))  # anchored at both ends: a fragment, however it is worded
    )
    reshaped = (
        reshaped or fragment or (implied and intent in (Intent.MEASURE, Intent.PLAYBOOK, Intent.UNKNOWN))
    )
    # "and win rate?" after bookings by rep: the same breakdown and period, another measure
    swaps_measure = (
        (previous.intent is Intent.MEASURE or swaps_to_measure(previous, current, question))
        and current.slots.measure is not None
        and current.slots.measure != previous.slots.measure
        and not new_names
        and not current.slots.dimension
        # "and which has the smallest avg deal size": led by "and", a longer one is a swap too
        and (
            len(question.split()) <= MAX_SWAP_WORDS
            or (START.match(question) is not None and len(question.split()) <= MAX_PRONOUN_WORDS)
        )
        and bool(
            START.match(question)
            or RESHAPE.match(question)
            or INSTEAD.search(question)
            or swaps_to_measure(previous, current, question)
        )
    )
    asks_advice = (
        intent is Intent.PLAYBOOK
        and previous.intent in DATA_INTENTS
        and previous.intent is not Intent.PLAYBOOK
        and bool(PRONOUN.search(question))
    )
    if asks_advice:
        intent = (
            previous.intent
        )  # "what should I do about them?": the same answer, with the playbook's advice
    elif (
        previous.intent is Intent.ACCOUNTS
        and (ACCOUNTS_THAT.match(question) or intent is Intent.ACCOUNTS)
        and not new_names
    ):
        intent = Intent.ACCOUNTS  # "and have open deals" after the accounts in healthcare: those that do
    elif reshaped or swaps_measure:
        intent = Intent.MEASURE  # "break that down by product", "just the top 3", "and win rate?"
    elif (
        intent is Intent.PURCHASES
        and previous.intent is Intent.MEASURE
        and not current.slots.account
        and not previous.slots.account  # one account's purchases are its own answer
        and PRONOUN.search(question)
    ):
        intent = Intent.MEASURE  # "and which products did they buy" after what a set of accounts bought
    elif intent is Intent.UNKNOWN or current.implied:
        intent = previous.intent
        kinds = {ENTITY_SLOTS[s] for s in new_names}
        if kinds and not kinds & spec_for(intent).takes:
            intent = ENTITY_INTENT[next(iter(sorted(kinds)))]
    narrowed_by_member = (
        JUST_MEMBER.search(question) is not None
        and member_named
        and not current.slots.measure
        and previous.intent in DATA_INTENTS
        and intent is not previous.intent
        and intent in (Intent.QUALIFICATION, Intent.UNKNOWN, Intent.ACCOUNTS, Intent.TERRITORY)
    )
    if narrowed_by_member:
        intent = previous.intent  # "just qualification" after the pipeline: the stage, not a scorecard
    if (
        intent is Intent.ACCOUNT
        and not current.slots.account
        and previous.slots.territory
        and WHO_COVERS.search(question)
    ):
        intent = Intent.ROSTER  # "who covers it?" after a territory's accounts: the people based there
    # "which one's gone quiet the longest?" after the deals closing this month: of those deals
    same = intent is previous.intent or bool(
        WHICH_OF_THEM.match(question)
        and previous.intent in DEAL_LISTS
        and intent in (Intent.STALLED, *DEAL_LISTS)
    )
    merged = Slots()
    carry_names = not (new_names or current.unplaced) or bool(NARROW.match(question))
    # "GTX Pro bookings by rep" then "Gladys": her GTX Pro bookings (a measure keeps the members of
    # the other dimensions; a profile or a scorecard starts again from the name)
    keeps_members = intent is Intent.MEASURE and previous.intent is Intent.MEASURE and not current.unplaced
    for slot in ENTITY_SLOTS:
        value = getattr(current.slots, slot)
        if value is None and (carry_names or (keeps_members and slot != "deal")):
            value = getattr(previous.slots, slot)
        if value is None and slot == "account" and THE_ACCOUNT_AGAIN.search(question):
            # "why did we lose the platform deals w them?" after a profile: a product named now, and
            # still their deals
            value = previous.slots.account
        setattr(merged, slot, value)
    for slot in FILTER_SLOTS:
        value = getattr(current.slots, slot)
        setattr(merged, slot, value if value is not None or not same else getattr(previous.slots, slot))
    if THERE.search(question):
        # "total pipe there" after the accounts in Texas: the place of the thread, whatever is asked
        for slot in PLACE_SLOTS:
            if getattr(merged, slot) is None and getattr(current.slots, slot) is None:
                setattr(merged, slot, getattr(previous.slots, slot))
    if (
        merged.dimension == "deal"
        and current.slots.measure in OVER_THE_DEALS
        and current.slots.measure != previous.slots.measure
        and not current.slots.dimension
    ):
        merged.dimension = merged.limit = merged.ranking = None  # "avg size?" after the deals won: one
    logged = activity_kind(question.lower()) if previous.slots.measure == "activities" else None
    if logged and same and START.match(question):
        merged.activity_type = logged  # "and meetings?" after the calls logged: the meetings
    counted = previous.slots.measure if previous.slots.measure in IN_MONEY else None
    if counted and same and current.slots.measure in (None, counted) and IN_MONEY_WORDS.search(question):
        # "which reason cost me the most $?" after lost deals by reason: what they were worth
        merged.measure = IN_MONEY[counted]
    worth = IN_MONEY_WORDS.search(question)
    if counted and same and current.slots.measure == IN_MONEY[counted] and not worth:
        # "who lost the most?" after the deals lost counted: the most deals, as the thread counts them
        merged.measure = counted
    summed = previous.slots.measure if previous.slots.measure in AS_COUNT else None
    recut = same or (intent is Intent.MEASURE and previous.intent in (Intent.PIPELINE, Intent.PERFORMANCE))
    if summed and recut and current.slots.measure in (None, summed) and IN_COUNT_WORDS.search(question):
        # "and by # of deals?" after bookings by rep: how many deals, not what they were worth
        merged.measure = AS_COUNT[summed]
    person, earlier = current.slots.owner, previous.slots.owner
    if person and earlier and person != earlier and COMPARED.search(question) and PRONOUN.search(question):
        # "compare her with Felix": the person of the thread beside the one named now
        merged.owner, merged.others, merged.others_slot = earlier, [person], "owner"
    if (
        person
        and not earlier
        and COMPARED.search(question)
        and previous.slots.limit
        and previous.slots.dimension in ("team", "rep")
        and current.slots.measure is None
    ):
        # "how does Summer's team compare?" after the team with the highest win rate: every team,
        # ranked, so hers stands beside the best (not hers alone, top 1)
        merged.owner, merged.limit = None, None
    before = previous.earlier_person
    if not person and earlier and before and before != earlier and COMPARED.search(question):
        # "how is Kenji doing?", "and Emil?", "compare them": the two people of the thread
        merged.owner, merged.others, merged.others_slot = before, [earlier], "owner"
    if implied and previous.slots.measure:
        merged.measure, merged.also = previous.slots.measure, previous.slots.also
    if (
        intent is Intent.MEASURE
        and previous.intent in (Intent.PIPELINE, Intent.PERFORMANCE)
        and current.slots.measure is None
        and previous.slots.measure
    ):
        # "only engaging" after the open deals by rep: the same figure and breakdown, narrowed ("how
        # many of those…": counted)
        in_count = summed is not None and IN_COUNT_WORDS.search(question) is not None
        merged.measure = AS_COUNT[summed] if summed and in_count else previous.slots.measure
        merged.also = previous.slots.also
        merged.dimension = merged.dimension or previous.slots.dimension
        for slot in FILTER_SLOTS:
            if getattr(merged, slot) is None:
                setattr(merged, slot, getattr(previous.slots, slot))
    searched = previous.intent is Intent.ACCOUNTS and THOSE.search(question) is not None
    if intent is Intent.MEASURE and searched and not new_names:
        # "what have those bought, total won" after the accounts outside the US: the accounts the
        # search found, by the search's own filters (not only the first few it listed)
        for slot in FILTER_SLOTS:
            if getattr(merged, slot) is None:
                setattr(merged, slot, getattr(previous.slots, slot))
    if WHICH_OF_THEM.match(question) and current.slots.measure in DEAL_OWN and not current.slots.dimension:
        # "which have been sitting the longest?": the deals themselves, by their own age
        merged.dimension, merged.group_by = "deal", None
    if fragment and SHARE_WORDS.search(question):
        merged.share = True  # "percentage": each group's share of the total
    if reshaped and not current.slots.dimension:
        # "now by segment": the breakdown named now replaces the one before
        named = dimension_named(question.lower()) or _which_dimension(question)
        if named is None and current.slots.group_by:
            named = "rep" if current.slots.group_by == "owner" else current.slots.group_by
        if named is None and merged.dimension is None and current.slots.limit and not previous.slots.owner:
            named = "rep"  # "just the bottom 3" after a team's figure: the three people furthest down
        if named and named != previous.slots.dimension and current.slots.limit is None:
            merged.limit = merged.ranking = None  # "by quarter" after the top industry: every quarter
        merged.dimension = named or merged.dimension
        if merged.dimension:
            # "which one grew fastest vs last year?": read with the thread's breakdown for its
            # comparison and ranking
            unplaced = PLACE.sub(" ", question.lower())  # "the lowest one" picked a row: no ranking
            again = read_metric_question(
                f"{unplaced} by {merged.dimension.replace('_', ' ')}", default=merged.measure
            )
            if again is not None:
                merged.compare = current.slots.compare or again.compare or merged.compare
                if again.top is not None and current.slots.limit is None:
                    merged.limit, merged.ranking = again.top, "bottom" if again.order == "asc" else "top"
    slot_named = next(
        (s for s, _ in MEMBER_SLOTS if getattr(current.slots, s) is not None and getattr(previous.slots, s)),
        None,
    )
    if reshaped and slot_named and VERSUS.match(question) and not current.slots.others:
        # "vs Financial Services" after Healthcare: both, side by side
        merged.others, merged.others_slot = [getattr(current.slots, slot_named)], slot_named
        setattr(merged, slot_named, getattr(previous.slots, slot_named))
    which_account = previous.intent is Intent.ACCOUNTS and WHICH_ONE.search(question) is not None
    if not same and (THOSE.search(question) or which_account):
        # "which of those are stalled?": the deals of the previous answer, narrowed the same way
        for slot in CARRIED_FILTERS:
            if getattr(merged, slot) is None:
                setattr(merged, slot, getattr(previous.slots, slot))
    if (
        current.slots.measure == "quota"
        and COMPARED.search(question)
        and (
            previous.slots.measure in (None, "won_revenue")
            and previous.intent in (Intent.PERFORMANCE, Intent.MEASURE)
        )
    ):
        merged.measure = "attainment"  # "how does that compare to her quota?" after what she closed
    if (
        current.slots.measure in ("quota", "attainment")
        and COMPARED.search(question)
        and previous.slots.measure in OPEN_MEASURES
        and previous.intent in (Intent.PIPELINE, Intent.MEASURE)
        and previous.slots.dimension is not None
        and not BOOKED_AGAINST.search(question.lower())
    ):
        # "vs q1 quota" after the pipeline by region for Q1: how well it covers the quota, with both
        merged.measure, merged.also = "coverage", [previous.slots.measure, "quota"]
    if (
        merged.measure == "attainment"
        and previous.slots.measure in OPEN_MEASURES
        and not BOOKED_AGAINST.search(question.lower())
    ):
        # "vs my quota" after the pipeline closing next quarter: how well it covers the quota
        merged.measure = "coverage"
    merged.period = current.slots.period
    base = LAST_UNIT.search(question)
    if reshaped and VERSUS.match(question) and base and not merged.compare and previous.slots.period:
        # "vs last quarter" after this quarter: the same figure against the one before (a year: the
        # same dates a year earlier when the thread's period is shorter than a year)
        unit = (base[1] or base[2]).lower()
        same_unit = unit in previous.slots.period.lower()
        merged.compare = "previous_period" if same_unit else "last_year" if unit == "year" else None
    if (
        reshaped
        and VERSUS.match(question)
        and current.slots.period
        and previous.slots.period
        and current.slots.period != previous.slots.period
    ):
        # "and vs Q2?" after Q3: Q3 set against Q2 (the query's comparison, when Q2 is the one before)
        merged.period, merged.compare_to = previous.slots.period, current.slots.period
    elif same and previous.slots.period and current.slots.period not in (None, previous.slots.period):
        # "and last qtr?" after this quarter: remembered, so "who dropped the most?" sets the two apart
        merged.prior_period = previous.slots.period
    elif same and current.slots.period is None and previous.slots.prior_period:
        # "by region" after "and last year?": still the two years, for "which one grew the most?"
        merged.prior_period = previous.slots.prior_period
    if (
        SAME_LAST_YEAR.search(question.lower())
        and previous.slots.period
        and same_or_periodic(intent, previous)
    ):
        # "and the same quarter last year?" after a quarter: that quarter, set against a year before;
        # "vs the same time last year?" after this year: to date, against the same days a year before
        to_date = SAME_TIME.search(question.lower()) and TO_DATE.get(previous.slots.period.lower())
        merged.period, merged.compare = to_date or previous.slots.period, "last_year"
        if read_metric_question(question.lower()) is None and previous.slots.measure:
            # no measure named: the thread's, not the scorecard's a question alone would get
            merged.measure, merged.also = previous.slots.measure, previous.slots.also
            merged.dimension = merged.dimension or previous.slots.dimension
            intent = previous.intent if previous.intent is Intent.MEASURE else intent
        if intent is Intent.PERFORMANCE:
            intent = Intent.MEASURE
            merged.measure = merged.measure or previous.slots.measure or "won_revenue"
    # Open deals are open whatever period the previous answer covered ("how much did Marty win in
    # 2017?" then "and his open deals?"): a pipeline's period is carried only from a pipeline.
    across = intent in PERIOD_INTENTS and previous.intent in PERIOD_INTENTS and intent is not Intent.PIPELINE
    # "which deals did we lose?" after what changed since Monday: since Monday
    across = across or (previous.intent is Intent.CHANGES and intent is Intent.MEASURE)
    # "which of those have no next step?" after the deals closing this month: those deals, so their period
    those_deals = not same and THOSE.search(question) is not None and previous.intent in DEAL_LISTS
    if merged.period is None and (same or across or those_deals):
        merged.period = previous.slots.period
    if merged.period is None and previous.intent is Intent.FORECAST and SO_FAR.search(question):
        merged.period = "this quarter"  # a forecast with no period named is this quarter's
    merged.topic = current.slots.topic or (previous.slots.topic if same else None)
    if asks_advice:
        merged.topic = advice_topic(previous)
    merged.term = current.slots.term
    if current.slots.exclude and intent in DEAL_LISTS:
        # "exclude ruth's" after the largest deals: the same deals from the metric query, which can
        # leave someone out (the pipeline's list cannot)
        intent, merged.measure, merged.dimension = Intent.MEASURE, "open_pipeline", "deal"
        merged.ranking = merged.ranking or "top"
    if intent is Intent.PIPELINE and merged.group_by and current.slots.limit and not current.slots.measure:
        # "top 3 only" after the pipeline by rep: the three largest, from the metric query (the
        # pipeline's own breakdown lists every group)
        intent, merged.measure = Intent.MEASURE, merged.measure or "open_pipeline"
        merged.dimension = {"owner": "rep"}.get(merged.group_by, merged.group_by)
        merged.group_by = None
    teams = previous.slots.dimension == "team" and merged.dimension == "rep" and WHO_START.match(question)
    if teams and dimension_named(question.lower()) is None:
        merged.dimension = "team"  # "who was best?" after bookings by team: the teams, ranked
    if merged.ranking and merged.limit is None and merged.dimension and ONE_BEST.match(question):
        merged.limit = 1  # "which was best?" after bookings by quarter: the one quarter
    if current.about_me and not current.slots.owner and previous.slots.owner:
        merged.owner = None  # "ok mine then": the asker's own, not the person before
    if merged.activity_type and merged.measure != "activities":
        merged.activity_type = None  # "how many deals were created" after calls logged: no call filter
    if TEAM_WIDE.search(question) and not current.slots.owner:
        merged.owner = None  # "the biggest deal on the team": the whole team, not the rep before
    new_breakdown = current.slots.dimension and current.slots.dimension != previous.slots.dimension
    if new_breakdown and current.slots.limit is None and current.slots.ranking is None:
        # "what products is she losing on?" after the rep with the lowest win rate: every product
        merged.limit = merged.ranking = None
    elif new_breakdown and current.slots.limit is None and merged.limit == 1:
        # "what were their biggest losses" after the rep with the lowest attainment: the few
        # biggest, not the one the rep ranking was cut to
        merged.limit = None
    counted = _outcome_counted(previous, merged, question)
    if counted is not None:
        merged.measure = counted  # "whos the rep on most of those deals" after what Kan-code bought: its wins
    ambiguity = current.ambiguity
    frame = Frame(
        intent=intent,
        slots=merged,
        ambiguity=ambiguity,
        follow_up=True,
        about_me=current.about_me or (previous.about_me and carry_names),
        advice=current.advice or (previous.advice and same) or asks_advice,
        brief=current.brief,
        earlier_person=earlier if person and earlier and person != earlier else previous.earlier_person,
        # "which of those have open deals" after the accounts that never bought: the search reads
        # its conditions from the words, so the earlier question's are kept with the new ones
        question=f"{previous.question} {current.question}"
        if intent is Intent.ACCOUNTS and previous.intent is Intent.ACCOUNTS
        else current.question,
    )
    if current.unplaced:
        _place_stranger(frame, previous, current)
    return frame


#: "the 3 biggest?", "and the largest ones", "top 5?": the deals behind a figure, the largest first.
BIGGEST_ONES = re.compile(
    r"^\W*(?:and |ok |so |now )?(?:(who owns|whose is|who has|who's got) |what(?:'s| (?:are|were|was|is)) "
    r"|show me |list |which (?:are|were|was|is) )?(?:the |my |their |his |her |those |these )?(?:(\d{1,2}) )?"
    r"(biggest|largest|top|oldest|newest)(?: (\d{1,2}))?(?: (ones?|deals?|opps?|wins?|losses))?"
    r"(?: in \w+)?\W*$",
    re.I,
)


def _biggest_of(previous: Frame, current: Frame, question: str) -> Frame | None:
    """ "the 3 biggest?" after how many deals I won in Q4: those deals, the largest first; "who owns
    the biggest one?" beside its owner; "the oldest one?" of open deals, by age."""
    found = BIGGEST_ONES.match(question)
    if found is None or previous.intent not in (Intent.PERFORMANCE, Intent.MEASURE, Intent.PIPELINE):
        return None
    owner, count, word, noun = found[1], found[2] or found[4], found[3].lower(), found[5]
    measure = previous.slots.measure or ("won_revenue" if previous.intent is Intent.PERFORMANCE else None)
    measure = IN_MONEY.get(measure or "", measure)
    if previous.intent is Intent.PIPELINE:
        measure = "open_pipeline"
    ranking = "top"
    if word in ("oldest", "newest"):
        if measure != "open_pipeline":
            return None
        measure, ranking = "average_deal_age", "top" if word == "oldest" else "bottom"
    elif measure not in AS_COUNT:
        return None
    if previous.slots.dimension not in (None, "deal") and noun is None:
        return None  # "the top 3?" after bookings by rep: three of those reps (the ranking's own reading)
    plural = noun is not None and noun.lower().endswith("s")  # "their biggest ones": a few, not one
    slots = previous.slots.model_copy(
        update={
            "measure": measure,
            "also": None,
            "dimension": "deal",
            "then_by": "rep" if owner else None,
            "limit": int(count) if count else SOME if plural else 1,
            "ranking": ranking,
            "group_by": None,
            # "show me their biggest ones" after the one rep shown: that rep's
            "owner": current.slots.owner or previous.slots.owner,
        }
    )
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


#: How many "the biggest ones" lists when no number is said.
SOME = 5


#: "was that fewer deals or smaller deals?", "volume or deal size?": the figure split into how many
#: deals and how big they were.
VOLUME_OR_SIZE = re.compile(
    r"\b(?:fewer|less|more)\s+(?:deals|wins|opps)\b.{0,25}\b(?:smaller|bigger|larger|size)"
    r"|\bvolume\b.{0,15}\b(?:size|price|value)\b|\b(?:count|number of deals)\b.{0,15}\bsize\b",
    re.I,
)


def _counted_and_sized(previous: Frame, current: Frame, question: str) -> Frame | None:
    """ "was that fewer deals or smaller deals?" after bookings compared: how many deals, and their
    average size, over the same records and periods."""
    money = previous.slots.measure or ""
    if not VOLUME_OR_SIZE.search(question) or previous.intent is not Intent.MEASURE or money not in AS_COUNT:
        return None
    count = AS_COUNT[money]
    size = "average_deal_size" if money == "won_revenue" else None
    slots = previous.slots.model_copy(
        update={"measure": count, "also": [size] if size else None, "by_change": None}
    )
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


def _which_dimension(question: str) -> str | None:
    """The dimension "which products?" or "products?" names, if any."""
    lower = question.lower()
    found = (
        WHICH.search(lower)
        or re.fullmatch(rf"\W*({DIMENSION_WORD})\W*", lower)
        or RANKED.search(lower)
        or COMPARED_GROUPS.search(lower)  # "rank my reps on that"
    )
    # "top 3 accounts": the dimension ranked
    return DIMENSIONS[next(g for g in found.groups() if g)] if found else None


def same_or_periodic(intent: Intent, previous: Frame) -> bool:
    return intent is previous.intent or (intent in PERIOD_INTENTS and previous.intent in PERIOD_INTENTS)


#: What the playbook is asked when a question about one deal asks what to do about it.


def advice_topic(previous: Frame) -> str:
    """What "what should I do about them?" asks the playbook about: the stall rule the previous answer
    was about, else its question."""
    if previous.slots.rule in STALL_RULES:
        return STALL_RULES[Rule(previous.slots.rule)][0].lower()
    if previous.intent is Intent.STALLED:
        return ""  # each stalled deal's own next actions answer it, cited (answers_deals.plays)
    return previous.slots.topic or previous.question


def _place_stranger(frame: Frame, previous: Frame, current: Frame) -> None:
    """Put a name that matched nothing where the thread's last name (or "me") was."""
    [name] = current.unplaced
    about_someone = current.unplaced_possessive or previous.slots.owner is not None or previous.about_me
    if about_someone and frame.intent in OWNER_INTENTS:
        frame.slots.owner = name
    elif current.unplaced_possessive:
        place_unknown(frame, [name], [])
    else:
        place_unknown(frame, [], [name])


#: "drop mg special and redo it", "run it again without retail": the question before, again ("it" is
#: that question, not the row its answer showed).
REDO = re.compile(r"\b(?:redo|re-?run|recalc\w*|re-?calculate|(?:run|do) (?:it|that|this) again)\b", re.I)
#: "all my team's open deals", "any close date": every open deal, whatever the period before.
ALL_OPEN = re.compile(
    r"\ball\b(?: of)?(?: (?:my|our|the|his|her|their|my team's|the team's|our team's|team))?"
    r" (?:open )?(?:deals|opps|opportunities|pipeline|pipe)\b"
    r"|\b(?:whatever|any|regardless of(?: the)?|no matter the) close dates?\b|\bno matter when\b",
    re.I,
)


def _wider(frame: Frame, current: Frame) -> Frame:
    """ "the whole team's win rate" from a rep: a question of its own over a wider group than the asker
    sees (its answer says so), in the thread's period; else ``frame``."""
    if current.slots.wider and current.intent is Intent.MEASURE and frame is not current:
        period = current.slots.period or frame.slots.period
        return current.model_copy(update={"slots": current.slots.model_copy(update={"period": period})})
    return frame


def _every_close_date(frame: Frame, current: Frame, question: str, before: Frame | None = None) -> Frame:
    """``frame`` without the thread's close period when ``question`` asks for all the open deals, or
    turns from deals closed in a period to open ones ("and who has the most open deals in engaging"
    after the win rates of this year: every open deal, whatever its close date; many have none)."""
    open_deals = frame.intent in (Intent.PIPELINE, Intent.TOP_DEALS) or frame.slots.measure in OPEN_MEASURES
    turned = (
        before is not None
        and frame.slots.measure in OPEN_MEASURES
        and before.slots.measure not in (*OPEN_MEASURES, None)
        and before.intent is Intent.MEASURE
        and frame.slots.period == before.slots.period
    )
    if (
        current.slots.period is None
        and frame.slots.period
        and open_deals
        and (ALL_OPEN.search(question) or turned)
    ):
        return frame.model_copy(update={"slots": frame.slots.model_copy(update={"period": None})})
    return frame


def fold(
    questions: list[str],
    understand: Callable[[str], Frame],
    refine: Callable[[Frame], Frame] = lambda f: f,
    answers: list[str] | None = None,
    lexicon: Lexicon | None = None,
) -> Frame:
    """The frame of the last of ``questions`` (oldest first), read in the context of the thread.

    ``refine`` completes each question's frame from the data before the next one is read (the
    planner turns "the Evergreen deal" into the viewer's deal there, or a choice among them).
    ``answers`` are the answers shown after the earlier questions: "the second one" picks a row
    of the list the previous answer showed (:mod:`assistant.offline.listed`). ``lexicon`` dates a
    period named from the thread's ("the quarter before that", :mod:`assistant.offline.thread_periods`).
    """
    context: Frame | None = None
    frame = Frame(intent=Intent.UNKNOWN)
    named_before: str | None = None  # the person a declined request named, for a "he" or "she" next
    for position, question in enumerate(questions):
        if 0 < position <= len(answers or []):
            # "in the best region, which team did best": the member the last answer ranked first
            question = ranked_member(question, (answers or [])[position - 1])
        if context is not None and lexicon is not None and context.intent in DATA_INTENTS:
            # "the quarter before that": the thread's period, moved back
            question = from_thread(question, context.slots.period, lexicon.as_of, lexicon.fy_start_month)
        if named_before is not None and context is None and HE_OR_SHE.search(question):
            context = Frame(intent=Intent.PERFORMANCE, slots=Slots(owner=named_before), question=question)
        again_for = same_for(context, question) if context is not None else None
        if again_for is not None:
            # "same for lost deals": the thread's question of that outcome
            frame = context = refine(again_for.model_copy(update={"question": question}))
            continue
        fixed = corrected(question) if context is not None and context.intent in DATA_INTENTS else None
        if fixed is not None and context is not None:
            # "no sorry i meant won": the thread's question again, with that in place of what it replaces
            again = outcome_swapped(context, fixed[0]) or replaced(context, understand(fixed[0]))
            if again is not None:
                frame = context = refine(again.model_copy(update={"question": question}))
                continue
        again_cut = recomposed(context, question, understand)
        if again_cut is not None:
            # "by rep instead" after the team's Q4 forecast: the team's Q4 forecast by rep
            frame = context = refine(again_cut)
            continue
        current = understand(question)
        said = correct_before_reading(question)  # "same period last yr?": shorthand spelt out
        shown = (answers or [])[:position]
        chosen = chosen_deal(context, current, question, shown)  # "the second one" after "which deal?"
        if chosen is not None:
            frame = context = refine(chosen)
            continue
        bounded = dropped(context, question, shown)
        if bounded is not None:
            # "drop the ones under 25%" after the top 5 reps with their win rates: those kept
            frame = context = refine(bounded)
            continue
        ascending = context is not None and context.slots.ranking == "bottom"
        picked = pick(question, shown, ascending) if shown and not (context and context.ambiguity) else None
        named = None
        if picked is None and context is not None and context.slots.dimension in MEMBER_FIELDS:
            picked = named_row(question, shown)  # "the price ones" after the losses by reason
        elif picked is not None and (named := named_in_place(question, picked)) is not None:
            current = understand(named)  # "who owns the top one": of that member, not a ranking
        # "who has the fewest in that?" after the one rep shown ranks the thread again, not that rep
        alone = (
            picked or context is None or context.ambiguity or asks_who_ranks(question) or REDO.search(said)
        )
        lone = None if alone else only_row(question, shown)
        if (
            lone is None
            and not alone
            and context is not None
            and context.slots.ranking
            and context.slots.dimension
        ):
            lone = ranked_first(said, shown)  # "who lost the most there" after "which ones the worst"
        if (
            lone is None
            and not alone
            and context is not None
            and context.slots.limit == 1
            and FRAGMENT.match(said)
        ):
            lone = single_row(shown)  # "what products?" after the one top account: that account's
        pair = lone_pair(question, shown) if context is not None and context.slots.dimension else None
        if pair is not None and context is not None:
            # "compare them on deal size" after the top and the bottom one: the two, side by side
            current = with_pick(current, pair[0], context.slots.dimension)
            slot = next((s for s, d in MEMBER_SLOTS if d == context.slots.dimension), None)
            if slot is not None:
                current.slots.others, current.slots.others_slot = [pair[1].name], slot
        elif lone is not None and lone.kind == "row" and context is not None and context.slots.dimension:
            current = with_pick(current, lone, context.slots.dimension)  # "what else do they buy?"
            drill = _which_dimension(said) if FRAGMENT.match(said) else None
            if drill is not None and drill != context.slots.dimension:
                # "what products?" after the one top account: the thread's figure for it, by product
                of_row = with_pick(context, lone, context.slots.dimension).slots
                slots = of_row.model_copy(update={"dimension": drill, "limit": None, "ranking": None})
                current = Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)
        elif (
            lone is not None
            and lone.kind == "opportunity"
            and (WHO_DID_IT.match(said) or WHICH_ACCOUNT.match(said))
            and not names_in(current.slots)
            and not (context and context.slots.account)  # "who owns it" after an account: its owner
        ):
            # "who owns it?" after the one deal shown: the deal's owner (a deal may have no account)
            current = Frame(intent=Intent.DEAL, slots=Slots(deal=lone.ref), question=current.question)
        elif lone is not None and lone.kind == "opportunity" and needs_account(current):
            # "who are the contacts on that account?" after the one deal shown: the deal's account
            current = current.model_copy(
                update={"slots": current.slots.model_copy(update={"deal": lone.ref})}
            )
        elif lone is not None and lone.kind == "opportunity" and _advice_on_it(current, said):
            # "what should I do about it?" after the one stalled deal shown: that deal, with advice
            slots = Slots(deal=lone.ref, topic=DEAL_ADVICE)
            current = Frame(intent=Intent.DEAL, slots=slots, advice=True, question=current.question)
        elif lone is not None and lone.kind == "opportunity" and _of_the_deal(current, said):
            # "when did it last have activity?" after the one deal shown: that deal's own record
            current = Frame(intent=Intent.DEAL, slots=Slots(deal=lone.ref), question=current.question)
        if picked is not None:
            current = with_pick(current, picked, context.slots.dimension if context else None)
            if picked.kind == "row":
                # "break the lowest one down by rep": "lowest one" picked the row, it ranks nothing
                slots = current.slots.model_copy(update={"limit": None, "ranking": None})
                current = current.model_copy(update={"slots": slots})
            if current.slots.account and HOW_BIG.search(said) and not DEAL_WORD.search(said):
                # "how big is the first one?" of a list of accounts: the company's size, not its deals
                slots = current.slots.model_copy(update={"measure": None, "dimension": None})
                current = current.model_copy(update={"intent": Intent.ACCOUNT_FACTS, "slots": slots})
        listed = None if picked or lone or pair else about_listed(context, current, said, shown)
        # "list the accounts in it" after the one industry shown: a question of its own about that row
        own = (lone is not None and lone.kind == "row" and _asks_its_own(current)) or (
            # "who owns the top one" after the accounts ranked: that account's own record
            named is not None and current.intent in RECORD_INTENTS and not current.slots.measure
        )
        chosen = (
            listed
            if listed is not None
            else current
            if (picked is not None and picked.kind in ("opportunity", "account")) or own
            else merge(context, current, said)
            if context and is_follow_up(context, current, said)
            else current
        )
        frame = refine(
            after_merge(
                _every_close_date(_wider(chosen, current), current, said, context), context, current, said
            )
        )
        if chosen is current and not frame.follow_up:
            frame = frame.model_copy(update={"reading": question})
        if frame.intent is Intent.STALLED:
            drop_undated(frame)  # "what should I focus on this week": not a period those deals carry
        if changes_nothing(context, current, frame, said, REDO.search(said) is not None):
            frame = frame.model_copy(update={"unchanged": True})
            continue  # the thread stays as it was
        # a request the product cannot carry out leaves the thread as it was, even when it named
        # someone ambiguously ("give lucas access…", then "whats lucas's role")
        asked = frame.ambiguity is not None and frame.intent is not Intent.ACTION
        if frame.intent in DATA_INTENTS or asked or frame.readings:
            context = frame
        elif frame.intent is Intent.ACTION and frame.slots.owner and context is None:
            # "what's the commission payout for Lucas" (declined) then "what has he closed won this
            # quarter": the person named is who "he" is, though the request itself is not kept
            named_before = frame.slots.owner
            continue
        named_before = None
    return frame
