"""OpenAI embeddings through the ``openai`` client, against a loopback fake of the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from knowledge.base import KnowledgeBase
from knowledge.embeddings import LocalEmbedder, OpenAIEmbedder, make_embedder
from tests.knowledge.fakes import fake_openai_server
from tools.errors import DataError

MODEL = "text-embedding-3-small"


def test_ingest_and_search_with_openai_embeddings(tmp_path: Path, sample_playbook: Path) -> None:
    with fake_openai_server() as api:
        embedder = OpenAIEmbedder(MODEL, api_key="sk-test", base_url=api.base_url)
        kb = KnowledgeBase(index_dir=tmp_path / "index", embedder=embedder)
        report = kb.ingest(sample_playbook)
        assert report.embedder == f"openai:{MODEL}" and report.added == 6
        first = api.requests[0]
        assert first["path"] == "/v1/embeddings" and first["model"] == MODEL
        assert first["auth"] == "Bearer sk-test"
        sent = [text for request in api.requests for text in request["input"]]  # type: ignore[attr-defined]
        assert any(text.startswith("Forecasting > Criteria for Commit.\n") for text in sent)
        passages = kb.search("engaged economic buyer commit", k=2)
        assert passages[0].citation == "forecast.md#criteria-for-commit"
        assert api.requests[-1]["input"] == ["engaged economic buyer commit"]


def test_an_api_error_is_a_one_line_data_error(tmp_path: Path, sample_playbook: Path) -> None:
    with fake_openai_server() as api:
        api.fail_with = 400
        kb = KnowledgeBase(
            index_dir=tmp_path / "index", embedder=OpenAIEmbedder(MODEL, "sk-test", api.base_url)
        )
        with pytest.raises(DataError, match=f"OpenAI embeddings with {MODEL} failed: .*model overloaded"):
            kb.ingest(sample_playbook)


def test_the_setting_chooses_the_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(make_embedder(), LocalEmbedder)
    assert isinstance(build_app_context().knowledge.embedder, LocalEmbedder)
    monkeypatch.setenv("OPENAI_EMBEDDING_MODEL", MODEL)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    embedder = build_app_context().knowledge.embedder
    assert isinstance(embedder, OpenAIEmbedder) and embedder.id == f"openai:{MODEL}"
    with pytest.raises(DataError, match="OPENAI_EMBEDDING_MODEL is set but OPENAI_API_KEY is not"):
        OpenAIEmbedder(MODEL).embed_documents(["x"])


def test_the_cli_ingests_and_searches_with_openai_embeddings(
    monkeypatch: pytest.MonkeyPatch, sample_playbook: Path
) -> None:
    runner = CliRunner()
    with fake_openai_server() as api:
        monkeypatch.setenv("OPENAI_EMBEDDING_MODEL", MODEL)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", api.base_url)
        ingested = runner.invoke(app, ["kb", "ingest", str(sample_playbook)])
        assert ingested.exit_code == 0, ingested.output
        assert "Indexed 6 chunks from 2 files" in ingested.output and f"(openai:{MODEL})" in ingested.output
        found = runner.invoke(app, ["kb", "search", "economic buyer commit", "--json", "--k", "1"])
        assert found.exit_code == 0, found.output
        assert json.loads(found.stdout)[0]["citation"] == "forecast.md#criteria-for-commit"
    monkeypatch.delenv("OPENAI_EMBEDDING_MODEL")
    switched = runner.invoke(app, ["kb", "search", "commit"])
    assert switched.exit_code == 2
    assert f"built with openai:{MODEL} embeddings but local:all-MiniLM-L6-v2 is configured" in switched.output
    assert "run `salesplan kb ingest`" in switched.output
