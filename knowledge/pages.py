"""The playbook as pages people open from a citation.

A citation such as ``territory-design.md#measuring-balance-with-the-coefficient-of-variation``
names a document of the playbook and the anchor of one of its sections. :class:`PlaybookPages`
finds the document by that name, labels a citation with its section's heading (what Slack shows
instead of the id), and renders a document as an HTML page whose headings carry exactly the
anchors the chunker gives citations (GitHub's, numbered on repeats: :class:`~knowledge.markdown.Slugger`),
so every citation is a working link to its section. The HTTP API serves the pages at
``/playbook/{doc}`` (``assistant/interfaces/api/routers/playbook.py``).

A document is looked up by name among the files the playbook holds, never by joining the name to
a path, so no name (``../settings.py``, ``%2e%2e/…``, an absolute path) reaches another file.
The Markdown is rendered with raw HTML switched off: a playbook page cannot carry a script.
"""

from __future__ import annotations

import html
from functools import cached_property, lru_cache
from pathlib import Path

from knowledge.chunking import chunk_document
from knowledge.documents import (
    PLAYBOOK_DIR,
    MalformedDocument,
    PlaybookDocument,
    find_documents,
    read_document,
)
from knowledge.markdown import Slugger

STYLE = """
body { font: 16px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3, h4 { line-height: 1.25; scroll-margin-top: 1rem; }
:target { background: #fff8c5; outline: .4rem solid #fff8c5; }
table { border-collapse: collapse; } th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; }
code { background: #f6f8fa; padding: 0 .2rem; } nav { font-size: .9rem; }
"""


class PlaybookPages:
    """The documents under ``root`` (the packaged playbook unless told otherwise), by name."""

    def __init__(self, root: Path = PLAYBOOK_DIR) -> None:
        self.root = root

    @cached_property
    def documents(self) -> dict[str, PlaybookDocument]:
        """Every readable document, by its path relative to the root (malformed files left out)."""
        found: dict[str, PlaybookDocument] = {}
        for path in find_documents(self.root):
            try:
                doc = read_document(path, self.root)
            except MalformedDocument:
                continue
            found[doc.path] = doc
        return found

    @cached_property
    def headings(self) -> dict[str, str]:
        """The heading of each cited section, by citation id."""
        return {
            chunk.citation: chunk.headings[-1]
            for doc in self.documents.values()
            for chunk in chunk_document(doc)
        }

    def document(self, name: str) -> PlaybookDocument | None:
        """The document called ``name`` (``kpis.md``, or ``kpis`` without the extension), if any."""
        return self.documents.get(name) or self.documents.get(f"{name}.md")

    def heading(self, citation: str) -> str | None:
        """The heading of the section a citation points to, when the playbook holds it."""
        return self.headings.get(citation.partition("~")[0])

    def html(self, doc: PlaybookDocument) -> str:
        """``doc`` as a standalone HTML page; every heading has its citation anchor as ``id``."""
        from markdown_it import MarkdownIt

        renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
        tokens = renderer.parse(doc.body)
        slugger = Slugger()
        for index, token in enumerate(tokens):
            # ATX headings only (``## Title``), as the chunker reads them, so the numbering of
            # repeated anchors matches the citations.
            if token.type == "heading_open" and token.markup.startswith("#"):
                token.attrSet("id", slugger.slug(tokens[index + 1].content))
        body = renderer.renderer.render(tokens, renderer.options, {})
        title = html.escape(doc.title)
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title} · Salesplan playbook</title><style>{STYLE}</style></head>\n"
            f'<body><nav><a href="./">Playbook</a></nav>\n{body}</body></html>\n'
        )

    def index_html(self) -> str:
        """A page listing every document, by title."""
        items = "\n".join(
            f'<li><a href="{html.escape(path, quote=True)}">{html.escape(doc.title)}</a></li>'
            for path, doc in sorted(self.documents.items(), key=lambda item: item[1].title)
        )
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Salesplan playbook</title><style>{STYLE}</style></head>\n"
            f"<body><h1>Sales playbook</h1>\n<ul>\n{items}\n</ul></body></html>\n"
        )


@lru_cache(maxsize=1)
def packaged_pages() -> PlaybookPages:
    """The packaged playbook's pages (read once per process)."""
    return PlaybookPages()
