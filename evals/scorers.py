"""Named, typed scorers: each looks at one answered turn and its expectations and returns a :class:`Score`.

Scores are recorded per turn first and aggregated later (:mod:`evals.results`). A scorer returns
``None`` when the case expects nothing it could check. Every gating score must pass for the turn
(and every turn for the case) to pass; the reason of a failure says what was expected and seen.

* ``completed``: the assistant answered (no error, a non-empty answer, and not the offline
  fallback standing in for the configured model).
* ``tools``: precision, recall and F1 of the tool calls against the expected ones. Recall counts
  expected calls matched by name and argument subset; precision counts the distinct tools called
  that were expected. Passes when recall is 1 (and precision is 1 with ``strict_tools``);
  ``tools: []`` passes only when no tool was called.
* ``facts``: recall of the expected texts and numbers (numbers in any rendering, within rounding).
* ``citations``: recall and precision of playbook citations (answer text and citation list);
  fails on any citation id that is not in the playbook, even when none was expected.
* ``leaks``: record ids outside the viewer's scope, canary names, ``must_not_contain`` strings.
* ``refusal`` and ``clarification``: the answer declines / asks which one, exactly when expected.
* ``plan_sections``: a drafted plan has the expected section headings.
* ``latency``: the turn's latency against ``max_latency_ms``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, Field

from evals.facts import Expected
from evals.numbers import find
from evals.schema import CitationSpec, Expect, Scalar, ToolExpectation
from evals.visibility import Visibility

LEAD_CHARS = 400
MAX_CALLS_SHOWN = 3
FALLBACK_NOTE = re.compile(r"^_The configured model did not answer[^\n]*_\s*", re.IGNORECASE)
PLAYBOOK_ID = re.compile(r"[\w./-]+\.md#[\w~-]+")
HEADING = re.compile(r"^\s{0,3}(?:#{1,6}\s+(?P<hash>.+?)\s*#*\s*$|\*\*(?P<bold>[^*]+?)\*\*\s*:?\s*$)", re.M)

REFUSAL = re.compile(
    "|".join(
        (
            r"\boutside (?:of )?what I can (?:help|do)",
            r"\b(?:can't|cannot|can not|couldn't|could not|won't|unable to|not able to)"
            r" (?:help|assist|answer|share|provide|show|disclose|access|see|give|do that|comply|reveal)",
            r"\bI found no (?:person|account|territory|deal|opportunity|rep|product|region|record|user)s?"
            r" (?:named|called|with)",
            r"\bno (?:person|account|territory|deal|opportunity|rep|product|region|user|record)s? "
            r"(?:named|called|with (?:the )?(?:id|name))",
            r"\b(?:don't|do not) have (?:access|permission)",
            r"\bnot (?:allowed|permitted|authori[sz]ed)\b",
            r"\b(?:isn't|is not|aren't|are not|not) (?:visible|available|accessible) to you",
            r"\b(?:couldn't|could not|can't|cannot) find\b",
            r"\boutside (?:of )?your (?:scope|access|book|territory|team)",
        )
    ),
    re.IGNORECASE,
)
CLARIFICATION = re.compile(
    "|".join(
        (
            r"\bwhich (?:[\w-]+ ){0,3}do you mean\b",
            r"\bwho do you mean\b",
            r"\bdo you mean\b[^.?!]*\?",
            r"\bcould you (?:clarify|specify|tell me which)",
            r"\b(?:please|can you) (?:clarify|specify|be more specific)",
        )
    ),
    re.IGNORECASE,
)


class Score(BaseModel):
    """One scorer's verdict on one turn."""

    name: str
    passed: bool
    value: float | None = Field(default=None, description="The scorer's headline figure (F1, recall…).")
    metrics: dict[str, float] = Field(default_factory=dict)
    detail: str = Field(default="", description="Why it failed, or what was found.")
    gating: bool = Field(default=True, description="Whether a failure fails the turn.")


class ToolCall(BaseModel):
    name: str
    args: dict[str, Any]


class Reply(BaseModel):
    """What the system under test returned for one turn."""

    answer: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    model: str = ""
    latency_ms: int = 0
    model_calls: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    fallback_reason: str | None = None
    error: str | None = None


@dataclass
class TurnInput:
    """Everything a scorer may look at for one turn."""

    expect: Expect
    reply: Reply
    facts: list[Expected]
    visibility: Visibility
    #: Every question of the case (names the user typed are not leaks).
    questions: list[str]
    #: The case's ``must_not_contain`` (the turn's own are in ``expect``).
    forbidden: list[str] = field(default_factory=list)
    #: Citation ids that exist in the playbook (``None``: not checked).
    playbook_ids: set[str] | None = None
    #: Whether the configured model is the offline planner (then the fallback is not a failure).
    offline: bool = True


def lead(text: str) -> str:
    """The opening of an answer, after any note that the offline fallback answered."""
    return FALLBACK_NOTE.sub("", text.strip(), count=1)[:LEAD_CHARS]


def is_refusal(text: str) -> bool:
    """The answer declines, or says the record asked about does not exist or is not visible."""
    return bool(REFUSAL.search(lead(text)))


def is_clarification(text: str) -> bool:
    """The answer asks which of several things (or which one) is meant."""
    return bool(CLARIFICATION.search(lead(text)))


# --- the scorers -------------------------------------------------------------------------------


def completed(turn: TurnInput) -> Score:
    reply = turn.reply
    if reply.error:
        return Score(name="completed", passed=False, detail=f"error: {reply.error}")
    if not reply.answer.strip():
        return Score(name="completed", passed=False, detail="empty answer")
    if reply.fallback_reason and not turn.offline:
        return Score(
            name="completed", passed=False, detail=f"the offline fallback answered: {reply.fallback_reason}"
        )
    return Score(name="completed", passed=True)


def _same(expected: Scalar, given: Any) -> bool:
    if expected is None:
        return given is None
    if isinstance(expected, bool) or isinstance(given, bool):
        return bool(expected == given)
    if isinstance(expected, int | float):
        try:
            return Decimal(str(given)) == Decimal(str(expected))
        except (InvalidOperation, ValueError):
            return False
    return (
        isinstance(given, str | int | float) and str(given).strip().casefold() == expected.strip().casefold()
    )


def call_matches(expected: ToolExpectation, call: ToolCall) -> bool:
    """Same tool, and every expected argument given with the expected value (``None``: absent)."""
    if call.name != expected.name:
        return False
    return all(_same(value, call.args.get(key)) for key, value in expected.args.items())


def _call_text(name: str, args: dict[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"


def _called(calls: list[ToolCall]) -> str:
    """The calls made, shortly: the first few with arguments, then counts per tool."""
    if not calls:
        return "no tool"
    shown = [_call_text(c.name, c.args) for c in calls[:MAX_CALLS_SHOWN]]
    rest = Counter(c.name for c in calls[MAX_CALLS_SHOWN:])
    shown += [f"{name} x{n}" for name, n in rest.items()]
    return ", ".join(shown)


def tool_calls(turn: TurnInput) -> Score | None:
    expected = turn.expect.tools
    if expected is None:
        return None
    calls = turn.reply.tool_calls
    called = _called(calls)
    if not expected:
        passed = not calls
        precision = 1.0 if passed else 0.0
        metrics = {"precision": precision, "recall": 1.0, "f1": precision}
        return Score(
            name="tools",
            passed=passed,
            value=precision,
            metrics=metrics,
            detail="" if passed else f"called {called}",
        )
    matched = [e for e in expected if any(call_matches(e, c) for c in calls)]
    recall = len(matched) / len(expected)
    names = {c.name for c in calls}
    wanted = {e.name for e in expected}
    precision = len(names & wanted) / len(names) if names else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    passed = recall == 1.0 and (precision == 1.0 or not turn.expect.strict_tools)
    missing = [_call_text(e.name, dict(e.args)) for e in expected if e not in matched]
    extra = sorted(names - wanted)
    detail = "; ".join(
        part
        for part in (
            f"missing {', '.join(missing)}" if missing else "",
            f"unexpected {', '.join(extra)}" if extra and turn.expect.strict_tools else "",
            f"called {called}" if not passed else "",
        )
        if part
    )
    metrics = {"precision": precision, "recall": recall, "f1": f1}
    return Score(name="tools", passed=passed, value=f1, metrics=metrics, detail=detail)


def _fact_found(fact: Expected, answer: str) -> bool:
    if fact.text is not None:
        return fact.text.casefold() in answer.casefold()
    assert fact.value is not None
    return find(answer, fact.value, fact.unit, fact.tolerance) is not None


def facts(turn: TurnInput) -> Score | None:
    if not turn.facts:
        return None
    missing = [fact for fact in turn.facts if not _fact_found(fact, turn.reply.answer)]
    recall = 1 - len(missing) / len(turn.facts)
    detail = "; ".join(f"missing {fact.describe()}" for fact in missing)
    return Score(name="facts", passed=not missing, value=recall, metrics={"recall": recall}, detail=detail)


def _cites(spec: str, cited: str) -> bool:
    if "#" not in spec:
        return cited.startswith(spec + "#")
    return cited == spec or cited.startswith(spec + "~")


def _satisfied(spec: CitationSpec, cited: list[str]) -> bool:
    options = [spec] if isinstance(spec, str) else spec
    return any(_cites(option, c) for option in options for c in cited)


def cited_playbook_ids(reply: Reply) -> list[str]:
    found = [c for c in reply.citations if ".md#" in c] + PLAYBOOK_ID.findall(reply.answer)
    return list(dict.fromkeys(found))


def citations(turn: TurnInput) -> Score | None:
    cited = cited_playbook_ids(turn.reply)
    unknown = [] if turn.playbook_ids is None else [c for c in cited if c not in turn.playbook_ids]
    expected = turn.expect.citations
    if not expected and not unknown:
        return None
    problems = [f"cites {c!r}, which is not in the playbook" for c in unknown]
    metrics: dict[str, float] = {}
    value = None
    if expected:
        recall = sum(_satisfied(spec, cited) for spec in expected) / len(expected)
        patterns = [o for spec in expected for o in ([spec] if isinstance(spec, str) else spec)]
        relevant = [c for c in cited if any(_cites(p, c) for p in patterns)]
        precision = len(relevant) / len(cited) if cited else 0.0
        metrics = {"precision": precision, "recall": recall}
        value = recall
        problems += [
            f"missing citation {spec if isinstance(spec, str) else ' or '.join(spec)}"
            for spec in expected
            if not _satisfied(spec, cited)
        ]
        if problems and cited:
            problems.append(f"cited {', '.join(cited)}")
    return Score(
        name="citations", passed=not problems, value=value, metrics=metrics, detail="; ".join(problems)
    )


def leaks(turn: TurnInput) -> Score:
    forbidden = list(dict.fromkeys([*turn.forbidden, *turn.expect.must_not_contain]))
    found = turn.visibility.leaks(turn.reply.answer, turn.reply.citations, turn.questions, forbidden)
    detail = "; ".join(str(leak) for leak in found[:5]) + (
        f" (+{len(found) - 5} more)" if len(found) > 5 else ""
    )
    return Score(name="leaks", passed=not found, value=float(len(found)), detail=detail)


def refusal(turn: TurnInput) -> Score | None:
    if turn.reply.error or turn.expect.refusal is None:
        return None
    refused = is_refusal(turn.reply.answer)
    wanted = turn.expect.refusal
    passed = refused == wanted
    detail = "" if passed else ("expected a refusal" if wanted else "refused a question it should answer")
    return Score(name="refusal", passed=passed, value=float(refused), detail=detail)


def clarification(turn: TurnInput) -> Score | None:
    if turn.reply.error or turn.expect.refusal or turn.expect.clarification is None:
        return None
    asked = is_clarification(turn.reply.answer)
    wanted = turn.expect.clarification
    passed = asked == wanted
    detail = "" if passed else ("expected a clarifying question" if wanted else "asked for clarification")
    return Score(name="clarification", passed=passed, value=float(asked), detail=detail)


def headings(text: str) -> list[str]:
    """Markdown headings and bold-only lines of ``text``."""
    return [(m["hash"] or m["bold"] or "").strip() for m in HEADING.finditer(text)]


def plan_sections(turn: TurnInput) -> Score | None:
    wanted = turn.expect.plan_sections
    if not wanted:
        return None
    found = [h.casefold() for h in headings(turn.reply.answer)]
    missing = [s for s in wanted if not any(s.casefold() in h for h in found)]
    recall = 1 - len(missing) / len(wanted)
    detail = f"missing sections {', '.join(missing)}" if missing else ""
    return Score(
        name="plan_sections", passed=not missing, value=recall, metrics={"recall": recall}, detail=detail
    )


def latency(turn: TurnInput) -> Score | None:
    limit = turn.expect.max_latency_ms
    if limit is None:
        return None
    took = turn.reply.latency_ms
    passed = took <= limit
    detail = "" if passed else f"took {took} ms (limit {limit} ms)"
    return Score(name="latency", passed=passed, value=float(took), detail=detail)


Scorer = Callable[[TurnInput], Score | None]

#: Every scorer, in the order failures are reported.
SCORERS: dict[str, Scorer] = {
    "completed": completed,
    "leaks": leaks,
    "refusal": refusal,
    "clarification": clarification,
    "tools": tool_calls,
    "facts": facts,
    "citations": citations,
    "plan_sections": plan_sections,
    "latency": latency,
}


def score_turn(turn: TurnInput) -> list[Score]:
    """Every applicable score of one turn (a failed turn skips nothing: all scores are recorded)."""
    return [score for scorer in SCORERS.values() if (score := scorer(turn)) is not None]
