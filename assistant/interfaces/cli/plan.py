"""``salesplan plan account|territory NAME``: a drafted plan as Markdown, JSON or a file.

The plan is printed as Markdown: rendered when the output is a terminal, as plain Markdown text
when it is piped (``salesplan plan account Acme -u … > acme.md`` gives the document itself).
``--out FILE`` saves it (JSON with ``--json``) and says where.

The history chart (bookings, pipeline created and win rate by quarter, a PNG) is written beside
the saved plan — ``--out west.md`` writes ``west.png`` and the Markdown links it by that name — or
wherever ``--chart PATH`` says (also when the plan is printed); ``--no-chart`` skips it. The JSON
carries the chart's path as ``chart``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.interfaces.cli.output import console, json_safe, printable, show_index_progress
from assistant.interfaces.cli.scoped import JsonOption, UserOption
from tools.errors import InputError

if TYPE_CHECKING:  # the plan models and the chart load when a plan is drafted
    from assistant.bootstrap import AppContext
    from assistant.plans.models import PlanDraft

app = typer.Typer(help="Drafted account and territory plans.", no_args_is_help=True)

OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Save the plan to this file (and its chart beside it, as a .png)."),
]
ChartOption = Annotated[
    Path | None, typer.Option("--chart", help="Write the history chart (PNG) to this file.")
]
NoChartOption = Annotated[bool, typer.Option("--no-chart", help="Do not write the history chart.")]


def _charted(draft: PlanDraft, out: Path | None, chart: Path | None, skip: bool) -> PlanDraft:
    """The draft with its chart written where asked (beside ``out`` by default) and linked."""
    if skip or (chart is None and out is None):
        return draft
    path = chart if chart is not None else out.with_suffix(".png")  # type: ignore[union-attr]
    if path.suffix.lower() != ".png":
        raise InputError(f"the chart is a PNG: give a file name ending in .png, not {path.name}")
    link = os.path.relpath(path, out.parent) if out is not None else str(path)
    from assistant.plans.chart import with_chart

    try:
        return with_chart(draft, path, link)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _emit(draft: PlanDraft, as_json: bool, out: Path | None) -> None:
    text = json_safe(draft.model_dump_json(indent=2)) if as_json else printable(draft.markdown)
    if out is not None:
        try:
            out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
        console.print(
            f"Saved {draft.title} to {out}" + (f" and its chart to {draft.chart}" if draft.chart else "")
        )
    elif as_json or not console.is_terminal:
        typer.echo(text)  # made printable above
    else:
        from rich.markdown import Markdown

        console.print(Markdown(draft.markdown), soft_wrap=False)


@app.command("account")
def account(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Account name (close spellings are matched).")],
    user: UserOption,
    as_json: JsonOption = False,
    out: OutOption = None,
    chart: ChartOption = None,
    no_chart: NoChartOption = False,
) -> None:
    """Draft an account plan: relationships, whitespace, deals and risks, objectives and actions."""
    context: AppContext = ctx.obj
    viewer = context.viewer(user)
    show_index_progress(context, as_json)
    draft = context.assistant.plan_account(viewer, name)
    _emit(_charted(draft, out, chart, no_chart), as_json, out)


@app.command("territory")
def territory(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="A territory, a person (their team), or 'mine' for your own territory or team."),
    ],
    user: UserOption,
    as_json: JsonOption = False,
    out: OutOption = None,
    chart: ChartOption = None,
    no_chart: NoChartOption = False,
) -> None:
    """Draft a territory plan: performance, key accounts, coverage, stalled deals, balance, goals, actions."""
    context: AppContext = ctx.obj
    viewer = context.viewer(user)
    show_index_progress(context, as_json)
    draft = context.assistant.plan_territory(viewer, name)
    _emit(_charted(draft, out, chart, no_chart), as_json, out)
