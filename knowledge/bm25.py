"""The lexical index: BM25 (``bm25s``, Lucene variant, k1 = 1.5, b = 0.75) over the chunks.

Tokens are lower-case words and numbers with a short English stop list removed, stemmed with the
Porter stemmer (:mod:`knowledge.stemming`), so "stalled" meets "stall" and "renew" meets
"renewal". A hyphenated word yields its parts and the joined word ("multi-threading" gives
"multi", "thread" and "multithread"), and an acronym also yields its long form's words
(:mod:`knowledge.glossary`).

For a local index the BM25 index is saved beside Chroma (``<index dir>/bm25/``) together with the
chunks it was built from and the collection fingerprint it matches; ingestion rewrites it, and a
missing or stale sidecar is rebuilt from the chunks stored in Chroma. For a Chroma server (which
other machines may update) it is built in memory from the collection on first search.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from knowledge.chunking import Chunk
from knowledge.glossary import ACRONYMS, AMBIGUOUS_ACRONYMS, EVERYDAY_TERMS
from knowledge.stemming import porter_stem as stem

#: How tokens are made (stop list, stemming); a saved index made another way is rebuilt.
TOKENS_VERSION = 2

if TYPE_CHECKING:
    import bm25s
    import numpy as np
    import numpy.typing as npt

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")

#: Function words that carry no topic, plus the question words people start with.
STOPWORDS = frozenset(
    """a an and are as at be but by can could did do does for from had has have how i if in into is it
    its me my of on or our should so such than that the their them then there these they this those
    to us was we were what when where which who why will with would you your""".split()  # noqa: SIM905
)

_SIDECAR_META = "chunks.json"

#: How many times a section heading's words count in its chunks.
HEADING_WEIGHT = 3


class Bm25Hit(BaseModel):
    """One BM25 match: the chunk id and its BM25 score."""

    id: str
    score: float


def tokenize(text: str) -> list[str]:
    """BM25 tokens of ``text``."""
    tokens: list[str] = []
    for match in _WORD.finditer(text):
        original = match.group(0).replace("’", "'").removesuffix("'s")
        word = original.lower()
        pieces = re.split(r"[-']", word)
        if len(pieces) > 1:
            pieces.append("".join(pieces))
        tokens.extend(stem(piece) for piece in pieces if piece and piece not in STOPWORDS)
        expansion = _expansion(original)
        if expansion is not None:
            tokens.extend(stem(piece) for piece in expansion.split() if piece not in STOPWORDS)
    return tokens


def query_tokens(text: str) -> list[str]:
    """BM25 tokens of a question: its words, and the playbook's words for the everyday ones it uses
    (:data:`knowledge.glossary.EVERYDAY_TERMS`)."""
    words = _WORD.findall(text)
    extra = [EVERYDAY_TERMS[w.lower()] for w in words if w.lower() in EVERYDAY_TERMS]
    return tokenize(" ".join([*words, *extra]))


def document_tokens(chunk: Chunk) -> list[str]:
    """A chunk's BM25 tokens: its indexed text, with the section headings counted three times.

    Headings name what a section is about in few words; repeating them is a cheap stand-in for a
    separately weighted heading field (BM25F). The page title is counted once.
    """
    return tokenize(" ".join(chunk.headings[1:])) * (HEADING_WEIGHT - 1) + tokenize(chunk.indexed_text)


def _expansion(word: str) -> str | None:
    """The long form of an acronym (``CSM``, ``CSMs``; lower case only when it is not also a word)."""
    if len(word) > 6:
        return None
    singular = word.removesuffix("s") if len(word) > 2 else word
    key = singular.lower()
    if key not in ACRONYMS or (not singular.isupper() and key in AMBIGUOUS_ACRONYMS):
        return None
    return ACRONYMS[key]


class Bm25Index:
    """BM25 over a fixed list of chunks, with an optional tag filter at query time."""

    def __init__(self, chunks: Sequence[Chunk], model: bm25s.BM25 | None) -> None:
        self.chunks = list(chunks)
        self.by_id = {chunk.id: chunk for chunk in self.chunks}
        self._model = model if self.chunks else None

    @classmethod
    def build(cls, chunks: Sequence[Chunk]) -> Bm25Index:
        """Index ``chunks`` (an empty list gives an index that finds nothing)."""
        if not chunks:
            return cls([], None)
        import bm25s

        model = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
        model.index([document_tokens(chunk) for chunk in chunks], show_progress=False)
        return cls(chunks, model)

    def save(self, directory: Path, fingerprint: str) -> None:
        """Write the index, its chunks and ``fingerprint`` to ``directory`` (replacing it whole)."""
        staging = directory.with_name(directory.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._model is not None:
            self._model.save(str(staging), show_progress=False)
        payload = {
            "fingerprint": fingerprint,
            "tokens": TOKENS_VERSION,
            "chunks": [chunk.model_dump(mode="json") for chunk in self.chunks],
        }
        (staging / _SIDECAR_META).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        shutil.rmtree(directory, ignore_errors=True)
        staging.rename(directory)

    @classmethod
    def load(cls, directory: Path, fingerprint: str) -> Bm25Index | None:
        """The saved index if it matches ``fingerprint``; ``None`` when missing, stale or unreadable."""
        import bm25s

        meta_file = directory / _SIDECAR_META
        try:
            payload = json.loads(meta_file.read_text(encoding="utf-8"))
            if payload.get("fingerprint") != fingerprint or payload.get("tokens") != TOKENS_VERSION:
                return None  # another playbook, or tokens made another way: rebuilt from the chunks
            chunks = [Chunk.model_validate(item) for item in payload["chunks"]]
            model = bm25s.BM25.load(str(directory), show_progress=False) if chunks else None
        except (OSError, ValueError, KeyError):
            return None
        return cls(chunks, model)

    def search(self, query: str, limit: int, tags: Sequence[str] | None = None) -> list[Bm25Hit]:
        """The ``limit`` best-scoring chunks (score > 0), optionally only those with any of ``tags``."""
        import numpy as np

        tokens = query_tokens(query)
        if not tokens or self._model is None:
            return []
        scores: npt.NDArray[np.float32] = self._model.get_scores(tokens)
        if tags:
            wanted = set(tags)
            mask = np.array([bool(wanted.intersection(chunk.tags)) for chunk in self.chunks])
            scores = np.where(mask, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size > limit:
            candidates = candidates[np.argpartition(-scores[candidates], limit - 1)[:limit]]
        ranked = sorted(candidates.tolist(), key=lambda i: (-float(scores[i]), i))
        return [Bm25Hit(id=self.chunks[i].id, score=float(scores[i])) for i in ranked]
