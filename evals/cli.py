"""``salesplan eval run`` and ``salesplan kb eval``: the evaluation commands, registered from here.

The assistant's CLI never imports :mod:`evals`: it loads the ``salesplan.cli`` entry points of the
installed distribution (see ``pyproject.toml``), and :func:`register_commands` adds ``eval`` to the
root command and ``eval`` to its ``kb`` group. Without the entry point (``evals`` not installed)
the CLI simply has no evaluation commands.

``salesplan eval run`` scores the assistant against the evaluation cases (see :mod:`evals`).

Exit codes: 0 when the gate passes (pass rate at or above ``--threshold`` and no leaks), 1 when
it does not, 2 when the harness itself failed (a bad case file, a missing data set, an unusable
model configuration) — with a one-line ``error: …``.

Without ``--model`` the configured model runs (``SALESPLAN_MODEL``; offline unless an OpenAI key
is set). The playbook index the suites search is kept in ``$SALESPLAN_HOME/eval-cache`` and
rebuilt only when the playbook changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.interfaces.cli.kb import knowledge_base
from assistant.interfaces.cli.output import console, echo_json
from assistant.interfaces.cli.scoped import JsonOption
from tools.errors import DataError, SalesplanError

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext
    from evals.harness import EvalConfig
    from evals.results import CaseResult, RunSummary
    from knowledge.evaluation import RetrievalEvaluation

app = typer.Typer(help="Evaluate the assistant against fixtures.", no_args_is_help=True)


class SuiteChoice(StrEnum):
    DEMO = "demo"
    MAVEN = "maven"
    ALL = "all"


class BarProgress:
    """The harness's progress on a Rich bar (stderr): the stage, then cases done per suite."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID = progress.add_task("starting", total=None)
        self._failed = 0

    def stage(self, text: str) -> None:
        self._progress.update(self._task, description=text, completed=0, total=None)

    def start(self, total: int) -> None:
        self._failed = 0
        description = self._progress.tasks[self._task].description.split(":")[0]
        self._progress.update(self._task, description=f"{description}: running", completed=0, total=total)

    def done(self, result: CaseResult) -> None:
        self._failed += not result.passed
        suite = result.suite
        label = f"{suite}: running ({self._failed} failed)" if self._failed else f"{suite}: running"
        self._progress.update(self._task, advance=1, description=label)


@contextmanager
def _bar(enabled: bool) -> Iterator[BarProgress | None]:
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        yield BarProgress(progress)


@app.command("run")
def run(
    ctx: typer.Context,
    suite: Annotated[SuiteChoice, typer.Option(help="Which cases and data set.")] = SuiteChoice.DEMO,
    model: Annotated[
        str | None, typer.Option(help="'offline' or 'openai:<name>' (default: the configured model).")
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Run each case K times (pass@1 and pass^K).")] = 1,
    report: Annotated[
        Path | None, typer.Option(help="Write results.json, junit.xml, report.md and report.html here.")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="An earlier results.json: list regressions and improvements.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Pass rate the gate needs (with zero leaks).")
    ] = 0.95,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Only cases with this tag.")] = None,
    case: Annotated[
        list[str] | None, typer.Option("--case", "-c", help="Only the case with this id.")
    ] = None,
    cases: Annotated[
        Path | None, typer.Option(help="Run these case files (a file or directory) on the suite's data.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="The Maven export (default: ../shared/datasets/maven-crm).")
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            envvar="SALESPLAN_JUDGE_MODEL",
            help="Grade narrative quality with this model (advisory, optional).",
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Cases run at once (remote models).")] = 1,
    all_cases: Annotated[
        bool, typer.Option("--all-cases", help="List every case, not only failures.")
    ] = False,
) -> None:
    """Run the evaluation cases through the assistant and score every answer."""
    from evals.harness import EvalConfig
    from evals.report import rich_report, write_reports
    from evals.suites import Suite

    context: AppContext = ctx.obj
    suites = [Suite.DEMO, Suite.MAVEN] if suite is SuiteChoice.ALL else [Suite(suite.value)]
    config = EvalConfig(
        suites=suites,
        model=model or context.settings.chat_model,
        repeat=repeat,
        threshold=threshold,
        cases=cases,
        tags=tag or [],
        case_ids=case or [],
        data_dir=data,
        playbook_cache=context.settings.home / "eval-cache",
        judge_model=judge,
        concurrency=concurrency,
        baseline=baseline,
    )
    summary = _run(config, progress=not as_json)
    if report is not None:
        written = write_reports(summary, report)
        if not as_json:
            console.print(f"Reports: {', '.join(str(p) for p in written)}")
    if as_json:
        echo_json(summary.model_dump_json(indent=2))
    else:
        for part in rich_report(summary, all_cases=all_cases):
            console.print(part)
    if not summary.gate_passed:
        # SystemExit, not typer.Exit: the root group runs click with standalone_mode off, where an
        # Exit's code is returned rather than used as the process's exit status.
        raise SystemExit(1)


def _run(config: EvalConfig, progress: bool) -> RunSummary:
    from evals.harness import Harness

    try:
        with _bar(progress) as bar:
            return Harness(config, bar).run()
    except SalesplanError as exc:
        # Whatever stops the harness (a bad case file, a missing data set, a bad model setting)
        # is a harness failure: exit 2, whatever kind of error it was.
        raise DataError(str(exc)) from None


def evaluate_retrieval(
    ctx: typer.Context,
    questions: Annotated[
        Path | None,
        typer.Option("--questions", help="YAML question set (default: evals/retrieval/questions.yaml)."),
    ] = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=20, help="Cut-off for recall@k.")] = 3,
    misses: Annotated[
        bool, typer.Option("--misses", help="List the questions hybrid search missed.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Score retrieval on the labelled questions: recall@k and MRR for dense, BM25 and hybrid."""
    from evals.retrieval import QUESTIONS_FILE
    from knowledge.evaluation import evaluate as run_evaluation
    from knowledge.evaluation import load_questions

    result = run_evaluation(knowledge_base(ctx), load_questions(questions or QUESTIONS_FILE), k=k)
    if as_json:
        echo_json(result.model_dump_json(indent=2))
    else:
        _print_evaluation(result, misses)


def _print_evaluation(result: RetrievalEvaluation, show_misses: bool) -> None:
    table = Table(
        "Retriever", f"Recall@{result.k}", f"MRR@{result.depth}", title=f"{result.questions} questions"
    )
    for score in result.scores:
        table.add_row(score.mode.value, f"{score.recall_at_k:.3f}", f"{score.mrr:.3f}")
    console.print(table)
    if show_misses:
        from knowledge.passages import SearchMode

        for question in result.score(SearchMode.HYBRID).misses:
            console.print(f"  missed: {esc(question)}")


def register_commands(root: typer.Typer, groups: Mapping[str, typer.Typer]) -> None:
    """Add the evaluation commands to the ``salesplan`` CLI (the ``salesplan.cli`` entry point)."""
    root.add_typer(app, name="eval")
    kb = groups.get("kb")
    if kb is not None:
        kb.command("eval")(evaluate_retrieval)
