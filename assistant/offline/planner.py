"""The offline planner as a LangChain chat model: it runs through the same agent loop as a real model.

On each call it reads the conversation it is given and either asks for tools (an
``AIMessage`` with ``tool_calls``) or writes the final answer from the tool results:

1. read the messages (:mod:`conversation`): the thread's earlier questions, the current one,
   and any tool results of this turn;
2. load the names the viewer may use (:mod:`tools.lexicon`, a tool-side read of the names in scope)
   and understand the question in the context of the thread (:mod:`understanding`,
   :mod:`followups`);
3. with no results yet, pick the tools and their arguments (:mod:`routing`), or reply directly
   (help, small talk, a refusal, a clarifying question); with results, ask for a second round
   when one is needed, else write the answer (:mod:`answers`, templates in ``prompts/``).

What each question type needs at steps 2 and 3 (its phrasings, the name it requires, its tool
calls, the functions writing its answer) is declared once, in :mod:`assistant.offline.intents`.

Who is asking: the run's :class:`~assistant.toolkit.AgentContext` (viewer, repository,
playbook) is the same object the tools receive. The planner reads it from the LangGraph runtime
of the run (``langgraph.runtime.get_runtime``), exactly as the tools read it from their
``ToolRuntime``, so :class:`~assistant.service.AssistantService` and the model factory need no
special case for it; ``OfflinePlanner(context=…)`` sets it explicitly for use outside an agent.

State: none between turns of a conversation; a thread is read back from its messages. The
viewer's names (a lexicon of the data, not of the conversation) are remembered by the repository
until the data set changes, and by the instance for the calls of one turn.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import PrivateAttr

from assistant.offline import compound, replies
from assistant.offline.answers import compose
from assistant.offline.answers_changes import how_to_ask
from assistant.offline.calls import Call, Direct, Route
from assistant.offline.conversation import Conversation, read_conversation
from assistant.offline.entities import EntityIndex, build_index
from assistant.offline.frame import Frame, Intent
from assistant.offline.routing import account_of_deal, first_route, next_calls, resolve_deal
from assistant.offline.thread_fold import fold
from assistant.offline.understanding import looking_ahead, understand, words_of
from assistant.toolkit import AgentContext, MetricsQuery, metric_definitions
from tools.lexicon import DealRef, Lexicon, deal_account, find_deals, load_lexicon

MODEL_NAME = "offline"
#: Rounds of tool calls per turn (the agent's own budget of model calls is larger).
MAX_ROUNDS = 2
NO_CONTEXT = (
    "The offline planner needs to know who is asking: run it through the assistant "
    "(`salesplan ask`, the API or Slack)."
)


def _tool_name(tool: dict[str, Any] | type | Callable[..., Any] | BaseTool) -> str:
    if isinstance(tool, BaseTool):
        return tool.name
    if isinstance(tool, dict):
        function = tool.get("function", tool)
        return str(function.get("name", ""))
    return getattr(tool, "__name__", "")


def _message(calls: list[Call] | None = None, text: str = "", part: int = 0) -> ChatResult:
    """A reply: tool calls (for the ``part``-th ask of the question, numbered in their ids) or text."""
    prefix = f"offline_p{part}_" if part else "offline_"
    tool_calls = [
        ToolCall(name=c.name, args=c.args, id=f"{prefix}{uuid.uuid4().hex[:12]}", type="tool_call")
        for c in calls or []
    ]
    message = AIMessage(content=text, tool_calls=tool_calls, response_metadata={"model_name": MODEL_NAME})
    return ChatResult(generations=[ChatGeneration(message=message)])


#: Threads whose frames are remembered (see ``OfflinePlanner._frames``).
MAX_FRAMES = 64


class OfflinePlanner(BaseChatModel):
    """A rule-based planner standing in for an LLM: no key, no network, the same agent loop."""

    _context: AgentContext | None = PrivateAttr(default=None)
    _tools: set[str] = PrivateAttr(default_factory=set)
    _names: dict[tuple[Any, ...], tuple[Lexicon, EntityIndex]] = PrivateAttr(default_factory=dict)
    #: The frames of the last few threads read: a turn reads its thread twice (to plan the tool
    #: calls, then to write the answer from their results), and the second read is the first's.
    _frames: dict[tuple[Any, ...], Frame] = PrivateAttr(default_factory=dict)

    def __init__(self, context: AgentContext | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._context = context

    @property
    def _llm_type(self) -> str:
        return "salesplan-offline"

    def bind_tools(
        self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        self._tools = {_tool_name(tool) for tool in tools}
        return self

    def _run_context(self) -> AgentContext | None:
        if self._context is not None:
            return self._context
        from langgraph.runtime import get_runtime

        try:
            found = get_runtime().context
        except (RuntimeError, KeyError, AttributeError):
            return None
        return found if isinstance(found, AgentContext) else None

    def _lexicon(self, context: AgentContext, conversation: Conversation) -> tuple[Lexicon, EntityIndex]:
        """The viewer's names: remembered by the repository until the data set changes (see
        ``Repository.memo``), so a new account or a changed team is known at the next question;
        books too large to list are read for the words of the thread, once per turn."""
        repo, viewer = context.repository, context.viewer

        def names(words: set[str]) -> tuple[Lexicon, EntityIndex]:
            lexicon = load_lexicon(repo, viewer, words)
            return lexicon, build_index(lexicon)

        found = repo.memo(("offline-names", viewer.user_id, viewer.role), lambda: names(set()))
        if found[0].complete:
            return found
        questions = (*conversation.history, conversation.question)
        key = (id(repo), repo.data_stamp(), viewer.user_id, viewer.role, questions)
        if key not in self._names:
            words: set[str] = set()
            for question in questions:
                words |= words_of(question)
            self._names = {key: names(words)}  # the turn's second read is the first's
        return self._names[key]

    def frame(self, context: AgentContext, conversation: Conversation) -> tuple[Frame, Lexicon]:
        """What the current question means in its thread, and the names it was read against."""
        lexicon, index = self._lexicon(context, conversation)
        questions = [*conversation.history, conversation.question]
        viewer = context.viewer
        key = (viewer.user_id, viewer.role, id(lexicon), tuple(questions), tuple(conversation.answers))
        if conversation.results and key in self._frames:  # the same turn's second read
            return self._frames[key].model_copy(deep=True), lexicon

        def deals(account: str | None, product: str | None) -> list[DealRef]:
            return find_deals(context.repository, context.viewer, account, product)

        def read(asked: list[str], shown: list[str]) -> Frame:
            frame = fold(
                asked,
                lambda q: understand(q, lexicon, index),
                refine=lambda f: account_of_deal(
                    resolve_deal(f, deals),
                    lambda record: deal_account(context.repository, context.viewer, record),
                ),
                answers=shown,
                lexicon=lexicon,
            )
            looking_ahead(frame, lexicon)
            return frame

        history, shown = compound.as_asked(conversation.history, conversation.answers, read)
        frame = read([*history, conversation.question], shown)
        if len(self._frames) >= MAX_FRAMES:
            self._frames.pop(next(iter(self._frames)))
        self._frames[key] = frame.model_copy(deep=True)
        return frame, lexicon

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        context = self._run_context()
        conversation = read_conversation(messages)
        if context is None or not conversation.question:
            return _message(text=NO_CONTEXT)
        parts = compound.asks(conversation.question)
        if len(parts) > 1:
            reply = self._asks(context, conversation, parts)
            if reply is not None:
                return reply
        frame, lexicon = self.frame(context, conversation)
        if conversation.results:
            more = next_calls(frame, conversation.results) if conversation.rounds < MAX_ROUNDS else []
            if more:
                return _message(more)
            return _message(text=compose(frame, conversation.results, lexicon))

        if frame.intent is Intent.CHANGE and not _can_propose(context, self._tools):
            # no CRM connection: the request is one it cannot carry out (assistant.offline.actions)
            return _message(text=replies.cannot(lexicon, conversation.question))
        route = first_route(frame, lexicon, self._tools)
        if route.calls:
            return _message(route.calls)
        return _message(text=_direct(route, frame, lexicon, conversation.question))

    def _asks(self, context: AgentContext, conversation: Conversation, parts: list[str]) -> ChatResult | None:
        """A question of several asks (:mod:`assistant.offline.compound`): each ask in turn, the
        later ones as follow-ups of the answer before; None to read the question whole."""
        done: list[str] = []

        asked = [parts[0], *(compound.as_follow_up(part) for part in parts[1:])]

        def ask(position: int) -> Conversation:
            return Conversation(
                question=asked[position],
                history=[*conversation.history, *asked[:position]],
                results=[result for result in conversation.results if result.part == position],
                rounds=conversation.part_rounds.get(position, 0),
                answers=[*conversation.answers, *done],
            )

        whole, _ = self.frame(context, replace(conversation, results=[], rounds=0))
        first, lexicon = self.frame(context, ask(0))
        if compound.reads_as_one(whole, first) and not compound.ranks_again(first, parts[1:]):
            return None
        current = max((result.part for result in conversation.results), default=-1)
        for position in range(len(parts)):
            sub = ask(position)
            frame, lexicon = self.frame(context, sub)
            if position == 0:
                frame = compound.shared_period(whole, frame, parts[1:])
            if position < current or (position == current and sub.rounds >= MAX_ROUNDS):
                done.append(compose(frame, sub.results, lexicon))
                continue
            if position == current:
                more = next_calls(frame, sub.results)
                if more:
                    return _message(more, part=position)
                done.append(compose(frame, sub.results, lexicon))
                continue
            if frame.intent is Intent.CHANGE and not _can_propose(context, self._tools):
                done.append(replies.cannot(lexicon, parts[position]))
                continue
            route = first_route(frame, lexicon, self._tools)
            made = [(result.name, result.args) for result in conversation.results]
            if route.calls and (route.calls[0].name, route.calls[0].args) in made and not frame.advice:
                # "…and when is it due to close" after the deal: the answer above has it; an ask read
                # as the same question though it names something else is said, not dropped
                if (part_shown := compound.shown(parts[position], done)) is not None and part_shown < 0.5:
                    done.append(compound.not_followed(parts[position]))
                continue
            if route.calls:
                return _message(route.calls, part=position)
            if position == 0:
                return None  # the first ask needs no tool (a clarifying question): read it whole
            if frame.intent is Intent.UNKNOWN or route.direct in (Direct.HELP, Direct.UNKNOWN, None):
                if compound.shown(parts[position], done) != 1.0:
                    done.append(compound.not_followed(parts[position]))
            else:
                done.append(_direct(route, frame, lexicon, parts[position]))
        return _message(text=compound.joined(done))


def _can_propose(context: AgentContext, tools: set[str]) -> bool:
    """Whether a change can be proposed in this run: a CRM is connected and the tool is bound."""
    return context.changes is not None and context.changes.connected is not None and "propose_change" in tools


def _direct(route: Route, frame: Frame, lexicon: Lexicon, question: str) -> str:
    if route.direct is Direct.CLARIFY and route.ambiguity is not None:
        return replies.clarify(route.ambiguity)
    if route.direct is Direct.ASK_FOR:
        return replies.ask_for(route.missing or "account", lexicon)
    if route.direct is Direct.HELP:
        return replies.help_text(lexicon)
    if route.direct is Direct.SMALL_TALK:
        return replies.small_talk(lexicon, question)
    if route.direct is Direct.DECLINE:
        return replies.decline(lexicon)
    if route.direct is Direct.CANNOT:
        return replies.cannot(lexicon, question)
    if route.direct is Direct.WHICH_READING:
        return replies.which_reading(frame.readings)
    if route.direct is Direct.UNCHANGED:
        return replies.unchanged(question)
    if route.direct is Direct.DEFINITIONS:
        return replies.metrics(metric_definitions(MetricsQuery()), frame.slots.metric)
    if route.direct is Direct.EXPLAIN:
        return replies.explain([])
    if frame.intent is Intent.CHANGE:
        return how_to_ask(lexicon.featured_account)
    return replies.help_text(lexicon, question, understood=False)
