"""``salesplan ask`` (one question) and ``salesplan chat`` (a conversation in the terminal)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.interfaces.cli.errors import err_console
from assistant.interfaces.cli.output import console, echo_json, show_index_progress
from assistant.interfaces.cli.scoped import JsonOption, UserOption
from tools.errors import SalesplanError
from tools.viewer import Viewer

if TYPE_CHECKING:  # the agent stack loads only when a question is asked
    from assistant.bootstrap import AppContext
    from assistant.service import Answer

ThreadOption = Annotated[
    str | None, typer.Option("--thread", help="Continue this conversation (any id you choose).")
]


def print_answer(answer: Answer) -> None:
    from rich.markdown import Markdown  # (with its syntax highlighter) only to show an answer

    # records are links: terminal hyperlinks, or "name (url)" when the output is piped
    console.print(Markdown(answer.answer, hyperlinks=console.is_terminal), soft_wrap=False)
    counts = Counter(call.name for call in answer.tool_calls)
    tools = ", ".join(name if n == 1 else f"{name} x{n}" for name, n in counts.items()) or "none"
    console.print(
        f"[dim]{answer.model} · {answer.latency_ms} ms · tools: {tools} · thread {answer.thread_id}[/]"
    )


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in plain words.")],
    user: UserOption,
    thread: ThreadOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask one question; --json prints answer, tool_calls, citations, model and latency_ms.

    ``fallback_reason`` and ``unverified`` are added when they say something.
    """
    context: AppContext = ctx.obj
    viewer = context.viewer(user)
    show_index_progress(context, as_json)
    answer = context.assistant.ask(viewer, question, thread)
    if as_json:
        quiet = {"thread_id"} | {k for k in ("fallback_reason", "unverified") if not getattr(answer, k)}
        echo_json(answer.model_dump_json(indent=2, exclude=quiet))
    else:
        print_answer(answer)


def chat(ctx: typer.Context, user: UserOption) -> None:
    """Talk with the assistant; one thread for the whole session. Ctrl-D or 'exit' to leave."""
    context: AppContext = ctx.obj
    viewer = context.viewer(user)
    show_index_progress(context)
    thread = uuid.uuid4().hex[:12]
    console.print(f"Salesplan for {viewer.name} ({viewer.role.value}). Ask away; 'exit' to leave.")
    asyncio.run(_chat(context, viewer, thread))


async def _chat(context: AppContext, viewer: Viewer, thread: str) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    context.settings.home.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(context.settings.home / "chat_history"))
    )
    while True:
        try:
            question = (await session.prompt_async("you> ")).strip()
        except (EOFError, KeyboardInterrupt):
            return
        if question.lower() in {"exit", "quit", ":q"}:
            return
        if not question:
            continue
        try:
            with console.status("working on it…"):
                answer = await context.assistant.aask(viewer, question, thread)
        except SalesplanError as exc:
            err_console.print(f"[bold red]error:[/] {exc}")
            continue
        print_answer(answer)


threads_app = typer.Typer(help="Conversation threads.", no_args_is_help=True)


@threads_app.command("prune")
def prune(
    ctx: typer.Context,
    older_than: Annotated[
        int, typer.Option("--older-than", min=0, help="Delete threads idle this many days.")
    ] = 30,
) -> None:
    """Delete conversation threads nobody has used for a while."""
    context: AppContext = ctx.obj
    deleted = asyncio.run(context.assistant.memory.prune(dt.timedelta(days=older_than)))
    console.print(f"Deleted {deleted} thread(s) idle for more than {older_than} days.")
