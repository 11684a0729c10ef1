"""The root ``salesplan`` command: builds the app context once; the sub-commands are found in
:mod:`assistant.interfaces.cli.commands` and imported when used."""

from __future__ import annotations

import typer

from assistant.interfaces.cli.commands import LazyCommandGroup

app = typer.Typer(
    cls=LazyCommandGroup,
    help="Salesplan: a sales-planning assistant over your CRM data and playbook.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Salesplan: a sales-planning assistant over your CRM data and playbook."""
    from assistant.bootstrap import build_app_context  # settings and the store: not for --help

    ctx.obj = build_app_context()
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    app()
