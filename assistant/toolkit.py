"""The one place where ``tools/`` functions become LangChain tools.

Each tool's schema is its pydantic input model and its description is the function's docstring
(summary; the ``Args:`` section must list exactly the model's fields — a test checks it and
snapshots the JSON schema the model sees). Who is asking and what to read from (viewer,
repository, playbook, clock) arrive per run in :class:`AgentContext` through LangChain's
``ToolRuntime``; they are never tool arguments, so no prompt can change them.

Tool results go back to the model as JSON, capped at :data:`MAX_TOOL_CHARS` characters: long lists
are shortened and the result says what was cut. An error goes back as text starting with
``error`` that says which of the kinds of :mod:`tools.errors` it is, so the model knows what to do:

* ``error (fix the call and retry, or ask the user): no account named 'Acmee' — did you mean …``
  (an :class:`~tools.errors.InputError`: the model may correct its call or ask);
* ``error (tell the user; retrying will not help): only managers and RevOps can ask for …``
  (a :class:`~tools.errors.DataError`: the answer says it could not be done).

Programmer misuse (:class:`~tools.errors.UsageError`, e.g. a tool run without its context) is not
returned to the model: it fails the turn like any bug. The registry (:data:`TOOLS`,
:func:`find_tool`, :meth:`ToolSpec.run`) is framework-free; LangChain loads only when the agent's
tools are built, so an interface that reads through the registry does not pay for it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from pydantic import BaseModel, Field

from tools.errors import ErrorKind, SalesplanError, UsageError
from tools.evidence import PLAYBOOK_ID, RECORD_ID, attach_sources

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.tools import BaseTool

    from assistant.changes import ChangeDesk
    from assistant.plans.tools import PlanMaker
    from tools.playbook import PlaybookSearcher
    from tools.store.repository import Repository
    from tools.viewer import Viewer

MAX_TOOL_CHARS = 12_000
#: A drafted plan is a document, returned whole (a territory plan is 10-20k characters).
MAX_PLAN_CHARS = 40_000
MAX_IDENTICAL_CALLS = 3


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]
    error: str | None = None
    #: The kind of the error (retry or failed) when the call failed.
    kind: ErrorKind | None = None
    #: Where the model asked for it: (its model step, its place among that step's calls). Calls asked
    #: together run at once and start in any order; the turn reports them in the order asked.
    order: tuple[int, int] = (0, 0)


@dataclass
class TurnLedger:
    """What the tools did in one turn: calls, errors, and the ids an answer may cite."""

    calls: list[ToolCall] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)
    playbook_ids: list[str] = field(default_factory=list)
    identical: dict[str, int] = field(default_factory=dict)
    #: The numbers an answer may state (tool results and questions of the thread), set after the run.
    figures: set[Decimal] = field(default_factory=set)
    #: The changes proposed this turn (``propose_change`` results), waiting for the user's yes.
    proposals: list[dict[str, Any]] = field(default_factory=list)

    def cite(self, payload: Any) -> None:
        if isinstance(payload, dict):
            for value in payload.values():
                self.cite(value)
        elif isinstance(payload, list):
            for value in payload:
                self.cite(value)
        elif isinstance(payload, str):
            if RECORD_ID.match(payload) and payload not in self.record_ids:
                self.record_ids.append(payload)
            elif PLAYBOOK_ID.match(payload) and payload not in self.playbook_ids:
                self.playbook_ids.append(payload)


@dataclass
class AgentContext:
    """Everything a turn's tools read from, injected per run (never a tool argument)."""

    viewer: Viewer
    repository: Repository
    playbook: PlaybookSearcher | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    #: Drafts plans for the plan tools (the service passes one writing with the turn's model).
    plans: PlanMaker | None = None
    ledger: TurnLedger = field(default_factory=TurnLedger)
    #: When the turn must end (``time.monotonic()`` seconds), if it has a deadline.
    deadline: float | None = None
    #: The chat model that answers this run (the agent graph is shared by every run and user).
    model: BaseChatModel | None = None
    #: Proposes CRM changes (None: no change can be proposed in this run).
    changes: ChangeDesk | None = None
    #: The interface the turn came from (``cli``, ``api``, ``slack``), as the audit log names it.
    channel: str = "cli"


@cache
def _load(reference: str) -> Any:
    """The object a ``module:attribute`` reference names (its module is imported on first use)."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its name, its function and input model (``module:attribute`` references, loaded
    when first used, so an interface running one tool imports that tool's family only), how it is
    called, and the cap on its result."""

    name: str
    function_ref: str
    params_ref: str
    #: How the function is called: with (repository, viewer, params), (playbook, params), (params),
    #: for "plan" (plan drafter, viewer, params), or for "change" (change desk, viewer, params,
    #: channel).
    kind: str = "data"
    limit: int = MAX_TOOL_CHARS

    @property
    def function(self) -> Callable[..., BaseModel]:
        return cast("Callable[..., BaseModel]", _load(self.function_ref))

    @property
    def params(self) -> type[BaseModel]:
        return cast("type[BaseModel]", _load(self.params_ref))

    def run(self, context: AgentContext, params: BaseModel) -> BaseModel:
        """The tool's result for ``context``'s viewer (what the agent's tool call returns, uncapped),
        every record in it with its source CRM id and link (:func:`~tools.evidence.attach_sources`)."""
        if self.kind == "playbook":
            return self.function(context.playbook, params)
        if self.kind == "plain":
            return self.function(params)
        if self.kind == "plan":
            return self.function(context.plans or _offline_plans(context), context.viewer, params)
        if self.kind == "change":
            return self.function(context.changes, context.viewer, params, context.channel)
        result = self.function(context.repository, context.viewer, params)
        return attach_sources(context.repository, context.viewer, result)


class MetricsQuery(BaseModel):
    metric: str | None = Field(default=None, description="One metric's name (e.g. 'win rate'); default all.")


class MetricDefinitions(BaseModel):
    metrics: list[dict[str, str]]


def metric_definitions(params: MetricsQuery) -> MetricDefinitions:
    """How each sales metric is defined (win rate, coverage, attainment, cycle, deal size…).

    Args:
        metric: One metric's name (e.g. 'win rate'); default all.
    """
    from tools.metrics import definitions

    wanted = (params.metric or "").casefold().replace("_", " ").strip()
    chosen = [
        m
        for m in definitions()
        if not wanted or wanted in m.name.casefold() or wanted in m.key.replace("_", " ")
    ]
    # "win rate" is that metric, not every one whose name contains it ("win rate by value")
    exact = [m for m in chosen if wanted in (m.name.casefold(), m.key.replace("_", " "))]
    chosen = exact or chosen
    return MetricDefinitions(
        metrics=[
            {"name": m.name, "unit": m.unit.value, "definition": m.definition}
            for m in chosen or definitions()
        ]
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("search_accounts", "tools.accounts:search_accounts", "tools.accounts:AccountSearch"),
    ToolSpec("account_profile", "tools.accounts:account_profile", "tools.accounts:AccountProfileInput"),
    ToolSpec("account_facts", "tools.accounts:account_facts", "tools.accounts:AccountInput"),
    ToolSpec("account_purchases", "tools.accounts:account_purchases", "tools.accounts:AccountInput"),
    ToolSpec(
        "list_products", "tools.accounts.catalogue:list_products", "tools.accounts.catalogue:CatalogueInput"
    ),
    ToolSpec("account_whitespace", "tools.accounts:account_whitespace", "tools.accounts:WhitespaceInput"),
    ToolSpec("list_territories", "tools.territory:list_territories", "tools.territory:TerritoryListInput"),
    ToolSpec(
        "territory_summary",
        "tools.territory.summary:territory_summary",
        "tools.territory.summary:TerritorySummaryInput",
    ),
    ToolSpec(
        "territory_balance",
        "tools.territory.balance:territory_balance",
        "tools.territory.balance:TerritoryBalanceInput",
    ),
    ToolSpec("team_roster", "tools.territory.roster:team_roster", "tools.territory.roster:RosterInput"),
    ToolSpec(
        "propose_rebalance", "tools.rebalance:propose_rebalance", "tools.rebalance.models:RebalanceInput"
    ),
    ToolSpec("assign_accounts", "tools.rebalance.assign:assign", "tools.rebalance.assignment:AssignInput"),
    ToolSpec(
        "list_scenarios",
        "tools.rebalance.scenarios:list_scenarios",
        "tools.rebalance.scenarios:ScenarioListInput",
    ),
    ToolSpec(
        "compare_scenarios",
        "tools.rebalance.scenarios:compare_scenarios",
        "tools.rebalance.scenarios:ScenarioCompareInput",
    ),
    ToolSpec("pipeline_summary", "tools.deals:pipeline_summary", "tools.deals:PipelineQuery"),
    ToolSpec("deal_details", "tools.deals:deal_details", "tools.deals:DealQuery"),
    ToolSpec("stalled_deals", "tools.deals:stalled_deals", "tools.deals:StalledQuery"),
    ToolSpec("win_scores", "tools.deals:win_scores", "tools.deals:WinScoreQuery"),
    ToolSpec("pipeline_changes", "tools.deals:pipeline_changes", "tools.deals:ChangesQuery"),
    ToolSpec("forecast", "tools.deals:forecast", "tools.deals:ForecastQuery"),
    ToolSpec("rep_performance", "tools.deals:rep_performance", "tools.deals:PerformanceQuery"),
    ToolSpec("forecast_call_prep", "tools.manager:forecast_call_prep", "tools.manager:ForecastCallQuery"),
    ToolSpec("one_on_one_prep", "tools.manager:one_on_one_prep", "tools.manager:OneOnOneQuery"),
    ToolSpec("quota_risk", "tools.manager:quota_risk", "tools.manager:QuotaRiskQuery"),
    ToolSpec(
        "qualification_scorecard", "tools.manager:qualification_scorecard", "tools.manager:QualificationQuery"
    ),
    ToolSpec("query_metrics", "tools.semantic:query_metrics", "tools.semantic:MetricQuery"),
    ToolSpec(
        "metric_definitions",
        "assistant.toolkit:metric_definitions",
        "assistant.toolkit:MetricsQuery",
        kind="plain",
    ),
    ToolSpec(
        "search_playbook", "tools.playbook:search_playbook", "tools.playbook:PlaybookQuery", kind="playbook"
    ),
    ToolSpec(
        "account_plan",
        "assistant.plans.tools:account_plan",
        "tools.plans.account:AccountPlanInput",
        kind="plan",
        limit=MAX_PLAN_CHARS,
    ),
    ToolSpec(
        "territory_plan",
        "assistant.plans.tools:territory_plan",
        "tools.plans.territory:TerritoryPlanInput",
        kind="plan",
        limit=MAX_PLAN_CHARS,
    ),
    ToolSpec(
        "propose_change",
        "assistant.proposals:propose_change",
        "assistant.proposals:ChangeRequest",
        kind="change",
    ),
    ToolSpec(
        "log_activity",
        "assistant.proposals:log_activity",
        "assistant.proposals:ActivityRequest",
        kind="change",
    ),
)
BY_NAME = {spec.name: spec for spec in TOOLS}


def find_tool(name: str) -> ToolSpec:
    """The tool called ``name``; an unknown name is a :class:`UsageError` (the caller's code is wrong)."""
    spec = BY_NAME.get(name)
    if spec is None:
        raise UsageError(f"no tool named {name!r}; the tools are {', '.join(BY_NAME)}")
    return spec


#: What each kind of error tells the model to do, in ``error (ADVICE): message``.
ADVICE = {
    ErrorKind.RETRY: "fix the call and retry, or ask the user",
    ErrorKind.FAILED: "tell the user; retrying will not help",
}
ERROR_RESULT = re.compile(r"error(?: \((?P<advice>[^)]*)\))?: (?P<message>.*)", re.DOTALL)


class ToolError(NamedTuple):
    kind: ErrorKind
    message: str


def error_result(kind: ErrorKind, message: str) -> str:
    """The tool result for a failed call: ``error (what to do): message``."""
    return f"error ({ADVICE[kind]}): {message}"


def parse_error(content: str) -> ToolError | None:
    """The kind and message of an :func:`error_result` (a bare ``error: …`` is a retry), else None."""
    found = ERROR_RESULT.fullmatch(content)
    if found is None:
        return None
    advice = found["advice"]
    kind = next((k for k, text in ADVICE.items() if text == advice), ErrorKind.RETRY)
    return ToolError(kind, found["message"].strip())


def description(function: Callable[..., Any]) -> str:
    """The tool description: the docstring without its ``Args:`` section."""
    doc = inspect.getdoc(function) or ""
    return doc.split("\nArgs:")[0].strip()


def documented_args(function: Callable[..., Any]) -> list[str]:
    """The argument names the docstring's ``Args:`` section lists."""
    doc = inspect.getdoc(function) or ""
    if "\nArgs:" not in doc:
        return []
    section = re.split(r"\n\S[^\n]*:\n", doc.split("\nArgs:", 1)[1] + "\n", maxsplit=1)[0]
    return re.findall(r"^    (\w+):", section, flags=re.MULTILINE)


def cap(payload: Any, limit: int = MAX_TOOL_CHARS) -> str:
    """JSON for the model, shortening the longest lists until it fits; says what was cut."""
    text = json.dumps(payload, default=str, separators=(",", ":"))
    if len(text) <= limit:
        return text
    cuts: list[str] = []
    # Evidence lists (record ids, filters) go first: they matter less to the answer than the rows
    # (their counts stay beside them).
    for keep_evidence in (3, 1):
        payload = _trim_keys(payload, EVIDENCE_KEYS, keep_evidence)
        text = json.dumps(payload, default=str, separators=(",", ":"))
        if len(text) <= limit:
            return text
    for keep in (50, 20, 10, 5, 3, 1):
        trimmed = _trim(payload, keep, cuts, "")
        text = json.dumps(
            {"result": trimmed, "truncated": sorted(set(cuts))}, default=str, separators=(",", ":")
        )
        if len(text) <= limit:
            return text
        cuts.clear()
    return text[: limit - 80] + '…"} [output cut: too large even after shortening every list to one item]'


EVIDENCE_KEYS = frozenset({"record_ids", "filters"})


def _trim_keys(value: Any, keys: frozenset[str], keep: int) -> Any:
    """Shorten the lists held under ``keys`` anywhere in ``value`` (their counts stay elsewhere)."""
    if isinstance(value, dict):
        return {
            k: (v[:keep] if k in keys and isinstance(v, list) else _trim_keys(v, keys, keep))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_trim_keys(v, keys, keep) for v in value]
    return value


def _trim(value: Any, keep: int, cuts: list[str], path: str) -> Any:
    if isinstance(value, dict):
        return {k: _trim(v, keep, cuts, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > keep:
            cuts.append(f"{path}: kept {keep} of {len(value)}")
        return [_trim(v, keep, cuts, path) for v in value[:keep]]
    return value


def _offline_plans(context: AgentContext) -> PlanMaker:
    from assistant.plans.drafter import PlanDrafter

    return PlanDrafter(lambda: context.repository, lambda: context.playbook)


def _asked_at(state: Any, call_id: str | None) -> tuple[int, int]:
    """The model step that asked for the call ``call_id`` and its place among that step's calls."""
    messages = state.get("messages", []) if isinstance(state, dict) else getattr(state, "messages", [])
    asked = [m for m in messages if getattr(m, "tool_calls", None)]
    if not asked:
        return (0, 0)
    ids = [call.get("id") for call in asked[-1].tool_calls]
    return (len(asked), ids.index(call_id) if call_id in ids else len(ids))


def as_langchain_tool(spec: ToolSpec) -> BaseTool:
    from langchain.tools import ToolRuntime
    from langchain_core.tools import StructuredTool

    def call(runtime: ToolRuntime[AgentContext], **arguments: Any) -> str:
        context = runtime.context
        if not isinstance(context, AgentContext):
            raise UsageError(f"the {spec.name} tool needs an AgentContext: invoke the agent with context=")
        params = spec.params.model_validate(arguments)
        given = params.model_dump(mode="json", exclude_defaults=True)
        key = spec.name + json.dumps(given, sort_keys=True)
        context.ledger.identical[key] = context.ledger.identical.get(key, 0) + 1
        record = ToolCall(spec.name, given, order=_asked_at(runtime.state, runtime.tool_call_id))
        context.ledger.calls.append(record)
        if context.ledger.identical[key] > MAX_IDENTICAL_CALLS:
            record.error, record.kind = "repeated call", ErrorKind.RETRY
            return error_result(
                ErrorKind.RETRY,
                f"{spec.name} was already called {MAX_IDENTICAL_CALLS} times with these arguments; "
                "use the earlier result or answer now",
            )
        try:
            result = spec.run(context, params)
        except SalesplanError as exc:
            record.error, record.kind = str(exc), exc.kind
            return error_result(exc.kind, str(exc))
        payload = result.model_dump(mode="json")
        context.ledger.cite(payload)
        if spec.kind == "change":
            context.ledger.proposals.append(payload)
        return cap(payload, spec.limit)

    # LangChain finds the runtime to inject by this annotation, which it resolves in the module's
    # globals; LangChain is imported here (not at the top), so it is given resolved.
    call.__annotations__["runtime"] = ToolRuntime[AgentContext]
    return StructuredTool.from_function(
        func=call, name=spec.name, description=description(spec.function), args_schema=spec.params
    )


def build_tools() -> list[BaseTool]:
    return [as_langchain_tool(spec) for spec in TOOLS]
