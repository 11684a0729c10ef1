"""``salesplan audit tail``: the latest entries of the audit log (who asked or read what, and what
came of it)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape as esc

from assistant.audit import AuditLog
from assistant.interfaces.cli.output import console
from assistant.interfaces.cli.scoped import JsonOption

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext

app = typer.Typer(help="The audit log of questions, plan requests and data reads.", no_args_is_help=True)


@app.command("tail")
def tail(
    ctx: typer.Context,
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, max=10_000, help="How many entries.")] = 20,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's entries.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the latest audit entries, oldest first (one JSON object per line with --json)."""
    context: AppContext = ctx.obj
    user_id = context.viewer(user).user_id if user else None
    entries = AuditLog(context.engine).tail(lines, user_id)
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(entry.model_dump(mode="json")))
        return
    if not entries:
        console.print("The audit log is empty.")
        return
    for e in entries:
        tools = ", ".join(c["name"] for c in e.tool_calls) or "none"
        outcome = e.outcome + (f" ({e.detail})" if e.detail else "")
        console.print(
            f"[bold]{e.at:%Y-%m-%d %H:%M:%S}[/] {esc(e.user_name)} ({e.role}) via {e.channel}: "
            f"{e.kind} [italic]{esc(e.question[:100])}[/]\n"
            f"    {esc(outcome)}; model {esc(e.model or '-')}; tools: {esc(tools)}; "
            f"{len(e.record_ids)} record(s); {e.latency_ms:,} ms"
        )
