"""Benchmark: the playbook knowledge base (ingest, warm queries, cold CLI, import cost).

Figures, each against a baseline measured in the same run:

* **Ingest the packaged playbook** (median of three fresh ingests) against embedding the same
  window texts alone: the ratio is what chunking, Chroma and BM25 add to the model's own work.
  Re-ingesting the unchanged playbook (idempotent: nothing embedded) is shown beside it.
* **Ingest a synthetic corpus of N chunks** (default 10,000; sections of four to five sentences
  drawn from the playbook, seeded), as chunks per second.
* **Warm query p50 at N chunks**: hybrid search of distinct questions (each embedded: target under
  30 ms) and of questions asked before (their embeddings remembered: target under 15 ms), against
  a BM25-only query and a bare Chroma nearest-neighbour query with a precomputed vector (and the
  query embedding).
* **Cold ``salesplan kb search``** (a fresh process: imports, model load, index load, one query)
  against ``salesplan --help``, median of three.
* **Import cost of a data-only command**: the heavy modules ``salesplan data summary`` imports
  (target: none) and its wall time against ``salesplan --help``.

    python -m benchmarks.knowledge [--chunks N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from benchmarks.common import median, report
from knowledge.base import KnowledgeBase
from knowledge.documents import PLAYBOOK_DIR
from knowledge.embeddings import LocalEmbedder
from knowledge.index import COLLECTION
from knowledge.ingest import load_chunks
from knowledge.markdown import sentences
from knowledge.passages import SearchMode

QUERIES = [
    "my deal has gone quiet for three weeks",
    "who approves a 20% discount",
    "how do we measure territory balance",
    "what counts as commit in the forecast",
    "how long is the ramp for a new rep",
    "signs a customer might churn",
    "how to multi-thread a large deal",
    "what goes into a mutual action plan",
    "how much pipeline coverage do I need",
    "when should I disqualify an opportunity",
]
PREFIXES = ["", "quick question: ", "for my team, ", "in short, ", "remind me "]
HEAVY = ("torch", "sentence_transformers", "transformers", "chromadb", "bm25s")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def synthetic_corpus(root: Path, chunks: int, seed: int = 7) -> None:
    """Write ``chunks`` sections (ten per file) of four or five playbook sentences each."""
    pool = [s for chunk in load_chunks(PLAYBOOK_DIR)[0] for s in sentences(chunk.text) if len(s.split()) > 5]
    rng = random.Random(seed)
    tags = ["pipeline", "forecasting", "territory", "accounts", "qualification", "coaching"]
    for number in range(0, chunks, 10):
        page = [f"---\ntitle: Synthetic Page {number // 10}\ntags: [{rng.choice(tags)}]\n---\n\n# Page\n"]
        for section in range(number, min(number + 10, chunks)):
            body = " ".join(rng.sample(pool, rng.randint(4, 5)))
            page.append(f"## Section {section}: {' '.join(body.split()[:4])}\n\n{body}\n")
        (root / f"page-{number // 10:05d}.md").write_text("\n".join(page), encoding="utf-8")


def ingest_figures(embedder: LocalEmbedder, workdir: Path) -> list[tuple[str, str]]:
    windows = [w for chunk in load_chunks(PLAYBOOK_DIR)[0] for w in chunk.windows()]
    embedder.embed_documents(windows[:8])  # load the model before timing
    bare: list[float] = []
    runs: list[float] = []
    for attempt in range(3):  # interleaved, so both see the same machine load
        bare.append(timed(partial(embedder.embed_documents, windows)))
        kb = KnowledgeBase(index_dir=workdir / f"playbook-{attempt}", embedder=embedder)
        runs.append(kb.ingest().seconds)
    again = median([kb.ingest().seconds for _ in range(3)])
    full, alone = median(runs), median(bare)
    return [
        (f"embed {len(windows)} windows alone (baseline, median of 3)", f"{alone:.2f} s"),
        ("ingest the playbook, fresh (median of 3)", f"{full:.2f} s"),
        ("ingest / embedding alone", f"{full / alone:.2f}"),
        ("re-ingest unchanged (0 embedded, median of 3)", f"{again:.2f} s"),
    ]


def corpus_figures(embedder: LocalEmbedder, workdir: Path, chunks: int) -> tuple[list[tuple[str, str]], Path]:
    source = workdir / "synthetic"
    source.mkdir()
    synthetic_corpus(source, chunks)
    index = workdir / "synthetic-index"
    kb = KnowledgeBase(index_dir=index, embedder=embedder)
    result = kb.ingest(source)
    rows = [
        (
            f"ingest {result.chunks:,} synthetic chunks",
            f"{result.seconds:.1f} s ({result.chunks / result.seconds:,.0f} chunks/s)",
        ),
    ]
    kb.search("warm up the index")
    hybrid: list[float] = []
    bm25: list[float] = []
    dense: list[float] = []
    bare: list[float] = []
    embed: list[float] = []
    collection = kb.index.windows
    for prefix in PREFIXES:  # every query distinct, so none is answered from the query cache
        for query in (prefix + q for q in QUERIES):
            vector: list[Sequence[float]] = [embedder.embed_query(query)]
            embed.append(timed(partial(embedder.embed_query, query)))
            hybrid.append(timed(partial(kb.search, query, 5)))
            bm25.append(timed(partial(kb.search, query, 5, None, SearchMode.BM25)))
            dense.append(timed(partial(kb.search, query + "?", 5, None, SearchMode.DENSE)))
            bare.append(timed(partial(collection.query, query_embeddings=vector, n_results=5)))
    repeated = [timed(partial(kb.search, prefix + q, 5)) for prefix in PREFIXES for q in QUERIES]
    p50 = statistics.median
    rows += [
        ("warm query p50, hybrid, distinct questions (target < 30 ms)", ms(p50(hybrid))),
        ("warm query p50, hybrid, questions asked before (target < 15 ms)", ms(p50(repeated))),
        ("warm query p50, dense only", ms(p50(dense))),
        ("warm query p50, BM25 only (baseline)", ms(p50(bm25))),
        ("bare Chroma query p50, precomputed vector (baseline)", ms(p50(bare))),
        ("query embedding p50 (uncached)", ms(p50(embed))),
        ("hybrid / BM25 only", f"{p50(hybrid) / p50(bm25):.1f}"),
        ("hybrid / bare Chroma query", f"{p50(hybrid) / p50(bare):.1f}"),
    ]
    return rows, index


def cli_seconds(args: list[str], home: Path) -> tuple[float, str]:
    env = {**os.environ, "SALESPLAN_HOME": str(home)}
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "salesplan"), *args], capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"salesplan {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


PROBE = """
import json, sys
sys.argv = ["salesplan", "data", "summary"]
from assistant.interfaces.cli import main
try:
    main()
finally:
    loaded = sorted(m for m in {heavy!r} if m in sys.modules)
    knowledge = sorted(m for m in sys.modules if m == "knowledge" or m.startswith("knowledge."))
    print(json.dumps({{"heavy": loaded, "knowledge": knowledge}}), file=sys.stderr)
"""


def cold_figures(playbook_index: Path, workdir: Path) -> list[tuple[str, str]]:
    home = workdir / "home"
    home.mkdir()
    (home / "chroma").symlink_to(playbook_index)
    help_runs = [cli_seconds(["--help"], home)[0] for _ in range(3)]
    search_runs = [cli_seconds(["kb", "search", QUERIES[1]], home)[0] for _ in range(3)]
    summary_runs = [cli_seconds(["data", "summary"], home)[0] for _ in range(3)]
    env = {**os.environ, "SALESPLAN_HOME": str(home)}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)], capture_output=True, text=True, env=env, check=True
    )
    imported = json.loads(probe.stderr.strip().splitlines()[-1])
    base, search, summary = median(help_runs), median(search_runs), median(summary_runs)
    return [
        ("`salesplan --help` (baseline, median of 3)", f"{base:.2f} s"),
        ("cold `salesplan kb search` (median of 3)", f"{search:.2f} s ({search / base:.1f}x the baseline)"),
        ("`salesplan data summary` (median of 3)", f"{summary:.2f} s ({summary / base:.2f}x the baseline)"),
        ("heavy modules `data summary` imports (target: none)", ", ".join(imported["heavy"]) or "none"),
        ("knowledge modules `data summary` imports", ", ".join(imported["knowledge"]) or "none"),
    ]


def main(chunks: int = 10_000) -> None:
    embedder = LocalEmbedder()
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-kb-") as tmp:
        workdir = Path(tmp)
        report(
            "Knowledge base: ingest the packaged playbook (local MiniLM, CPU)",
            ingest_figures(embedder, workdir),
        )
        rows, _ = corpus_figures(embedder, workdir, chunks)
        report(f"Knowledge base: {chunks:,} synthetic chunks (collection {COLLECTION!r})", rows)
        report("Knowledge base: cold command line", cold_figures(workdir / "playbook-0", workdir))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chunks", type=int, default=10_000, help="Size of the synthetic corpus.")
    main(parser.parse_args().chunks)
