"""The intent registry: one spec per intent, each complete, and each example understood as its intent.

Every question type is declared once, in its family's module of ``assistant/offline/intents/``;
these tests iterate over the registry, so a new spec is checked the moment it is listed.
"""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.offline import OfflinePlanner
from assistant.offline.calls import Direct
from assistant.offline.conversation import Conversation
from assistant.offline.frame import Frame, Intent, Slots
from assistant.offline.intents import SPECS, IntentSpec, spec_for
from assistant.offline.intents.registry import DATA_INTENTS
from assistant.offline.results import OUTPUTS
from assistant.offline.routing import first_route
from assistant.offline.scoring import ORDER
from assistant.toolkit import TOOLS, AgentContext, MetricDefinitions
from tests.offline.conftest import Cast, World
from tools.lexicon import Lexicon
from tools.viewer import Viewer

TOOL_NAMES = frozenset(spec.name for spec in TOOLS)
PLAN_TOOLS = frozenset({"account_plan", "territory_plan"})
#: The output a direct reply is written from, when it needs one.
DIRECT_OUTPUTS = {Direct.DEFINITIONS: MetricDefinitions}


def _frame(world: World, viewer: Viewer, question: str) -> tuple[Frame, Lexicon]:
    """The question as the planner understands it on its own, and the names it was read against."""
    context = AgentContext(viewer=viewer, repository=world.repository)
    conversation = Conversation(question=question, history=[], results=[], rounds=0)
    return OfflinePlanner(context=context).frame(context, conversation)


def _id(spec: IntentSpec) -> str:
    return spec.intent.value


def test_every_intent_has_exactly_one_spec() -> None:
    counts = Counter(spec.intent for spec in SPECS)
    assert set(counts) == set(Intent)
    assert all(n == 1 for n in counts.values()), counts
    assert all(spec_for(intent).intent is intent for intent in Intent)


def test_ties_go_to_the_intent_listed_first() -> None:
    listed = [spec.intent for spec in SPECS if spec.phrasings]
    assert sorted(ORDER, key=ORDER.__getitem__) == listed


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_a_spec_is_complete(spec: IntentSpec) -> None:
    assert spec.example.strip()
    # "not understood" is what no phrasing matched; every other intent has phrasings of its own
    assert bool(spec.phrasings) is (spec.intent is not Intent.UNKNOWN)
    assert all(phrasing.weight > 0 for phrasing in spec.phrasings)
    assert all(slot in Slots.model_fields for slot in spec.requires)
    if spec.data:
        assert spec.intent in DATA_INTENTS
        assert spec.renders, "a data intent needs an answer function"
    else:
        assert isinstance(spec.route, Direct) and not spec.renders and not spec.requires


@pytest.mark.parametrize("spec", SPECS, ids=_id)
@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_the_example_is_understood_as_its_intent(
    demo: World, cast: Cast, spec: IntentSpec, persona: str
) -> None:
    frame, _ = _frame(demo, getattr(cast, persona), spec.example)
    assert frame.intent is spec.intent, (spec.example, frame.intent)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.data], ids=_id)
@pytest.mark.parametrize("tools", [TOOL_NAMES, TOOL_NAMES - PLAN_TOOLS], ids=["all-tools", "no-plan-tools"])
def test_the_route_calls_known_tools_whose_result_the_spec_writes(
    demo: World, cast: Cast, spec: IntentSpec, tools: frozenset[str]
) -> None:
    frame, lexicon = _frame(demo, cast.manager, spec.example)
    route = first_route(frame, lexicon, set(tools))
    if route.direct is not None:
        assert not route.calls and isinstance(spec.route, Direct)
        written = DIRECT_OUTPUTS.get(route.direct)
    else:
        assert route.calls and {call.name for call in route.calls} <= tools
        written = OUTPUTS[route.calls[0].name]
    if written is not None:
        assert any(issubclass(written, render.output) for render in spec.renders), written


@pytest.mark.parametrize("spec", [s for s in SPECS if s.requires], ids=_id)
def test_a_missing_required_name_is_asked_for(demo: World, cast: Cast, spec: IntentSpec) -> None:
    _, lexicon = _frame(demo, cast.rep, spec.example)
    route = first_route(Frame(intent=spec.intent, question=spec.example), lexicon, set(TOOL_NAMES))
    assert route.direct is Direct.ASK_FOR and route.missing == spec.requires[0] and not route.calls
