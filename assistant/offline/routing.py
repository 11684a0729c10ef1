"""From a frame to tool calls: which tools, with which arguments, in which round.

Most intents need one round of calls; "my biggest deals" needs two (the pipeline by stage
lists each stage's deals largest first, then the details of the largest of each stage give
names and amounts, and the largest overall are kept). Questions that cannot be answered yet get
a :class:`Direct` reply instead: a clarifying question, a request for the missing name, help,
small talk, or a polite refusal.

Plans: an account or territory plan is drafted by the ``account_plan`` / ``territory_plan``
tools; an agent built without them gets the account profile or the territory summary instead
(:data:`PLAN_TOOLS`). A territory plan for a person ("a territory plan for Dana's team") names
the person: the plan covers their team.

"My", "me" and "my team" need no argument: every tool already answers within the viewer's scope
(a rep's own book, a manager's team, everything for RevOps).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from assistant.offline.conversation import ToolResult
from assistant.offline.frame import Ambiguity, Frame, Intent, Slots
from tools.deals.pipeline import DealDetails, PipelineSummary
from tools.lexicon import DealRef, Lexicon
from tools.store.schema import Role
from tools.territory.summary import QUIET_DAYS

DEFAULT_LIST = 10
#: Stalled deals listed by default: five deals with their evidence fit the toolkit's result cap.
DEFAULT_STALLED = 5
#: A team's scorecards are asked for one rep per call (a whole team's report exceeds the toolkit's
#: result cap and would be cut); above this many reps, one call for everyone.
MAX_REP_CALLS = 30
MAX_TOP_DEALS = 10
DEFAULT_TOP_DEALS = 5
#: Deals listed when asking which one is meant.
MAX_DEAL_CHOICES = 8
PLAYBOOK_PASSAGES = 3
ADVICE_PASSAGES = 2

#: plan intent -> (the plan tool, the tool answering when the agent lacks it, its argument)
PLAN_TOOLS: dict[Intent, tuple[str, str, str]] = {
    Intent.ACCOUNT_PLAN: ("account_plan", "account_profile", "account"),
    Intent.TERRITORY_PLAN: ("territory_plan", "territory_summary", "territory"),
}

DealFinder = Callable[[str, str | None], list[DealRef]]
#: Territories rebalanced one call each; above this many, one call for all of them.
MAX_REBALANCE_CALLS = 8
ACROSS = re.compile(r"\bacross\b|\bbetween (?:the |my |our )?(?:territories|regions|segments)\b", re.I)


class Direct(StrEnum):
    """Replies that need no tool."""

    CLARIFY = "clarify"
    ASK_FOR = "ask_for"
    HELP = "help"
    SMALL_TALK = "small_talk"
    DECLINE = "decline"
    UNKNOWN = "unknown"
    DEFINITIONS = "definitions"


@dataclass
class Call:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Route:
    """The calls to make now, or the direct reply to give."""

    calls: list[Call] = field(default_factory=list)
    direct: Direct | None = None
    #: For CLARIFY: what to ask about; for ASK_FOR: the kind of name that is missing.
    ambiguity: Ambiguity | None = None
    missing: str | None = None


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _given(**values: Any) -> dict[str, Any]:
    return {k: _number(v) if isinstance(v, Decimal) else v for k, v in values.items() if v is not None}


def deal_filters(slots: Slots, with_period: bool = True) -> dict[str, Any]:
    return _given(
        owner=slots.owner,
        territory=slots.territory,
        account=slots.account,
        product=slots.product,
        stage=slots.stage,
        min_amount=slots.min_amount,
        max_amount=slots.max_amount,
        period=slots.period if with_period else None,
    )


def _accounts(frame: Frame) -> Call:
    slots = frame.slots
    ambiguous = frame.ambiguity is not None and frame.ambiguity.kind == "account"
    name = frame.ambiguity.phrase if frame.ambiguity is not None and ambiguous else slots.account
    by_pipeline = "pipeline" in frame.question.lower() and slots.has_open_pipeline is not False
    return Call(
        "search_accounts",
        _given(
            name=name,
            industry=slots.industry,
            segment=slots.segment,
            territory=slots.territory,
            tier=slots.tier,
            owner=slots.owner,
            min_potential=slots.min_amount,
            has_open_pipeline=slots.has_open_pipeline,
            # "accounts I haven't touched": as many days as said, else the coverage measure's 60
            inactive_days=slots.inactive_days or (QUIET_DAYS if slots.rule == "no_activity" else None),
            sort_by="open_pipeline" if by_pipeline else None,
            limit=min(slots.limit or DEFAULT_LIST, 100),
        ),
    )


def _rebalance(frame: Frame, lexicon: Lexicon) -> list[Call]:
    """A rebalance of the named territory or region (else everything the viewer manages); moves
    between territories only when the question asks for them ("across", "between territories").

    Territories are balanced one call each (a region's whole proposal exceeds the toolkit's result
    cap and would be cut): the territories that are home to reps in the viewer's scope.
    """
    slots = frame.slots
    if ACROSS.search(frame.question):
        return [
            Call(
                "propose_rebalance",
                _given(territory=slots.territory or slots.region, across_territories=True),
            )
        ]
    if slots.territory is None and lexicon.viewer.role is not Role.REP:
        homes = {p.home for p in lexicon.people if p.detail == Role.REP.value}
        names = sorted(
            t.name
            for t in lexicon.territories
            if t.key in homes and (slots.region is None or t.detail == slots.region)
        )
        if 1 < len(names) <= MAX_REBALANCE_CALLS:
            return [Call("propose_rebalance", {"territory": name}) for name in names]
    return [Call("propose_rebalance", _given(territory=slots.territory or slots.region))]


def _deal(frame: Frame) -> Route:
    slots = frame.slots
    if slots.deal:
        return Route(calls=[Call("deal_details", {"deal": slots.deal})])
    if not slots.account:
        return Route(direct=Direct.ASK_FOR, missing="deal")
    text = f"{slots.account} - {slots.product}" if slots.product else slots.account
    return Route(calls=[Call("deal_details", {"deal": text})])


def resolve_deal(frame: Frame, find: DealFinder) -> Frame:
    """A deal asked for by its account ("the Evergreen deal"): the viewer's one deal there (open
    ones first), or a question listing their deals on every account the name may mean. Run on
    each question of a thread, so "the second one" picks from the deals listed."""
    slots, ambiguity = frame.slots, frame.ambiguity
    if frame.intent is not Intent.DEAL or slots.deal:
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


def _performance(frame: Frame, lexicon: Lexicon) -> list[Call]:
    """Scorecards: one call per rep of a team (see :data:`MAX_REP_CALLS`), else one call."""
    owner, period = frame.slots.owner, frame.slots.period
    if owner and frame.slots.others:
        named = [owner, *(o for o in frame.slots.others if o != owner)]
        return [Call("rep_performance", _given(rep=name, period=period)) for name in named]
    reps = lexicon.reps_under(owner) if owner is None or lexicon.person(owner) is not None else []
    if owner is None and (frame.slots.territory or frame.slots.region):
        reps = lexicon.reps_in(frame.slots.territory, frame.slots.region)
        if not reps:
            return [
                Call(
                    "rep_performance", _given(rep=frame.slots.territory or frame.slots.region, period=period)
                )
            ]
    if 1 < len(reps) <= MAX_REP_CALLS:
        return [Call("rep_performance", _given(rep=rep.name, period=period)) for rep in reps]
    return [Call("rep_performance", _given(rep=owner, period=period))]


def _data_calls(frame: Frame, lexicon: Lexicon, tools: set[str]) -> Route:
    slots, intent = frame.slots, frame.intent
    if intent in PLAN_TOOLS:
        plan, fallback, argument = PLAN_TOOLS[intent]
        if argument == "account" and not slots.account:
            return Route(direct=Direct.ASK_FOR, missing="account")
        name = plan if plan in tools else fallback
        value = getattr(slots, argument)
        if name == "territory_plan" and not value:
            value = slots.owner
        return Route(calls=[Call(name, _given(**{argument: value}))])
    calls: dict[Intent, Callable[[], list[Call]]] = {
        Intent.STALLED: lambda: [
            Call(
                "stalled_deals",
                {**deal_filters(slots), **_given(rule=slots.rule, limit=slots.limit or DEFAULT_STALLED)},
            )
        ],
        Intent.PIPELINE: lambda: [
            Call("pipeline_summary", {**deal_filters(slots), **_given(group_by=slots.group_by)})
        ],
        Intent.TOP_DEALS: lambda: [Call("pipeline_summary", {**deal_filters(slots), "group_by": "stage"})],
        Intent.FORECAST: lambda: [Call("forecast", deal_filters(slots))],
        Intent.PERFORMANCE: lambda: _performance(frame, lexicon),
        Intent.ACCOUNT: lambda: [Call("account_profile", {"account": slots.account})],
        Intent.WHITESPACE: lambda: [Call("account_whitespace", {"account": slots.account})],
        Intent.ACCOUNTS: lambda: [_accounts(frame)],
        Intent.TERRITORIES: lambda: [Call("list_territories", _given(region=slots.region))],
        Intent.TERRITORY: lambda: [
            Call("territory_summary", _given(territory=slots.territory, period=slots.period))
        ],
        Intent.BALANCE: lambda: [
            Call("territory_balance", _given(territory=slots.territory, period=slots.period))
        ],
        Intent.REBALANCE: lambda: _rebalance(frame, lexicon),
        Intent.PLAYBOOK: lambda: [
            Call("search_playbook", {"query": slots.topic or frame.question, "k": PLAYBOOK_PASSAGES})
        ],
    }
    if intent in (Intent.ACCOUNT, Intent.WHITESPACE) and not slots.account:
        return Route(direct=Direct.ASK_FOR, missing="account")
    if intent is Intent.DEAL:
        return _deal(frame)
    if intent is Intent.METRICS:
        # Definitions are the metric registry's fixed text (no figures), so the planner reads the
        # registry directly instead of spending a tool call on it.
        return Route(direct=Direct.DEFINITIONS)
    return Route(calls=calls[intent]())


def _relevant(frame: Frame) -> bool:
    """An ambiguous name matters unless the intent does not use names of that kind."""
    ambiguity = frame.ambiguity
    if ambiguity is None:
        return False
    return not (frame.intent is Intent.ACCOUNTS and ambiguity.kind == "account")


def first_route(frame: Frame, lexicon: Lexicon, tools: set[str]) -> Route:
    """What to do first for ``frame``."""
    simple = {
        Intent.HELP: Direct.HELP,
        Intent.SMALL_TALK: Direct.SMALL_TALK,
        Intent.OUT_OF_SCOPE: Direct.DECLINE,
        Intent.UNKNOWN: Direct.UNKNOWN,
        Intent.WHY: Direct.UNKNOWN,
    }
    if frame.intent in simple:
        return Route(direct=simple[frame.intent])
    if _relevant(frame):
        return Route(direct=Direct.CLARIFY, ambiguity=frame.ambiguity)
    route = _data_calls(frame, lexicon, tools)
    if route.calls and frame.advice and frame.slots.topic:
        route.calls.append(Call("search_playbook", {"query": frame.slots.topic, "k": ADVICE_PASSAGES}))
    return route


def next_calls(frame: Frame, results: list[ToolResult]) -> list[Call]:
    """A second round, when the first one's results call for it (only "top deals" does)."""
    if frame.intent is not Intent.TOP_DEALS or any(r.name == "deal_details" for r in results):
        return []
    summary = next((r.output for r in results if isinstance(r.output, PipelineSummary)), None)
    if summary is None:
        return []
    wanted = top_count(frame)
    ids = [rid for group in summary.groups for rid in group.record_ids[:wanted]]
    return [Call("deal_details", {"deal": rid}) for rid in dict.fromkeys(ids)]


def top_count(frame: Frame) -> int:
    return min(frame.slots.limit or DEFAULT_TOP_DEALS, MAX_TOP_DEALS)


def largest(results: list[ToolResult], wanted: int) -> list[DealDetails]:
    """The largest deals among the details fetched in the second round."""
    deals = [r.output for r in results if isinstance(r.output, DealDetails)]
    return sorted(deals, key=lambda d: (-(d.amount or Decimal(0)), int(d.id.rsplit("/", 1)[-1])))[:wanted]
