"""What the data commands share: ``--user`` / ``--json`` options and printing a tool result.

Every data command runs a tool as a viewer (``--user``, an email or full name) and prints either
the tool's pydantic output as JSON (``--json``) or a human rendering of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel

from assistant.bootstrap import AppContext
from tools.store.repository import Repository
from tools.viewer import Viewer

UserOption = Annotated[str, typer.Option("--user", "-u", help="Who is asking: an email or full name.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
PeriodOption = Annotated[
    str | None,
    typer.Option("--period", "-p", help="e.g. 'this quarter', 'Q1 2027', 'last month', '2026', 'YTD'."),
]

Model = TypeVar("Model", bound=BaseModel)


def as_viewer(ctx: typer.Context, user: str) -> tuple[Repository, Viewer]:
    context: AppContext = ctx.obj
    return context.repository, context.viewer(user)


def emit(result: Model, as_json: bool, render: Callable[[Model], None]) -> None:
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        render(result)
