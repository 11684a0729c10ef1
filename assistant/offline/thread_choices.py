"""A reply that picks among what the previous answer offered: one of the readings a "Do you mean …
or …?" named ("the second", a word of one of them), one of the names an ambiguity listed, or the
deals behind a leaderboard ("which deals are behind it?")."""

from __future__ import annotations

from assistant.offline.followup_words import (
    ORDINAL,
    ORDINALS,
)
from assistant.offline.frame import ENTITY_SLOTS, Frame, Intent, Slots
from assistant.offline.measures import PER_DEAL

#: Kinds of name that are the slot of the same name (a segment or an industry the data has not).
MEMBER_KINDS = frozenset({"segment", "industry", "region"})


def choice_named(previous: Frame, current: Frame, question: str) -> str | None:
    """The candidate the answer to a clarifying question picks, if it is one."""
    ambiguity = previous.ambiguity
    if ambiguity is None:
        return None
    ordinal = ORDINAL.match(question)
    if ordinal:
        index = ORDINALS[ordinal[1].lower()]
        return (
            ambiguity.candidates[index]
            if -len(ambiguity.candidates) <= index < len(ambiguity.candidates)
            else None
        )
    named = [getattr(current.slots, s) for s in names_in(current.slots)]
    if current.ambiguity is not None:
        named += [c for c in current.ambiguity.candidates if c in ambiguity.candidates][:1]
    lowered = question.lower()
    named += [c for c in ambiguity.candidates if c.lower() in lowered]
    return next((n for n in named if n in ambiguity.candidates), None)


def reading_picked(previous: Frame, current: Frame, question: str) -> Intent | None:
    """The reading a reply to "Do you mean … or …?" picks: "the second", or a word of one of them."""
    if not previous.readings:
        return None
    ordinal = ORDINAL.match(question)
    if ordinal:
        index = ORDINALS[ordinal[1].lower()]
        return previous.readings[index] if -len(previous.readings) <= index < len(previous.readings) else None
    if current.intent in previous.readings:
        return current.intent
    return next((r for r in current.readings if r in previous.readings), None)


def resolve_choice(previous: Frame, choice: str) -> Frame:
    assert previous.ambiguity is not None
    kind = previous.ambiguity.kind
    named_as = next((s for s, k in ENTITY_SLOTS.items() if k == kind), "account")
    slot = kind if kind in MEMBER_KINDS else named_as
    value = choice.rsplit("[", 1)[1].rstrip("]") if slot == "deal" and "[" in choice else choice
    named = getattr(previous.slots, slot)
    if previous.ambiguity.missing and named and named != value and not previous.slots.others:
        # "enterprise vs commercial" -> "Mid-Market": the one picked goes beside the one the data has
        update: dict[str, object] = {"others": [value], "others_slot": slot}
    else:
        update = {slot: value}
    slots = previous.slots.model_copy(update=update)
    return previous.model_copy(update={"slots": slots, "ambiguity": None, "follow_up": True})


def deals_behind(previous: Frame) -> Frame | None:
    """The deal list behind the previous answer: its largest deals, its stalled deals, the deals a
    measure counted (with the same names, filters and period)."""
    slots = previous.slots.model_copy()
    if previous.intent in (Intent.PIPELINE, Intent.TOP_DEALS, Intent.FORECAST):
        slots.measure, slots.dimension, slots.also = None, None, None  # the deals, not a figure of them
        return previous.model_copy(update={"intent": Intent.TOP_DEALS, "slots": slots, "follow_up": True})
    if previous.intent is Intent.STALLED:
        return previous.model_copy(update={"slots": slots, "follow_up": True})
    if previous.intent in (Intent.MEASURE, Intent.PERFORMANCE):
        # the deals themselves, each with its amount: "which ones?" after a count lists them by value
        measure = PER_DEAL.get(slots.measure or "won_revenue", slots.measure or "won_revenue")
        if measure == "win_rate":
            measure = "won_revenue"
        slots.measure, slots.dimension, slots.also = measure, "deal", None
        slots.limit, slots.ranking = slots.limit or 10, "top"
        return previous.model_copy(update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True})
    return None


def names_in(slots: Slots) -> list[str]:
    """The entity slots ``slots`` fill (an account, a person, a product…)."""
    return [slot for slot in ENTITY_SLOTS if getattr(slots, slot) is not None]
