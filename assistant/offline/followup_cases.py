"""Follow-ups of a known kind, each read by its own rule before the general merge
(:func:`assistant.offline.followups.merge`): "who owns those?" (each deal with its owner), "drop
Ruth's" (the same figure without her), "which ones were GTX Pro?" (the same deals, narrowed), "the
GTX Pro one" (that account's deal), "when did it close?" (the thread's deal), "sort by close date",
"only the big ones", "by rep" after the stalled list, "the biggest one", "how many and how much",
"which accounts?" after a pipeline, "who drove the drop?" and "which grew the most?" (the rows ranked
by their change), "which accounts did those come from?", "why?", and a choice among the readings
or candidates offered.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.offline.bare_measures import COUNT_OF_THAT, MEASURED_ANSWERS
from assistant.offline.breakdowns import (
    COMPARED_GROUPS,
    DIMENSION_WORD,
    DIMENSIONS,
    RANKED,
    WHICH,
    dimension_named,
)
from assistant.offline.followup_words import (
    ADVICE_ASKED,
    BIG_ONES,
    BY_CLOSE,
    BY_SIZE,
    CARRIED_FILTERS,
    CHANGE_DOWN,
    CHANGE_UP,
    DEAL_LISTS,
    DEALS_BEHIND,
    FRAGMENT,
    IT,
    LAST_UNIT,
    MAX_FRAGMENT_WORDS,
    NARROW,
    SORTED_BY,
    THE_BIGGEST_ONE,
    THE_ONE,
    THOSE,
    VERSUS,
)
from assistant.offline.frame import ENTITY_SLOTS, FILTER_SLOTS, Frame, Intent, Slots
from assistant.offline.listed import (
    DEAL_ADVICE,
)
from assistant.offline.measure_lists import AS_COUNT, IN_COUNT_WORDS, IN_MONEY, IN_MONEY_WORDS
from assistant.offline.measures import read_metric_question
from assistant.offline.members import MEMBER_SLOTS
from assistant.offline.metric_claims import NOT_ON_PIPELINE
from assistant.offline.narrowing import LEAVING_OUT, only_these
from assistant.offline.previous_answer import of_previous
from assistant.offline.ranked_people import who_ranks
from assistant.offline.record_filters import as_filter
from assistant.offline.thread_choices import (
    choice_named,
    deals_behind,
    names_in,
    reading_picked,
    resolve_choice,
)
from assistant.offline.thresholds import bounded_after, fewest_records
from tools.semantic.measures import MEASURES

#: Words that ask for open pipeline itself (a breakdown asked without them keeps the thread's measure).
OPEN_SAID = re.compile(r"\b(?:pipe|pipeline|open|opps|deals|closing|forecast)\b", re.I)

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


def recut_of_measure(previous: Frame, current: Frame, question: str) -> Frame | None:
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


#: "who owns those?", "whose are they", "who's on them": the owners of the deals just listed.
WHO_OWNS_THOSE = re.compile(
    r"^\W*(?:and |so |ok )?(?:who(?:'s| is| are)? (?:owns?|owned|has|have|is on|are on|on|working) "
    r"(?:those|them|these|they|each(?: one)?)|whose (?:are )?(?:those|they|these)(?: deals)?"
    r"|who are the (?:owners|reps) (?:on|of|for) (?:those|them|these))\W*$",
    re.I,
)

#: How many deals "who owns those?" lists.
OWNERS_LISTED = 25


def leaves_out(previous: Frame, current: Frame, question: str) -> bool:
    return (
        bool(current.slots.exclude)
        and previous.intent is Intent.MEASURE
        and bool(LEAVING_OUT.match(question))
    )


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
    # "who owns the biggest one" after the deals gone quiet: of those, when the rule is a filter too
    flagged = previous.intent is Intent.STALLED and as_filter(previous.slots.model_copy())
    if found is None or (
        previous.intent not in (Intent.PERFORMANCE, Intent.MEASURE, Intent.PIPELINE) and not flagged
    ):
        return None
    owner, count, word, noun = found[1], found[2] or found[4], found[3].lower(), found[5]
    measure = previous.slots.measure or ("won_revenue" if previous.intent is Intent.PERFORMANCE else None)
    measure = IN_MONEY.get(measure or "", measure)
    if previous.intent in (Intent.PIPELINE, Intent.STALLED):
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
    if flagged:
        as_filter(slots)  # the rule of the deals flagged, as the query's filter
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


def which_dimension(question: str) -> str | None:
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


LOW_FIRST = frozenset({"worst", "lowest", "least", "smallest", "asc", "ascending", "low to high"})


def _sorted_by(previous: Frame, current: Frame, question: str) -> Frame | None:
    """ "sort by win rate, worst first" after the win rate by rep: the same rows, every one, in that
    order; "sort them by bookings" after it: the rows by bookings, the win rate beside."""
    found = SORTED_BY.match(question)
    team = previous.intent is Intent.PERFORMANCE and previous.slots.owner is None
    grouped = previous.intent in (Intent.MEASURE, Intent.PIPELINE) and previous.slots.dimension
    if found is None or not (grouped or team):
        return None
    reading = read_metric_question(found["what"].lower())
    measure = reading.measure if reading is not None else None
    before = previous.slots.measure
    if measure is None and before is not None and dimension_named(found["what"].lower()) is None:
        # "sort by # of deals instead", "by value": the thread's figure counted, or in money ("sort
        # those by reason" groups, read elsewhere)
        counted = IN_COUNT_WORDS.search(found["what"]) or re.search(r"\bdeals?\b", found["what"], re.I)
        money = IN_MONEY_WORDS.search(found["what"])
        measure = AS_COUNT.get(before) if counted else IN_MONEY.get(before) if money else None
    if measure is None or before is None:
        return None
    way = (found["first"] or found["order"] or "").lower()
    days = MEASURES[measure].unit.value == "days" if measure in MEASURES else False
    fast = days and way in ("fastest", "quickest", "shortest")  # few days first
    low = way in LOW_FIRST or way.startswith("lowest to") or fast
    also = [m for m in [before, *(previous.slots.also or [])] if m != measure]
    update = {"measure": measure, "also": also or None, "ranking": "bottom" if low else "top", "limit": None}
    update |= {"dimension": previous.slots.dimension or "rep", "group_by": None, "call_out": None}
    slots = previous.slots.model_copy(update=update)
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


def _scorecards_compared(previous: Frame, current: Frame, question: str) -> Frame | None:
    """ "vs last quarter" after how the team did two quarters ago: the scorecard's figures (bookings
    and win rate, or the one asked) over the thread's period, set against the period named; the
    scorecard gives one period, the metric query two."""
    if previous.intent is not Intent.PERFORMANCE or not VERSUS.match(question) or names_in(current.slots):
        return None
    base = LAST_UNIT.search(question)
    other = base[0] if base is not None else current.slots.period
    if not other or not previous.slots.period or other == previous.slots.period:
        return None
    measure = previous.slots.measure if previous.slots.measure in MEASURES else None
    update = {"measure": measure or "won_revenue", "also": None if measure else ["win_rate"]}
    update |= {"compare_to": other, "compare": None, "dimension": None, "metric": None, "ranking": None}
    slots = previous.slots.model_copy(update=update)
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


def _accounts_counted(previous: Frame, current: Frame) -> Frame | None:
    """ "list the retail ones with their annual revenue" after the accounts counted by sector: those
    accounts, listed, by the count's own filters and the member named."""
    if previous.intent is not Intent.MEASURE or previous.slots.measure != "accounts":
        return None
    if current.intent is not Intent.ACCOUNTS or current.slots.account:
        return None
    slots = current.slots.model_copy(deep=True)
    for name in FILTER_SLOTS:
        if getattr(slots, name) is None and name not in ("measure", "dimension"):
            setattr(slots, name, getattr(previous.slots, name))
    return Frame(intent=Intent.ACCOUNTS, slots=slots, follow_up=True, question=current.question)


def of_a_kind(previous: Frame, current: Frame, question: str) -> Frame | None:
    """The frame of a follow-up of a known kind ("who owns those?", "only the big ones", "who drove
    the drop?", "why?", a choice among the readings offered…), or None for the general merge."""
    scorecards = _scorecards_compared(previous, current, question) or _accounts_counted(previous, current)
    if scorecards is not None:
        return scorecards
    sorted_rows = _sorted_by(previous, current, question)
    if sorted_rows is not None:
        return sorted_rows
    fewest = fewest_records(previous, question) if previous.intent is Intent.MEASURE else None
    if fewest is not None:
        return fewest.model_copy(update={"question": current.question})
    counted = AS_COUNT.get(previous.slots.measure or "")
    if COUNT_OF_THAT.match(question) and counted is not None and previous.intent in MEASURED_ANSWERS:
        # "how many deals was that?" after what someone won in Q3: the same deals, counted
        slots = previous.slots.model_copy(update={"measure": counted, "also": None})
        return previous.model_copy(
            update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True, "question": current.question}
        )
    answered = (
        of_previous(previous, current, question)
        or who_ranks(previous, current, question)
        or recut_of_measure(previous, current, question)
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
    if leaves_out(previous, current, question):
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
    listed = previous.intent is Intent.MEASURE and previous.slots.dimension == "deal"
    if BY_CLOSE.search(question) and (previous.intent in DEAL_LISTS or listed):
        # "sort those by close date" after a deal list: the same deals, each one, in the order they
        # close (by the day, each deal inside it)
        measure = previous.slots.measure if listed else "open_pipeline"
        by_day = {"group_by": None, "measure": measure, "dimension": "day", "then_by": "deal"}
        by_day |= {"limit": None, "ranking": None, "also": None}
        slots = previous.slots.model_copy(update=by_day)
        return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)
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
    spread = which_dimension(question) if FRAGMENT.match(question) else None
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
    spread_by = which_dimension(question) or ("rep" if WHO_START.match(question) else None)
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
    spread = which_dimension(question)
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
    return None
