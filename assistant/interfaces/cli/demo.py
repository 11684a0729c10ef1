"""``salesplan demo``: set up the demo data set and the playbook index, then answer sample questions.

The sample people are picked from the data, not hard-coded: the rep with the most open deals
and their manager. The rep's questions run in one thread, so the follow-up ("what else could
they buy?") shows the assistant keeping the conversation. The playbook index is built (or
checked, which is quick when nothing changed) before the playbook question; if it cannot be
built, that question is skipped with a warning. Last, it drafts an account plan for the rep's
largest account and a territory plan for the manager's team, saved as Markdown under
``<home>/plans/``, each with its history chart (PNG) beside it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape as esc

from assistant.interfaces.cli.ask import print_answer
from assistant.interfaces.cli.data import print_summary, score_deals
from assistant.interfaces.cli.errors import err_console
from assistant.interfaces.cli.output import console, progress_bar
from tools.accounts import largest_open_account
from tools.errors import SalesplanError
from tools.store.demo.generate import generate_dataset, has_data
from tools.viewer import Viewer, busiest_rep

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext

PLAYBOOK_QUESTION = "What does our playbook say about multi-threading?"


def sample_rep(context: AppContext) -> tuple[Viewer, Viewer | None]:
    """The rep with the most open deals, and their manager (if any)."""
    found = busiest_rep(context.engine)
    if found is None:
        raise SalesplanError("the data has no rep with open deals to show")
    return found


def sample_account(context: AppContext, rep: Viewer) -> str | None:
    """The rep's account with the most open pipeline."""
    return largest_open_account(context.repository, rep)


def _playbook_ready(context: AppContext) -> bool:
    try:
        with progress_bar("Indexing the playbook") as update:
            context.knowledge.ingest(progress=update)
    except SalesplanError as exc:
        err_console.print(f"[yellow]warning:[/] the playbook question is skipped: {esc(str(exc))}")
        return False
    return True


def _ask(context: AppContext, viewer: Viewer, question: str, thread: str) -> None:
    console.print(f"\n[bold cyan]{esc(viewer.name)} ({viewer.role.value}) asks:[/] {esc(question)}")
    print_answer(context.assistant.ask(viewer, question, thread))


def demo(
    ctx: typer.Context,
    questions: Annotated[
        bool, typer.Option("--questions/--no-questions", help="Answer the sample questions.")
    ] = True,
) -> None:
    """Build the demo data set (once) and the playbook index, then answer sample questions."""
    from tools.store.summary import summarize

    context: AppContext = ctx.obj
    with context.engine.connect() as connection:
        present = has_data(connection)
    if present:
        console.print(f"Using the data already in {context.settings.home}.")
    else:
        with progress_bar("Generating the demo data set") as update:
            report = generate_dataset(context.engine, context.stages, progress=update)
        score_deals(context, report.as_of)
    print_summary(summarize(context.engine))
    if not questions:
        return
    rep, manager = sample_rep(context)
    account = sample_account(context, rep)
    console.print(
        f"\n[bold]Sample questions[/] as {esc(rep.name)} (rep) and {esc(manager.name if manager else '-')}"
    )
    rep_questions = ["Which of my deals are stalled?", "What's my pipeline by stage this quarter?"]
    if account:
        rep_questions += [f"Tell me about {account}", "What else could they buy?"]
    for question in rep_questions:
        _ask(context, rep, question, "demo-rep")
    if _playbook_ready(context):
        _ask(context, rep, PLAYBOOK_QUESTION, "demo-playbook")
    if manager is not None:
        for question in (
            "How is my team doing this quarter?",
            f"Which of {rep.name}'s deals over 20k are stalled?",
            "What's the forecast for this quarter?",
        ):
            _ask(context, manager, question, "demo-manager")
    _draft_plans(context, rep, manager, account)


def _draft_plans(context: AppContext, rep: Viewer, manager: Viewer | None, account: str | None) -> None:
    from assistant.plans.chart import with_chart  # matplotlib and the plan templates: only here

    folder = context.settings.home / "plans"
    folder.mkdir(parents=True, exist_ok=True)
    drafts = [context.assistant.plan_account(rep, account)] if account else []
    if manager is not None:
        drafts.append(context.assistant.plan_territory(manager, None))
    console.print("\n[bold]Drafted plans[/]")
    for found in drafts:
        path = folder / f"{found.kind}-{re.sub(r'[^a-z0-9]+', '-', found.title.split(': ', 1)[1].lower())}.md"
        chart = path.with_suffix(".png")
        draft = with_chart(found, chart, chart.name)
        path.write_text(draft.markdown, encoding="utf-8")
        console.print(
            f"  {esc(draft.title)}: {len(draft.plan.objectives)} objectives, "
            f"{len(draft.plan.actions)} actions, {len(draft.citations)} citations -> {esc(str(path))}"
        )
