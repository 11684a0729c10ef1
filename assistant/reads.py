"""ReadService: how an interface reads through one tool for a viewer, audited like a question.

The CLI's data commands, the API's record endpoints and Slack's stalled-deal messages call
:meth:`ReadService.run_tool` instead of calling tools: the tool is found in the toolkit's registry
by name (an unknown name is a :class:`~tools.errors.UsageError`), its parameters are validated by
the tool's own input model (a bad one is an :class:`~tools.errors.InputError`), and it runs with
the context the agent's tools get, as the viewer. Each call is one audit-log entry of kind
``tool``: who, through which interface, the tool and its arguments, the outcome (``rejected``,
``error`` or ``bug`` by the kind of error), the record ids returned, and how long it took.

:class:`~assistant.service.AssistantService` extends this class, so questions, plans and reads
share one way of writing the audit log. This module loads no chat model or agent framework:
``salesplan deals stalled`` starts as fast as a command that calls a tool directly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from assistant.audit import AuditLog
from assistant.toolkit import AgentContext, ToolSpec, TurnLedger, find_tool
from tools.errors import ErrorKind, InputError, UsageError, kind_of
from tools.evidence import attach_sources
from tools.playbook import PlaybookSearcher
from tools.rebalance import RebalanceInput, RebalancePlan, plan_rebalance
from tools.rebalance.scenarios import (
    Published,
    ScenarioCompareInput,
    ScenarioLine,
    create_scenario,
    publish_scenario,
)
from tools.store.repository import Repository
from tools.store.scope import one_organisation
from tools.viewer import Viewer

log = logging.getLogger(__name__)

Output = TypeVar("Output", bound=BaseModel)
Result = TypeVar("Result")
#: The audit outcome of a request that failed, by the kind of its error.
OUTCOMES = {ErrorKind.RETRY: "rejected", ErrorKind.FAILED: "error", ErrorKind.BUG: "bug"}


def error_kind(exc: BaseException) -> ErrorKind:
    """The kind of an error; a database that cannot be reached is a failure, not a bug."""
    return ErrorKind.FAILED if isinstance(exc, OperationalError) else kind_of(exc)


def _given(params: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    """The arguments as called: a model's non-default fields, or the mapping as it came."""
    if isinstance(params, BaseModel):
        return params.model_dump(mode="json", exclude_defaults=True)
    return dict(params)


def _validated(spec: ToolSpec, params: Mapping[str, Any] | BaseModel) -> BaseModel:
    """``params`` as the tool's input model; an unknown field or a value the model refuses is an
    :class:`InputError`."""
    if isinstance(params, spec.params):
        return params
    data = params.model_dump() if isinstance(params, BaseModel) else params
    unknown = sorted(set(data) - set(spec.params.model_fields))
    if unknown:  # the input models ignore extra fields; a misspelt one must not be dropped silently
        known = ", ".join(spec.params.model_fields) or "none"
        raise InputError(f"{spec.name} has no parameter {unknown[0]!r}; its parameters are {known}")
    try:
        return spec.params.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "parameters"
        raise InputError(f"invalid {where} for {spec.name}: {first['msg']}") from None


def _with_sources(context: AgentContext, plan: RebalancePlan) -> RebalancePlan:
    """The plan with the source CRM id and link of every record in its proposal."""
    attach_sources(context.repository, context.viewer, plan.proposal)
    return plan


def _request(name: str, args: Mapping[str, Any]) -> str:
    """What the audit log shows as the request: the tool and its arguments."""
    return f"{name} {json.dumps(args, default=str, ensure_ascii=False)}" if args else name


class ReadService:
    """Runs tools for a viewer on behalf of an interface; every call is audited."""

    def __init__(
        self,
        repository: Callable[[], Repository],
        playbook: Callable[[], PlaybookSearcher | None],
        audit: AuditLog | None = None,
    ) -> None:
        self._repository = repository
        self._playbook = playbook
        self.audit = audit

    def run_tool(
        self,
        viewer: Viewer,
        name: str,
        params: Mapping[str, Any] | BaseModel,
        *,
        returns: type[Output],
        channel: str = "cli",
    ) -> Output:
        """The result of tool ``name`` for ``viewer``, as ``returns`` (the tool's output model); audited.

        ``params`` is the tool's input model or a mapping of its fields. Raises
        :class:`UsageError` for an unknown tool or another output model, :class:`InputError` for
        parameters the tool's model refuses, and whatever the tool raises.
        """
        return self._audited(
            viewer,
            name,
            params,
            channel,
            lambda spec, context, query: spec.run(context, query),
            returns,
            cited=lambda result: result,
        )

    async def arun_tool(
        self,
        viewer: Viewer,
        name: str,
        params: Mapping[str, Any] | BaseModel,
        *,
        returns: type[Output],
        channel: str = "cli",
    ) -> Output:
        """:meth:`run_tool` in a worker thread (the tools and the audit log block)."""
        return await asyncio.to_thread(self.run_tool, viewer, name, params, returns=returns, channel=channel)

    def rebalance_plan(
        self, viewer: Viewer, params: RebalanceInput, *, channel: str = "cli"
    ) -> RebalancePlan:
        """The whole rebalance plan (the ``propose_rebalance`` proposal, and the accounts and solver
        runs a report draws from); audited as a ``propose_rebalance`` call."""
        return self._audited(
            viewer,
            "propose_rebalance",
            params,
            channel,
            lambda _, context, query: _with_sources(
                context, plan_rebalance(context.repository, context.viewer, query)
            ),
            RebalancePlan,
            cited=lambda plan: plan.proposal,
        )

    def scenario_create(
        self, viewer: Viewer, name: str, params: RebalanceInput, *, channel: str = "cli"
    ) -> ScenarioLine:
        """Run a rebalance and save it as a scenario; audited as its ``propose_rebalance`` call."""
        return self._audited(
            viewer,
            "propose_rebalance",
            params,
            channel,
            lambda _, context, query: create_scenario(context.repository, context.viewer, name, query)[0],
            ScenarioLine,
            cited=lambda line: line,
        )

    def scenario_publish(
        self, viewer: Viewer, name: str, directory: Path, *, channel: str = "cli"
    ) -> Published:
        """Publish a scenario into ``directory``; audited as a ``compare_scenarios`` read of it."""
        return self._audited(
            viewer,
            "compare_scenarios",
            ScenarioCompareInput(scenarios=[name]),
            channel,
            lambda _, context, query: publish_scenario(context.repository, context.viewer, name, directory)[
                0
            ],
            Published,
            cited=lambda published: published,
        )

    def _audited(
        self,
        viewer: Viewer,
        name: str,
        params: Mapping[str, Any] | BaseModel,
        channel: str,
        run: Callable[[ToolSpec, AgentContext, Any], object],
        returns: type[Result],
        cited: Callable[[Result], BaseModel],
    ) -> Result:
        """Run ``run`` with the tool's validated parameters and audit it; ``cited`` is the model
        whose record ids the entry lists."""
        started = time.monotonic()
        args = _given(params)
        try:
            spec = find_tool(name)
            query = _validated(spec, params)
            args = _given(query)
            with one_organisation():
                result = run(spec, self._tool_context(viewer, spec), query)
            if not isinstance(result, returns):
                raise UsageError(f"{name} returns {type(result).__name__}, not {returns.__name__}")
        except Exception as exc:
            call = {"name": name, "args": args}
            self._record_failure(viewer, channel, "tool", _request(name, args), started, exc, [call])
            raise
        ledger = TurnLedger()
        ledger.cite(cited(result).model_dump(mode="json"))
        self._record(
            viewer,
            channel=channel,
            kind="tool",
            question=_request(name, args),
            outcome="answered",
            latency_ms=round((time.monotonic() - started) * 1000),
            tool_calls=[{"name": name, "args": args}],
            record_ids=ledger.playbook_ids + ledger.record_ids,
        )
        return result

    def _tool_context(self, viewer: Viewer, spec: ToolSpec) -> AgentContext:
        """What the agent's tools get; the playbook is opened only for the tools that search it."""
        return AgentContext(
            viewer=viewer,
            repository=self._repository(),
            playbook=self._playbook() if spec.kind in ("playbook", "plan") else None,
        )

    def _record(self, viewer: Viewer, **entry: Any) -> None:
        """Append to the audit log; a failure to write is logged, never lost silently, never fatal."""
        if self.audit is None:
            return
        try:
            self.audit.record(viewer, **entry)
        except SQLAlchemyError as exc:
            log.warning(
                "could not write the audit log entry for user %s: %s",
                viewer.user_id,
                getattr(exc, "orig", exc),
            )

    def record_refusal(self, viewer: Viewer, *, channel: str, kind: str, question: str, detail: str) -> None:
        """A ``rejected`` entry for a request an interface refused before it reached a service
        method (an HTTP API request that failed validation)."""
        self._record(
            viewer,
            channel=channel,
            kind=kind,
            question=question,
            outcome="rejected",
            latency_ms=0,
            detail=detail,
        )

    def _record_failure(
        self,
        viewer: Viewer,
        channel: str,
        kind: str,
        question: str,
        started: float,
        exc: BaseException,
        tool_calls: list[dict[str, Any]] | None = None,
        thread: str | None = None,
    ) -> None:
        """An entry for a request that raised: ``rejected``, ``error`` or ``bug`` by the error's kind."""
        failure = error_kind(exc)
        self._record(
            viewer,
            channel=channel,
            kind=kind,
            question=question,
            outcome=OUTCOMES[failure],
            latency_ms=round((time.monotonic() - started) * 1000),
            thread=thread,
            tool_calls=tool_calls or [],
            detail=f"{type(exc).__name__}: {exc}"
            if failure is ErrorKind.BUG
            else str(exc) or type(exc).__name__,
        )

    async def _audit(self, viewer: Viewer, **entry: Any) -> None:
        await asyncio.to_thread(self._record, viewer, **entry)

    async def _audit_failure(
        self,
        viewer: Viewer,
        channel: str,
        kind: str,
        question: str,
        started: float,
        exc: BaseException,
        thread: str | None = None,
    ) -> None:
        await asyncio.to_thread(
            self._record_failure, viewer, channel, kind, question, started, exc, None, thread
        )
