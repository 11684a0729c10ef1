"""A context closes what it opened: the database's connections and the playbook index's files.

A long-running process that builds contexts (a test run, a worker that reloads) would otherwise
keep every database file it ever touched open until the process ends.
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.bootstrap import build_app_context
from knowledge.base import KnowledgeBase
from tests.knowledge.conftest import SAMPLE, write_playbook
from tests.knowledge.fakes import HashEmbedder


def open_files(under: Path) -> list[str]:
    """The files below ``under`` this process holds open."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(under)):
            found.append(target)
    return found


def chroma_systems() -> set[str]:
    """The index paths Chroma holds a shared system open for in this process."""
    from chromadb.api.shared_system_client import SharedSystemClient

    return set(SharedSystemClient._identifier_to_system)


def test_closing_a_context_closes_its_database_and_playbook_index(tmp_path: Path) -> None:
    home = tmp_path / "home"
    context = build_app_context(home=home)
    context.dataset_meta()
    knowledge = KnowledgeBase(index_dir=home / "chroma", embedder=HashEmbedder())
    context.__dict__["knowledge"] = knowledge
    knowledge.ingest(write_playbook(tmp_path / "playbook", SAMPLE))
    assert knowledge.search("multi-threading", k=1)
    assert any(p.endswith("salesplan.db") for p in open_files(home))
    assert str(home / "chroma") in chroma_systems()

    context.close()

    # the database's files are closed; Chroma's shared system for the index is released (its own
    # per-thread connections are Chroma's to close)
    assert not [p for p in open_files(home) if "salesplan.db" in p]
    assert str(home / "chroma") not in chroma_systems()
    # closed is not broken: the next use opens them again
    assert knowledge.search("multi-threading", k=1)
    assert isinstance(context.dataset_meta(), dict)
    context.close()
    assert not [p for p in open_files(home) if "salesplan.db" in p]
    assert str(home / "chroma") not in chroma_systems()


def test_closing_a_context_that_opened_nothing_is_harmless(tmp_path: Path) -> None:
    context = build_app_context(home=tmp_path / "home")
    context.close()
    assert open_files(tmp_path) == []
