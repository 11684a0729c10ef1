"""The playbook knowledge base: the one object the rest of Salesplan uses to ingest and search.

Built from plain parameters (an index directory or a Chroma server URL, and an embedder), so the
composition root decides the configuration and tests pass temp dirs and fakes. Nothing heavy is
imported or loaded until :meth:`KnowledgeBase.ingest` or :meth:`KnowledgeBase.search` runs.

Once loaded, the Chroma collections and the BM25 index are kept for the object's lifetime; an
ingest through the same object replaces them, and :meth:`KnowledgeBase.refresh` drops them so a
long-running process picks up an ingest made elsewhere.

**First use.** Given ``first_use`` (the composition root passes the packaged playbook unless
``SALESPLAN_PLAYBOOK_AUTO_INDEX`` is off), a search that finds no index, or an empty one, indexes
that playbook first, so a fresh installation answers playbook questions without a ``kb ingest``.
Only one indexing runs at a time: threads of a process wait on a lock, and processes sharing the
home (the API server, the Slack app, a CLI command) on a file lock (``lock_path``); whoever waited
then opens the index the first one built. ``index_progress``, when set (the CLI sets it in a
terminal), shows the indexing as a progress bar. An index built with another embedding model is
not rebuilt silently: it may hold a playbook of your own, so that stays the error naming
``salesplan kb ingest``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from knowledge.bm25 import Bm25Index
from knowledge.chunking import MAX_WORDS
from knowledge.documents import PLAYBOOK_DIR
from knowledge.embeddings import Embedder, LocalEmbedder, QueryVectors
from knowledge.index import MISSING_INDEX_HINT, ChromaIndex, MissingIndex
from knowledge.ingest import IngestReport, Progress, ingest
from knowledge.passages import Passage, SearchMode
from knowledge.retriever import HybridRetriever
from tools.errors import DataError, InputError, UsageError

#: The file a local Chroma index keeps its data in (there is no index without it).
CHROMA_FILE = "chroma.sqlite3"
#: How long a process waits for another one's first-use indexing before giving up.
FIRST_USE_WAIT_SECONDS = 600.0


class KnowledgeBase:
    """Ingest a playbook directory into Chroma + BM25, and search it with hybrid retrieval."""

    def __init__(
        self,
        index_dir: Path | None = None,
        chroma_url: str | None = None,
        embedder: Embedder | None = None,
        max_words: int = MAX_WORDS,
        first_use: Path | None = None,
        lock_path: Path | None = None,
    ) -> None:
        """Use a Chroma server at ``chroma_url`` if given, else a persistent index in ``index_dir``.

        ``max_words`` is the section length above which ingestion splits a section; ``first_use``
        the playbook indexed when a search finds no index (none: the search fails, naming
        ``salesplan kb ingest``); ``lock_path`` the file processes take turns on to index it.
        """
        if chroma_url is None and index_dir is None:
            raise UsageError("give an index directory or a Chroma server URL")
        self.index = ChromaIndex(url=chroma_url) if chroma_url else ChromaIndex(directory=index_dir)
        self.embedder: Embedder = embedder if embedder is not None else LocalEmbedder()
        self.max_words = max_words
        self.first_use = first_use
        self.lock_path = lock_path
        #: Shows a first-use indexing: a context manager yielding ``progress(done, total)``.
        self.index_progress: Callable[[], AbstractContextManager[Progress]] | None = None
        #: Set while a first-use indexing runs in this process (readiness reports it).
        self.indexing = False
        self._lock = threading.Lock()
        self._retriever: HybridRetriever | None = None
        self._index_found = False
        #: Query embeddings per text, kept across re-indexing (the model is the same).
        self.queries = QueryVectors(self.embedder)

    @property
    def bm25_dir(self) -> Path | None:
        """Where the BM25 sidecar lives (a local index only)."""
        return None if self.index.directory is None else self.index.directory / "bm25"

    def close(self) -> None:
        """Close the index (see :meth:`ChromaIndex.close`); a later search opens it again."""
        with self._lock:
            self._retriever = None
            self._index_found = False
            self.index.close()

    def ingest(self, path: Path | None = None, progress: Progress | None = None) -> IngestReport:
        """Index the playbook at ``path`` (default: the packaged playbook); see :mod:`knowledge.ingest`."""
        report, bm25 = ingest(
            path or PLAYBOOK_DIR, self.index, self.embedder, self.bm25_dir, progress, self.max_words
        )
        self._retriever = HybridRetriever(self.index, self.embedder, bm25, self.queries)
        return report

    def search(
        self,
        query: str,
        k: int = 5,
        tags: Sequence[str] | None = None,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> list[Passage]:
        """The ``k`` passages that best answer ``query``; ``tags`` keeps pages with any of them."""
        query = query.strip()
        if not query:
            raise InputError("the search query is empty")
        if k < 1:
            raise InputError(f"k must be at least 1, got {k}")
        wanted = [tag.strip().lower() for tag in tags or [] if tag.strip()]
        return self.retriever().search(query, k, wanted or None, mode)

    def prepare(self) -> None:
        """Index the ``first_use`` playbook now if there plainly is no index yet (a local one never
        built), so a caller with a deadline can do it before the clock starts; anything else is
        left to the first search (which says what is wrong, if anything is)."""
        directory = self.index.directory
        if not self.needs_preparing or directory is None:
            return
        if (directory / CHROMA_FILE).exists():
            self._index_found = True
            return
        try:
            self.retriever()
        except DataError:
            return

    @property
    def needs_preparing(self) -> bool:
        """Whether :meth:`prepare` might still have work to do (it reads the disk to find out): a
        first-use playbook, a local index not yet opened, and none found on disk so far."""
        return (
            self.first_use is not None
            and self._retriever is None
            and self.index.directory is not None
            and not self._index_found
        )

    def retriever(self) -> HybridRetriever:
        """The loaded index, built from ``first_use`` when there is none; without ``first_use`` a
        missing index is a :class:`DataError` naming ``salesplan kb ingest``."""
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    self._retriever = self._load_or_index()
        return self._retriever

    def _load_or_index(self) -> HybridRetriever:
        try:
            return self._load()
        except MissingIndex:
            if self.first_use is None:
                raise
        with self._process_lock():
            try:  # another process may have built it while this one waited
                return self._load()
            except MissingIndex:
                pass
            show = self.index_progress() if self.index_progress is not None else nullcontext(None)
            self.indexing = True
            try:
                with show as update:
                    _, bm25 = ingest(
                        self.first_use, self.index, self.embedder, self.bm25_dir, update, self.max_words
                    )
            finally:
                self.indexing = False
        return HybridRetriever(self.index, self.embedder, bm25, self.queries)

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """Held by one process at a time (none without ``lock_path``)."""
        if self.lock_path is None:
            yield
            return
        from filelock import FileLock, Timeout

        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_path), timeout=FIRST_USE_WAIT_SECONDS)
        try:
            lock.acquire()
        except Timeout:
            raise DataError(
                f"another process is indexing the playbook (lock {self.lock_path}); try again shortly",
                public="the playbook is being indexed; try again in a minute",
            ) from None
        try:
            yield
        finally:
            lock.release()

    def refresh(self) -> None:
        """Forget the loaded index; the next search reloads it."""
        self._retriever = None

    def _load(self) -> HybridRetriever:
        meta = self.index.open()
        built_with = meta.get("embedding")
        if built_with != self.embedder.id:
            raise DataError(
                f"the playbook index at {self.index.location} was built with {built_with} embeddings but "
                f"{self.embedder.id} is configured; {MISSING_INDEX_HINT}"
            )
        stamp = str(meta.get("fingerprint") or "")
        bm25 = Bm25Index.load(self.bm25_dir, stamp) if self.bm25_dir is not None and stamp else None
        if bm25 is None:
            chunks = self.index.stored_chunks()
            if not chunks:
                raise MissingIndex(
                    f"the playbook index at {self.index.location} is empty; {MISSING_INDEX_HINT}",
                    public=f"the playbook has not been indexed yet ({MISSING_INDEX_HINT})",
                )
            bm25 = Bm25Index.build(chunks)
            if self.bm25_dir is not None and stamp:
                bm25.save(self.bm25_dir, stamp)
        return HybridRetriever(self.index, self.embedder, bm25, self.queries)
