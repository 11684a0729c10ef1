"""Questions about territories: the list, one territory's summary, how evenly work is spread, and
the account moves that would even it out (a rebalance, for managers)."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from assistant.offline import answers_accounts, answers_rebalance
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Rendering, phrasing
from assistant.offline.rebalance_constraints import rebalance_constraints
from tools.lexicon import Lexicon
from tools.rebalance.models import RebalanceProposal
from tools.store.schema import Role
from tools.territory import TerritoryList
from tools.territory.balance import TerritoryBalance
from tools.territory.summary import TerritorySummary

#: Territories rebalanced one call each; above this many, one call for all of them.
MAX_REBALANCE_CALLS = 8
ACROSS = re.compile(r"\bacross\b|\bbetween (?:the |my |our )?(?:territories|regions|segments)\b", re.I)


def _territories(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("list_territories", given(region=frame.slots.region))]


def _territory(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("territory_summary", given(territory=frame.slots.territory, period=frame.slots.period))]


def _balance(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("territory_balance", given(territory=frame.slots.territory, period=frame.slots.period))]


def _rebalance(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    """A rebalance of the named territory or region (else everything the viewer manages); moves
    between territories only when the question asks for them ("across", "between territories").

    Territories are balanced one call each (a region's whole proposal exceeds the toolkit's result
    cap and would be cut): the territories that are home to reps in the viewer's scope.
    """
    slots = frame.slots
    # "keep customers and at most 10 moves", "leave Sofia out", "effective 2027-04-01"
    stated = rebalance_constraints(
        frame.question, [p.name for p in lexicon.people], [s.name for s in lexicon.stages.open_stages]
    )
    if ACROSS.search(frame.question):
        return [
            Call(
                "propose_rebalance",
                given(territory=slots.territory or slots.region, across_territories=True) | stated,
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
            return [Call("propose_rebalance", {"territory": name} | stated) for name in names]
    return [Call("propose_rebalance", given(territory=slots.territory or slots.region) | stated)]


def _write_territories(output: TerritoryList, answering: Answering) -> str:
    return answers_accounts.territories(output, answering.args, answering.notes)


def _write_territory(output: TerritorySummary, answering: Answering) -> str:
    listed = answering.main.total("territories")
    return answers_accounts.territory(output, answering.notes, False, listed)


def _write_balance(output: TerritoryBalance, answering: Answering) -> str:
    return answers_accounts.balance(output, answering.notes)


def _write_rebalance(output: RebalanceProposal, answering: Answering) -> str:
    return answers_rebalance.proposal(answering.outputs(RebalanceProposal), answering.notes)


TERRITORIES = IntentSpec(
    Intent.TERRITORIES,
    example="Which territories do we have?",
    route=_territories,
    renders=(Rendering(TerritoryList, _write_territories),),
    takes=frozenset({"region"}),
    named_alone="region",
    phrasings=(
        phrasing(
            5,
            r"\b(?:list|all|which|what|show|how many)\b(?: (?:the|my|our|of the))? territories\b",
            r"\bterritories (?:do|are|can|in|exist)\b",
        ),
        phrasing(2, r"\bterritories\b"),
    ),
)

TERRITORY = IntentSpec(
    Intent.TERRITORY,
    example="Summarise my territory",
    route=_territory,
    renders=(Rendering(TerritorySummary, _write_territory),),
    takes=frozenset({"territory"}),
    named_alone="territory",
    periodic=True,
    phrasings=(
        phrasing(3, r"\bterritory\b"),
        phrasing(
            4,
            r"\bcoverage\b|\bmy (?:territory|patch|region|book(?: of business)?)\b|\bbook of business\b",
            r"\bsummar(?:y|ise|ize) (?:of )?(?:entterritory|entregion)",
            r"\bhow (?:is|are|'s) (?:the )?(?:entterritory|entregion)\b",
            r"\bentterritory (?:summary|overview|doing)\b",
        ),
    ),
)

BALANCE = IntentSpec(
    Intent.BALANCE,
    example="Is the team's workload balanced?",
    route=_balance,
    renders=(Rendering(TerritoryBalance, _write_balance),),
    takes=frozenset({"territory"}),
    periodic=True,
    phrasings=(
        phrasing(
            6,
            r"\bbalanc(?:e|ed|ing)\b|\bworkloads?\b|\bspread\b|\bevenly\b",
            r"\bfair(?:ly)? (?:split|distributed)\b|\boverloaded\b|\bunderloaded\b|\bdistribution of\b",
            r"\bwho has (?:too many|too few|the most|the least)\b",
        ),
    ),
)

REBALANCE = IntentSpec(
    Intent.REBALANCE,
    example="Propose a rebalance of my team's accounts",
    route=_rebalance,
    renders=(Rendering(RebalanceProposal, _write_rebalance),),
    takes=frozenset({"territory", "region"}),
    # Asking for changes (moves) rather than a picture of the balance.
    phrasings=(
        phrasing(
            7.5,
            r"\bre-?balanc",
            r"\b(?:propose|suggest|recommend|plan)\b.{0,40}\b(?:moves?|reassign\w*|re-assign\w*)\b",
            r"\b(?:move|reassign|re-assign|redistribute|shift|hand over)\b.{0,25}\baccounts?\b",
            r"\bwhich accounts should (?:i |we )?(?:move|reassign|give|hand)\b",
            r"\b(?:fix|even out|level)\b.{0,25}\b(?:balance|imbalance|workloads?|books?|territor(?:y|ies))\b",
            r"\bmake .{0,30}\b(?:fair|fairer|balanced|even)\b",
        ),
    ),
)

SPECS = (TERRITORIES, TERRITORY, BALANCE, REBALANCE)
