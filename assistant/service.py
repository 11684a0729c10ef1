"""AssistantService: the one entry point every interface (CLI, API, Slack, evals) calls.

``ask`` runs one turn of the agent for a viewer in a thread and returns an :class:`Answer`: the
Markdown answer, the tool calls with their arguments, the citations (playbook ids and record
ids), the model that answered and the latency. When the configured model fails (errors after
retries, the turn's deadline, malformed tool calls, an exhausted call budget), the turn is rolled
back and answered by the offline planner, and the answer says so. Every figure in a configured
model's answer is checked against the thread's tool results and questions
(:mod:`assistant.grounding`); one that no tool produced is marked "(unverified)" in the answer
and listed in :attr:`Answer.unverified`. A link whose URL is not in the thread's own data is
reduced to its text and images are never rendered (:mod:`assistant.safety`): a model obeying
instructions planted in a record cannot send the viewer's data to another host.

``plan_account`` and ``plan_territory`` draft plans; ``run_tool`` (from
:class:`~assistant.reads.ReadService`) runs one tool for an interface's data command. All of them
write the audit log (:mod:`assistant.audit`), a request cancelled half-way (a client that
disconnects from a streamed answer, Ctrl-C) included: its entry has the outcome ``cancelled``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, Field

from assistant import runner
from assistant.agent import TurnClock, build_agent
from assistant.audit import AuditLog
from assistant.grounding import mark_unverified, values_of
from assistant.memory import Memory, thread_key
from assistant.model_errors import describe_model_error, is_model_error
from assistant.offline import OfflinePlanner
from assistant.plans.drafter import PlanDrafter
from assistant.plans.models import PlanDraft
from assistant.plans.narrative import ModelWriter, NarrativeWriter, OfflineWriter
from assistant.plans.render import markdown
from assistant.reads import ReadService
from assistant.redaction import redact
from assistant.references import references_in, render_references
from assistant.safety import strip_foreign_links
from assistant.settings import OFFLINE_MODEL, Settings
from assistant.threads import Conversation, ToolCallRecord, conversation_of, stored_messages, text_of
from assistant.toolkit import AgentContext
from assistant.turn_events import Listener, Restart, streamed_run
from tools.errors import InputError, NotFound
from tools.evidence import RecordSource, attach_sources, describe_records
from tools.playbook import PlaybookSearcher
from tools.store.repository import Repository
from tools.store.scope import one_organisation
from tools.viewer import Viewer

if TYPE_CHECKING:
    from assistant.changes import ChangeDesk

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4_000
#: Seconds of the turn's deadline kept for the offline fallback (at most 10% of the deadline).
FALLBACK_RESERVE_SECONDS = 2.0
MAX_CITATIONS = 200
LIMIT_MARKER = "Model call limits exceeded"


class ProposedChangeRef(BaseModel):
    """A change the answer proposed: written to the CRM only once the user confirms it."""

    id: int = Field(description="The change's number (confirm with POST /v1/changes/{id}/confirm).")
    record: str = Field(description="The deal's name.")
    external_id: str = Field(description="The deal's id in the CRM.")
    field: str = Field(description="close_date, stage, amount or next_step.")
    old: str | None = Field(description="The value it holds now.")
    new: str = Field(description="The value proposed.")


class Answer(BaseModel):
    """One turn's answer (the JSON shape of ``salesplan ask --json``)."""

    answer: str = Field(description="The answer, in Markdown.")
    tool_calls: list[ToolCallRecord] = Field(description="The tools called, with their arguments, in order.")
    citations: list[str] = Field(description="Playbook citation ids and record ids the answer draws on.")
    model: str = Field(description="The model that answered.")
    latency_ms: int
    thread_id: str
    fallback_reason: str | None = Field(
        default=None, description="Why the offline planner answered instead of the configured model."
    )
    unverified: list[str] = Field(
        default_factory=list,
        description="Figures in a model's answer that no tool produced (marked '(unverified)').",
    )
    records: list[RecordSource] = Field(
        default_factory=list,
        description="The records the answer names: internal id, name, source CRM id and link.",
    )
    proposed_changes: list[ProposedChangeRef] = Field(
        default_factory=list,
        description="Changes the answer proposed; nothing is written to the CRM until the user confirms.",
    )


class ModelFailure(Exception):
    """The configured model did not produce a usable answer."""


def _check(messages: list[BaseMessage]) -> str:
    """The final answer of a run, or :class:`ModelFailure` saying what went wrong."""
    last = messages[-1] if messages else None
    if not isinstance(last, AIMessage):
        raise ModelFailure("the model did not answer")
    if last.invalid_tool_calls:
        raise ModelFailure("the model sent malformed tool calls")
    text = text_of(last)
    if text.startswith(LIMIT_MARKER):
        raise ModelFailure("the model used its whole budget of calls without answering")
    if not text:
        raise ModelFailure("the model gave an empty answer")
    return text


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "the model did not answer before the turn's deadline"
    described = describe_model_error(exc)
    if described is not None:
        return described
    if isinstance(exc, ModelFailure):
        return str(exc)
    return f"the model's reply could not be used ({type(exc).__name__})"


class AssistantService(ReadService):
    """Answers questions and drafts plans for a viewer, and runs tools for interfaces
    (:meth:`~assistant.reads.ReadService.run_tool`); interfaces call only this."""

    def __init__(
        self,
        settings: Settings,
        repository: Callable[[], Repository],
        playbook: Callable[[], PlaybookSearcher | None],
        model_factory: Callable[[str], BaseChatModel],
        memory: Memory | None = None,
        audit: AuditLog | None = None,
        changes: Callable[[], ChangeDesk | None] | None = None,
    ) -> None:
        super().__init__(repository, playbook, audit)
        self.settings = settings
        self._changes = changes or (lambda: None)
        self._model_factory = model_factory
        self.memory = memory or Memory(settings)
        self._agent: CompiledStateGraph[Any, AgentContext, Any, Any] | None = None
        self._graph_lock = threading.Lock()

    def ask(self, viewer: Viewer, text: str, thread_id: str | None = None, *, channel: str = "cli") -> Answer:
        """Answer one question (blocking; on the process's event loop, :mod:`assistant.runner`)."""
        return runner.run(self.aask(viewer, text, thread_id, channel=channel))

    async def aask(
        self,
        viewer: Viewer,
        text: str,
        thread_id: str | None = None,
        *,
        channel: str = "cli",
        gate: AbstractAsyncContextManager[Any] | None = None,
        listener: Listener | None = None,
    ) -> Answer:
        """Answer one question in a thread (a new thread when none is given); audited, a turn
        cancelled on the way (the client went away) included. ``gate`` is the interface's limit
        on turns at once, waited for inside the audited part; ``listener`` is told of the turn's
        tool calls and streamed tokens as they happen (:mod:`assistant.turn_events`)."""
        started = time.monotonic()
        waiting = True
        try:
            async with gate or contextlib.nullcontext():
                waiting = False
                with one_organisation():
                    answer = await self._answer(viewer, text, thread_id, channel, listener)
        except asyncio.CancelledError:
            await self._audit_cancelled(viewer, channel, "ask", text, started, thread_id, waiting=waiting)
            raise
        except Exception as exc:
            await self._audit_failure(viewer, channel, "ask", text, started, exc, thread_id)
            raise
        outcome = "unverified" if answer.unverified else "fallback" if answer.fallback_reason else "answered"
        detail = ", ".join(answer.unverified) if answer.unverified else answer.fallback_reason
        await self._audit(
            viewer,
            channel=channel,
            kind="ask",
            question=text,
            outcome=outcome,
            latency_ms=answer.latency_ms,
            thread=answer.thread_id,
            tool_calls=[c.model_dump() for c in answer.tool_calls],
            record_ids=answer.citations,
            model=answer.model,
            detail=detail,
        )
        return answer

    async def _answer(
        self,
        viewer: Viewer,
        text: str,
        thread_id: str | None,
        channel: str = "cli",
        listener: Listener | None = None,
    ) -> Answer:
        # a secret in the question goes no further: not to a model, the thread, or a tool
        question = redact(text.strip())
        if not question:
            raise InputError("the question is empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise InputError(
                f"the question is too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS})"
            )
        thread = thread_id or uuid.uuid4().hex[:12]
        await self._aprepare_playbook()
        started = time.monotonic()
        deadline = self.settings.turn_deadline_seconds
        # the configured model gets the deadline less a margin in which the offline planner answers
        clock = TurnClock(started + deadline - min(FALLBACK_RESERVE_SECONDS, 0.1 * deadline))
        model = self.settings.chat_model
        fallback: str | None = None
        async with self.memory.checkpointer() as saver:
            try:
                answer, context = await asyncio.wait_for(
                    self._turn(model, saver, viewer, question, thread, clock, channel, listener),
                    timeout=max(0.1, clock.remaining()),
                )
            except Exception as exc:  # any failure of a configured model: its reply may be anything
                if model == OFFLINE_MODEL:
                    raise
                if not isinstance(exc, ModelFailure | TimeoutError) and not is_model_error(exc):
                    log.warning("the model's reply could not be used: %r", exc)
                fallback = _describe(exc)
                await self._rollback(saver, viewer, thread, question)
                model = OFFLINE_MODEL
                if listener is not None:
                    listener(Restart(fallback))
                answer, context = await self._turn(
                    model, saver, viewer, question, thread, clock, channel, listener
                )
                answer = (
                    f"_The configured model did not answer ({fallback}); this answer comes from the "
                    f"built-in offline planner._\n\n{answer}"
                )
            await self.memory.touch(saver, thread_key(viewer.user_id, thread))
        ledger = context.ledger
        unverified: list[str] = []
        if model != OFFLINE_MODEL:
            answer, unverified = mark_unverified(answer, ledger.figures)
        answer, records = await asyncio.to_thread(self.show_records, viewer, answer)
        return Answer(
            answer=answer,
            records=records,
            # in the order the model asked for them (calls asked together start in any order)
            tool_calls=[
                ToolCallRecord(name=c.name, args=c.args) for c in sorted(ledger.calls, key=lambda c: c.order)
            ],
            citations=(ledger.playbook_ids + ledger.record_ids)[:MAX_CITATIONS],
            model=model,
            latency_ms=round((time.monotonic() - started) * 1000),
            thread_id=thread,
            fallback_reason=fallback,
            unverified=unverified,
            proposed_changes=[ProposedChangeRef.model_validate(p) for p in ledger.proposals],
        )

    def plan_account(self, viewer: Viewer, name: str, *, channel: str = "cli") -> PlanDraft:
        """Draft an account plan (blocking)."""
        return runner.run(self.aplan_account(viewer, name, channel=channel))

    def plan_territory(self, viewer: Viewer, name: str | None = None, *, channel: str = "cli") -> PlanDraft:
        """Draft a territory plan (blocking); no name means the viewer's own territory or team."""
        return runner.run(self.aplan_territory(viewer, name, channel=channel))

    async def aplan_account(self, viewer: Viewer, name: str, *, channel: str = "cli") -> PlanDraft:
        """Draft an account plan for an account the viewer can see; audited."""

        def draft(drafter: PlanDrafter) -> PlanDraft:
            if not name.strip():
                raise InputError("name the account to plan")
            return drafter.account(viewer, name.strip())

        return await self._audited_plan(viewer, channel, "plan_account", name, draft)

    async def aplan_territory(
        self, viewer: Viewer, name: str | None = None, *, channel: str = "cli"
    ) -> PlanDraft:
        """Draft a territory plan: a territory, a person's team, or (no name) the viewer's own; audited."""
        wanted = (name or "").strip() or None
        return await self._audited_plan(
            viewer, channel, "plan_territory", name or "", lambda drafter: drafter.territory(viewer, wanted)
        )

    async def has_thread(self, viewer: Viewer, thread_id: str) -> bool:
        """Whether ``viewer`` has a conversation ``thread_id`` (another user's never counts)."""
        async with self.memory.checkpointer() as saver:
            return await stored_messages(saver, thread_key(viewer.user_id, thread_id)) is not None

    async def athread(self, viewer: Viewer, thread_id: str, *, channel: str = "cli") -> Conversation:
        """The viewer's own conversation ``thread_id`` (:mod:`assistant.threads`); audited. A thread
        they never had, or another user's, is :class:`NotFound`."""
        started = time.monotonic()
        try:
            async with self.memory.checkpointer() as saver:
                messages = await stored_messages(saver, thread_key(viewer.user_id, thread_id))
            if messages is None:
                raise NotFound(f"no conversation with thread id {thread_id!r}")
            shown = await asyncio.to_thread(
                conversation_of, thread_id, messages, lambda text: self.show_records(viewer, text)[0]
            )
        except Exception as exc:
            await self._audit_failure(viewer, channel, "thread", thread_id, started, exc, thread_id)
            raise
        await self._audit(
            viewer,
            channel=channel,
            kind="thread",
            question=thread_id,
            outcome="answered",
            latency_ms=round((time.monotonic() - started) * 1000),
            thread=thread_id,
        )
        return shown

    async def _aprepare_playbook(self) -> None:
        """:meth:`_prepare_playbook` in a worker thread, unless the playbook says it is prepared."""
        playbook = self._playbook()
        if playbook is not None and getattr(playbook, "needs_preparing", True):
            await asyncio.to_thread(self._prepare_playbook)

    def _prepare_playbook(self) -> None:
        """Index the playbook now when it is to be indexed on first use and plainly has no index
        (``KnowledgeBase.prepare``): that half minute is not the turn's, so it never eats its deadline."""
        prepare = getattr(self._playbook(), "prepare", None)
        if callable(prepare):
            prepare()

    def show_records(self, viewer: Viewer, text: str) -> tuple[str, list[RecordSource]]:
        """``text`` with its record references as people read them (name, source id, link; see
        :mod:`assistant.references`), and the records it names."""
        references = references_in(text)
        if not references:
            return text, []
        sources = describe_records(self._repository(), viewer, references)
        return render_references(text, sources), [sources[r] for r in references if r in sources]

    def _shown(self, viewer: Viewer, draft: PlanDraft) -> PlanDraft:
        """The draft as people read it: references rewritten, records in the plan with their source ids."""
        attach_sources(self._repository(), viewer, draft.plan)
        return draft.model_copy(update={"markdown": self.show_records(viewer, draft.markdown)[0]})

    async def _audited_plan(
        self, viewer: Viewer, channel: str, kind: str, name: str, draft: Callable[[PlanDrafter], PlanDraft]
    ) -> PlanDraft:
        started = time.monotonic()
        try:
            with one_organisation():
                result = await self._plan(draft)
                result = await asyncio.to_thread(self._shown, viewer, result)
        except asyncio.CancelledError:
            await self._audit_cancelled(viewer, channel, kind, name, started)
            raise
        except Exception as exc:
            await self._audit_failure(viewer, channel, kind, name, started, exc)
            raise
        await self._audit(
            viewer,
            channel=channel,
            kind=kind,
            question=name,
            outcome="fallback" if result.fallback_reason else "answered",
            latency_ms=result.latency_ms,
            record_ids=result.citations,
            model=result.model,
            detail=result.fallback_reason,
        )
        return result

    async def _audit_cancelled(
        self,
        viewer: Viewer,
        channel: str,
        kind: str,
        question: str,
        started: float,
        thread: str | None = None,
        *,
        waiting: bool = False,
    ) -> None:
        """A ``cancelled`` entry for a request given up before its answer was ready (the client
        disconnected, or the process is stopping). Written even if the task is cancelled again."""
        when = "while it waited for a free turn" if waiting else "before its answer was ready"
        entry = asyncio.to_thread(
            self._record,
            viewer,
            channel=channel,
            kind=kind,
            question=question,
            outcome="cancelled",
            latency_ms=round((time.monotonic() - started) * 1000),
            thread=thread,
            detail=f"given up {when}: the client went away or the server stopped",
        )
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(entry)

    def drafter(self, model: str | None = None) -> PlanDrafter:
        """The plan drafter whose narrative is written by ``model`` (default: the configured one)."""
        chosen = model or self.settings.chat_model
        writer: NarrativeWriter = (
            OfflineWriter()
            if chosen == OFFLINE_MODEL
            else ModelWriter(lambda: self._model_factory(chosen), chosen)
        )
        return PlanDrafter(self._repository, self._playbook, writer)

    async def _plan(self, draft: Callable[[PlanDrafter], PlanDraft]) -> PlanDraft:
        """Run a draft in a worker thread within the turn's deadline; past it, the offline templates write."""
        await self._aprepare_playbook()
        drafter = self.drafter()
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(draft, drafter), timeout=self.settings.turn_deadline_seconds
            )
        except TimeoutError:
            if drafter.writer.name == OFFLINE_MODEL:
                raise
        result = await asyncio.to_thread(draft, self.drafter(OFFLINE_MODEL))
        reason = "the model did not answer before the turn's deadline"
        note = f"The configured model did not write the narrative ({reason}); the offline templates did."
        result.plan.notes.insert(0, note)
        return result.model_copy(update={"markdown": markdown(result.plan), "fallback_reason": reason})

    def _context(self, viewer: Viewer, model: str = OFFLINE_MODEL, channel: str = "cli") -> AgentContext:
        return AgentContext(
            viewer=viewer,
            repository=self._repository(),
            playbook=self._playbook(),
            plans=self.drafter(model),
            changes=self._changes(),
            channel=channel,
        )

    def _graph(self) -> CompiledStateGraph[Any, AgentContext, Any, Any]:
        """The agent graph, compiled on first use and shared by every turn, model and user (each
        run brings its own viewer, data, model and deadline in its context; the model the graph
        is compiled with is never called, since every turn names its own)."""
        with self._graph_lock:
            if self._agent is None:
                self._agent = build_agent(OfflinePlanner(), max_model_calls=self.settings.max_model_calls)
            return self._agent

    async def _turn(
        self,
        model: str,
        saver: BaseCheckpointSaver[Any],
        viewer: Viewer,
        question: str,
        thread: str,
        clock: TurnClock,
        channel: str = "cli",
        listener: Listener | None = None,
    ) -> tuple[str, AgentContext]:
        agent = self._graph().copy(update={"checkpointer": saver})
        context = self._context(viewer, model, channel)
        context.model = self._model_factory(model)
        context.deadline = clock.deadline
        config: RunnableConfig = {"configurable": {"thread_id": thread_key(viewer.user_id, thread)}}
        # durability="exit": the thread's state is written once, when the turn ends (or fails),
        # not after every step of the graph; a turn is the unit a thread is read back in.
        inputs = {"messages": [HumanMessage(question)]}
        if listener is None:
            state = await agent.ainvoke(inputs, config=config, context=context, durability="exit")
        else:
            state = await streamed_run(agent, inputs, config, context, listener)
        messages: list[BaseMessage] = state["messages"]
        # what an answer's figures and links may come from: the thread's tool results and questions
        # (the offline planner's figures are the tools' own: they are not checked, nor gathered)
        sources = [text_of(m) for m in messages if isinstance(m, ToolMessage | HumanMessage)]
        if model != OFFLINE_MODEL:
            context.ledger.figures = values_of(sources)
        return strip_foreign_links(_check(messages), sources), context

    async def _rollback(
        self, saver: BaseCheckpointSaver[Any], viewer: Viewer, thread: str, question: str
    ) -> None:
        """Remove a failed turn's messages from the thread, so the fallback starts clean."""
        agent = self._graph().copy(update={"checkpointer": saver})
        config: RunnableConfig = {"configurable": {"thread_id": thread_key(viewer.user_id, thread)}}
        messages: list[BaseMessage] = (await agent.aget_state(config)).values.get("messages", [])
        start = next(
            (
                i
                for i in range(len(messages) - 1, -1, -1)
                if isinstance(messages[i], HumanMessage) and text_of(messages[i]) == question
            ),
            None,
        )
        if start is not None:
            removals = [RemoveMessage(id=m.id) for m in messages[start:] if m.id]
            await agent.aupdate_state(config, {"messages": removals})
