"""The lexical side: tokens, stemming, acronyms, BM25 ranking, tag filter and the sidecar file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.bm25 import Bm25Index, document_tokens, tokenize
from knowledge.chunking import Chunk
from knowledge.stemming import porter_stem


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("caresses", "caress"),
        ("ponies", "poni"),
        ("agreed", "agre"),
        ("hopping", "hop"),
        ("relational", "relat"),
        ("generalization", "gener"),
        ("effective", "effect"),
        ("controlling", "control"),
        ("stalled", "stall"),
        ("renewals", "renew"),
        ("evaluating", "evalu"),
        ("evaluation", "evalu"),
        ("resignation", "resign"),
        # the -ify family shares one stem
        ("qualifying", "qualif"),
        ("qualification", "qualif"),
        ("justify", "justif"),
        ("justification", "justif"),
    ],
)
def test_porter_stemmer(word: str, stem: str) -> None:
    assert porter_stem(word) == stem


def test_tokens_drop_stop_words_split_hyphens_and_expand_acronyms() -> None:
    assert tokenize("What does the CSM do about multi-threading?") == [
        "csm",
        "custom",
        "success",
        "manag",
        "about",
        "multi",
        "thread",
        "multithread",
    ]
    assert "mutual" in tokenize("Share the MAP") and "mutual" not in tokenize("map the org chart")
    assert tokenize("the a of") == []


def chunk(cid: str, text: str, tags: list[str], heading: str = "Section") -> Chunk:
    return Chunk(
        id=cid, citation=cid, path="p.md", title="Page", headings=["Page", heading], tags=tags, text=text
    )


CHUNKS = [
    chunk("p.md#quiet", "The customer went quiet for three weeks.", ["stalled"], "No Activity"),
    chunk("p.md#commit", "Commit needs an engaged economic buyer.", ["forecast"], "Commit"),
    chunk("p.md#pushes", "The close date was pushed twice by the customer.", ["stalled"], "Repeated Pushes"),
]


def test_search_ranks_by_bm25_and_filters_by_tag() -> None:
    index = Bm25Index.build(CHUNKS)
    assert [hit.id for hit in index.search("deal gone quiet", 5)] == ["p.md#quiet"]
    assert [hit.id for hit in index.search("customer", 5)][:2] == ["p.md#quiet", "p.md#pushes"]
    assert [hit.id for hit in index.search("customer", 5, tags=["forecast"])] == []
    assert [hit.id for hit in index.search("economic buyer", 5, tags=["forecast", "x"])] == ["p.md#commit"]
    assert index.search("the of and", 5) == []
    assert len(index.search("customer", 1)) == 1


def test_headings_weigh_more_than_body_text() -> None:
    tokens = document_tokens(CHUNKS[2])
    assert tokens.count("push") == 4  # three for the heading, one for "pushed" in the text


def test_sidecar_round_trip_and_staleness(tmp_path: Path) -> None:
    index = Bm25Index.build(CHUNKS)
    index.save(tmp_path / "bm25", "fp-1")
    loaded = Bm25Index.load(tmp_path / "bm25", "fp-1")
    assert loaded is not None and loaded.chunks == CHUNKS
    assert [h.id for h in loaded.search("economic buyer", 3)] == ["p.md#commit"]
    assert Bm25Index.load(tmp_path / "bm25", "fp-2") is None  # the index has changed since
    assert Bm25Index.load(tmp_path / "missing", "fp-1") is None
    (tmp_path / "bm25" / "chunks.json").write_text("{not json")
    assert Bm25Index.load(tmp_path / "bm25", "fp-1") is None


def test_an_index_saved_with_tokens_made_another_way_is_not_loaded(tmp_path: Path) -> None:
    index = Bm25Index.build(CHUNKS)
    index.save(tmp_path / "bm25", "stamp")
    assert Bm25Index.load(tmp_path / "bm25", "stamp") is not None
    meta = next(p for p in (tmp_path / "bm25").iterdir() if p.suffix == ".json" and "chunks" in p.read_text())
    payload = json.loads(meta.read_text())
    payload["tokens"] = 1
    meta.write_text(json.dumps(payload))
    assert Bm25Index.load(tmp_path / "bm25", "stamp") is None
