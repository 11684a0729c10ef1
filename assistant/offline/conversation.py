"""Reading the conversation the planner is given: earlier questions, and this turn's tool results.

The planner keeps no state of its own between calls. Everything it needs is in the messages the
agent loop hands it (the checkpointer keeps a thread's messages): the system prompt, the earlier
turns of the thread, the current question, and — on the second call of a turn — the tool calls
it made and the :class:`~langchain_core.messages.ToolMessage` results that came back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, ValidationError

from assistant.offline.results import OUTPUTS
from assistant.toolkit import parse_error

#: Earlier questions read back to follow a thread (older ones cannot change the current frame).
MAX_HISTORY = 8
TRUNCATED_KEY = "truncated"


def text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content.strip()
    parts = [part.get("text", "") if isinstance(part, dict) else str(part) for part in content]
    return "".join(parts).strip()


@dataclass
class ToolResult:
    """One tool call of this turn and what came back: a typed output, or the tool's error text."""

    name: str
    args: dict[str, Any]
    output: BaseModel | None = None
    error: str | None = None
    truncated: list[str] = field(default_factory=list)
    #: Which ask of a question of several asks the call answered (0 for a question of one ask).
    part: int = 0

    @property
    def ok(self) -> bool:
        return self.output is not None

    def total(self, path: str) -> int | None:
        """How many items list ``path`` had before the result was shortened ("deals: kept 3 of 25")."""
        for cut in self.truncated:
            found = re.fullmatch(rf"{re.escape(path)}: kept \d+ of (\d+)", cut)
            if found:
                return int(found[1])
        return None


def parse_result(name: str, args: dict[str, Any], content: str) -> ToolResult:
    """A tool message as the tool's own output model; ``error: …`` texts and cut JSON as errors."""
    result = ToolResult(name=name, args=args)
    failed = parse_error(content)
    if failed is not None:
        result.error = failed.message
        return result
    try:
        payload = json.loads(content)
    except json.JSONDecodeError:
        result.error = "the result was too large to read"
        return result
    if isinstance(payload, dict) and set(payload) == {"result", TRUNCATED_KEY}:
        result.truncated = [str(t) for t in payload[TRUNCATED_KEY]]
        payload = payload["result"]
    model = OUTPUTS.get(name)
    if model is None:
        result.error = f"no reader for the {name} tool"
        return result
    try:
        result.output = model.model_validate(payload)
    except ValidationError:
        result.error = f"the {name} result could not be read"
    return result


@dataclass
class Conversation:
    """The current question, the earlier ones (oldest first) and this turn's tool results."""

    question: str
    history: list[str]
    results: list[ToolResult]
    rounds: int
    #: The answer shown after each earlier question (aligned with ``history``; "" when none).
    answers: list[str] = field(default_factory=list)
    #: Rounds of tool calls made for each ask of the question (see :mod:`assistant.offline.compound`).
    part_rounds: dict[int, int] = field(default_factory=dict)


#: The id of a tool call made for one ask of a question of several: ``offline_p1_…`` for the second.
PART_ID = re.compile(r"offline_p(\d)_")


def part_of(call_id: str) -> int:
    """Which ask of the question a tool call was made for (0 for a question of one ask)."""
    found = PART_ID.match(call_id)
    return int(found[1]) if found else 0


def read_conversation(messages: list[BaseMessage]) -> Conversation:
    """Split the messages at the last human message: before it the thread, after it this turn."""
    last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    if last_human < 0:
        return Conversation(question="", history=[], results=[], rounds=0)
    turns: list[tuple[str, str]] = []
    for message in messages[:last_human]:
        if isinstance(message, HumanMessage):
            turns.append((text_of(message), ""))
        elif isinstance(message, AIMessage) and not message.tool_calls and turns:
            turns[-1] = (turns[-1][0], text_of(message))
    turns = [t for t in turns if t[0]][-MAX_HISTORY:]
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    results: list[ToolResult] = []
    rounds = 0
    part_rounds: dict[int, int] = {}
    for message in messages[last_human + 1 :]:
        if isinstance(message, AIMessage) and message.tool_calls:
            rounds += 1
            part = part_of(str(message.tool_calls[0]["id"]))
            part_rounds[part] = part_rounds.get(part, 0) + 1
            for call in message.tool_calls:
                calls[str(call["id"])] = (call["name"], dict(call["args"]))
        elif isinstance(message, ToolMessage):
            name, args = calls.get(message.tool_call_id, (message.name or "", {}))
            result = parse_result(name, args, text_of(message))
            result.part = part_of(message.tool_call_id)
            results.append(result)
    return Conversation(
        question=text_of(messages[last_human]),
        history=[question for question, _ in turns],
        results=results,
        rounds=rounds,
        answers=[answer for _, answer in turns],
        part_rounds=part_rounds,
    )
