"""Ingestion: read a playbook directory, chunk it, and bring the index in line with it.

Idempotent by content hash: a chunk is embedded only when it is new or its hash changed; chunks
no longer in the playbook are deleted; the rest are left alone. The index then holds exactly the
chunks of the directory ingested. The BM25 sidecar (local index) is rebuilt from the full chunk
list every time, which takes well under a second even at 10,000 chunks, so it can never drift
from Chroma.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from knowledge.bm25 import Bm25Index
from knowledge.chunking import MAX_WORDS, Chunk, chunk_document
from knowledge.documents import MalformedDocument, find_documents, read_document
from knowledge.embeddings import Embedder
from knowledge.index import ChromaIndex, fingerprint
from tools.errors import InputError

#: ``progress(done, total)``, the shape of the CLI's progress bar.
Progress = Callable[[int, int], None]


class SkippedFile(BaseModel):
    """A file left out of the index, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path} {self.reason}"


class IngestReport(BaseModel):
    """What an ingest did."""

    source: str = Field(description="The directory (or file) ingested.")
    index: str = Field(description="Where the index lives: a directory or a Chroma server URL.")
    embedder: str = Field(description="The embedding model, e.g. `local:all-MiniLM-L6-v2`.")
    documents: int = Field(description="Files read.")
    chunks: int = Field(description="Chunks in the index after the run.")
    added: int = Field(description="New chunks, embedded.")
    updated: int = Field(description="Changed chunks, re-embedded.")
    unchanged: int = Field(description="Chunks whose content hash matched; not embedded.")
    removed: int = Field(description="Chunks of deleted files or sections, removed.")
    skipped: list[SkippedFile] = Field(default_factory=list, description="Files skipped, with the reason.")
    seconds: float

    @property
    def embedded(self) -> int:
        return self.added + self.updated


def load_chunks(source: Path, max_words: int = MAX_WORDS) -> tuple[list[Chunk], int, list[SkippedFile]]:
    """Chunks of every readable playbook file under ``source``, the file count, and the skipped files."""
    if not source.exists():
        raise InputError(f"no such playbook directory: {source}")
    root = source if source.is_dir() else source.parent
    files = find_documents(source)
    if not files:
        raise InputError(f"no Markdown (*.md) files in {source}")
    chunks: list[Chunk] = []
    skipped: list[SkippedFile] = []
    for file in files:
        relative = file.relative_to(root).as_posix()
        try:
            document = read_document(file, root)
        except MalformedDocument as exc:
            skipped.append(SkippedFile(path=relative, reason=str(exc)))
            continue
        document_chunks = chunk_document(document, max_words)
        if not document_chunks:
            skipped.append(SkippedFile(path=relative, reason="has no ## or ### section with text"))
            continue
        chunks.extend(document_chunks)
    if not chunks:
        reasons = "; ".join(str(s) for s in skipped[:3])
        raise InputError(f"no playbook sections found in {source} ({len(skipped)} files skipped: {reasons})")
    return chunks, len(files) - len(skipped), skipped


def ingest(
    source: Path,
    index: ChromaIndex,
    embedder: Embedder,
    bm25_dir: Path | None,
    progress: Progress | None = None,
    max_words: int = MAX_WORDS,
) -> tuple[IngestReport, Bm25Index]:
    """Bring ``index`` in line with the playbook at ``source``; return the report and the BM25 index.

    ``bm25_dir`` is where the BM25 sidecar is saved (``None`` for a Chroma server).
    """
    started = time.perf_counter()
    chunks, documents, skipped = load_chunks(source, max_words)
    index.create(embedder.id)
    stored = index.stored_hashes()
    wanted = {chunk.id: chunk.content_hash for chunk in chunks}
    added = [chunk for chunk in chunks if chunk.id not in stored]
    updated = [chunk for chunk in chunks if chunk.id in stored and stored[chunk.id] != wanted[chunk.id]]
    removed = [chunk_id for chunk_id in stored if chunk_id not in wanted]
    to_embed = added + updated
    if progress is not None:
        progress(0, len(to_embed))
    index.write(
        to_embed,
        embedder.embed_documents,
        None if progress is None else (lambda done: progress(done, len(to_embed))),
    )
    index.delete(removed)
    stamp = fingerprint(wanted.items())
    bm25 = Bm25Index.build(chunks)
    if bm25_dir is not None:
        bm25.save(bm25_dir, stamp)
    index.set_fingerprint(embedder.id, stamp)
    report = IngestReport(
        source=str(source),
        index=index.location,
        embedder=embedder.id,
        documents=documents,
        chunks=len(chunks),
        added=len(added),
        updated=len(updated),
        unchanged=len(chunks) - len(to_embed),
        removed=len(removed),
        skipped=skipped,
        seconds=time.perf_counter() - started,
    )
    return report, bm25
