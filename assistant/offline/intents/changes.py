"""Requests to change a deal: "push the Acme close date to Jan 15", "move the Evergreen deal to
Negotiation", "set the amount on X to 40k", "next step on X: pricing call".

Answered with a proposed change (the ``propose_change`` tool), never with the change made: the
user confirms it themselves. The deal is named as written and found by the tool in the viewer's
scope (several matches: it asks which), so names are not asked about here. Without a CRM
connection the planner answers such a request as any other it cannot carry out
(:mod:`assistant.offline.actions`).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from assistant.offline import answers_changes as answers
from assistant.offline.calls import Call
from assistant.offline.change_requests import change_asked, read_change
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import IntentSpec, Phrasing, Rendering
from assistant.proposals import ProposedChange
from tools.lexicon import Lexicon

TOOL = "propose_change"


class _ChangeAsked:
    """Matches a request to change a field of a deal."""

    def search(self, text: str, /) -> bool:
        return change_asked(text)


def _propose(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    asked = read_change(frame.question, lexicon.as_of, lexicon.stages)
    if asked is None or TOOL not in tools:
        return []
    return [Call(TOOL, {"deal": asked.deal, "field": asked.field, "value": asked.value})]


#: Outweighs the request to act (30) it also is: with a CRM connection it can be proposed.
CHANGE = IntentSpec(
    Intent.CHANGE,
    example="Push the Acme Renewal close date to Jan 15",
    route=_propose,
    phrasings=(Phrasing(31, _ChangeAsked()),),
    renders=(Rendering(ProposedChange, answers.proposal),),
    searched=frozenset({"person", "account", "territory", "product", "deal", "region"}),
)

SPECS = (CHANGE,)
