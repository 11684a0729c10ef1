"""Test doubles that ship with the package: a scripted chat model for driving the agent loop.

    model = ScriptedChatModel()
    model.extend([[tool_call("stalled_deals", {})], "Two deals are stalled."])

Each step is what the model "says" on one call: a list of tool calls, a string (the final
answer), an :class:`AIMessage`, or a function of the conversation so far returning one of those.
The model records every conversation it was shown in :attr:`seen`. Streamed (an agent run with
``stream_mode="messages"``), a text answer arrives word by word, as from a real model; tool calls
arrive in one chunk.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Union

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import ToolCall, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import Field

Step = Union[str, AIMessage, list[ToolCall], Callable[[list[BaseMessage]], "Step"]]  # noqa: UP007
_ids = itertools.count(1)


def tool_call(name: str, args: dict[str, Any] | None = None) -> ToolCall:
    """A tool call as a model would send it."""
    return ToolCall(name=name, args=args or {}, id=f"call_{next(_ids)}", type="tool_call")


class ScriptedChatModel(BaseChatModel):
    """A chat model that replays scripted steps, one per call."""

    steps: list[Any] = Field(default_factory=list)
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def extend(self, steps: Iterable[Step]) -> ScriptedChatModel:
        self.steps.extend(steps)
        return self

    def bind_tools(
        self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._next(messages)
        if isinstance(message.content, str) and not (message.tool_calls or message.invalid_tool_calls):
            for word in re.findall(r"\s*\S+", message.content) or [message.content]:
                yield ChatGenerationChunk(message=AIMessageChunk(content=word))
            return
        calls = [
            tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
            for i, c in enumerate(message.tool_calls)
        ] + [
            tool_call_chunk(name=c["name"], args=c["args"], id=c["id"], index=len(message.tool_calls) + i)
            for i, c in enumerate(message.invalid_tool_calls)
        ]
        yield ChatGenerationChunk(message=AIMessageChunk(content=message.content, tool_call_chunks=calls))

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        """The next scripted step as the message the model sends."""
        self.seen.append(list(messages))
        if not self.steps:
            raise AssertionError("the scripted model has no steps left")
        step: Any = self.steps.pop(0)
        while callable(step):
            step = step(messages)
        if isinstance(step, str):
            message = AIMessage(content=step)
        elif isinstance(step, AIMessage):
            message = step
        else:
            message = AIMessage(content="", tool_calls=list(step))
        return message
