"""Scoring a question against every intent's phrasings, with names replaced by their kind.

Before scoring, every name found in the data is replaced by a placeholder of its kind
(``entaccount``, ``entperson``, ``entterritory``, ``entregion``, ``entproduct``, and
``entunknown`` for a capitalised name that matched nothing), misspelt keywords are corrected
and the text is lower-cased. Each phrasing of an intent (declared in its module of
:mod:`assistant.offline.intents`) adds its weight once when it matches; the intent with the
highest score wins, ties going to the intent listed first in the registry. The mentioned names
add a small weight to the intent they usually mean (a person alone: how they are doing; an
account alone: its profile), so "Globex?" and "Darcel" are understood, while any keyword
outweighs them.
"""

from __future__ import annotations

import re
from collections import defaultdict

from assistant.offline.frame import Intent
from assistant.offline.intents.knowledge import HOW_TO
from assistant.offline.intents.registry import ENTITY_INTENT, SPECS
from tools.lexicon import EntityKind

#: The tie-break order: the registry's order of the intents that have phrasings.
ORDER = {spec.intent: i for i, spec in enumerate(s for s in SPECS if s.phrasings)}
#: Intents whose keywords a question about the playbook's advice on them also contains.
ASKS_THE_PLAYBOOK_TOO = (Intent.REBALANCE, Intent.ACCOUNT_PLAN, Intent.TERRITORY_PLAN)
DRAFTING = re.compile(r"\b(?:draft|write|create|build|make|prepare|generate|put together)\b")
ASKS_WHAT_TO_DO = re.compile("|".join(HOW_TO))
#: How much a name adds to the intent it means on its own.
ENTITY_WEIGHT = 1.5
SPECIFIC = re.compile(r"\b(?:my|our|mine|ent(?:account|person|territory|region|product|unknown))\b")
#: "our stage thresholds", "our discount policy": the company's norms, not its data.
OUR_NORMS = re.compile(
    r"\bour (?:\w+ ){0,2}(?:thresholds?|cut-?offs?|rules?|criteria|polic(?:y|ies)|guidelines?|benchmarks?"
    r"|definitions?|process(?:es)?|methodology|framework)\b"
)


def score(text: str, kinds: list[EntityKind]) -> dict[Intent, float]:
    """Each intent's score for the prepared ``text`` and the kinds of names it mentions."""
    scores: dict[Intent, float] = defaultdict(float)
    for spec in SPECS:
        for phrasing in spec.phrasings:
            if phrasing.pattern.search(text):
                scores[spec.intent] += phrasing.weight
    for kind in dict.fromkeys(kinds):
        scores[ENTITY_INTENT[kind]] += ENTITY_WEIGHT
    return scores


def best(scores: dict[Intent, float], text: str) -> Intent:
    """The winning intent. A "how should I…" question about specific data ("what should I do about
    my stalled deals?") is answered from the data, whose answer carries the playbook's advice."""
    ranked = sorted(
        ((s, i) for i, s in scores.items() if s > 0), key=lambda p: (-p[0], ORDER.get(p[1], len(ORDER)))
    )
    if not ranked:
        return Intent.UNKNOWN
    winner = ranked[0][1]
    # "what does our playbook say about rebalancing / account plans?" asks the playbook;
    # "draft an account plan for Acme following the playbook" still asks for a plan.
    drafting = winner is not Intent.REBALANCE and DRAFTING.search(text)
    if winner in ASKS_THE_PLAYBOOK_TOO and "playbook" in text and Intent.PLAYBOOK in scores and not drafting:
        return Intent.PLAYBOOK
    if winner is Intent.PLAYBOOK and "playbook" not in text and SPECIFIC.search(OUR_NORMS.sub(" ", text)):
        runner = next((i for s, i in ranked[1:] if s >= 2 and i is not Intent.PLAYBOOK), None)
        if runner is not None:
            return runner
    return winner


#: A winning score this low is a keyword or two; a runner-up this close means the question reads two ways.
UNSURE_SCORE = 1.5
UNSURE_MARGIN = 0.25


def unsure(scores: dict[Intent, float], winner: Intent, answerable: frozenset[Intent]) -> list[Intent]:
    """The two readings to ask about when the question supports both weakly and about equally
    (none when the winner is clear)."""
    top = scores.get(winner, 0.0)
    if top <= 0 or top > UNSURE_SCORE or winner not in answerable:
        return []
    close = [i for i, s in scores.items() if i is not winner and i in answerable and s >= top - UNSURE_MARGIN]
    if not close:
        return []
    runner = min(close, key=lambda i: (-scores[i], ORDER.get(i, len(ORDER))))
    return [winner, runner]
