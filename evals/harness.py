"""The harness: runs cases through the assistant and records what every scorer says.

The system under test sits behind :class:`Assistant`, the one method ``AssistantService``
already has (``aask(viewer, text, thread_id, channel=...) -> Answer``; the audit log records the
channel ``eval``). For each suite the harness builds a
fresh home with the suite's data (:mod:`evals.suites`), checks every case before running any
(users exist, tools exist, every reference query runs), then runs each case ``repeat`` times,
each run in a new thread, turn by turn. Results are recorded per turn
(:class:`~evals.results.TurnResult`) and aggregated once at the end.

Model calls are counted, and tokens summed when the model reports them, by a callback attached
to each chat model the assistant builds; a context variable ties the counts to the turn.

Failures of the system under test (an exception from ``aask``) fail that case with the error as
the reason; failures of the harness itself (a bad case file, a missing data set, an unusable
model configuration) raise a :class:`~tools.errors.SalesplanError` before any case runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager
from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import LLMResult

from evals.baseline import compare
from evals.facts import Expected, resolve, sql_parameters
from evals.judge import Judge
from evals.results import CaseResult, CaseRun, RunSummary, TurnResult, summarize
from evals.schema import Case, CaseError, load_cases
from evals.scorers import Reply, ToolCall, TurnInput, score_turn
from evals.suites import Suite, cases_dir, load_data, locked, playbook_stamp, suite_context
from evals.visibility import Visibility, visibility
from tools.errors import DataError, SalesplanError
from tools.store.schema import Role
from tools.viewer import Viewer, find_viewer, first_with_role

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext
    from assistant.service import Answer
    from knowledge.base import KnowledgeBase
    from tools.playbook import PlaybookSearcher

DEFAULT_THRESHOLD = 0.95


class Assistant(Protocol):
    """What the harness needs of the system under test (``AssistantService`` satisfies it)."""

    async def aask(
        self, viewer: Viewer, text: str, thread_id: str | None = None, *, channel: str = "cli"
    ) -> Answer: ...


# --- counting model calls and tokens -------------------------------------------------------------


@dataclass
class Usage:
    model_calls: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None

    def add_tokens(self, used: dict[str, Any]) -> None:
        given_in = used.get("input_tokens", used.get("prompt_tokens"))
        given_out = used.get("output_tokens", used.get("completion_tokens"))
        if isinstance(given_in, int):
            self.input_tokens = (self.input_tokens or 0) + given_in
        if isinstance(given_out, int):
            self.output_tokens = (self.output_tokens or 0) + given_out


_USAGE: ContextVar[Usage | None] = ContextVar("salesplan_eval_usage", default=None)


class UsageMeter(BaseCallbackHandler):
    """Counts chat model calls, and tokens when the model reports them, into the current turn's usage."""

    run_inline = True

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[Any]], **kwargs: Any
    ) -> None:
        usage = _USAGE.get()
        if usage is not None:
            usage.model_calls += 1

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        usage = _USAGE.get()
        if usage is None:
            return
        for generations in response.generations:
            for generation in generations:
                metadata = getattr(getattr(generation, "message", None), "usage_metadata", None)
                if metadata:
                    usage.add_tokens(dict(metadata))
                    return
        token_usage = (response.llm_output or {}).get("token_usage")
        if isinstance(token_usage, dict):
            usage.add_tokens(token_usage)


def metered(factory: Callable[[str], BaseChatModel]) -> Callable[[str], BaseChatModel]:
    """``factory`` with a :class:`UsageMeter` on every model it builds."""

    def build(name: str) -> BaseChatModel:
        model = factory(name)
        existing = model.callbacks
        if isinstance(existing, BaseCallbackManager):
            existing.add_handler(UsageMeter(), inherit=False)
        else:
            model.callbacks = [*(existing or []), UsageMeter()]
        return model

    return build


# --- configuration and prepared suites ------------------------------------------------------------


@dataclass
class EvalConfig:
    """What to run: suites, model, repeats, filters, and where data and caches are."""

    suites: list[Suite] = field(default_factory=lambda: [Suite.DEMO])
    model: str = "offline"
    repeat: int = 1
    threshold: float = DEFAULT_THRESHOLD
    #: Cases from here instead of ``evals/cases/<suite>/`` (a file or a directory; one suite only).
    cases: Path | None = None
    tags: list[str] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)
    #: The Maven export (default: beside the repository).
    data_dir: Path | None = None
    #: Where the playbook index is kept between runs (default: built in the run's temp dir).
    playbook_cache: Path | None = None
    judge_model: str | None = None
    concurrency: int = 1
    baseline: Path | None = None


class Progress(Protocol):
    """Where the harness reports what it is doing (the CLI shows a progress bar)."""

    def stage(self, text: str) -> None: ...

    def start(self, total: int) -> None: ...

    def done(self, result: CaseResult) -> None: ...


class Silent:
    def stage(self, text: str) -> None:
        pass

    def start(self, total: int) -> None:
        pass

    def done(self, result: CaseResult) -> None:
        pass


@dataclass
class PreparedCase:
    case: Case
    viewer: Viewer
    #: Expected facts per turn.
    facts: list[list[Expected]]


@dataclass
class PreparedSuite:
    suite: str
    cases: list[PreparedCase]
    assistant: Assistant
    scopes: dict[tuple[int, Role], Visibility]
    offline: bool


def select_cases(cases: list[Case], tags: list[str], ids: list[str]) -> list[Case]:
    """The cases with any of ``tags`` (all when none) and one of ``ids`` (all when none)."""
    return [c for c in cases if (not tags or set(tags) & set(c.tags)) and (not ids or c.id in ids)]


def find_user(context: AppContext, case: Case) -> Viewer:
    """The case's user: by email or name, or the first user with its role (an all-seeing RevOps
    viewer when the data has none, as exports often do not)."""
    if case.user is not None:
        try:
            return find_viewer(context.engine, case.user)
        except SalesplanError as exc:
            raise CaseError(f"{case.source}: case {case.id!r}: field user: {exc}") from None
    role = case.role or Role.REVOPS
    viewer = first_with_role(context.engine, role)
    if viewer is not None:
        return viewer
    if role in (Role.REVOPS, Role.ADMIN):
        return Viewer(user_id=0, role=role, name="RevOps Analyst")
    raise CaseError(f"{case.source}: case {case.id!r}: field role: the data has no {role.value}")


def playbook_ids() -> set[str]:
    """Every citation id of the packaged playbook (sections and their parts)."""
    from knowledge.documents import PLAYBOOK_DIR
    from knowledge.ingest import load_chunks

    chunks, _, _ = load_chunks(PLAYBOOK_DIR)
    return {chunk.id for chunk in chunks} | {chunk.citation for chunk in chunks}


def _tool_names() -> set[str]:
    from assistant.toolkit import TOOLS

    return {spec.name for spec in TOOLS}


def _check_tools(case: Case, known: set[str]) -> None:
    for i, turn in enumerate(case.turns):
        for expected in turn.expect.tools or []:
            if expected.name not in known:
                raise CaseError(
                    f"{case.source}: case {case.id!r}: field turns.{i}.expect.tools: no tool named "
                    f"{expected.name!r} (tools: {', '.join(sorted(known))})"
                )


def build_playbook(context: AppContext, cache: Path) -> KnowledgeBase:
    """The packaged playbook's index in ``cache``, ingested only when the playbook or model changed."""
    from knowledge.base import KnowledgeBase
    from knowledge.documents import PLAYBOOK_DIR
    from knowledge.embeddings import make_embedder

    settings = context.settings
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    embedder = make_embedder(settings.openai_embedding_model, key, settings.openai_base_url)
    stamp = playbook_stamp(PLAYBOOK_DIR, embedder.id)
    index_dir = cache / f"playbook-{stamp}"
    ready = cache / f"playbook-{stamp}.ready"
    knowledge = KnowledgeBase(index_dir=index_dir, embedder=embedder)
    with locked(cache):
        if not ready.exists():
            for old in cache.glob("playbook-*"):
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    old.unlink(missing_ok=True)
            knowledge.ingest()
            ready.write_text(stamp, encoding="utf-8")
    knowledge.search("warm up the retriever")  # load the model now, not inside the first case's latency
    return knowledge


# --- running ------------------------------------------------------------------------------------


class Harness:
    """Runs an :class:`EvalConfig` and returns the :class:`RunSummary`."""

    def __init__(self, config: EvalConfig, progress: Progress | None = None) -> None:
        if config.repeat < 1:
            raise DataError("--repeat must be at least 1")
        if config.cases is not None and len(config.suites) != 1:
            raise DataError("custom cases run against one suite at a time")
        self.config = config
        self.progress: Progress = progress or Silent()
        self._playbook: PlaybookSearcher | None = None
        self._playbook_ids = playbook_ids()
        self._tools = _tool_names()

    def run(self) -> RunSummary:
        return asyncio.run(self.arun())

    async def arun(self) -> RunSummary:
        started = time.perf_counter()
        started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        results: list[CaseResult] = []
        ran: list[str] = []
        with tempfile.TemporaryDirectory(prefix="salesplan-eval-") as work:
            root = Path(work)
            cache = self.config.playbook_cache or root / "playbook-cache"
            for suite in self.config.suites:
                cases = select_cases(
                    load_cases(self.config.cases or cases_dir(suite)), self.config.tags, self.config.case_ids
                )
                if not cases:
                    continue
                context = suite_context(root / suite.value, self.config.model)
                try:
                    prepared = await self._prepare(suite, context, cases, cache)
                    results += await self._run_suite(prepared, context)
                finally:
                    context.engine.dispose()
                ran.append(suite.value)
        if not ran:
            raise DataError("no case matches the given --tag / --case filters")
        summary = summarize(
            results,
            suites=ran,
            model=self.config.model,
            judge=self.config.judge_model,
            started_at=started_at,
            wall_seconds=time.perf_counter() - started,
            repeat=self.config.repeat,
            threshold=self.config.threshold,
        )
        if self.config.baseline is not None:
            summary.baseline = compare(summary, self.config.baseline)
        return summary

    async def _prepare(
        self, suite: Suite, context: AppContext, cases: list[Case], cache: Path
    ) -> PreparedSuite:
        from assistant.models import build_chat_model
        from assistant.service import AssistantService

        self.progress.stage(f"{suite.value}: loading data")
        load_data(suite, context, self.config.data_dir)
        build_chat_model(context.settings)  # an unusable model configuration stops the run here
        if self._playbook is None:
            self.progress.stage("indexing the playbook")
            self._playbook = build_playbook(context, cache)
        playbook = self._playbook
        self.progress.stage(f"{suite.value}: checking {len(cases)} cases")
        repo = context.repository
        settings = context.settings
        prepared: list[PreparedCase] = []
        scopes: dict[tuple[int, Role], Visibility] = {}
        for case in cases:
            _check_tools(case, self._tools)
            viewer = find_user(context, case)
            parameters = sql_parameters(repo.as_of, repo.fy_start_month, viewer.user_id)
            facts = [resolve(context.engine, case, turn.expect.facts, parameters) for turn in case.turns]
            key = (viewer.user_id, viewer.role)
            if key not in scopes:
                scopes[key] = visibility(repo, viewer)
            prepared.append(PreparedCase(case, viewer, facts))
        service = AssistantService(
            settings,
            repository=lambda: repo,
            playbook=lambda: playbook,
            model_factory=metered(lambda name: build_chat_model(settings, name)),
        )
        return PreparedSuite(suite.value, prepared, service, scopes, offline=settings.chat_model == "offline")

    async def _run_suite(self, suite: PreparedSuite, context: AppContext) -> list[CaseResult]:
        judge = self._judge(context)
        self.progress.start(len(suite.cases))
        gate = asyncio.Semaphore(max(1, self.config.concurrency))

        async def one(item: PreparedCase) -> CaseResult:
            runs = []
            for repeat in range(self.config.repeat):
                async with gate:
                    runs.append(await self.run_case(suite, item, repeat, judge))
            case = item.case
            result = CaseResult.of(suite.suite, case.id, case.tags, case.who, case.source, runs)
            self.progress.done(result)
            return result

        return list(await asyncio.gather(*(one(item) for item in suite.cases)))

    def _judge(self, context: AppContext) -> Judge | None:
        if not self.config.judge_model:
            return None
        from assistant.models import build_chat_model

        return Judge(build_chat_model(context.settings, self.config.judge_model), self.config.judge_model)

    async def run_case(
        self, suite: PreparedSuite, item: PreparedCase, repeat: int, judge: Judge | None
    ) -> CaseRun:
        """One run of one case: its turns in a new thread, each scored."""
        case = item.case
        thread = f"eval-{case.id}-{repeat}-{uuid.uuid4().hex[:6]}"
        turns: list[TurnResult] = []
        for index, turn in enumerate(case.turns):
            reply = await self.ask(suite.assistant, item.viewer, turn.ask, thread)
            scored = TurnInput(
                expect=turn.expect,
                reply=reply,
                facts=item.facts[index],
                visibility=suite.scopes[(item.viewer.user_id, item.viewer.role)],
                questions=case.questions,
                forbidden=case.must_not_contain,
                playbook_ids=self._playbook_ids,
                offline=suite.offline,
            )
            scores = score_turn(scored)
            if (
                judge is not None
                and not reply.error
                and not (turn.expect.refusal or turn.expect.clarification)
            ):
                scores.append(await judge.grade(turn.ask, reply.answer, turn.expect.rubric))
            turns.append(TurnResult(question=turn.ask, reply=reply, scores=scores))
        return CaseRun.of(repeat, turns)

    @staticmethod
    async def ask(assistant: Assistant, viewer: Viewer, question: str, thread: str) -> Reply:
        """One turn, with its usage counted; an exception becomes the reply's error."""
        usage = Usage()
        token = _USAGE.set(usage)
        started = time.perf_counter()
        try:
            answer = await assistant.aask(viewer, question, thread, channel="eval")
        except Exception as exc:  # the system under test failed this turn: record it, go on
            took = round((time.perf_counter() - started) * 1000)
            return Reply(latency_ms=took, model_calls=usage.model_calls, error=f"{type(exc).__name__}: {exc}")
        finally:
            _USAGE.reset(token)
        return Reply(
            answer=answer.answer,
            tool_calls=[ToolCall(name=c.name, args=c.args) for c in answer.tool_calls],
            citations=answer.citations,
            model=answer.model,
            latency_ms=answer.latency_ms,
            model_calls=usage.model_calls,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            fallback_reason=answer.fallback_reason,
        )
