"""Test doubles that ship with the package: a scripted chat model for driving the agent loop.

    model = ScriptedChatModel()
    model.extend([[tool_call("stalled_deals", {})], ["Two deals are stalled."]])

Each step is what the model "says" on one call: a list of tool calls, a string (the final
answer), an :class:`AIMessage`, or a function of the conversation so far returning one of those.
The model records every conversation it was shown in :attr:`seen`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.outputs import ChatGeneration, ChatResult
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
        return ChatResult(generations=[ChatGeneration(message=message)])
