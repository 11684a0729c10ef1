"""``salesplan demo``: set up the demo data set when absent and show what it holds."""

from __future__ import annotations

import typer

from assistant.bootstrap import AppContext
from assistant.interfaces.cli.data import print_summary
from assistant.interfaces.cli.output import console, progress_bar
from tools.store.generate import generate_dataset, has_data
from tools.store.summary import summarize


def demo(ctx: typer.Context) -> None:
    """Build the demo data set (once) and print a summary of it."""
    context: AppContext = ctx.obj
    with context.engine.connect() as connection:
        present = has_data(connection)
    if present:
        console.print(f"Using the data already in {context.settings.home}.")
    else:
        with progress_bar("Generating the demo data set") as update:
            generate_dataset(context.engine, context.stages, progress=update)
    print_summary(summarize(context.engine))
