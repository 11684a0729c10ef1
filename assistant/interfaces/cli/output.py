"""Shared terminal output: the console, records as links, and a Rich progress bar for long work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from tools.evidence import source_label

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext

console = Console(highlight=False, soft_wrap=True)


def record(name: str, external_id: str | None, url: str | None) -> str:
    """A record as Rich markup: ``Acme - Core (#006A1)``, a hyperlink to the record in the source
    CRM in a terminal, followed by the URL in plain text when the output is piped."""
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
        console=Console(stderr=True),
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
        console=Console(stderr=True),
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
