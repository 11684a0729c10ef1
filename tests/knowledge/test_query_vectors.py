"""Query embeddings are remembered per text, least recently used out (README "Performance")."""

from __future__ import annotations

from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.embeddings import QueryVectors
from tests.knowledge.fakes import HashEmbedder, hashed_vector


def test_a_text_is_embedded_once_and_the_least_recently_used_goes_first() -> None:
    embedder = HashEmbedder()
    vectors = QueryVectors(embedder, size=2)
    assert vectors("stalled deal") == hashed_vector("stalled deal")
    assert vectors("  stalled   deal ") == hashed_vector("stalled deal")  # the same text to the model
    vectors("discount approval")
    vectors("stalled deal")  # used again: now the most recent
    vectors("territory balance")  # evicts "discount approval"
    vectors("stalled deal")
    vectors("discount approval")
    assert embedder.queries == ["stalled deal", "discount approval", "territory balance", "discount approval"]


def test_searches_reuse_query_embeddings_across_re_indexing(tmp_path: Path, sample_playbook: Path) -> None:
    embedder = HashEmbedder()
    kb = KnowledgeBase(index_dir=tmp_path / "index", embedder=embedder)
    kb.ingest(sample_playbook)
    kb.search("how do I revive a stalled deal")
    kb.search("how do I revive a stalled deal")
    kb.ingest(sample_playbook)  # a new retriever over the same model
    kb.search("how do I revive a stalled deal")
    assert embedder.queries == ["how do I revive a stalled deal"]
