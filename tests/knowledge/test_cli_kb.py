"""``salesplan kb ingest | search | eval`` through the real command line (CliRunner)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import knowledge.embeddings
from assistant.interfaces.cli import app
from knowledge.embeddings import LocalEmbedder
from tests.knowledge.fakes import HashEmbedder

runner = CliRunner()


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> HashEmbedder:
    """Make the app context use the fast fake embedder."""
    embedder = HashEmbedder()
    monkeypatch.setattr(knowledge.embeddings, "make_embedder", lambda *args, **kwargs: embedder)
    return embedder


@pytest.fixture
def real_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, playbook_index: Path, local_embedder: LocalEmbedder
) -> Path:
    """The shared real index copied into this test's SALESPLAN_HOME, searched with the loaded model."""
    target = tmp_path / "home" / "chroma"
    shutil.copytree(playbook_index, target)
    monkeypatch.setattr(knowledge.embeddings, "make_embedder", lambda *args, **kwargs: local_embedder)
    return target


def test_ingest_reports_counts_and_is_idempotent(
    tmp_path: Path, sample_playbook: Path, hashed: HashEmbedder
) -> None:
    (sample_playbook / "broken.md").write_text("no front matter here\n")
    first = runner.invoke(app, ["kb", "ingest", str(sample_playbook)])
    assert first.exit_code == 0, first.output
    index = tmp_path / "home" / "chroma"
    assert f"Indexed 6 chunks from 2 files into {index} (test:hash)" in first.stdout
    assert "6 added, 0 updated, 0 unchanged, 0 removed." in first.stdout
    assert "warning: skipped broken.md has no front matter" in first.stderr
    second = runner.invoke(app, ["kb", "ingest", str(sample_playbook), "--json"])
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert (report["added"], report["updated"], report["unchanged"], report["removed"]) == (0, 0, 6, 0)
    assert report["skipped"] == [
        {"path": "broken.md", "reason": "has no front matter (a '---' block with a title)"}
    ]


def test_search_prints_passages_with_citations(sample_playbook: Path, hashed: HashEmbedder) -> None:
    assert runner.invoke(app, ["kb", "ingest", str(sample_playbook)]).exit_code == 0
    shown = runner.invoke(app, ["kb", "search", "economic buyer commit", "--k", "2"])
    assert shown.exit_code == 0, shown.output
    assert "1. Forecasting > Criteria for Commit" in shown.stdout
    assert "forecast.md#criteria-for-commit" in shown.stdout and "dense #" in shown.stdout
    as_json = runner.invoke(
        app, ["kb", "search", "economic buyer", "--json", "--tag", "stalled deals", "-k", "3"]
    )
    passages = json.loads(as_json.stdout)
    assert passages and all(p["citation"].startswith("stalls.md#") for p in passages)
    assert {"citation", "title", "heading_path", "text", "score", "retrievers"} <= set(passages[0])
    none = runner.invoke(app, ["kb", "search", "economic buyer", "--tag", "nope"])
    assert none.exit_code == 0 and "No matching passages. Check the --tag value." in none.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["kb", "search", "stalled deals"], 2, "no playbook index at "),
        (["kb", "search", "   "], 1, "error: the search query is empty"),
        (["kb", "search", "x", "--k", "0"], 1, "Invalid value for '--k'"),
        (["kb", "ingest", "/no/such/dir"], 1, "error: no such playbook directory: /no/such/dir"),
        (["kb", "eval", "--questions", "/no/such.yaml"], 2, "error: "),
    ],
)
def test_user_mistakes_are_one_line_errors(
    args: list[str], code: int, message: str, hashed: HashEmbedder
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output and "Traceback" not in result.output


def test_missing_index_names_the_ingest_command(hashed: HashEmbedder) -> None:
    result = runner.invoke(app, ["kb", "search", "stalled deals"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: no playbook index at ")
    assert "run `salesplan kb ingest`" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_search_and_eval_on_the_packaged_playbook(tmp_path: Path, real_index: Path) -> None:
    found = runner.invoke(app, ["kb", "search", "how much discount can I give", "--json", "--k", "3"])
    assert found.exit_code == 0, found.output
    citations = [p["citation"] for p in json.loads(found.stdout)]
    assert "deal-closure-and-multithreading.md#negotiation-and-concessions" in citations
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        "questions:\n"
        "  - question: How long is the ramp for a new enterprise rep?\n"
        "    answers: [rep-assignment.md#ramp-time-and-quota-relief]\n"
    )
    table = runner.invoke(app, ["kb", "eval", "--questions", str(questions), "--misses"])
    assert table.exit_code == 0, table.output
    assert "Recall@3" in table.stdout and "hybrid" in table.stdout and "1 questions" in table.stdout
    scored = runner.invoke(app, ["kb", "eval", "--questions", str(questions), "--json"])
    modes = {s["mode"]: s for s in json.loads(scored.stdout)["scores"]}
    assert set(modes) == {"dense", "bm25", "hybrid"} and modes["hybrid"]["recall_at_k"] == 1.0
