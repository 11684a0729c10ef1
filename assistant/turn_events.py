"""What a turn reports while it runs, for an interface that shows it live (the API's server-sent events).

:func:`streamed_run` runs the agent as ``ainvoke`` does and returns the same final state, while it
hands a listener (:data:`Listener`) what LangGraph streams (``stream_mode=["messages", "updates",
"values"]``):

* :class:`ToolProgress` — a tool call ``started`` (the model asked for it) and ``finished`` (its
  result is back; ``ok`` is false when the tool answered with an error);
* :class:`Token` — a piece of text as a chat model that streams writes it (an OpenAI-compatible
  server does; the offline planner writes whole answers and sends none);
* :class:`Restart` — the configured model failed and the offline planner answers instead: the
  tokens sent so far belong to the abandoned answer (sent by the service, not by this module).

Tokens are the model's raw draft: the final answer is checked afterwards (links, figures, record
references), so an interface shows tokens as a preview and replaces them with the final answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from assistant.toolkit import AgentContext, parse_error

STREAM_MODES: list[Literal["messages", "updates", "values"]] = ["messages", "updates", "values"]


@dataclass(frozen=True)
class ToolProgress:
    tool: str
    status: Literal["started", "finished"]
    call_id: str
    #: For a finished call: whether the tool returned a result (not an error).
    ok: bool | None = None


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Restart:
    reason: str


TurnEvent = ToolProgress | Token | Restart
Listener = Callable[[TurnEvent], None]


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def _progress(update: Any) -> list[ToolProgress]:
    """The tool calls asked for, and the results come back, in one node's state update."""
    messages = update.get("messages") if isinstance(update, dict) else None
    found: list[ToolProgress] = []
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, AIMessage):
            found += [ToolProgress(c["name"], "started", c.get("id") or "") for c in message.tool_calls]
        elif isinstance(message, ToolMessage):
            ok = parse_error(_text(message)) is None and message.status != "error"
            found.append(ToolProgress(message.name or "", "finished", message.tool_call_id, ok))
    return found


async def streamed_run(
    agent: CompiledStateGraph[Any, AgentContext, Any, Any],
    inputs: dict[str, Any],
    config: RunnableConfig,
    context: AgentContext,
    listener: Listener,
) -> dict[str, Any]:
    """Run ``agent`` on ``inputs`` (as ``ainvoke`` with ``durability="exit"``), reporting tool calls
    and tokens to ``listener``; the final state."""
    state: dict[str, Any] = {}
    async for item in agent.astream(
        inputs, config=config, context=context, durability="exit", stream_mode=STREAM_MODES
    ):
        mode, chunk = cast("tuple[str, Any]", item)  # several modes: (mode, chunk) pairs
        if mode == "values":
            state = chunk
        elif mode == "messages":
            message, _ = chunk
            if isinstance(message, AIMessageChunk) and (text := _text(message)):
                listener(Token(text))
        elif mode == "updates" and isinstance(chunk, dict):
            for update in chunk.values():
                for event in _progress(update):
                    listener(event)
    return state
