"""The packaged playbook is there when it is needed: a search that finds no index builds it first
(once, however many threads and processes ask at the same moment), with a progress bar in a
terminal, so a fresh import answers playbook questions without ``salesplan kb ingest``.

The real packaged model embeds a two-page playbook here (the whole packaged playbook takes half a
minute); the bootstrap's choice of the packaged playbook is checked by pointing it elsewhere."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

import knowledge.documents
import knowledge.embeddings
from assistant.bootstrap import AppContext, build_app_context
from assistant.interfaces.cli import app, output
from assistant.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.embeddings import Embedder, LocalEmbedder
from knowledge.index import MissingIndex
from knowledge.ingest import Progress
from tests.knowledge.conftest import FRONT, SAMPLE, write_playbook
from tests.knowledge.fakes import HashEmbedder
from tests.tools import crm
from tools.errors import DataError
from tools.store.schema import Role
from tools.viewer import Viewer

runner = CliRunner()
RITA = Viewer(user_id=4, role=Role.REP, name="Rita Ruiz", territory_id=1)
MAVEN = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "maven-crm"
PLAYBOOK = {
    **SAMPLE,
    "deals.md": FRONT.format(title="Working Deals", tags="deals")
    + "## Multi-threading\n\nMulti-threading means engaging several people in the buying group: the "
    "champion, the economic buyer and the users, so a deal survives when one contact goes quiet.\n",
}


class Counting:
    """An embedder that counts the document texts it embeds (from any thread)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.id, self.documents = inner, inner.id, 0
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        with self._lock:
            self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    return write_playbook(tmp_path / "playbook", PLAYBOOK)


def _kb(root: Path, embedder: Embedder, playbook: Path | None) -> KnowledgeBase:
    return KnowledgeBase(
        index_dir=root / "chroma", embedder=embedder, first_use=playbook, lock_path=root / "index.lock"
    )


def test_the_first_search_indexes_the_playbook_with_progress(
    tmp_path: Path, playbook: Path, local_embedder: LocalEmbedder
) -> None:
    counting = Counting(local_embedder)
    kb = _kb(tmp_path, counting, playbook)
    seen: list[tuple[int, int]] = []

    @contextmanager
    def bar() -> Iterator[Progress]:
        yield lambda done, total: seen.append((done, total))

    kb.index_progress = bar
    [first, *_] = kb.search("how do I multi-thread a deal?", k=2)
    assert first.citation == "deals.md#multi-threading"
    embedded = counting.documents
    assert embedded > 0 and seen and seen[-1][0] == seen[-1][1] and not kb.indexing
    assert kb.search("criteria for commit", k=1)[0].citation == "forecast.md#criteria-for-commit"
    # another process opens what the first one built: nothing is embedded again
    again = Counting(local_embedder)
    assert _kb(tmp_path, again, playbook).search("economic buyer", k=1) and again.documents == 0
    assert counting.documents == embedded


def test_concurrent_first_use_indexes_once(
    tmp_path: Path, playbook: Path, local_embedder: LocalEmbedder
) -> None:
    """Four searches at once: two threads on each of two knowledge bases over the same home (as two
    server processes would be): one indexing, the others wait and open it."""
    reference = Counting(local_embedder)
    chunks = _kb(tmp_path / "reference", reference, playbook).ingest(playbook).chunks
    counters = [Counting(local_embedder), Counting(local_embedder)]
    bases = [_kb(tmp_path / "shared", counter, playbook) for counter in counters]
    start = threading.Barrier(4)
    found: list[str] = []
    errors: list[BaseException] = []

    def search(kb: KnowledgeBase) -> None:
        start.wait()
        try:
            found.append(kb.search("multi-threading the buying group", k=1)[0].citation)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=search, args=(kb,)) for kb in bases for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and found == ["deals.md#multi-threading"] * 4
    assert sum(c.documents for c in counters) == reference.documents  # indexed once, not twice
    assert len(bases[0].index.stored_hashes()) == chunks


def test_without_first_use_or_with_another_model_nothing_is_rebuilt(tmp_path: Path, playbook: Path) -> None:
    with pytest.raises(MissingIndex, match="salesplan kb ingest"):
        _kb(tmp_path / "none", HashEmbedder(), None).search("multi-threading")
    assert not (tmp_path / "none" / "chroma").exists()
    _kb(tmp_path / "other", HashEmbedder("test:other"), None).ingest(playbook)
    # an index built with another model may hold a playbook of one's own: it is not replaced
    with pytest.raises(DataError, match="was built with test:other"):
        _kb(tmp_path / "other", HashEmbedder(), playbook).search("multi-threading")


def test_a_terminal_shows_first_use_indexing_and_json_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    context = build_app_context()
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    output.show_index_progress(context, as_json=True)
    assert context.knowledge.index_progress is None
    output.show_index_progress(context)
    assert context.knowledge.index_progress is not None
    with context.knowledge.index_progress() as update:
        update(3, 10)


def test_a_playbook_question_right_after_an_import_answers_with_citations(
    monkeypatch: pytest.MonkeyPatch, playbook: Path, local_embedder: LocalEmbedder
) -> None:
    monkeypatch.setenv("SALESPLAN_PLAYBOOK_AUTO_INDEX", "true")
    monkeypatch.setattr(knowledge.documents, "PLAYBOOK_DIR", playbook)  # the "packaged" playbook
    monkeypatch.setattr(knowledge.embeddings, "make_embedder", lambda *args, **kwargs: local_embedder)
    imported = runner.invoke(app, ["data", "import", str(MAVEN), "--mapping", "maven"])
    assert imported.exit_code == 0, imported.output
    asked = runner.invoke(
        app, ["ask", "what does our playbook say about multi-threading?", "--user", "Melvin Marxen", "--json"]
    )
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert "deals.md#multi-threading" in answer["citations"]
    assert "deals.md#multi-threading" in answer["answer"] and "not been indexed" not in answer["answer"]
    assert "Indexing the playbook" not in asked.output  # no progress bar outside a terminal


#: The turn's deadline in the test below: roomy enough for a first turn on a busy two-core machine.
DEADLINE = 3.0


class Slow(HashEmbedder):
    """Embeds documents slowly: an indexing that takes longer than a turn may."""

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        time.sleep(DEADLINE + 0.5)
        return super().embed_documents(texts)


def test_first_use_indexing_does_not_count_against_the_turns_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, playbook: Path
) -> None:
    monkeypatch.setattr(knowledge.documents, "PLAYBOOK_DIR", playbook)
    monkeypatch.setattr(knowledge.embeddings, "make_embedder", lambda *args, **kwargs: Slow())
    context = AppContext(
        Settings(
            home=tmp_path / "home", model="offline", turn_deadline_seconds=DEADLINE, playbook_auto_index=True
        )
    )
    crm.load(context.engine)
    started = time.monotonic()
    answer = context.assistant.ask(RITA, "what does our playbook say about multi-threading?")
    assert time.monotonic() - started > DEADLINE + 0.5  # the indexing ran, and the turn still answered
    assert "deals.md#multi-threading" in answer.citations and answer.latency_ms < DEADLINE * 1_000
