"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank fusion.

Each retriever returns its best :data:`CANDIDATES` chunks (or more for a large ``k``). Both
rankings are collapsed to sections first (a split section's best-ranked chunk stands for it), so
two parts of one section never take two places. A section's fused score is
``sum(1 / (RRF_K + rank))`` over the retrievers that found it (Cormack, Clarke and Buettcher,
2009). ``RRF_K = 60`` is the constant from that paper and the common default: it damps the gap
between rank 1 and rank 2 so a section both retrievers rank well beats one that only one
retriever puts first. Fusion uses ranks, never raw scores, so cosine similarities and BM25 scores
need no calibration against each other. Ties go to the better single rank, then the citation.

A query that is a section's own heading ("BANT", "QBRs" for "Quarterly Business Reviews") asks
for that section: in a hybrid search, sections so named come first, in their fused order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from knowledge.bm25 import Bm25Index
from knowledge.chunking import Chunk
from knowledge.embeddings import Embedder, QueryVectors
from knowledge.glossary import ACRONYMS
from knowledge.index import ChromaIndex
from knowledge.passages import Passage, Retriever, SearchMode

#: Reciprocal rank fusion constant.
RRF_K = 60
#: Chunks each retriever contributes to the fusion (at least; more when ``k`` is large).
CANDIDATES = 50
#: Dense search fetches this many windows per candidate chunk (a chunk has two or three).
WINDOWS_PER_CHUNK = 3


@dataclass(slots=True)
class Fused:
    """One item after fusion: its id (a citation), fused score and 1-based rank per retriever."""

    citation: str
    score: float
    ranks: dict[Retriever, int]


def reciprocal_rank_fusion(rankings: Mapping[Retriever, Sequence[str]], k: int = RRF_K) -> list[Fused]:
    """Fuse ranked lists of ids (each without repeats), best first."""
    ranks: dict[str, dict[Retriever, int]] = {}
    for retriever, ids in rankings.items():
        for rank, item in enumerate(ids, start=1):
            ranks.setdefault(item, {}).setdefault(retriever, rank)
    fused = [Fused(item, sum(1.0 / (k + r) for r in found.values()), found) for item, found in ranks.items()]
    fused.sort(key=lambda f: (-f.score, min(f.ranks.values()), f.citation))
    return fused


def heading_key(text: str) -> str:
    """A heading or query reduced for comparison: lower case, letters and digits, no plural ``s``."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return " ".join(w.removesuffix("s") if len(w) > 3 else w for w in words)


def named_keys(query: str) -> set[str]:
    """The heading keys a query names: itself and, for an acronym, what it stands for."""
    key = heading_key(query)
    expanded = ACRONYMS.get(key) or ACRONYMS.get(query.strip().lower())
    return {key, heading_key(expanded)} if expanded else {key}


class HybridRetriever:
    """Searches one opened index: its Chroma collections and the matching BM25 index."""

    def __init__(
        self, index: ChromaIndex, embedder: Embedder, bm25: Bm25Index, queries: QueryVectors | None = None
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.bm25 = bm25
        #: Query embeddings remembered per text (kept by the knowledge base across re-indexing).
        self.queries = (
            queries if queries is not None and queries.embedder is embedder else QueryVectors(embedder)
        )
        self.sections: dict[str, list[Chunk]] = {}
        for chunk in sorted(bm25.chunks, key=lambda c: c.part):
            self.sections.setdefault(chunk.citation, []).append(chunk)
        #: a section's own heading (its last one) -> the sections so named
        self.by_heading: dict[str, list[str]] = {}
        for citation, parts in self.sections.items():
            self.by_heading.setdefault(heading_key(parts[0].headings[-1]), []).append(citation)

    def search(
        self, query: str, k: int = 5, tags: Sequence[str] | None = None, mode: SearchMode = SearchMode.HYBRID
    ) -> list[Passage]:
        """The ``k`` best sections for ``query``, optionally only from pages with any of ``tags``."""
        limit = max(CANDIDATES, 3 * k)
        rankings: dict[Retriever, list[str]] = {}
        best: dict[Retriever, dict[str, float]] = {}
        matched: dict[str, list[str]] = {}
        if Retriever.DENSE in mode.retrievers:
            vector = self._query_vector(query)
            hits = self.index.query(vector, WINDOWS_PER_CHUNK * limit, tags)
            pairs = [(hit.chunk_id, hit.similarity) for hit in hits if hit.chunk_id in self.bm25.by_id]
            rankings[Retriever.DENSE], best[Retriever.DENSE] = self._by_section(pairs, matched)
        if Retriever.BM25 in mode.retrievers:
            pairs = [(hit.id, hit.score) for hit in self.bm25.search(query, limit, tags)]
            rankings[Retriever.BM25], best[Retriever.BM25] = self._by_section(pairs, matched)
        ranked = reciprocal_rank_fusion(rankings)
        if mode is SearchMode.HYBRID:
            ranked = self._named_first(query, ranked, tags, matched)
        passages: list[Passage] = []
        for fused in ranked[:k]:
            score = fused.score if mode is SearchMode.HYBRID else best[Retriever(mode.value)][fused.citation]
            passages.append(self._passage(fused, score, matched[fused.citation]))
        return passages

    def _named_first(
        self, query: str, ranked: list[Fused], tags: Sequence[str] | None, matched: dict[str, list[str]]
    ) -> list[Fused]:
        """Sections whose own heading is the query first (also when neither retriever found them)."""
        named = {c for key in named_keys(query) for c in self.by_heading.get(key, [])}
        named = {c for c in named if not tags or set(tags) & set(self.sections[c][0].tags)}
        if not named:
            return ranked
        found = {f.citation for f in ranked}
        for citation in sorted(named - found):
            ranked.append(Fused(citation, 0.0, {}))
            matched[citation] = [self.sections[citation][0].id]
        return [f for f in ranked if f.citation in named] + [f for f in ranked if f.citation not in named]

    def _query_vector(self, query: str) -> list[float]:
        """The query's embedding (remembered per text, :class:`~knowledge.embeddings.QueryVectors`)."""
        return self.queries(query)

    def _by_section(
        self, ranked: list[tuple[str, float]], matched: dict[str, list[str]]
    ) -> tuple[list[str], dict[str, float]]:
        """Collapse a chunk ranking to sections; note every matching chunk id per section."""
        order: list[str] = []
        scores: dict[str, float] = {}
        for chunk_id, score in ranked:
            citation = self.bm25.by_id[chunk_id].citation
            ids = matched.setdefault(citation, [])
            if chunk_id not in ids:
                ids.append(chunk_id)
            if citation not in scores:
                scores[citation] = score
                order.append(citation)
        return order, scores

    def _passage(self, fused: Fused, score: float, chunk_ids: list[str]) -> Passage:
        parts = self.sections[fused.citation]
        first = parts[0]
        return Passage(
            citation=first.citation,
            title=first.title,
            heading_path=first.heading_path,
            text="\n\n".join(part.text for part in parts),
            tags=first.tags,
            score=score,
            retrievers=[r for r in Retriever if r in fused.ranks],
            dense_rank=fused.ranks.get(Retriever.DENSE),
            bm25_rank=fused.ranks.get(Retriever.BM25),
            chunks=chunk_ids,
        )
