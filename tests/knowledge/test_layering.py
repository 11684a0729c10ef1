"""The knowledge layer stays below the assistant, and nothing heavy loads for commands that do not search."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import knowledge
from knowledge.base import KnowledgeBase
from tests.knowledge.fakes import HashEmbedder

HEAVY = ("torch", "sentence_transformers", "transformers", "chromadb", "bm25s", "onnxruntime")

PROBE = """
import atexit, json, sys
heavy = {heavy!r}
report = lambda: print("LOADED=" + json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
atexit.register(report)
sys.argv = ["salesplan", *{args!r}]
from assistant.interfaces.cli import main
main()
"""


def loaded_modules(args: list[str], home: Path) -> tuple[int, list[str]]:
    """Run ``salesplan ARGS`` in a fresh interpreter; its exit code and the heavy modules it imported."""
    env = {**os.environ, "SALESPLAN_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY, args=args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    line = next((row for row in done.stderr.splitlines() if row.startswith("LOADED=")), None)
    assert line is not None, done.stderr
    found: list[str] = json.loads(line.removeprefix("LOADED="))
    return done.returncode, found


def test_data_commands_import_no_embedding_model_chroma_or_bm25(
    tmp_path: Path, sample_playbook: Path
) -> None:
    home = tmp_path / "home"
    assert loaded_modules(["data", "summary"], home) == (0, [])
    assert loaded_modules(["kb", "--help"], home) == (0, [])
    # The probe does see heavy imports: a search against an index built by another embedder
    # opens Chroma (and stops before loading the model).
    KnowledgeBase(index_dir=home / "chroma", embedder=HashEmbedder()).ingest(sample_playbook)
    code, loaded = loaded_modules(["kb", "search", "commit"], home)
    assert code == 2 and "chromadb" in loaded and "torch" not in loaded


def test_knowledge_imports_nothing_from_the_layers_above_it() -> None:
    allowed = {"tools.errors"}
    for path in Path(knowledge.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                assert top not in ("assistant", "evals") and (top != "tools" or name in allowed), (path, name)
