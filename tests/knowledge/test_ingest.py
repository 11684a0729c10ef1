"""Ingestion: idempotent by content hash, removals, bad files, the BM25 sidecar, missing index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.bm25 import Bm25Index
from knowledge.index import COLLECTION, WINDOWS
from knowledge.passages import Retriever, SearchMode
from tests.knowledge.conftest import FRONT, SAMPLE, write_playbook
from tests.knowledge.fakes import HashEmbedder
from tools.errors import DataError, InputError


def kb_at(tmp_path: Path, embedder: HashEmbedder) -> KnowledgeBase:
    return KnowledgeBase(index_dir=tmp_path / "index", embedder=embedder)


def stored_ids(kb: KnowledgeBase) -> set[str]:
    """Every record in both collections: chunk ids and window ids."""
    kb.index.open()
    return {
        cid for collection in (kb.index.chunks, kb.index.windows) for cid in collection.get(include=[])["ids"]
    }


def test_first_ingest_embeds_everything_and_reports_it(
    tmp_path: Path, sample_playbook: Path, hash_embedder: HashEmbedder
) -> None:
    calls: list[tuple[int, int]] = []
    report = kb_at(tmp_path, hash_embedder).ingest(
        sample_playbook, progress=lambda d, t: calls.append((d, t))
    )
    assert (report.documents, report.chunks) == (2, 6)
    assert (report.added, report.updated, report.unchanged, report.removed) == (6, 0, 0, 0)
    assert report.embedder == "test:hash" and report.index == str(tmp_path / "index")
    assert report.skipped == []
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)
    assert len(hash_embedder.documents) >= 6  # one or more windows per chunk
    assert (tmp_path / "index" / "bm25" / "chunks.json").is_file()


def test_second_ingest_embeds_nothing(
    tmp_path: Path, sample_playbook: Path, hash_embedder: HashEmbedder
) -> None:
    kb_at(tmp_path, hash_embedder).ingest(sample_playbook)
    embedded = len(hash_embedder.documents)
    again = kb_at(tmp_path, hash_embedder).ingest(sample_playbook)
    assert (again.added, again.updated, again.unchanged, again.removed, again.embedded) == (0, 0, 6, 0, 0)
    assert len(hash_embedder.documents) == embedded


def test_changing_one_section_re_embeds_only_that_chunk(
    tmp_path: Path, sample_playbook: Path, hash_embedder: HashEmbedder
) -> None:
    kb = kb_at(tmp_path, hash_embedder)
    kb.ingest(sample_playbook)
    before = len(hash_embedder.documents)
    page = sample_playbook / "forecast.md"
    page.write_text(page.read_text().replace("week 7 call", "week 7 and week 11 calls"), encoding="utf-8")
    report = kb.ingest(sample_playbook)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 5, 0)
    new_texts = hash_embedder.documents[before:]
    assert new_texts and all(text.startswith("Forecasting > Forecast Accuracy.") for text in new_texts)
    (passage,) = kb.search("week 11 calls", k=1)
    assert passage.citation == "forecast.md#forecast-accuracy" and "week 11" in passage.text


def test_deleting_a_file_removes_its_chunks_and_windows(
    tmp_path: Path, sample_playbook: Path, hash_embedder: HashEmbedder
) -> None:
    kb = kb_at(tmp_path, hash_embedder)
    kb.ingest(sample_playbook)
    (sample_playbook / "stalls.md").unlink()
    report = kb.ingest(sample_playbook)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 0, 2, 4)
    assert all(record.startswith("forecast.md#") for record in stored_ids(kb))
    assert all(p.citation.startswith("forecast.md#") for p in kb.search("customer went quiet", k=5))
    fresh = kb_at(tmp_path, hash_embedder)  # a new process sees the same
    assert {c.path for c in fresh.retriever().bm25.chunks} == {"forecast.md"}


def test_bad_files_are_skipped_with_a_warning_naming_them(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    root = write_playbook(tmp_path / "playbook", SAMPLE)
    (root / "empty.md").write_text("")
    (root / "no-front-matter.md").write_text("# Notes\n\n## Section\n\nText.\n")
    (root / "no-headings.md").write_text("---\ntitle: Prose\n---\nJust prose.\n")
    (root / "intro-only.md").write_text(FRONT.format(title="Intro", tags="x"))
    (root / "latin1.md").write_bytes("---\ntitle: Café\n---\n## Section\n\nText.\n".encode("latin-1"))
    report = kb_at(tmp_path, hash_embedder).ingest(root)
    reasons = {skipped.path: skipped.reason for skipped in report.skipped}
    assert reasons == {
        "empty.md": "is empty",
        "intro-only.md": "has no ## or ### section with text",
        "latin1.md": "is not UTF-8 text",
        "no-front-matter.md": "has no front matter (a '---' block with a title)",
        "no-headings.md": "has no Markdown headings",
    }
    assert (report.documents, report.chunks) == (2, 6)


def test_nothing_to_ingest_is_an_input_error(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    kb = kb_at(tmp_path, hash_embedder)
    with pytest.raises(InputError, match="no such playbook directory"):
        kb.ingest(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no Markdown \(\*\.md\) files"):
        kb.ingest(tmp_path / "empty")
    write_playbook(tmp_path / "bad", {"a.md": "", "b.md": "no front matter"})
    with pytest.raises(InputError, match=r"no playbook sections found .* \(2 files skipped: a.md is empty"):
        kb.ingest(tmp_path / "bad")
    assert not (tmp_path / "index" / "chroma.sqlite3").exists()


def test_search_without_an_index_says_to_ingest(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    kb = kb_at(tmp_path, hash_embedder)
    with pytest.raises(
        DataError, match=r"no playbook index at .*; run `salesplan kb ingest` to build it"
    ) as err:
        kb.search("stalled deals")
    assert err.value.exit_code == 2
    # people asking in chat are told what is wrong without the server's path
    assert str(tmp_path) not in err.value.public and "salesplan kb ingest" in err.value.public
    assert not (tmp_path / "index").exists()  # looking does not create an empty store


def test_switching_embedders_needs_a_rebuild(tmp_path: Path, sample_playbook: Path) -> None:
    kb_at(tmp_path, HashEmbedder("test:a")).ingest(sample_playbook)
    other = kb_at(tmp_path, HashEmbedder("test:b"))
    with pytest.raises(
        DataError, match=r"built with test:a embeddings but test:b is configured; run `salesplan"
    ):
        other.search("commit")
    report = other.ingest(sample_playbook)
    assert (report.added, report.unchanged) == (6, 0)  # the old vectors are dropped, not mixed
    assert other.search("commit", k=1)[0].citation == "forecast.md#criteria-for-commit"


def test_a_missing_or_stale_bm25_sidecar_is_rebuilt_from_chroma(
    tmp_path: Path, sample_playbook: Path, hash_embedder: HashEmbedder
) -> None:
    kb_at(tmp_path, hash_embedder).ingest(sample_playbook)
    sidecar = tmp_path / "index" / "bm25"
    shutil.rmtree(sidecar)
    fresh = kb_at(tmp_path, hash_embedder)
    assert (
        fresh.search("economic buyer", k=1, mode=SearchMode.BM25)[0].citation
        == "forecast.md#criteria-for-commit"
    )
    assert (sidecar / "chunks.json").is_file()
    Bm25Index.build([]).save(sidecar, "an older fingerprint")
    again = kb_at(tmp_path, hash_embedder)
    assert len(again.retriever().bm25.chunks) == 6


def test_search_returns_cited_passages_and_filters_by_tag(
    tmp_path: Path, sample_playbook: Path, hash_embedder: HashEmbedder
) -> None:
    kb = kb_at(tmp_path, hash_embedder)
    kb.ingest(sample_playbook)
    passages = kb.search("economic buyer commit", k=3)
    top = passages[0]
    assert top.citation == "forecast.md#criteria-for-commit"
    assert top.title == "Forecasting" and top.heading_path == "Forecasting > Criteria for Commit"
    assert top.tags == ["forecasting"] and top.chunks == ["forecast.md#criteria-for-commit"]
    assert set(top.retrievers) == {Retriever.DENSE, Retriever.BM25} and top.dense_rank and top.bm25_rank
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    stalled = kb.search("economic buyer", k=5, tags=["Stalled Deals"])
    assert stalled and all(p.citation.startswith("stalls.md#") for p in stalled)
    assert kb.search("economic buyer", tags=["no such tag"]) == []
    steps = {p.citation for p in kb.search("steps", k=5)}
    assert {"stalls.md#steps", "stalls.md#steps-1"} <= steps
    with pytest.raises(InputError, match="query is empty"):
        kb.search("   ")


def test_a_split_section_is_one_passage_with_its_whole_text(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    paragraphs = [f"Paragraph {i} about renewal pricing and renewal dates. " * 6 for i in range(4)]
    page = (
        FRONT.format(title="Renewals", tags="renewals") + "## Renewal Pricing\n\n" + "\n\n".join(paragraphs)
    )
    root = write_playbook(tmp_path / "playbook", {"renewals.md": page})
    kb = KnowledgeBase(index_dir=tmp_path / "index", embedder=hash_embedder, max_words=60)
    assert kb.ingest(root).chunks == 4
    (passage,) = kb.search("renewal pricing", k=5)
    assert passage.citation == "renewals.md#renewal-pricing"
    assert passage.text == "\n\n".join(p.strip() for p in paragraphs)
    assert set(passage.chunks) <= {"renewals.md#renewal-pricing"} | {
        f"renewals.md#renewal-pricing~{n}" for n in (2, 3, 4)
    }


def test_the_collection_names_are_stable() -> None:
    assert (COLLECTION, WINDOWS) == ("playbook", "playbook_windows")
