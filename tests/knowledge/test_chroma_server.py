"""Chroma server mode: a real ``chroma run`` on loopback, and a server that is not there."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.interfaces.cli import app
from knowledge.base import KnowledgeBase
from tests.knowledge.fakes import HashEmbedder
from tools.errors import DataError


def test_ingest_and_search_through_a_chroma_server(chroma_url: str, sample_playbook: Path) -> None:
    embedder = HashEmbedder()
    kb = KnowledgeBase(chroma_url=chroma_url, embedder=embedder)
    first = kb.ingest(sample_playbook)
    assert first.index == chroma_url and first.added == first.chunks == 6
    assert kb.bm25_dir is None  # nothing is written locally in server mode
    again = kb.ingest(sample_playbook)
    assert (again.unchanged, again.embedded) == (6, 0)
    assert kb.search("economic buyer commit", k=1)[0].citation == "forecast.md#criteria-for-commit"

    elsewhere = KnowledgeBase(chroma_url=chroma_url, embedder=HashEmbedder())  # another machine
    passages = elsewhere.search("customer went quiet", k=3, tags=["stalled deals"])
    assert passages and all(p.citation.startswith("stalls.md#") for p in passages)
    assert {c.id for c in elsewhere.retriever().bm25.chunks} == {c.id for c in kb.retriever().bm25.chunks}

    (sample_playbook / "stalls.md").unlink()
    assert kb.ingest(sample_playbook).removed == 4
    elsewhere.refresh()
    assert all(p.citation.startswith("forecast.md#") for p in elsewhere.search("customer", k=5))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_server_is_a_one_line_data_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    kb = KnowledgeBase(chroma_url=url, embedder=HashEmbedder())
    with pytest.raises(DataError, match=f"cannot reach the Chroma server at {url}") as err:
        kb.search("stalled deals")
    assert "\n" not in str(err.value) and err.value.exit_code == 2
    with pytest.raises(DataError, match="must look like http://host:8000"):
        KnowledgeBase(chroma_url="ftp://chroma", embedder=HashEmbedder()).search("x")


def test_the_cli_reports_an_unreachable_server(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("SALESPLAN_CHROMA_URL", url)
    result = CliRunner().invoke(app, ["kb", "search", "stalled deals"])
    assert result.exit_code == 2
    assert f"error: cannot reach the Chroma server at {url}" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
