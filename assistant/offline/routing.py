"""From a frame to tool calls: which tools, with which arguments, in which round.

Each intent's route is declared by its spec in :mod:`assistant.offline.intents`; this module
applies the rules they share. An intent not answered from the data gets its direct reply (help,
small talk, a refusal). A data intent gets a clarifying question when a name it uses matches
several things, a request for the name it requires when none was given, and otherwise its
calls, plus a playbook search when the question also asks what to do. Most intents need one
round of calls; a spec's ``next_round`` asks for a second one from the first round's results.

"My", "me" and "my team" need no argument: every tool already answers within the viewer's scope
(a rep's own book, a manager's team, everything for RevOps).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet

from assistant.offline.calls import Call, Direct, Route
from assistant.offline.conversation import ToolResult
from assistant.offline.followup_words import THE_ACCOUNT_AGAIN
from assistant.offline.frame import Ambiguity, Frame, Intent
from assistant.offline.intents import spec_for
from tools.lexicon import DealRef, Lexicon

#: Deals listed when asking which one is meant.
MAX_DEAL_CHOICES = 8
#: Deals offered when none is named at all ("how's the deal going?").
UNNAMED_DEAL_CHOICES = 3
ADVICE_PASSAGES = 2

DealFinder = Callable[[str | None, str | None], list[DealRef]]


def account_of_deal(frame: Frame, lookup: Callable[[str], str | None]) -> Frame:
    """A question about an account asked of the thread's deal ("who's the champion there?" after
    "the second one"): the deal's account."""
    slots = frame.slots
    # "anything else open at that account?" after a deal: the deal's account, for any question
    asked = "account" in spec_for(frame.intent).requires or bool(THE_ACCOUNT_AGAIN.search(frame.question))
    if slots.account or not slots.deal or not asked:
        return frame
    account = lookup(slots.deal) if slots.deal.startswith("opportunity/") else None
    if account is None or "deal" in spec_for(frame.intent).takes:
        return frame
    return frame.model_copy(update={"slots": slots.model_copy(update={"account": account, "deal": None})})


def resolve_deal(frame: Frame, find: DealFinder) -> Frame:
    """A deal asked for by its account ("the Evergreen deal"): the viewer's one deal there (open
    ones first), or a question listing their deals on every account the name may mean. Run on
    each question of a thread, so "the second one" picks from the deals listed."""
    slots, ambiguity = frame.slots, frame.ambiguity
    if frame.intent is not Intent.DEAL or slots.deal:
        return frame
    if ambiguity is None and slots.account is None:
        # "how's the deal going?" with no deal named: the likeliest few (open, closing soonest)
        likeliest = find(None, None)[:UNNAMED_DEAL_CHOICES]
        if len(likeliest) == 1:
            return frame.model_copy(update={"slots": slots.model_copy(update={"deal": likeliest[0].record})})
        if likeliest:
            candidates = [f"{d.name} ({d.stage}) [{d.record}]" for d in likeliest]
            return frame.model_copy(
                update={"ambiguity": Ambiguity(kind="deal", phrase="the deal", candidates=candidates)}
            )
        return frame
    if ambiguity is not None and ambiguity.kind == "account":
        phrase, accounts = ambiguity.phrase, ambiguity.candidates
    elif slots.account and ambiguity is None:
        phrase, accounts = slots.account, [slots.account]
    else:
        return frame
    found = [d for account in accounts for d in find(account, slots.product)]
    chosen = ([d for d in found if not d.is_closed] or found)[:MAX_DEAL_CHOICES]
    if len(chosen) > 1:
        candidates = [f"{d.name} ({d.stage}) [{d.record}]" for d in chosen]
        choice = Ambiguity(kind="deal", phrase=phrase, candidates=candidates)
        return frame.model_copy(update={"ambiguity": choice})
    deal = chosen[0].record if chosen else (f"{phrase} - {slots.product}" if slots.product else phrase)
    return frame.model_copy(update={"slots": slots.model_copy(update={"deal": deal}), "ambiguity": None})


def _relevant(frame: Frame) -> bool:
    """An ambiguous name matters unless the intent searches for names of that kind as written."""
    ambiguity = frame.ambiguity
    if ambiguity is None:
        return False
    return ambiguity.kind not in spec_for(frame.intent).searched


def first_route(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> Route:
    """What to do first for ``frame``."""
    spec = spec_for(frame.intent)
    if frame.readings and not frame.follow_up:
        return Route(direct=Direct.WHICH_READING)
    if frame.unchanged:
        return Route(direct=Direct.UNCHANGED)
    if frame.intent is Intent.UNKNOWN and frame.ambiguity is not None:
        # "how many employees does Fin have?": which of the names is meant comes first
        return Route(direct=Direct.CLARIFY, ambiguity=frame.ambiguity)
    if not spec.data and isinstance(spec.route, Direct):
        return Route(direct=spec.route)
    if _relevant(frame):
        return Route(direct=Direct.CLARIFY, ambiguity=frame.ambiguity)
    missing = spec.missing(frame.slots)
    if missing is not None:
        return Route(direct=Direct.ASK_FOR, missing=missing)
    if isinstance(spec.route, Direct):
        return Route(direct=spec.route)
    route = Route(calls=spec.route(frame, lexicon, tools))
    if route.calls and frame.advice and frame.slots.topic:
        route.calls.append(Call("search_playbook", {"query": frame.slots.topic, "k": ADVICE_PASSAGES}))
    return route


def next_calls(frame: Frame, results: list[ToolResult]) -> list[Call]:
    """A second round, when the first one's results call for it (the intent's ``next_round``)."""
    next_round = spec_for(frame.intent).next_round
    return next_round(frame, results) if next_round is not None else []
