"""``GET /playbook/{doc}``: a playbook document as a web page, the target of citation links.

A citation ``stalled-deal-recovery.md#stuck-in-stage-diagnosis-and-steps`` is the link
``/playbook/stalled-deal-recovery.md#stuck-in-stage-diagnosis-and-steps``: the page is the document
rendered as HTML, each heading carrying its citation anchor, the cited section highlighted
(:mod:`knowledge.pages`). ``GET /playbook/`` lists the documents. Slack links citations here when
``SALESPLAN_PUBLIC_URL`` says where the API is reached.

No token is needed — a link followed from Slack cannot carry one — and none of the CRM's data is
on these pages: they serve the packaged playbook only. An unknown document is a 404, and a name
is only ever looked up among the playbook's own files, so ``..`` and the like reach nothing else.
The pages are not part of the OpenAPI document (they are for people, not clients).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from knowledge.pages import packaged_pages
from tools.errors import NotFound

router = APIRouter(tags=["playbook"], include_in_schema=False)

#: No scripts, frames or remote content: the page is styled text.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=300",
}


@router.get("/playbook/", response_class=HTMLResponse)
def playbook_index() -> HTMLResponse:
    """Every playbook document, by title."""
    return HTMLResponse(packaged_pages().index_html(), headers=HEADERS)


@router.get("/playbook/{doc}", response_class=HTMLResponse)
def playbook_page(doc: str) -> HTMLResponse:
    """One playbook document; its sections are anchored as citations name them."""
    pages = packaged_pages()
    found = pages.document(doc)
    if found is None:
        raise NotFound(f"no playbook document named {doc[:80]!r}")
    return HTMLResponse(pages.html(found), headers=HEADERS)
