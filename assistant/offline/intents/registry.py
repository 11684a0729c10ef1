"""The registry of intents: every question type's :class:`~.spec.IntentSpec`, collected in one list.

The families are listed explicitly, and their order is the order the planner scores phrasings
in: when two intents score the same, the one listed first wins (small talk before help, plans
before the playbook, the playbook before deals…). Adding a question type is adding its
:class:`~assistant.offline.frame.Intent` member, a spec in the module of its family (or a new
module listed here), and the template its answer uses.

The planner's shared machinery reads everything it needs about an intent from here: which
intents are answered from the data, which carry a period in a thread, which names each takes,
and which intent a name asks for on its own.
"""

from __future__ import annotations

from assistant.offline.frame import Intent
from assistant.offline.intents import (
    accounts,
    catalogue,
    changes,
    conversation,
    deals,
    design,
    knowledge,
    manager,
    measures,
    people,
    plans,
    territory,
)
from assistant.offline.intents.spec import IntentSpec
from tools.lexicon import EntityKind

SPECS: tuple[IntentSpec, ...] = (
    *changes.SPECS,
    *conversation.SPECS,
    *plans.SPECS,
    *knowledge.SPECS,
    *manager.SPECS,
    *measures.SPECS,
    *deals.SPECS,
    *people.SPECS,
    *accounts.SPECS,
    *catalogue.SPECS,
    *territory.SPECS,
    *design.SPECS,
)


def _by_intent(specs: tuple[IntentSpec, ...]) -> dict[Intent, IntentSpec]:
    found: dict[Intent, IntentSpec] = {}
    for spec in specs:
        if spec.intent in found:
            raise ValueError(f"the {spec.intent} intent is declared twice")
        found[spec.intent] = spec
    return found


def _named_alone(specs: tuple[IntentSpec, ...]) -> dict[EntityKind, Intent]:
    found: dict[EntityKind, Intent] = {}
    for spec in specs:
        if spec.named_alone is None:
            continue
        if spec.named_alone in found:
            raise ValueError(f"a {spec.named_alone} name on its own is claimed by two intents")
        found[spec.named_alone] = spec.intent
    return found


BY_INTENT = _by_intent(SPECS)
#: The intent a name means on its own ("Globex?": the account's profile).
ENTITY_INTENT = _named_alone(SPECS)
#: Intents answered from the data (they call tools, or read the metric registry).
DATA_INTENTS = frozenset(s.intent for s in SPECS if s.data)
#: Intents whose answer is about a period, so a period carries over between them in a thread.
PERIOD_INTENTS = frozenset(s.intent for s in SPECS if s.periodic)


def spec_for(intent: Intent) -> IntentSpec:
    return BY_INTENT[intent]


def taking(kind: EntityKind) -> frozenset[Intent]:
    """The intents that use names of this kind."""
    return frozenset(s.intent for s in SPECS if kind in s.takes)


def needing(slot: str) -> frozenset[Intent]:
    """The intents that ask for this name when the question does not give it."""
    return frozenset(s.intent for s in SPECS if s.requires[:1] == (slot,))
