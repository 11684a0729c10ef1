"""The suites and the data each one runs on, loaded into a home of its own.

* ``demo``: the demo data set generated with the fixed seed and default size
  (``salesplan data generate``), cases in ``evals/cases/demo/``;
* ``maven``: the public Maven CRM export imported with ``--mapping maven``, cases in
  ``evals/cases/maven/``. The export is looked for in ``--data DIR``, else in
  ``../shared/datasets/maven-crm`` beside the repository (or the working directory).

Each suite gets a fresh ``SALESPLAN_HOME`` (SQLite database and conversations) with every
setting that changes figures pinned (database, stages file, fiscal year, ``as_of``), so a
developer's configuration cannot change the expected answers; model settings (``OPENAI_*``,
timeouts, call budgets) are the caller's. The sharing model (``SALESPLAN_SHARING``) is obeyed like
everywhere else, never overridden: the cases are written for the default, ``private`` (a rep sees
the accounts they own or have a deal on), and the leak check reads each user's scope as the run
has it.

The playbook index is shared by the suites of a run and kept in a cache directory between runs:
it is rebuilt only when the packaged playbook or the embedding model changes, which keeps a
run's set-up to seconds instead of the half minute an ingest takes.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from assistant.bootstrap import AppContext, load_settings
from tools.errors import DataError
from tools.store.demo.generate import DEFAULT_ACCOUNTS, DEFAULT_AS_OF, DEFAULT_SEED, generate_dataset
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import import_dataset

CASES_DIR = Path(__file__).resolve().parent / "cases"
MAVEN_RELATIVE = Path("..") / "shared" / "datasets" / "maven-crm"


class Suite(StrEnum):
    DEMO = "demo"
    MAVEN = "maven"


def cases_dir(suite: Suite) -> Path:
    return CASES_DIR / suite.value


def maven_export(explicit: Path | None = None) -> Path:
    """Where the Maven export is: ``explicit``, else beside the repository or the working directory."""
    repository = Path(__file__).resolve().parents[1]
    candidates = [explicit] if explicit else [repository / MAVEN_RELATIVE, Path.cwd() / MAVEN_RELATIVE]
    for candidate in candidates:
        if candidate is not None and (candidate / "sales_pipeline.csv").is_file():
            return candidate
    shown = explicit or repository / MAVEN_RELATIVE
    raise DataError(f"the Maven export is not at {shown} (no sales_pipeline.csv); pass --data DIR")


def suite_context(home: Path, model: str) -> AppContext:
    """An app context over a fresh ``home``, with the settings that change figures pinned."""
    settings = load_settings(
        home=home,
        model=model,
        database_url=None,
        chroma_url=None,
        as_of=None,
        stages_file=None,
        fiscal_year_start_month=1,
    )
    return AppContext(settings)


def load_data(suite: Suite, context: AppContext, data_dir: Path | None = None) -> str:
    """Load the suite's data set into the context's database; returns what was loaded."""
    if suite is Suite.DEMO:
        report = generate_dataset(
            context.engine, context.stages, accounts=DEFAULT_ACCOUNTS, seed=DEFAULT_SEED, as_of=DEFAULT_AS_OF
        )
        return f"demo data (seed {report.seed}, {report.rows['opportunities']:,} opportunities)"
    export = maven_export(data_dir)
    import_dataset(context.engine, export, load_mapping("maven"), stages=context.stages)
    return f"the Maven export from {export}"


def playbook_stamp(playbook: Path, embedder_id: str) -> str:
    """A hash of the playbook's files and the embedding model: the cache key of the index."""
    digest = hashlib.sha256(embedder_id.encode())
    for file in sorted(playbook.rglob("*.md")):
        digest.update(file.relative_to(playbook).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory`` (other processes building the same cache wait)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
