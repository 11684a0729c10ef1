"""``salesplan audit tail``: the latest entries of the audit log (who asked or read what, and what
came of it).

Entries hold what people typed. Shown as text, every control character (newlines, carriage
returns, ESC and the rest of C0 and C1, DEL) and every invisible format or separator character
(bidirectional overrides, zero-width characters, U+2028/U+2029) is written as its escape
(``\n``, ``\x1b``, ``\u202e``), so a question can neither forge a line of the log nor move the
cursor, clear the screen or reorder what is shown. ``--json`` escapes them as JSON does.
"""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape as esc

from assistant.audit import AuditLog
from assistant.interfaces.cli.output import console
from assistant.interfaces.cli.scoped import JsonOption

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext

app = typer.Typer(help="The audit log of questions, plan requests and data reads.", no_args_is_help=True)
UNSEEN = {"Cc", "Cf", "Zl", "Zp"}
SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def shown(text: str) -> str:
    """``text`` on one line with nothing a terminal would act on: control, format and separator
    characters (and the backslash, so an escape cannot be faked) written as escapes, and Rich
    markup escaped."""
    out = []
    for char in text:
        code = ord(char)
        if char in SHORT:
            out.append(SHORT[char])
        elif unicodedata.category(char) not in UNSEEN:
            out.append(char)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return esc("".join(out))


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
            f"[bold]{e.at:%Y-%m-%d %H:%M:%S}[/] {shown(e.user_name)} ({shown(e.role)}) via "
            f"{shown(e.channel)}: {shown(e.kind)} [italic]{shown(e.question[:100])}[/]\n"
            f"    {shown(outcome)}; model {shown(e.model or '-')}; tools: {shown(tools)}; "
            f"{len(e.record_ids)} record(s); {e.latency_ms:,} ms",
            soft_wrap=True,
        )
