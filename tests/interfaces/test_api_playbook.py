"""``GET /playbook/{doc}``: the playbook as pages, the targets of citation links.

Every citation the chunker gives (``doc.md#section``) is an anchor on its document's page; an
unknown document is 404; no name reaches a file outside the playbook; raw HTML in a document is
shown as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.interfaces.api import create_app
from assistant.settings import Settings
from knowledge.chunking import chunk_document
from knowledge.pages import PlaybookPages, packaged_pages

ANCHOR = re.compile(r'<h[1-6] id="([^"]+)"')


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(home=tmp_path / "home")))


def test_every_citation_is_an_anchor_on_its_page(client: TestClient) -> None:
    documents = packaged_pages().documents
    assert len(documents) >= 10
    for path, doc in documents.items():
        response = client.get(f"/playbook/{path}")  # no token: a link from Slack carries none
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        anchors = ANCHOR.findall(response.text)
        assert len(anchors) == len(set(anchors)), path  # repeated headings get -1, -2 …
        citations = {chunk.citation.partition("#")[2] for chunk in chunk_document(doc)}
        assert citations and citations <= set(anchors), (path, citations - set(anchors))
        assert f"<title>{doc.title}" in response.text.replace("&amp;", "&")


def test_a_section_heading_carries_its_citation_anchor(client: TestClient) -> None:
    page = client.get("/playbook/stalled-deal-recovery.md").text
    assert '<h3 id="stuck-in-stage-diagnosis-and-steps">Stuck in Stage: Diagnosis and Steps</h3>' in page
    assert client.get("/playbook/stalled-deal-recovery").text == page  # the .md may be left off
    assert "<table>" in client.get("/playbook/account-management.md").text  # tables render


def test_the_index_lists_the_documents(client: TestClient) -> None:
    response = client.get("/playbook/")
    assert response.status_code == 200
    assert '<a href="stalled-deal-recovery.md">Stalled Deal Recovery Plays</a>' in response.text
    assert client.get("/playbook", follow_redirects=False).status_code in (307, 308)


@pytest.mark.parametrize(
    "path",
    [
        "/playbook/no-such-play.md",
        "/playbook/..%2Fsettings.py",
        "/playbook/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/playbook/..%5C..%5Cpyproject.toml",
        "/playbook/%2Fetc%2Fpasswd",
        "/playbook/chunking.py",
        "/playbook/.%2Fkpis.md",
    ],
)
def test_unknown_documents_and_paths_outside_the_playbook_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "root:" not in response.text and "[project]" not in response.text


def test_raw_html_in_a_document_is_text_and_the_page_runs_no_script(tmp_path: Path) -> None:
    (tmp_path / "evil.md").write_text(
        "---\ntitle: Evil <b>play</b>\n---\n\n# Evil\n\n## Steps\n\n<script>alert(1)</script>\n"
        "[click](javascript:alert(1))\n",
        encoding="utf-8",
    )
    pages = PlaybookPages(tmp_path)
    page = pages.html(pages.documents["evil.md"])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert "<title>Evil &lt;b&gt;play&lt;/b&gt;" in page
    assert pages.heading("evil.md#steps") == "Steps" and pages.heading("evil.md#nope") is None


def test_pages_forbid_scripts_and_framing(client: TestClient) -> None:
    headers = client.get("/playbook/kpis.md").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
