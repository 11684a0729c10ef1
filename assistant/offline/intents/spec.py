"""What the planner knows about one intent, declared in one place: an :class:`IntentSpec`.

Each module of this package declares the specs of one family of questions; :mod:`.registry`
collects them, and the planner's shared machinery reads them from there:

* scoring (:mod:`assistant.offline.scoring`) adds up the weighted :class:`Phrasing` patterns of
  every spec over the question (names replaced by their kind);
* routing (:mod:`assistant.offline.routing`) asks for the name a spec ``requires`` when none is
  given, then calls the spec's ``route`` (the tool calls) or gives its :class:`Direct` reply;
* answers (:mod:`assistant.offline.answers`) writes the answer with the spec's ``renders``: the
  answer function for the type of the turn's main result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from assistant.offline.calls import Call, Direct
from assistant.offline.conversation import ToolResult
from assistant.offline.frame import Frame, Intent, Slots
from tools.lexicon import EntityKind, Lexicon
from tools.viewer import Viewer

Output = TypeVar("Output", bound=BaseModel)


class Matcher(Protocol):
    """Anything that searches the prepared question: a compiled pattern, or a small reader."""

    def search(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class Phrasing:
    """Adds ``weight`` to its intent's score, once, when ``pattern`` finds a match in the question."""

    weight: float
    pattern: Matcher


def phrasing(weight: float, *alternatives: str) -> Phrasing:
    """A phrasing that matches when any of the ``alternatives`` (regular expressions) does."""
    return Phrasing(weight, re.compile("|".join(f"(?:{a})" for a in alternatives)))


@dataclass(frozen=True)
class Answering:
    """What an answer is written from: this turn's results, the first being the main one."""

    frame: Frame
    main: ToolResult
    results: list[ToolResult]
    lexicon: Lexicon
    #: Which lists were shortened to fit the toolkit's result cap.
    notes: list[str]

    @property
    def args(self) -> dict[str, Any]:
        return self.main.args

    @property
    def viewer(self) -> Viewer:
        return self.lexicon.viewer

    def outputs(self, kind: type[Output]) -> list[Output]:
        """Every result of this turn of type ``kind`` (a team's scorecards, one per rep)."""
        return [r.output for r in self.results if isinstance(r.output, kind)]


@dataclass(frozen=True)
class Rendering(Generic[Output]):
    """The answer function that writes a main result of type ``output``."""

    output: type[Output]
    write: Callable[[Output, Answering], str]

    def __call__(self, answering: Answering) -> str | None:
        output = answering.main.output
        return self.write(output, answering) if isinstance(output, self.output) else None


#: The calls answering a frame, from the frame, the viewer's names and the tools the agent has.
RouteFunction = Callable[[Frame, Lexicon, AbstractSet[str]], list[Call]]
#: A second round of calls from the first round's results; none when the answer can be written.
NextRound = Callable[[Frame, list[ToolResult]], list[Call]]


@dataclass(frozen=True)
class IntentSpec:
    """One question type: how it is asked, what it needs, which tools answer it, who writes it."""

    intent: Intent
    #: A question asked this way is understood as this intent (the tests ask it on the demo data).
    example: str
    #: The tool calls for a frame, or the reply that needs no tool.
    route: RouteFunction | Direct
    #: Weighted patterns over the question, with names replaced by their kind (``entaccount``…).
    phrasings: tuple[Phrasing, ...] = ()
    #: The answer functions, by the type of the turn's main result.
    renders: tuple[Rendering[Any], ...] = ()
    #: Slots that name what the question is about: with none of them filled, the planner asks for
    #: the first ("Which account do you mean?").
    requires: tuple[str, ...] = ()
    #: A second round of calls once the first round's results are in (the largest deals' details).
    next_round: NextRound | None = None
    #: Answered from the data: the question becomes the thread's context, an ambiguous name is
    #: asked about, and "how should I…" adds the playbook's advice. False for conversation.
    data: bool = True
    #: The kinds of names the intent uses: a follow-up naming another kind means another intent.
    takes: frozenset[EntityKind] = frozenset()
    #: The kind of name that asks for this intent on its own ("Globex?": an account's profile).
    named_alone: EntityKind | None = None
    #: Names of these kinds are searched for as written, so one matching several is not asked about.
    searched: frozenset[EntityKind] = frozenset()
    #: The answer is about a period, so a thread carries a period over from another such answer.
    periodic: bool = False

    def missing(self, slots: Slots) -> str | None:
        """The name to ask for: the first required slot, when none of them is filled."""
        if self.requires and not any(getattr(slots, slot) for slot in self.requires):
            return self.requires[0]
        return None

    def write(self, answering: Answering) -> str | None:
        """The answer to the main result, or ``None`` when no answer function takes its type."""
        return next((text for render in self.renders if (text := render(answering)) is not None), None)
