"""Fixtures for the knowledge tests.

The real packaged model is loaded once per session, and the packaged playbook is ingested with
it once per test run: under pytest-xdist the first worker builds the index in the shared base
temp directory (under a file lock) and the others open it read-only. Small hand-written
playbooks use :class:`HashEmbedder` instead, which is fast and counts what it embeds.

A Chroma server is started from the virtualenv's ``chroma`` CLI on loopback; if it cannot start
the server tests are skipped with the reason, unless ``SALESPLAN_REQUIRE_CHROMA`` is set (CI),
where that is a failure.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.embeddings import LocalEmbedder
from knowledge.ingest import IngestReport
from tests.knowledge.fakes import HashEmbedder

# Read at import: the suite-wide fixture clears SALESPLAN_* variables around each test.
REQUIRE_CHROMA = bool(os.environ.get("SALESPLAN_REQUIRE_CHROMA"))

FRONT = "---\ntitle: {title}\ntags: [{tags}]\n---\n\n# {title}\n\nWhat this page covers.\n\n"

#: A small playbook: two pages, a duplicate subsection heading, a tag per page.
SAMPLE = {
    "stalls.md": FRONT.format(title="Stalled Deals", tags="stalled deals, pipeline")
    + "## No Activity for 21 Days\n\nThe customer went quiet. Call the champion and a second contact.\n\n"
    "### Steps\n\nLog the last touch, then email the economic buyer.\n\n"
    "## Close Date in the Past\n\nReset the close date with the customer's plan.\n\n"
    "### Steps\n\nAsk what held signature up and agree a new date.\n",
    "forecast.md": FRONT.format(title="Forecasting", tags="forecasting")
    + "## Criteria for Commit\n\nCommit needs an engaged economic buyer and a signed mutual action plan.\n\n"
    "## Forecast Accuracy\n\nCompare the week 7 call with final bookings each quarter.\n",
}


def write_playbook(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> Markdown) under ``root`` and return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def sample_playbook(tmp_path: Path) -> Path:
    return write_playbook(tmp_path / "playbook", SAMPLE)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def local_embedder() -> LocalEmbedder:
    """The packaged MiniLM model, loaded once (one thread per xdist worker, so two workers fit 2 cores)."""
    embedder = LocalEmbedder()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)
    return embedder


@pytest.fixture(scope="session")
def playbook_index(tmp_path_factory: pytest.TempPathFactory, local_embedder: LocalEmbedder) -> Path:
    """The packaged playbook ingested with the real model, once per run (shared by xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    target = base / "playbook-index"
    ready = base / "playbook-index.json"
    with open(base / "playbook-index.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not ready.exists():
                report = KnowledgeBase(index_dir=target, embedder=local_embedder).ingest()
                ready.write_text(report.model_dump_json(), encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


@pytest.fixture(scope="session")
def playbook_report(playbook_index: Path) -> IngestReport:
    return IngestReport.model_validate_json((playbook_index.parent / "playbook-index.json").read_text())


@pytest.fixture(scope="session")
def playbook_kb(playbook_index: Path, local_embedder: LocalEmbedder) -> KnowledgeBase:
    """A knowledge base over the shared index (read-only: never ingest through it)."""
    return KnowledgeBase(index_dir=playbook_index, embedder=local_embedder)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _chroma_cli() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """Run ``chroma run`` on a loopback port; yield its URL. Raises RuntimeError if it will not start."""
    cli = _chroma_cli()
    if cli is None:
        raise RuntimeError("the chroma CLI is not installed in this environment")
    port = _free_port()
    log = path.parent / "chroma-server.log"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [cli, "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {process.returncode}: {log.read_text()[-500:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not answer within 60 s: {log.read_text()[-500:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("chroma-server") / "data"
    try:
        with chroma_server(data) as url:
            yield url
    except RuntimeError as exc:
        if REQUIRE_CHROMA:
            pytest.fail(f"a Chroma server is required here: {exc}")
        pytest.skip(f"Chroma server tests skipped: {exc}")
