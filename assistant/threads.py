"""A conversation read back by its owner: each turn's question, answer and tool calls.

A thread's messages are kept by the conversation store (:mod:`assistant.memory`) under the key
``<user id>:<thread>``, so a thread is found only for the user who asked in it: another user's
thread id finds nothing, exactly like an id never used. The answers are shown as they were when
given: links not in the thread's own data reduced to their text (:mod:`assistant.safety`), and
in an answer a configured model wrote (not the offline planner), figures no tool produced marked
"(unverified)" (:mod:`assistant.grounding`), both judged against the questions and tool results
that came before the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic import BaseModel, Field

from assistant.grounding import mark_unverified, values_of
from assistant.safety import strip_foreign_links
from assistant.settings import OFFLINE_MODEL


class ToolCallRecord(BaseModel):
    name: str
    args: dict[str, Any]


class ThreadTurn(BaseModel):
    question: str = Field(description="The question, as stored (secrets redacted).")
    answer: str | None = Field(description="The answer in Markdown; empty when the turn was not answered.")
    tool_calls: list[ToolCallRecord] = Field(description="The tools the turn called, in order.")
    model: str | None = Field(description="The model that wrote the answer, as it names itself.")


class Conversation(BaseModel):
    thread_id: str
    turns: list[ThreadTurn] = Field(description="The turns, oldest first.")


def text_of(message: BaseMessage) -> str:
    """A message's text, whether its content is a string or a list of parts."""
    content = message.content
    if isinstance(content, str):
        return content.strip()
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content).strip()


async def stored_messages(saver: BaseCheckpointSaver[Any], key: str) -> list[BaseMessage] | None:
    """The messages of thread ``key`` (a :func:`~assistant.memory.thread_key`), or None when the
    store has no such thread."""
    found = await saver.aget_tuple({"configurable": {"thread_id": key, "checkpoint_ns": ""}})
    if found is None:
        return None
    messages = found.checkpoint.get("channel_values", {}).get("messages", [])
    return [m for m in messages if isinstance(m, BaseMessage)]


def _shown(answer: AIMessage, sources: list[str]) -> tuple[str, str | None]:
    """The answer as it was shown, and the model that wrote it."""
    model = answer.response_metadata.get("model_name")
    text = strip_foreign_links(text_of(answer), sources)
    if model != OFFLINE_MODEL:
        text, _ = mark_unverified(text, values_of(sources))
    return text, model if isinstance(model, str) else None


def conversation_of(thread_id: str, messages: list[BaseMessage], show: Callable[[str], str]) -> Conversation:
    """The turns of a thread's ``messages``; ``show`` renders an answer's record references."""
    turns: list[ThreadTurn] = []
    sources: list[str] = []
    for message in messages:
        if isinstance(message, HumanMessage | ToolMessage):
            sources.append(text_of(message))
        if isinstance(message, HumanMessage):
            turns.append(ThreadTurn(question=text_of(message), answer=None, tool_calls=[], model=None))
        elif isinstance(message, AIMessage) and turns:
            turn = turns[-1]
            turn.tool_calls += [ToolCallRecord(name=c["name"], args=c["args"]) for c in message.tool_calls]
            if not message.tool_calls and text_of(message):
                text, turn.model = _shown(message, sources)
                turn.answer = show(text)
    return Conversation(thread_id=thread_id, turns=turns)
