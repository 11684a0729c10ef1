"""The agent: LangChain ``create_agent`` over the toolkit, with the prompt and the turn's budgets.

Middleware, outermost first:

* :func:`system_prompt` renders ``prompts/system.md.j2`` for the viewer of the run;
* ``ModelCallLimitMiddleware``: at most ``max_model_calls`` model calls per turn, then the turn
  ends (the service treats that as a failure and falls back to the offline planner);
* :class:`RetryAfter`: retries a failed model call (429, 5xx, timeouts, connection errors) after
  the server's ``Retry-After`` (or a short back-off), but only when the wait fits before the
  turn's deadline; otherwise the error goes up and the turn falls back;
* :class:`~assistant.text_tool_calls.TextToolCalls`: a tool call the model wrote as text (as small
  local models do) becomes a structured tool call when it names a tool and its arguments validate;
* :class:`RedactSecrets`, innermost: what is sent to the model (the system prompt, the questions,
  the tool results, earlier answers) has its secrets replaced by ``[redacted]``
  (:mod:`assistant.redaction`), wherever they came from — a pasted password, a CRM note, a thread
  stored before redaction existed.

At most 3 identical tool calls per turn are enforced by the toolkit itself; a model that keeps
repeating a call after its result came back reaches the model-call limit (or the deadline) and
the turn falls back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import openai
from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    ModelCallLimitMiddleware,
    ModelRequest,
    ModelResponse,
    dynamic_prompt,
)
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph

import prompts
from assistant.offline.hint import reading_of
from assistant.offline.planner import OfflinePlanner
from assistant.redaction import redact_value
from assistant.text_tool_calls import TextToolCalls
from assistant.toolkit import AgentContext, build_tools

COMPANY = "the sales team"
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 2.0)
RETRYABLE = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    httpx.TimeoutException,
)


@dataclass
class TurnClock:
    """The deadline of one turn (monotonic seconds)."""

    deadline: float

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def retry_after(exc: BaseException) -> float | None:
    """Seconds a server asked us to wait (``Retry-After`` or ``retry-after-ms``), if it said."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if "retry-after-ms" in headers:
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            return None
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class RetryAfter(AgentMiddleware[Any, AgentContext, Any]):
    """Retry retryable model errors, honouring ``Retry-After`` when it fits in the turn's deadline."""

    def __init__(self, clock: Callable[[], TurnClock | None]) -> None:
        super().__init__()
        self._clock = clock

    def _wait(self, exc: BaseException, attempt: int) -> float | None:
        if not isinstance(exc, RETRYABLE) or attempt + 1 >= MAX_ATTEMPTS:
            return None
        wait = retry_after(exc)
        wait = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)] if wait is None else wait
        clock = self._clock()
        if clock is not None and wait >= clock.remaining() - 1:
            return None
        return wait

    def wrap_model_call(
        self,
        request: ModelRequest[AgentContext],
        handler: Callable[[ModelRequest[AgentContext]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        for attempt in range(MAX_ATTEMPTS):
            try:
                return handler(request)
            except Exception as exc:
                wait = self._wait(exc, attempt)
                if wait is None:
                    raise
                time.sleep(wait)
        raise AssertionError("unreachable")

    async def awrap_model_call(
        self,
        request: ModelRequest[AgentContext],
        handler: Callable[[ModelRequest[AgentContext]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        for attempt in range(MAX_ATTEMPTS):
            try:
                return await handler(request)
            except Exception as exc:
                wait = self._wait(exc, attempt)
                if wait is None:
                    raise
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")


class RedactSecrets(AgentMiddleware[Any, AgentContext, Any]):
    """Every message of a model request with its secrets replaced by ``[redacted]``."""

    @staticmethod
    def _redacted(request: ModelRequest[AgentContext]) -> ModelRequest[AgentContext]:
        return request.override(
            messages=redact_value(list(request.messages)),
            system_message=redact_value(request.system_message),
        )

    def wrap_model_call(
        self,
        request: ModelRequest[AgentContext],
        handler: Callable[[ModelRequest[AgentContext]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        return handler(self._redacted(request))

    async def awrap_model_call(
        self,
        request: ModelRequest[AgentContext],
        handler: Callable[[ModelRequest[AgentContext]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        return await handler(self._redacted(request))


@dynamic_prompt
def system_prompt(request: ModelRequest[AgentContext]) -> str:
    context = request.runtime.context
    reading = None
    if not isinstance(request.model, OfflinePlanner):
        tools = [getattr(t, "name", "") for t in request.tools]
        reading = reading_of(context, list(request.messages), tools)
    return prompts.render(
        "system",
        company=COMPANY,
        viewer_name=context.viewer.name,
        viewer_role=context.viewer.role.value,
        as_of=context.repository.as_of.isoformat(),
        answer_format=prompts.render("answer_format"),
        reading=reading,
    )


def build_agent(
    model: BaseChatModel,
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    max_model_calls: int = 8,
    clock: Callable[[], TurnClock | None] = lambda: None,
) -> CompiledStateGraph[Any, AgentContext, Any, Any]:
    """The agent graph for ``model``; state per thread lives in ``checkpointer``."""
    middleware: list[AgentMiddleware[Any, AgentContext, Any]] = [
        system_prompt,
        ModelCallLimitMiddleware(run_limit=max_model_calls, exit_behavior="end"),
        RetryAfter(clock),
        TextToolCalls(),
        RedactSecrets(),
    ]
    return create_agent(
        model,
        build_tools(),
        middleware=middleware,
        context_schema=AgentContext,
        checkpointer=checkpointer,
    )
