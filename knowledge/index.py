"""The dense index: playbook chunks and their vectors in Chroma.

Chroma is persistent on disk (``PersistentClient``) by default, or a Chroma server
(``HttpClient``) when a URL is given; telemetry is off in both. Vectors are always computed by
our own :class:`~knowledge.embeddings.Embedder` and passed in, so Chroma never loads an embedding
function of its own. Two collections, both with cosine distance:

* ``playbook``: one record per chunk (id = chunk id), its Markdown as the document and everything
  a citation needs in the metadata, with the normalised mean of its window vectors. Ingestion
  diffs against it and a BM25 index can be rebuilt from it. Its collection metadata records which
  embedder built the index and a fingerprint of its contents (:func:`fingerprint`), so a changed
  embedding setting and a stale BM25 sidecar are noticed without reading every record.
* ``playbook_windows``: one record per sentence window of a chunk (id = ``<chunk id>@<n>``), the
  vectors dense search queries (see :mod:`knowledge.chunking`). Keeping them apart means a plain
  query needs no metadata filter, which at 20,000 records cost ten times the search itself.

Both carry ``chunk_id``, ``citation``, ``tags`` and the chunk's content ``hash``. Errors a user can
cause become :class:`~tools.errors.DataError`: no index yet (with the hint to run
``salesplan kb ingest``), an unreachable server, a bad URL.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from knowledge.chunking import Chunk
from tools.errors import DataError, UsageError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import Where

COLLECTION = "playbook"
WINDOWS = "playbook_windows"
MISSING_INDEX_HINT = "run `salesplan kb ingest` to build it"
#: What people other than the operator are told when the Chroma server is down (no address).
UNREACHABLE = "cannot reach the Chroma server"

#: Chunks embedded and written per batch (their windows go in the same write).
WRITE_BATCH = 64

Embed = Callable[[list[str]], list[list[float]]]


#: Chroma clients are created one at a time in a process (see :meth:`ChromaIndex.client`).
_CLIENT_LOCK = threading.Lock()


class DenseHit(BaseModel):
    """A chunk found by its best-matching window, with that window's cosine similarity."""

    chunk_id: str
    similarity: float


class MissingIndex(DataError):
    """There is no playbook index yet (or it holds nothing): one to build, not one that is broken."""


def fingerprint(hashes: Iterable[tuple[str, str]]) -> str:
    """One hash over every (chunk id, content hash) pair: equal iff the indexed chunks are equal."""
    digest = hashlib.sha256()
    for chunk_id, content_hash in sorted(hashes):
        digest.update(f"{chunk_id}\0{content_hash}\n".encode())
    return digest.hexdigest()


def _common_metadata(chunk: Chunk, kind: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "kind": kind,
        "chunk_id": chunk.id,
        "citation": chunk.citation,
        "hash": chunk.content_hash,
    }
    if chunk.tags:  # Chroma refuses empty lists
        meta["tags"] = list(chunk.tags)
    return meta


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """The metadata of a chunk record: everything needed to rebuild the :class:`Chunk`."""
    return {
        **_common_metadata(chunk, "chunk"),
        "path": chunk.path,
        "title": chunk.title,
        "heading_path": chunk.heading_path,
        "headings_json": json.dumps(chunk.headings, ensure_ascii=False),
        "part": chunk.part,
        "parts": chunk.parts,
    }


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    """Rebuild a :class:`Chunk` from a chunk record."""
    return Chunk(
        id=chunk_id,
        citation=str(meta["citation"]),
        path=str(meta["path"]),
        title=str(meta["title"]),
        headings=[str(h) for h in json.loads(str(meta["headings_json"]))],
        tags=[str(t) for t in meta.get("tags") or []],
        text=text,
        part=int(meta.get("part", 1)),
        parts=int(meta.get("parts", 1)),
    )


def _mean(vectors: Sequence[Sequence[float]]) -> list[float]:
    summed = [sum(values) for values in zip(*vectors, strict=True)]
    norm = math.sqrt(sum(x * x for x in summed)) or 1.0
    return [x / norm for x in summed]


class ChromaIndex:
    """The playbook's two collections in a local persistent Chroma or on a Chroma server.

    :meth:`open` (an existing index) or :meth:`create` (for ingestion) must run before the other
    methods.
    """

    def __init__(self, directory: Path | None = None, url: str | None = None) -> None:
        if (directory is None) == (url is None):
            raise UsageError("give exactly one of directory or url")
        self.directory = directory
        self.url = url
        self._client: ClientAPI | None = None
        self._chunks: Collection | None = None
        self._windows: Collection | None = None

    @property
    def location(self) -> str:
        """Where the index lives, for messages."""
        return self.url if self.url else str(self.directory)

    @property
    def chunks(self) -> Collection:
        if self._chunks is None:
            raise UsageError("open() or create() the index first")
        return self._chunks

    @property
    def windows(self) -> Collection:
        if self._windows is None:
            raise UsageError("open() or create() the index first")
        return self._windows

    def exists(self) -> bool:
        """Whether an earlier ingest created the index."""
        return self._find(COLLECTION) is not None and self._find(WINDOWS) is not None

    def open(self) -> dict[str, Any]:
        """Open the existing index and return its metadata (``embedding``, ``fingerprint``).

        A :class:`DataError` with the ingest hint when there is none.
        """
        chunks, windows = self._find(COLLECTION), self._find(WINDOWS)
        if chunks is None or windows is None:
            raise MissingIndex(
                f"no playbook index at {self.location}; {MISSING_INDEX_HINT}",
                public=f"the playbook has not been indexed yet ({MISSING_INDEX_HINT})",
            )
        self._chunks, self._windows = chunks, windows
        return dict(chunks.metadata or {})

    def create(self, embedder_id: str) -> None:
        """Open the index, creating it if needed; drops it first when a different embedder built it."""
        existing = self._find(COLLECTION)
        with self._errors():
            client = self.client()
            if existing is not None and (existing.metadata or {}).get("embedding") != embedder_id:
                for name in (COLLECTION, WINDOWS):
                    if self._find(name) is not None:
                        client.delete_collection(name)
            self._chunks, self._windows = (
                client.get_or_create_collection(
                    name,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"embedding": embedder_id, "fingerprint": ""},
                    embedding_function=None,
                )
                for name in (COLLECTION, WINDOWS)
            )

    def client(self) -> ClientAPI:
        """The Chroma client (created on first use; one thread at a time creates one, since Chroma
        keeps one shared system per path for the whole process and building it is not thread-safe)."""
        if self._client is not None:
            return self._client
        with _CLIENT_LOCK:
            return self._create_client()

    def close(self) -> None:
        """Release the Chroma client (a local index's database connections, once no other client
        in the process shares its path); the next use opens it again."""
        with _CLIENT_LOCK:
            client, self._client = self._client, None
            self._chunks = self._windows = None
        if client is not None and hasattr(client, "close"):
            client.close()

    def _create_client(self) -> ClientAPI:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            settings = Settings(anonymized_telemetry=False)
            with self._errors():
                if self.url is not None:
                    host, port, ssl = _server_address(self.url)
                    self._client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
                else:
                    assert self.directory is not None
                    self.directory.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(self.directory), settings=settings)
        return self._client

    def _find(self, name: str) -> Collection | None:
        if self.directory is not None and not (self.directory / "chroma.sqlite3").is_file():
            return None  # never create an empty store just to look
        from chromadb.errors import NotFoundError

        with self._errors():
            try:
                return self.client().get_collection(name, embedding_function=None)
            except NotFoundError:
                return None

    def stored_hashes(self) -> dict[str, str]:
        """Chunk id -> content hash of every chunk in the index."""
        with self._errors():
            result = self.chunks.get(include=["metadatas"])
        metas = result["metadatas"] or []
        return {
            cid: str((meta or {}).get("hash", "")) for cid, meta in zip(result["ids"], metas, strict=True)
        }

    def stored_chunks(self) -> list[Chunk]:
        """Every chunk in the index (to rebuild the BM25 index from)."""
        with self._errors():
            result = self.chunks.get(include=["documents", "metadatas"])
        documents = result["documents"] or []
        metas = result["metadatas"] or []
        return [
            chunk_from_record(cid, doc or "", dict(meta or {}))
            for cid, doc, meta in zip(result["ids"], documents, metas, strict=True)
        ]

    def write(
        self,
        chunks: Sequence[Chunk],
        embed: Embed,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Embed ``chunks`` (new or changed) and write them with their windows, in batches.

        Older records of the same chunks are deleted first, since a changed chunk may have fewer
        windows than before. ``progress(done)`` is called after each batch.
        """
        done = 0
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = list(chunks[start : start + WRITE_BATCH])
            windows = [chunk.windows() for chunk in batch]
            vectors: list[Sequence[float]] = list(embed([text for texts in windows for text in texts]))
            window_ids: list[str] = []
            window_texts: list[str] = []
            window_metas: list[Mapping[str, Any]] = []
            means: list[Sequence[float]] = []
            offset = 0
            for chunk, texts in zip(batch, windows, strict=True):
                own = vectors[offset : offset + len(texts)]
                offset += len(texts)
                means.append(_mean(own))
                for number, text in enumerate(texts, start=1):
                    window_ids.append(f"{chunk.id}@{number}")
                    window_texts.append(text)
                    window_metas.append({**_common_metadata(chunk, "window"), "window": number})
            self.delete([chunk.id for chunk in batch])
            with self._errors():
                self.windows.add(
                    ids=window_ids,
                    embeddings=vectors,
                    documents=window_texts,
                    metadatas=window_metas,
                )
                self.chunks.add(
                    ids=[chunk.id for chunk in batch],
                    embeddings=means,
                    documents=[chunk.text for chunk in batch],
                    metadatas=[chunk_metadata(chunk) for chunk in batch],
                )
            done += len(batch)
            if progress is not None:
                progress(done)

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Delete the chunks and all their windows."""
        for start in range(0, len(chunk_ids), WRITE_BATCH):
            batch: list[str | int | float | bool] = list(chunk_ids[start : start + WRITE_BATCH])
            members: dict[Literal["$in", "$nin"], list[str | int | float | bool]] = {"$in": batch}
            where: Where = {"chunk_id": members}
            with self._errors():
                self.windows.delete(where=where)
                self.chunks.delete(where=where)

    def set_fingerprint(self, embedder_id: str, value: str) -> None:
        """Record what the index now holds (see :func:`fingerprint`)."""
        with self._errors():
            self.chunks.modify(metadata={"embedding": embedder_id, "fingerprint": value})

    def query(self, vector: list[float], limit: int, tags: Sequence[str] | None = None) -> list[DenseHit]:
        """Chunks whose windows are nearest to ``vector``, best first, at most one hit per chunk.

        ``limit`` windows are fetched; with ``tags``, only windows of pages carrying any of them
        (a metadata filter, which makes the search several times slower on a large index).
        """
        where: dict[str, Any] | None = None
        if tags:
            clauses = [{"tags": {"$contains": tag}} for tag in tags]
            where = clauses[0] if len(clauses) == 1 else {"$or": clauses}
        queries: list[Sequence[float]] = [vector]
        with self._errors():
            # Distances only: a window's id names its chunk, and fetching metadata costs more
            # than the nearest-neighbour search itself.
            result = self.windows.query(
                query_embeddings=queries, n_results=limit, where=where, include=["distances"]
            )
        ids = result["ids"][0] if result["ids"] else []
        distances = result["distances"][0] if result["distances"] else []
        hits: list[DenseHit] = []
        seen: set[str] = set()
        for window_id, distance in zip(ids, distances, strict=True):
            chunk_id = window_id.rpartition("@")[0]
            if chunk_id not in seen:
                seen.add(chunk_id)
                hits.append(DenseHit(chunk_id=chunk_id, similarity=1.0 - float(distance)))
        return hits

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn "cannot reach the server" into a one-line :class:`DataError`."""
        import httpx

        try:
            yield
        except (httpx.TransportError, ConnectionError) as exc:
            raise DataError(
                f"cannot reach the Chroma server at {self.location}: {exc}", public=UNREACHABLE
            ) from exc
        except ValueError as exc:
            if "Could not connect" in str(exc):
                message = f"cannot reach the Chroma server at {self.location}"
                raise DataError(message, public=UNREACHABLE) from exc
            raise


def _server_address(url: str) -> tuple[str, int, bool]:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DataError(f"SALESPLAN_CHROMA_URL must look like http://host:8000, got {url!r}")
    ssl = parts.scheme == "https"
    try:
        port = parts.port or (443 if ssl else 8000)
    except ValueError:
        raise DataError(f"SALESPLAN_CHROMA_URL has a bad port: {url!r}") from None
    return parts.hostname, port, ssl
