"""Shared terminal output: the consoles, records as links, and a Rich progress bar for long work.

**No control character from data reaches the terminal.** CRM text may hold ESC sequences, BEL,
backspaces or C1 codes (an export written before the importer removed them, a value typed into the
CRM), which a terminal would obey: clear the screen, retitle the window, forge a line. Everything
the CLI prints goes through one of three gates:

* the consoles (:data:`console`, and :func:`safe_console` for the others) strip them from every
  piece of text Rich renders — answers, tables, Markdown, error messages — while Rich's own styling
  and hyperlinks (which it emits itself, not as text) are kept;
* JSON (:func:`echo_json`) escapes DEL and C1 as ``\\u0085``-style escapes (JSON already escapes C0),
  so the data round-trips and nothing raw is printed;
* plain text (:func:`printable`: a plan's Markdown when piped or saved) is stripped like the consoles.

Tab and line feed are kept; every other C0 character, DEL and U+0080–U+009F are removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderHook, RenderResult
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.segment import Segment

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext

#: What is never printed: C0 but tab and line feed, DEL, and the C1 range.
UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_RAW_IN_JSON = re.compile("[\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters (tab and line feed kept; ``\\r\\n`` becomes ``\\n``)."""
    return UNPRINTABLE.sub("", text)


def json_safe(text: str) -> str:
    """A JSON document with DEL and C1 characters written as escapes (the same JSON, printable)."""
    return _RAW_IN_JSON.sub(lambda found: f"\\u{ord(found[0]):04x}", text)


def echo_json(text: str) -> None:
    """Print a JSON document (see :func:`json_safe`)."""
    typer.echo(json_safe(text))


class _Printable:
    """A renderable whose text segments lose their control characters (Rich's own control
    segments, such as cursor moves of a progress display, are passed through)."""

    def __init__(self, inner: ConsoleRenderable) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.inner, options):
            if segment.control or not UNPRINTABLE.search(segment.text):
                yield segment
            else:
                yield Segment(printable(segment.text), segment.style)


class _StripControls(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Printable(renderable) for renderable in renderables]


def safe_console(**options: Any) -> Console:
    """A Rich console that never prints a control character from data (see the module docstring)."""
    made = Console(**options)
    made.push_render_hook(_StripControls())
    return made


console = safe_console(highlight=False, soft_wrap=True)


def record(name: str, external_id: str | None, url: str | None) -> str:
    """A record as Rich markup: ``Acme - Core (#006A1)``, a hyperlink to the record in the source
    CRM in a terminal, followed by the URL in plain text when the output is piped."""
    from tools.evidence import source_label  # the tool models: for the commands that print records

    label = escape(source_label(name, external_id))
    if not url:
        return label
    if console.is_terminal:
        return f"[link={url}]{label}[/link]"
    return f"{label} <{escape(url)}>"


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields ``update(done, total)``."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=safe_console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


@contextmanager
def import_progress() -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress bar per import step; yields ``update(description, advance, total)``."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=safe_console(stderr=True),
        transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def update(description: str, advance: int, total: int | None) -> None:
            if description not in tasks:
                tasks[description] = progress.add_task(description, total=total)
            progress.update(tasks[description], advance=advance, total=total)

        yield update


def show_index_progress(context: AppContext, as_json: bool = False) -> None:
    """Show a first-use indexing of the playbook as a progress bar, in a terminal and not for JSON
    (the index is built the first time a question needs the playbook; it takes about half a minute)."""
    if not as_json and stderr_is_terminal():
        context.knowledge.index_progress = lambda: progress_bar("Indexing the playbook (first use)")


def stderr_is_terminal() -> bool:
    """Whether progress bars (on stderr) reach a terminal."""
    return Console(stderr=True).is_terminal
