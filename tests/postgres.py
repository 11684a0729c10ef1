"""A throwaway PostgreSQL server on loopback for the store tests.

Uses ``SALESPLAN_TEST_POSTGRES_URL`` when set; otherwise starts a private cluster with the
server binaries of the Debian ``postgresql`` package (as the ``postgres`` user when running as
root). When no server can be started the tests are skipped with the reason, unless
``SALESPLAN_REQUIRE_POSTGRES`` is set (CI), where that is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root and runuser is missing")
    return [runuser, "-u", "postgres", "--", *args]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of an empty PostgreSQL database, stopped afterwards."""
    configured = os.environ.get("SALESPLAN_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        raise PostgresUnavailable("no PostgreSQL server binaries (install the Debian package postgresql)")
    bindir = Path(bins[-1]).parent
    workdir = Path(tempfile.mkdtemp(prefix="salesplan-pg-"))
    data = workdir / "data"
    port = _free_port()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")

    def run(args: list[str]) -> None:
        subprocess.run(_as_postgres(args), check=True, capture_output=True, text=True, timeout=120)

    try:
        run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(workdir / "log"),
                "-w",
                "-o",
                f"-h 127.0.0.1 -p {port} -k {workdir} -F",
                "start",
            ]
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        detail = getattr(exc, "stderr", "") or str(exc)
        raise PostgresUnavailable(f"cannot start PostgreSQL: {detail.strip()[:300]}") from exc
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)
