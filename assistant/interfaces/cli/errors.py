"""How the CLI turns user mistakes into one-line messages and exit codes (0 / 1 / 2)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from assistant.interfaces.cli.output import safe_console
from tools.errors import SalesplanError

err_console = safe_console(stderr=True, highlight=False)


def fail(message: str, code: int) -> None:
    # the message may quote data (a name, a value): it is text, never markup
    err_console.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)
    sys.exit(code)


def _not_utf8(argv: Sequence[str]) -> int | None:
    """The position (from 1) of the first argument holding bytes that are not UTF-8, if any.

    Python keeps such bytes as lone surrogates, which no file, database or terminal accepts.
    """
    for position, argument in enumerate(argv, start=1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            return position
    return None


def _outage_message(exc: Exception) -> str | None:
    """The line to show when ``exc`` is the database being unavailable, else None. The store is
    imported by the commands that use it (not for ``--help``): before it is, nothing is an outage."""
    db = sys.modules.get("tools.store.db")
    if db is None or not isinstance(exc, db.DatabaseOutage):
        return None
    return str(db.outage_message(exc))


class SalesplanGroup(TyperGroup):
    """The root command group: user errors become ``error: …`` on stderr and an exit code.

    Usage errors (bad options, an argument that is not UTF-8) exit 1; a :class:`SalesplanError`
    prints its ``details`` lines, then its message, and exits with its code (1 for input errors,
    2 for data and configuration errors). Tracebacks are kept for bugs only, a
    :class:`~tools.errors.UsageError` among them.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        argv = kwargs.get("args", args[0] if args else None)
        bad = _not_utf8(sys.argv[1:] if argv is None else argv)
        if bad is not None:
            fail(f"argument {bad} is not valid UTF-8 text", 1)
        try:
            return super().main(*args, **kwargs)
        except typer.Exit as exc:
            sys.exit(exc.exit_code)
        except typer.Abort:
            fail("aborted", 1)
        except typer.TyperException as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            fail(f"{exc.format_message()}{hint}", 1)
        except SalesplanError as exc:
            for line in exc.details:
                err_console.print(line, markup=False, soft_wrap=True)
            fail(str(exc), exc.exit_code)
        except Exception as exc:
            message = _outage_message(exc)
            if message is None:
                raise
            fail(message, 2)
        except KeyboardInterrupt:
            fail("interrupted", 130)
