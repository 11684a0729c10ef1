"""``salesplan changes list|propose|log|confirm|cancel``: CRM writes, applied only on the user's yes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.interfaces.cli.output import console

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext
    from tools.store.sync.changes import Change

app = typer.Typer(
    help="Changes to CRM records: proposed, then written only when you confirm.", no_args_is_help=True
)
USER = Annotated[str, typer.Option("--user", help="Who you are (email or full name).")]
JSON = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _show(changes: list[Change], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps([c.model_dump() for c in changes]))
        return
    if not changes:
        console.print("No changes waiting for your confirmation.", markup=False)
    for change in changes:
        console.print(f"#{change.id} [{change.state}] {change.describe()}", markup=False)


@app.command("list")
def list_(ctx: typer.Context, user: USER, as_json: JSON = False) -> None:
    """Your proposed changes waiting for a yes."""
    context: AppContext = ctx.obj
    _show(context.changes.pending(context.viewer(user)), as_json)


@app.command("propose")
def propose(
    ctx: typer.Context,
    deal: Annotated[str, typer.Argument(help="The deal: its name, id or CRM id.")],
    field: Annotated[str, typer.Option(help="close_date, stage, amount or next_step.")],
    value: Annotated[str, typer.Option(help="The new value (a date as YYYY-MM-DD).")],
    user: USER,
    due: Annotated[str | None, typer.Option(help="A next step's due date (YYYY-MM-DD).")] = None,
    as_json: JSON = False,
) -> None:
    """Propose a change (nothing is written until you confirm it)."""
    context: AppContext = ctx.obj
    change = context.changes.propose(context.viewer(user), deal, field, value, channel="cli", due=due)
    _proposed(change, user, as_json)


@app.command("log")
def log(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="call, meeting, email or note.")],
    subject: Annotated[str, typer.Option(help="What it was about.")],
    user: USER,
    deal: Annotated[str | None, typer.Option(help="The deal: its name, id or CRM id.")] = None,
    account: Annotated[str | None, typer.Option(help="The account it was with.")] = None,
    contact: Annotated[str | None, typer.Option(help="The person it was with.")] = None,
    day: Annotated[str | None, typer.Option(help="When (YYYY-MM-DD); default today.")] = None,
    as_json: JSON = False,
) -> None:
    """Propose logging a call, meeting, email or note (nothing is written until you confirm it)."""
    context: AppContext = ctx.obj
    activity = {
        "kind": kind,
        "subject": subject,
        "deal": deal,
        "account": account,
        "contact": contact,
        "day": day,
    }
    change = context.changes.propose_activity(context.viewer(user), activity, channel="cli")
    _proposed(change, user, as_json)


def _proposed(change: Change, user: str, as_json: bool) -> None:
    _show([change], as_json)
    if not as_json:
        console.print(f"Confirm with: salesplan changes confirm {change.id} --user {user!r}", markup=False)


@app.command("confirm")
def confirm(
    ctx: typer.Context,
    change_id: Annotated[int, typer.Argument(metavar="ID", help="The change's number.")],
    user: USER,
    as_json: JSON = False,
) -> None:
    """Write your proposed change to the CRM (refused if the record changed since)."""
    context: AppContext = ctx.obj
    _show([context.changes.confirm(context.viewer(user), change_id, channel="cli")], as_json)


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    change_id: Annotated[int, typer.Argument(metavar="ID", help="The change's number.")],
    user: USER,
    as_json: JSON = False,
) -> None:
    """Drop your proposed change; nothing is written."""
    context: AppContext = ctx.obj
    _show([context.changes.cancel(context.viewer(user), change_id, channel="cli")], as_json)
