"""``salesplan sync salesforce|hubspot [--every 15m]``: bring the database up to date with a CRM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape as esc

from assistant.interfaces.cli.errors import err_console
from assistant.interfaces.cli.output import console

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext

app = typer.Typer(help="Sync the database with a live CRM (Salesforce or HubSpot).", no_args_is_help=True)

EVERY = Annotated[
    str | None,
    typer.Option("--every", help="Keep syncing at this interval (15m, 1h …) until interrupted."),
]


def _run(ctx: typer.Context, name: str, every: str | None) -> None:
    from assistant.crm import open_source, parse_interval, repeat
    from assistant.interfaces.cli.data import score_deals
    from tools.store.sync import sync

    context: AppContext = ctx.obj
    interval = parse_interval(every) if every else None

    def once() -> None:
        report = sync(context.engine, open_source(context.settings, name), stages=context.stages)
        for line in report.warnings:
            err_console.print(f"[yellow]warning:[/] {esc(line)}", soft_wrap=True)
        console.print(report.summary(), markup=False)
        score_deals(context, context.as_of())

    if interval is None:
        once()
        return

    def failed(exc: Exception) -> None:
        err_console.print(f"[bold red]sync failed, the last good data is kept:[/] {esc(str(exc))}")

    try:
        repeat(once, interval, on_error=failed)
    except KeyboardInterrupt:
        console.print("stopped", markup=False)


@app.command("salesforce")
def salesforce(ctx: typer.Context, every: EVERY = None) -> None:
    """Sync from Salesforce: a full load the first time, then only changes and deletes."""
    _run(ctx, "salesforce", every)


@app.command("hubspot")
def hubspot(ctx: typer.Context, every: EVERY = None) -> None:
    """Sync from HubSpot: a full load the first time, then only changes and deletes."""
    _run(ctx, "hubspot", every)
