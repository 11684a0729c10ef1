"""Steps on the thread's frame once a follow-up has been merged into it, each reading what the
follow-up adds rather than replaces: a second breakdown asked "too", a measure added "as well", a
ranking after the forecast's attainment, the commit of the forecast just given, the figure behind a
playbook norm ("how's my team doing against that"), the deals behind a count ("show me ruth's"),
amounts by where they come from ("real vs estimated"), a bound in days on the thread's age measure.

And the check that keeps a follow-up honest: one read as exactly the question before it, though it
asked for a change, is said not to be understood (:func:`changes_nothing`), never answered again as
if it had been.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.offline.breakdowns import AMOUNT_BASIS, BREAKDOWN, DIMENSIONS, dimension_named
from assistant.offline.followup_words import BROKEN_DOWN, FRAGMENT
from assistant.offline.frame import Frame, Intent, Slots
from assistant.offline.intents.registry import DATA_INTENTS
from assistant.offline.measure_lists import AS_COUNT, IN_MONEY, IN_MONEY_WORDS, beside
from assistant.offline.measure_words import BY_VALUE
from assistant.offline.metric_claims import NOT_ON_SCORECARD
from assistant.offline.narrowing import NARROWING_SLOTS
from assistant.offline.record_filters import activity_kind, as_filter
from tools.semantic.measures import MEASURES

#: One step: the thread's frame so far, the frame before the follow-up, the follow-up read on its
#: own, and the follow-up as written; it returns the frame, changed or not.
Step = Callable[[Frame, Frame | None, Frame, str], Frame]


def after_merge(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """``frame`` (the thread's, with ``current`` merged in) with each of :data:`STEPS` applied, in order."""
    for step in STEPS:
        frame = step(frame, context, current, said)
    return frame


#: Asking for the same answer again on purpose: "again", "refresh", "same thing", "one more time".
AGAIN = re.compile(
    r"\b(?:again|refresh|re-?send|repeat|once more|one more time|same (?:thing|question|again)|as before)\b",
    re.I,
)


#: Words that ask for something different from the last answer ("by value instead", "what if…").
CHANGE_ASKED = re.compile(
    r"\b(?:instead|rather|what if|what about if|but only|except|excluding|apart from|other than)\b"
    # "just the big ones", "only the important ones": a narrowing asked for
    r"|^\W*(?:(?:and|ok|okay|so|now)\W+)?(?:just|only)\b",
    re.I,
)


#: Slots that narrow the records ("over 100k", "in Q3", "only Enterprise"); a breakdown, a ranking or
#: a topic may already be how the last answer reads, so asking for it again is no change lost.
NARROWING = tuple(
    slot
    for slot in (
        *NARROWING_SLOTS,
        "product_family",
        "min_age_days",
        "max_age_days",
        "min_days_in_stage",
        "inactive_days",
        "exclude",
    )
    if slot not in ("owner", "account", "deal", "rule", "loss_reason")
)


def _dropped_slots(current: Frame, frame: Frame) -> bool:
    """Whether the question on its own narrowed the records in a way the thread's frame does not hold."""
    mine, held = current.slots, frame.slots
    return any(getattr(mine, n) is not None and getattr(mine, n) != getattr(held, n) for n in NARROWING)


def changes_nothing(context: Frame | None, current: Frame, frame: Frame, said: str, redo: bool) -> bool:
    """Whether a follow-up was read as exactly the question before it, though it asked for a change
    ("by value instead" where no value-weighted figure is known, "what if it's over 100k" where the
    bound has nowhere to go): what it changes was not understood."""
    return (
        context is not None
        and (CHANGE_ASKED.search(said) is not None or _dropped_slots(current, frame))
        and frame.follow_up
        and frame.intent is context.intent
        and frame.slots == context.slots
        and frame.brief == context.brief
        and not (frame.explain or frame.advice or frame.readings or frame.ambiguity)
        and frame.intent in DATA_INTENTS
        and not (redo or AGAIN.search(said))
    )


#: "split by quarter too", "and by rep as well": a second breakdown inside the one shown.
AS_WELL = re.compile(r"\b(?:too|as well|also|both|inside (?:each|that|it))\b", re.I)


def _measure_too(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "top 3 only, and show the median too" after the average by industry: the average, ranked, with
    the median beside it ("median too" after the average cycle: the median cycle, not deal size)."""
    if (
        context is None
        or frame.intent is not Intent.MEASURE
        or not AS_WELL.search(said)
        or not context.slots.measure
        or current.slots.measure in (None, context.slots.measure)
        or frame.slots.measure != current.slots.measure
        or context.slots.measure in (frame.slots.also or [])
    ):
        return frame
    kept = context.slots.measure
    added = next(iter(beside(kept, kept, said.lower())), current.slots.measure)
    also = [m for m in [*(context.slots.also or []), added] if m != kept]
    return frame.model_copy(update={"slots": frame.slots.model_copy(update={"measure": kept, "also": also})})


def _breakdown_too(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "split by quarter too" after bookings by region: each region, quarter by quarter, not the
    quarters instead of the regions."""
    before = context.slots.dimension if context else None
    named = BREAKDOWN.search(said.lower())
    now = current.slots.dimension or (DIMENSIONS[named[1]] if named else None)
    if (
        context is None
        or frame.intent is not Intent.MEASURE
        or not AS_WELL.search(said)
        or before in (None, "deal")
        or now in (None, before)
        or frame.slots.dimension != now
        or frame.slots.then_by
    ):
        return frame
    slots = frame.slots.model_copy(update={"dimension": before, "then_by": now, "group_by": None})
    return frame.model_copy(update={"slots": slots})


#: "how's my team doing against that", "how do we compare to that": the figure the last answer set out.
AGAINST_THAT = re.compile(
    r"\b(?:against|vs\.?|versus|compared? (?:to|with)|measured against|relative to|next to)"
    r" (?:that|it|this)\b"
    r"|\bhow do (?:we|i) (?:stack up|measure up|compare)\b"
    # "am i in that range?", "are we above that?", "do we meet it?"
    r"|\b(?:in|within|inside|above|below|under|over|outside) (?:that|the|this)"
    r" (?:range|band|benchmark|norm)\b"
    r"|\b(?:meet|hit|clear|beat) (?:that|it|this|the (?:bar|benchmark|norm))\b",
    re.I,
)
#: "show me ruth's", "list them", "let me see those": the records, not their count.
SHOW_ME = re.compile(r"^\W*(?:and |ok |now |so )?(?:show(?: me)?|list|let me see|pull up|see)\b", re.I)


def _against_the_norm(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "how's my team doing against that for q4" after the playbook's healthy coverage: the team's
    coverage for Q4, the measure the norm was about."""
    if (
        context is None
        or context.intent not in (Intent.PLAYBOOK, Intent.METRICS)
        or context.slots.measure not in MEASURES
        or not AGAINST_THAT.search(said)
        or (current.slots.measure and current.slots.measure != context.slots.measure)
    ):
        return frame
    slots = current.slots.model_copy(update={"measure": context.slots.measure, "topic": None, "term": None})
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


#: What each kind of answer measured in money, for "how much of that is estimated".
MONEY_OF = {
    Intent.PIPELINE: "open_pipeline",
    Intent.TOP_DEALS: "open_pipeline",
    Intent.PERFORMANCE: "won_revenue",
}


def _amounts_known(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "how much of that is real vs estimated" after the team's open pipeline: that figure split by
    where its amounts come from (recorded, or estimated by the import)."""
    if context is None or not AMOUNT_BASIS.search(said.lower()):
        return frame
    measure = context.slots.measure if context.intent is Intent.MEASURE else MONEY_OF.get(context.intent)
    measure = IN_MONEY.get(measure or "", measure)
    if measure not in MEASURES or not MEASURES[measure].amounts:
        return frame
    slots = context.slots.model_copy(
        update={
            "measure": measure,
            "dimension": "amount_basis",
            "group_by": None,
            "limit": None,
            "ranking": None,
        }
    )
    return frame.model_copy(update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True})


#: "over 90 days", "more than 60 days", "120+ days": a bound in days on the thread's age measure.
OVER_DAYS = re.compile(
    r"\b(?:over|more than|longer than|>|at least|beyond|past) (\d{1,4}) days\b|\b(\d{1,4})\+ days\b"
)
AGE_SLOTS = {"average_days_in_stage": "min_days_in_stage", "average_deal_age": "min_age_days"}


def _over_days(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "how many are over 90 days and what are they worth" after the deals longest in Engaging:
    those in the stage 90 days or more, counted and summed (the thread's age measure says which age)."""
    found = OVER_DAYS.search(said.lower())
    age = AGE_SLOTS.get(context.slots.measure or "") if context is not None else None
    asked_own_age = current.slots.min_age_days is not None or current.slots.min_days_in_stage is not None
    if context is None or found is None or age is None or asked_own_age:
        return frame
    update: dict[str, object] = {age: int(found[1] or found[2]), "limit": None, "ranking": None}
    counted = re.search(r"\bhow many\b|\bcount\b|\bnumber of\b", said, re.I)
    if counted:
        worth = IN_MONEY_WORDS.search(said)
        update |= {"measure": "open_deals", "also": ["open_pipeline"] if worth else None, "dimension": None}
    slots = context.slots.model_copy(update=update)
    return frame.model_copy(update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True})


def _shown_deals(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "show me ruth's" after who has the most past-due deals: her deals, each with its amount, not a
    count of them."""
    slots = frame.slots
    one_person = slots.dimension in ("rep", "team") and slots.owner is not None  # "ruth's": her row alone
    if (
        frame.intent is not Intent.MEASURE
        or (slots.dimension and not one_person)
        or slots.measure not in IN_MONEY
    ):
        return frame
    if not SHOW_ME.match(said):
        return frame
    update = {"dimension": "deal", "measure": IN_MONEY[slots.measure], "limit": None, "ranking": None}
    return frame.model_copy(update={"slots": slots.model_copy(update=update)})


def _forecast_category(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "whats in commit" after the team's Q4 forecast: the commit deals of that quarter."""
    if (
        context is None
        or context.intent is not Intent.FORECAST
        or not context.slots.period
        or frame.intent is not Intent.TOP_DEALS
        or not frame.slots.forecast_category
        or frame.slots.period
    ):
        return frame
    return frame.model_copy(update={"slots": frame.slots.model_copy(update={"period": context.slots.period})})


def _kind_of_activity(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "calls only" after the activity count per rep: the calls, counted the same way."""
    kind = activity_kind(said.lower()) if frame.slots.measure == "activities" else None
    if kind is None or kind == frame.slots.activity_type:
        return frame
    return frame.model_copy(update={"slots": frame.slots.model_copy(update={"activity_type": kind})})


def _keeps_breakdown(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "weighted?" after the pipeline by product closing in Q1: the weighted figure, still by product."""
    before = context.slots.dimension if context is not None else None
    if (
        before in (None, "deal")  # "avg size?" after the deals won: one figure over them
        or frame.intent is not Intent.MEASURE
        or frame.slots.dimension is not None
        or current.slots.dimension is not None
        or current.slots.measure is None
        or len(said.split()) > 3
    ):
        return frame
    return frame.model_copy(update={"slots": frame.slots.model_copy(update={"dimension": before})})


#: "there", "in it", "in that stage": the place or stage the thread was about.
THERE = re.compile(r"\bthere\b|\bin (?:it|that stage|that one)\b", re.I)
#: Breakdowns only open deals have (a closed deal's forecast category is "closed").
OPEN_ONLY = frozenset({"forecast_category"})


def _still_there(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "whose have been sitting there longest" after the team's deals in Engaging: still in Engaging
    (the stage, and the thread's other filters, carried though the question changed its shape)."""
    if context is None or not THERE.search(said) or frame.intent is not Intent.MEASURE:
        return frame
    carried = {
        slot: getattr(context.slots, slot)
        for slot in ("stage", "forecast_category", "industry", "segment", "region", "territory", "product")
        if getattr(context.slots, slot) is not None and getattr(frame.slots, slot) is None
    }
    return frame.model_copy(update={"slots": frame.slots.model_copy(update=carried)}) if carried else frame


def _whose_longest(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "whose have been sitting there longest": the deals longest in the stage, each with its owner."""
    slots = frame.slots
    if (
        slots.measure not in AGE_SLOTS
        or slots.dimension is not None
        or not re.search(r"\bwhose\b", said, re.I)
    ):
        return frame
    update = {"dimension": "deal", "then_by": "rep", "limit": slots.limit or 10, "ranking": "top"}
    return frame.model_copy(update={"intent": Intent.MEASURE, "slots": slots.model_copy(update=update)})


#: "her biggest ones", "corliss's largest deals": deals, the largest first.
BIGGEST_DEALS = re.compile(r"\b(?:biggest|largest|top) (?:ones|deals|opps|opportunities)\b", re.I)


def _biggest_of_one(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "just corliss's biggest ones" after the deals in Engaging by rep: her deals there, the largest
    first, not her total."""
    slots = frame.slots
    one_person = slots.owner is not None and slots.dimension in (None, "rep", "team")
    if frame.intent is not Intent.MEASURE or not one_person or not BIGGEST_DEALS.search(said):
        return frame
    measure = IN_MONEY.get(slots.measure or "", slots.measure) or "open_pipeline"
    update = {
        "dimension": "deal",
        "measure": measure,
        "limit": slots.limit or 5,
        "ranking": "top",
        "also": None,
    }
    return frame.model_copy(update={"slots": slots.model_copy(update=update)})


#: "is that healthy per the playbook?", "is that good?": the norm for the figure just given.
NORM_OF_THAT = re.compile(
    r"\b(?:is|are|was|were) (?:that|this|it|those|these) (?:\w+ )?(?:healthy|good|bad|normal|ok|okay|low|high"
    r"|on track|in range|reasonable|typical|enough|too (?:low|high))\b|\bwhat should (?:it|that|this) be\b",
    re.I,
)


def _norm_of_the_figure(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "is that healthy per the playbook?" after the team's win rate: what the playbook says a healthy
    win rate is (the figure's name in the search, not the words "is that")."""
    measure = context.slots.measure if context is not None else None
    if frame.intent is not Intent.PLAYBOOK or measure not in MEASURES or not NORM_OF_THAT.search(said):
        return frame
    name = MEASURES[measure].name.lower()
    topic = f"healthy {name} benchmark ({said.strip(' ?.!')})"
    return frame.model_copy(
        update={"slots": frame.slots.model_copy(update={"topic": topic, "measure": measure})}
    )


def _fits_measure(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """A breakdown carried from an open-pipeline answer that the new measure has no values for ("how
    much has each team closed" after commit vs best case by manager): dropped."""
    slots = frame.slots
    if (
        slots.measure in (None, "open_pipeline", "open_deals", "weighted_pipeline")
        or frame.intent is not Intent.MEASURE
    ):
        return frame
    update = {key: None for key in ("dimension", "then_by") if getattr(slots, key) in OPEN_ONLY}
    return frame.model_copy(update={"slots": slots.model_copy(update=update)}) if update else frame


def _filter_kept(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """A scorecard followed by a filter the scorecard cannot take ("just the ones over 5k" after
    what someone won since September, "only GTX Pro"): the same measure from the metric query,
    which takes it, never the scorecard again with the filter dropped."""
    slots = frame.slots
    if (
        frame.intent is not Intent.PERFORMANCE
        or not frame.follow_up
        or slots.measure not in MEASURES
        or not any(getattr(slots, name) is not None for name in NOT_ON_SCORECARD)
    ):
        return frame
    return frame.model_copy(update={"intent": Intent.MEASURE})


#: A list of deals shows each one's amount; counted deals are what it lists.
LISTED_AS = {"won_revenue": "won_deals", "lost_revenue": "lost_deals", "pipeline_created": "deals_created"}


def _listed_regrouped(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "group em by reason" after the deals lost last month, listed: the deals counted by reason,
    with their value beside (a list's rows are deals; summed alone, the count would be lost)."""
    if (
        context is None
        or frame.intent is not Intent.MEASURE
        or context.slots.dimension != "deal"
        or frame.slots.dimension in (None, "deal")
        or frame.slots.measure != context.slots.measure
        or frame.slots.measure not in LISTED_AS
        or frame.slots.also
        or IN_MONEY_WORDS.search(said)
    ):
        return frame
    measure = str(frame.slots.measure)
    slots = frame.slots.model_copy(update={"measure": LISTED_AS[measure], "also": [measure]})
    return frame.model_copy(update={"slots": slots})


#: A stall rule, and the thread's filter that already says it (with the bound the asker gave).
RULE_FILTERS = {"pushed": ("min_pushes",), "no_activity": ("inactive_days",), "next_step": ("missing",)}


def _rule_already_said(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "list the pushed ones over 40k" after the pipeline pushed more than twice: those deals (pushed
    three times or more, as asked), over 40k, not every deal the stall rule flags."""
    names = RULE_FILTERS.get(current.slots.rule or "")
    if (
        context is None
        or frame.intent is not Intent.STALLED
        or context.intent is not Intent.MEASURE
        or names is None
        or not all(getattr(context.slots, name) is not None for name in names)
    ):
        return frame
    narrowed = {
        name: value
        for name, value in current.slots.model_dump(exclude_none=True).items()
        if name not in ("rule", "measure", "limit", "ranking", *names)
    }
    slots = context.slots.model_copy(update=narrowed | {"dimension": "deal", "limit": None, "share": None})
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=frame.question)


#: "how many activities were logged on it?", "number of calls on that deal".
ACTIVITIES_COUNTED = re.compile(
    r"\b(?:how many|number of|count of|# of) (?:activities|calls|meetings|emails|touches|touchpoints)\b", re.I
)


def _activities_on_the_deal(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "how many activities were logged on it?" after one deal: the activities on that deal, counted
    (of every date unless one is named), not its record, which lists only the latest few."""
    if frame.intent is not Intent.DEAL or not frame.slots.deal or not ACTIVITIES_COUNTED.search(said):
        return frame
    slots = Slots(
        measure="activities",
        any_of={"deal": [frame.slots.deal]},
        period=current.slots.period or "all time",
        activity_type=activity_kind(said.lower()),
        dimension=current.slots.dimension,
    )
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=frame.question)


def _counted_instead(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "how many deals was that" after the best month by bookings: the deals won that month, counted
    (the thread's measure, as a count), not the pipeline closing then."""
    measure = context.slots.measure if context is not None and context.intent is Intent.MEASURE else None
    if (
        measure not in AS_COUNT
        or frame.intent not in (Intent.PIPELINE, Intent.TOP_DEALS)
        or not re.search(r"\bhow many\b", said, re.I)
    ):
        return frame
    slots = frame.slots.model_copy(
        update={
            "measure": AS_COUNT[measure],
            "dimension": None,
            "limit": None,
            "ranking": None,
            "group_by": None,
        }
    )
    return frame.model_copy(update={"intent": Intent.MEASURE, "slots": slots})


def _by_value(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "by $ instead of count?" after a win rate: the rate over the amounts won and lost (a question
    naming another measure, "how much did we lose there in $?", asks for that one)."""
    if context is None or context.slots.measure != "win_rate" or not BY_VALUE.search(said.lower()):
        return frame
    if current.slots.measure not in (None, "win_rate", "win_rate_by_value"):
        return frame
    slots = context.slots.model_copy(update={"measure": "win_rate_by_value"})
    return frame.model_copy(update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True})


#: Stall rules the metric query's filters do not match exactly ("pushed repeatedly" is the rule's
#: count of pushes, "missing or overdue next step" more than a missing one): counted by owner, they
#: are the stall check's own count, not another definition.
INEXACT_FILTERS = frozenset({"pushed", "next_step"})


def _stalled_by_owner(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "who has the most of those" after the team's deals past their close date: those deals counted
    by owner, the most first (the stall rule as the metric query's filter)."""
    if (
        context is None
        or context.intent is not Intent.STALLED
        or current.slots.ranking is None
        or not WHO_RANKED.match(current.question)
        or frame.slots.deal is not None  # "who owns the biggest one": that deal, picked from the list
    ):
        return frame
    slots = context.slots.model_copy(deep=True)
    if slots.rule in INEXACT_FILTERS or not as_filter(slots):
        return frame
    slots.measure, slots.dimension, slots.group_by = "open_deals", "rep", None
    slots.ranking, slots.limit = current.slots.ranking, current.slots.limit or 1
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


def _stalled_broken_down(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "by manager?" after the team's deals past their close date: those deals counted (and their
    amount) by that breakdown, the stall rule as the metric query's filter, not the list again."""
    dimension = current.slots.dimension or dimension_named(said.lower())
    if (
        context is None
        or context.intent is not Intent.STALLED
        or dimension in (None, "deal")
        or not (FRAGMENT.match(said) or BROKEN_DOWN.match(said))
    ):
        return frame
    slots = context.slots.model_copy(deep=True)
    if slots.rule in INEXACT_FILTERS or not as_filter(slots):
        return frame
    slots.measure, slots.also, slots.dimension, slots.group_by = (
        "open_deals",
        ["open_pipeline"],
        dimension,
        None,
    )
    slots.limit = slots.ranking = None
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


def _losses_of_a_reason(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "how many went dark" after the deals lost last month: those losses for that recorded reason,
    not the open deals with no recent activity (the reason's words are also a stall rule's)."""
    reason = current.slots.loss_reason
    losses = context is not None and (context.slots.measure or "").startswith("lost_")
    if context is None or not losses or reason is None or frame.intent is not Intent.STALLED:
        return frame
    slots = context.slots.model_copy(deep=True)
    slots.loss_reason, slots.rule = reason, None
    if re.match(r"\W*(?:and |so )?how many\b", said, re.I):
        slots.measure, slots.dimension, slots.limit, slots.ranking = "lost_deals", None, None, None
    return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)


def _category_of_list(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "only commit" after the team's pipeline closing in December: those deals in commit (the
    category named alone narrows the list; it does not ask for the forecast)."""
    if (
        context is None
        or context.intent not in (Intent.PIPELINE, Intent.TOP_DEALS)
        or frame.intent is not Intent.FORECAST
        or not current.slots.forecast_category
        or re.search(r"\bforecast", said, re.I)
    ):
        return frame
    slots = context.slots.model_copy(update={"forecast_category": current.slots.forecast_category})
    return frame.model_copy(update={"intent": context.intent, "slots": slots})


#: Who a ranking asks for: "who's furthest behind", "who's lowest", "which rep is top".
WHO_RANKED = re.compile(r"^\W*(?:and |so |ok )?(?:who|which (?:rep|one|person|seller))\b", re.I)


def _ranked_people(frame: Frame, context: Frame | None, current: Frame, said: str) -> Frame:
    """ "who's furthest behind?" after the team's attainment (the forecast's, or a metric's total):
    the thread's measure, rep by rep, in the question's order; the forecast and a total rank no one."""
    slots = frame.slots
    ranks = current.slots.ranking and slots.measure in MEASURES and current.intent is not Intent.FORECAST
    total = frame.intent is Intent.MEASURE and slots.dimension is None and WHO_RANKED.match(current.question)
    if not (ranks and (frame.intent is Intent.FORECAST or total)):
        return frame
    update = {"dimension": current.slots.dimension or "rep", "ranking": current.slots.ranking}
    return frame.model_copy(update={"intent": Intent.MEASURE, "slots": slots.model_copy(update=update)})


#: The steps, in the order they apply (earlier ones set what later ones read: the stage kept "there"
#: before the deals are ranked by their days in it, the measure before its breakdown is checked).
STEPS: tuple[Step, ...] = (
    _filter_kept,
    _rule_already_said,
    _activities_on_the_deal,
    _listed_regrouped,
    _still_there,
    _whose_longest,
    _fits_measure,
    _biggest_of_one,
    _norm_of_the_figure,
    _kind_of_activity,
    _keeps_breakdown,
    _counted_instead,
    _by_value,
    _stalled_by_owner,
    _stalled_broken_down,
    _losses_of_a_reason,
    _ranked_people,
    _category_of_list,
    _measure_too,
    _breakdown_too,
    _forecast_category,
    _against_the_norm,
    _shown_deals,
    _amounts_known,
    _over_days,
)
