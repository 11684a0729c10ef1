"""``salesplan kb …``: build the playbook index and search it (``kb eval`` is registered by :mod:`evals.cli`).

Nothing here imports the embedding model, Chroma or BM25 at module level: the knowledge base is
built by the app context on first use, so other commands never pay for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape as esc

from assistant.interfaces.cli.errors import err_console
from assistant.interfaces.cli.output import console, echo_json, progress_bar, show_index_progress
from assistant.interfaces.cli.scoped import JsonOption

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase
    from knowledge.ingest import IngestReport
    from knowledge.passages import Passage

app = typer.Typer(help="The playbook knowledge base: ingest, search, evaluate.", no_args_is_help=True)

#: Words of each passage shown by ``kb search`` (``--json`` has the whole text).
SNIPPET_WORDS = 60


def knowledge_base(ctx: typer.Context) -> KnowledgeBase:
    knowledge: KnowledgeBase = ctx.obj.knowledge
    return knowledge


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="Directory of playbook Markdown files (default: the packaged playbook)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Index the playbook: chunk by heading, embed new or changed sections, drop removed ones."""
    with progress_bar("Embedding playbook sections") as update:
        report = knowledge_base(ctx).ingest(path, progress=update)
    for skipped in report.skipped:
        err_console.print(f"[yellow]warning:[/] skipped {esc(str(skipped))}", markup=True, soft_wrap=True)
    if as_json:
        echo_json(report.model_dump_json(indent=2))
    else:
        _print_report(report)


def _print_report(report: IngestReport) -> None:
    console.print(
        f"Indexed {report.chunks:,} chunks from {report.documents} files into {esc(report.index)} "
        f"({report.embedder}) in {report.seconds:.1f}s: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed."
    )


@app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in your own words.")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="How many passages to return.")] = 5,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", help="Only pages with this tag (repeat for any of several)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Search the playbook (dense + BM25, fused) and show passages with their citation ids."""
    show_index_progress(ctx.obj, as_json)
    passages = knowledge_base(ctx).search(query, k=k, tags=tag)
    if as_json:
        echo_json(json.dumps([p.model_dump(mode="json") for p in passages], indent=2))
        return
    if not passages:
        console.print("No matching passages." + (" Check the --tag value." if tag else ""))
    for number, passage in enumerate(passages, start=1):
        _print_passage(number, passage)


def _print_passage(number: int, passage: Passage) -> None:
    from knowledge.markdown import plain_text

    found = ", ".join(
        f"{name} #{rank}"
        for name, rank in (("dense", passage.dense_rank), ("bm25", passage.bm25_rank))
        if rank is not None
    )
    words = plain_text(passage.text).split()
    snippet = " ".join(words[:SNIPPET_WORDS]) + (" …" if len(words) > SNIPPET_WORDS else "")
    console.print(f"\n[bold]{number}. {esc(passage.heading_path)}[/]")
    console.print(f"   [cyan]{esc(passage.citation)}[/]  [dim]score {passage.score:.4f} ({found})[/]")
    console.print(f"   {esc(snippet)}")
