"""What the data commands share: ``--user`` / ``--json`` options and printing a tool result.

Every data command runs a tool as a viewer (``--user``, an email or full name) through the
audited read path (:meth:`~assistant.reads.ReadService.run_tool`, channel ``cli``) and prints
either the tool's pydantic output as JSON (``--json``) or a human rendering of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from assistant.interfaces.cli.output import echo_json

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext
    from assistant.reads import ReadService
    from tools.rebalance import RebalanceInput, RebalancePlan
    from tools.viewer import Viewer

UserOption = Annotated[str, typer.Option("--user", "-u", help="Who is asking: an email or full name.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
PeriodOption = Annotated[
    str | None,
    typer.Option("--period", "-p", help="e.g. 'this quarter', 'Q1 2027', 'last month', '2026', 'YTD'."),
]

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Reader:
    """Runs tools as one viewer from the command line; every call is audited."""

    reads: ReadService
    viewer: Viewer

    def __call__(self, tool: str, params: Mapping[str, Any] | BaseModel, returns: type[Model]) -> Model:
        return self.reads.run_tool(self.viewer, tool, params, returns=returns, channel="cli")

    def rebalance(self, params: RebalanceInput) -> RebalancePlan:
        """The whole rebalance plan (for a report), audited as a ``propose_rebalance`` call."""
        return self.reads.rebalance_plan(self.viewer, params, channel="cli")


def reader(ctx: typer.Context, user: str) -> Reader:
    """Tool calls as ``--user``."""
    context: AppContext = ctx.obj
    return Reader(context.reads, context.viewer(user))


def emit(result: Model, as_json: bool, render: Callable[[Model], None]) -> None:
    if as_json:
        echo_json(result.model_dump_json(indent=2))
    else:
        render(result)
