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

from assistant.offline.bare_measures import (
    BOOKED_AGAINST,
    COUNT_OF_THAT,
    MEASURED_ANSWERS,
    WORTH,
    measure_alone,
    same_outcome_without_period,
    swaps_to_measure,
)
from assistant.offline.breakdowns import (
    COMPARED_GROUPS,
    RANKED,
    WHICH,
    dimension_named,
)
from assistant.offline.comparisons import BOTH_ENDS
from assistant.offline.followup_cases import (
    BIGGEST_ONES,
    DROVE,
    VOLUME_OR_SIZE,
    WHO_OWNS_THOSE,
    WHO_START,
    leaves_out,
    of_a_kind,
    recut_of_measure,
    which_dimension,
)
from assistant.offline.followup_words import (
    ACCOUNTS_THAT,
    ASIDES,
    BROKEN_DOWN,
    BY_CLOSE,
    BY_SIZE,
    CARRIED_FILTERS,
    CHANGE_DOWN,
    CHANGE_UP,
    COMPARED,
    DEAL_LISTS,
    FRAGMENT,
    INSTEAD,
    JUST_MEMBER,
    LAST_UNIT,
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
from assistant.offline.intents import spec_for
from assistant.offline.intents.registry import DATA_INTENTS, ENTITY_INTENT, PERIOD_INTENTS
from assistant.offline.listed import (
    PLACE,
)
from assistant.offline.measure_lists import AS_COUNT, IN_COUNT_WORDS, IN_MONEY, IN_MONEY_WORDS
from assistant.offline.measures import read_metric_question
from assistant.offline.members import MEMBER_SLOTS, compared_members, share_focus
from assistant.offline.metric_claims import OPEN_MEASURES
from assistant.offline.narrowing import NAMED_THEN_BY, ONE_BEST, SUBJECTLESS, only_these
from assistant.offline.period_slots import SAME_LAST_YEAR
from assistant.offline.previous_answer import SO_FAR, asks_of_previous
from assistant.offline.ranked_people import who_ranks
from assistant.offline.record_filters import activity_kind
from assistant.offline.thread_choices import (
    choice_named,
    names_in,
    reading_picked,
)
from assistant.offline.thresholds import bounded_after
from assistant.offline.understanding import OWNER_INTENTS, place_unknown
from assistant.offline.verdicts import ASKS_WHETHER, DOWN, UP
from tools.deals.stalled_rules import RULES as STALL_RULES
from tools.deals.stalled_rules import Rule
from tools.semantic.measures import MEASURES

#: Figures each deal has of its own (how long it has been open, or in its stage).
DEAL_OWN = frozenset({"average_deal_age", "average_days_in_stage"})
#: "which have…", "which ones are…": which of the records the previous answer covered.
WHICH_OF_THEM = re.compile(
    r"(?:(?:and|so|ok|okay|then|now|right)\W+)*which\s+"
    r"(?:(?:ones?\s+)?(?:have|has|are|is|were|was)\b|one's\b|ones're\b)",
    re.I,
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


def _rows_named(previous: Frame, current: Frame) -> bool:
    """The names the question gives are none, or members of the breakdown the thread showed."""
    breakdown = dict(MEMBER_SLOTS)
    return all(breakdown.get(slot) == previous.slots.dimension for slot in names_in(current.slots))


def _still_compared(previous: Frame, current: Frame, question: str) -> bool:
    """A yes/no comparison naming only members the thread set side by side, and no measure: the
    same comparison (in the period now named)."""
    if previous.intent is not Intent.MEASURE or current.slots.measure:
        return False
    if not ASKS_WHETHER.match(question) or not (UP.search(question) or DOWN.search(question)):
        return False
    now = compared_members(current.slots)
    if now is not None and dict(MEMBER_SLOTS).get(now[0]) == previous.slots.dimension:
        return True  # "is East bigger than West?" after the regions ranked: those two, on that figure
    compared = compared_members(previous.slots)
    if compared is None:
        return False
    members = {name.casefold() for name in compared[1]}
    named = [str(getattr(current.slots, slot)).casefold() for slot in names_in(current.slots)]
    return bool(named) and all(name in members for name in named)


#: "all the regions", "the three regions", "each of my reps": every member, not the ones set side by side.
EVERY_OF = {
    **{"regions": "region", "territories": "territory", "teams": "team", "reps": "rep"},
    **{"products": "product", "segments": "segment", "industries": "industry", "sectors": "industry"},
    "stages": "stage",
}
EVERY_ONE = re.compile(
    rf"\b(?:all|every|each)(?: of)?(?: (?:the|my|our))? (?:\w+ )?({'|'.join(EVERY_OF)})\b"
    rf"|\bthe (?:two|three|four|five|six|seven|eight|\d+) ({'|'.join(EVERY_OF)})\b",
    re.I,
)


def is_follow_up(previous: Frame | None, current: Frame, question: str) -> bool:
    if previous is None or current.intent in ASIDES:
        return False
    if reading_picked(previous, current, question) is not None:
        return True
    if who_ranks(previous, current, question) is not None:
        return True  # "who has the most $ in that?" after a figure: its top rep
    if _still_compared(previous, current, question):
        return True  # "is East bigger in the second half too?" after East vs West: the two again
    if (
        previous.intent is Intent.MEASURE
        and current.slots.measure is None
        and names_in(current.slots)
        and (NAMED_THEN_BY.search(question) or BROKEN_DOWN.match(question))
    ):
        return True  # "melvin's - by rep" after the count by manager: his part, by rep
    if recut_of_measure(previous, current, question) or bounded_after(previous, current, question):
        return True  # "show me that product month by month" after its bookings: its bookings by month
    if leaves_out(previous, current, question):
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
    if (
        previous.intent is Intent.MEASURE
        and SHARE_OF_THAT.search(question)
        and _rows_named(previous, current)
    ):
        # "what share of the total is that" after the top product: its share; "what share of that was
        # GTX Pro" after the bookings by product: that row's
        return True
    if previous.intent in MEASURED_ANSWERS and OF_THAT.search(question) and not names_in(current.slots):
        return True  # "how much of that is commit?" after the pipeline closing next quarter: of that
    if previous.intent in MEASURED_ANSWERS and (WORTH.match(question) or COUNT_OF_THAT.match(question)):
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
    if previous.intent is Intent.PERFORMANCE and VERSUS.match(question) and not names_in(current.slots):
        return True  # "how's that vs last yr" after my win rate this year: the same figure, compared
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


#: "how much of that is commit?", "how many of those are in Proposal": a part of the figure before.
OF_THAT = re.compile(
    r"\b(?:how much|how many|what part|what share|what portion|what percentage|which part) of "
    r"(?:that|it|those|this|them|these)\b",
    re.I,
)

#: "there", "in there", "over there": the place the thread is about.
THERE = re.compile(r"(?<!\bare )(?<!\bis )(?<!\bwere )(?<!\bwas )\bthere\b", re.I)
PLACE_SLOTS = ("state", "city", "country", "territory", "region")


#: "who covers it?", "who works there?": the people whose territory it is.
WHO_COVERS = re.compile(
    r"\bwho (?:covers|works|sells|is|are) (?:in )?(?:it|there|that territory|that region)\b", re.I
)
#: "vs last quarter", "compared to the previous month": the one before, of that unit.


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
    known = of_a_kind(previous, current, question)
    if known is not None:
        return known
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
    if merged.others_slot and (every := EVERY_ONE.search(question)):
        # "which of the three regions is furthest behind" after West vs East: all three, not the two
        slot, noun = merged.others_slot, every[1] or every[2]
        if EVERY_OF.get(noun.lower()) == dict(MEMBER_SLOTS).get(slot, slot):
            merged.others = merged.others_slot = None
            setattr(merged, slot, getattr(current.slots, slot))
            merged.limit = merged.ranking = None  # "the three regions" is all of them, not a top three
    own = current.slots
    if own.measure and own.dimension and own.measure != previous.slots.measure and own.limit is None:
        # "win rate by product" after the one product that sells best: every product, ranked by the
        # measure now named, not the top one of the last question
        merged.limit = merged.ranking = None
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
        named = dimension_named(question.lower()) or which_dimension(question)
        if named is None and current.slots.group_by:
            named = "rep" if current.slots.group_by == "owner" else current.slots.group_by
        if named is None and merged.dimension is None and current.slots.limit and not previous.slots.owner:
            named = "rep"  # "just the bottom 3" after a team's figure: the three people furthest down
        if named and named != previous.slots.dimension and current.slots.limit is None:
            merged.limit = merged.ranking = None  # "by quarter" after the top industry: every quarter
        focus = share_focus(previous.slots)
        if named and focus is not None and getattr(current.slots, focus[0]) is None:
            # "by product instead" after the biggest territory's share of the total: the share of each
            # product in the whole, not inside that territory
            setattr(merged, focus[0], None)
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
    if merged.measure != "activities":
        # "their open pipeline" after calls by rep and kind: the kinds of activity split nothing else
        merged.then_by = None if merged.then_by == "activity_type" else merged.then_by
        merged.dimension = None if merged.dimension == "activity_type" else merged.dimension
    bounded = current.slots.above is not None or current.slots.below is not None
    if merged.measure != previous.slots.measure and not bounded:
        # "who's lowest on won revenue" after who is below 50% of quota: a bound on the other figure
        merged.above = merged.below = None
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
    ends = BOTH_ENDS.search(question)
    if ends and frame.intent is Intent.MEASURE and frame.slots.dimension not in (None, "deal"):
        # "top 3 and bottom 3" after the win rate by industry: both ends of the same breakdown
        frame.slots.both_ends = frame.slots.limit or current.slots.limit or 3
        frame.slots.limit = frame.slots.ranking = None
    return frame


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
