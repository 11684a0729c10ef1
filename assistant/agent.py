"""The agent: LangChain ``create_agent`` over the toolkit, with the prompt and the turn's budgets.

The graph is compiled once per chat model and process (:func:`build_agent`; the service keeps it)
and serves every turn and every user: everything a turn depends on — who is asking, the
repository, the playbook, the plan drafter, the turn's deadline and its ledger — arrives in the
run's :class:`~assistant.toolkit.AgentContext` (LangGraph's runtime context, ``context=``), and
the thread's state in the checkpointer the service lends the graph for the turn. Nothing of one
turn is kept in the graph.

Middleware, outermost first:

* :class:`TurnModel` hands the model call to the turn's chat model (``AgentContext.model``): the
  configured model, or the offline planner when a turn falls back; a chat model may keep state
  of its own between calls of a turn (the offline planner remembers the viewer's names), so each
  turn gets a fresh one and one user's turn never sees another's;
* :func:`system_prompt` renders ``prompts/system.md.j2`` for the viewer of the run;
* ``ModelCallLimitMiddleware``: at most ``max_model_calls`` model calls per turn, then the turn
  ends (the service treats that as a failure and falls back to the offline planner);
* :class:`RetryAfter`: retries a failed model call (429, 5xx, timeouts, connection errors) after
  the server's ``Retry-After`` (or a short back-off), but only when the wait fits before the
  turn's deadline (``AgentContext.deadline``); otherwise the error goes up and the turn falls back;
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
import contextvars
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import langsmith
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
from langsmith._runtime_overrides import get_runtime_overrides
from langsmith.utils import tracing_is_enabled

import prompts
from assistant.model_errors import is_retryable
from assistant.offline.hint import reading_of
from assistant.offline.planner import OfflinePlanner
from assistant.redaction import redact_value
from assistant.text_tool_calls import TextToolCalls
from assistant.toolkit import AgentContext, build_tools

COMPANY = "the sales team"
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 2.0)


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

    def _wait(self, exc: BaseException, attempt: int, request: ModelRequest[AgentContext]) -> float | None:
        if not is_retryable(exc) or attempt + 1 >= MAX_ATTEMPTS:
            return None
        wait = retry_after(exc)
        wait = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)] if wait is None else wait
        context = request.runtime.context
        deadline = context.deadline if isinstance(context, AgentContext) else None
        if deadline is not None and wait >= TurnClock(deadline).remaining() - 1:
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
                wait = self._wait(exc, attempt, request)
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
                wait = self._wait(exc, attempt, request)
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


class TurnModel(AgentMiddleware[Any, AgentContext, Any]):
    """The model call goes to the run's own chat model (``AgentContext.model``), when it has one."""

    @staticmethod
    def _chosen(request: ModelRequest[AgentContext]) -> ModelRequest[AgentContext]:
        context = request.runtime.context
        model = context.model if isinstance(context, AgentContext) else None
        return request if model is None else request.override(model=model)

    def wrap_model_call(
        self,
        request: ModelRequest[AgentContext],
        handler: Callable[[ModelRequest[AgentContext]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        return handler(self._chosen(request))

    async def awrap_model_call(
        self,
        request: ModelRequest[AgentContext],
        handler: Callable[[ModelRequest[AgentContext]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        return await handler(self._chosen(request))


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


async def _inline_unless_tracing(
    default: Callable[..., Awaitable[Any]],
    ctx: contextvars.Context,
    func: Callable[..., Any],
    /,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """LangSmith's hand-off of a span's set-up and tear-down: in a worker thread when tracing is on
    (its default), inline when it is off (there is nothing to send)."""
    if tracing_is_enabled():
        return await default(ctx, func, *args, **kwargs)
    return ctx.run(func, *args, **kwargs)


def _spans_inline_when_not_tracing() -> None:
    """LangChain wraps every middleware's model-call hook in a LangSmith span whose set-up and
    tear-down LangSmith runs in a worker thread, even with tracing off: two thread hand-offs per
    hook and model call, a large share of a warm offline turn. With tracing off they now run
    inline (LangSmith's documented ``set_runtime_overrides``; an override already installed by
    the host process is left alone)."""
    if get_runtime_overrides().aio_to_thread is None:
        langsmith.set_runtime_overrides(aio_to_thread=_inline_unless_tracing)


def build_agent(
    model: BaseChatModel,
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    max_model_calls: int = 8,
) -> CompiledStateGraph[Any, AgentContext, Any, Any]:
    """The agent graph; ``model`` answers runs whose context names no model of their own. State per
    thread lives in ``checkpointer`` (or one lent for a turn: ``graph.copy(update={"checkpointer":
    saver})``, as :class:`~assistant.service.AssistantService` does)."""
    _spans_inline_when_not_tracing()
    middleware: list[AgentMiddleware[Any, AgentContext, Any]] = [
        TurnModel(),
        system_prompt,
        ModelCallLimitMiddleware(run_limit=max_model_calls, exit_behavior="end"),
        RetryAfter(),
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
