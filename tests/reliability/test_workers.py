"""Several workers on one database (SQLite in a temp dir, and PostgreSQL), as real processes on loopback.

Two ``salesplan serve`` processes share each token's rate limit (N requests a minute in total,
not N per process); two ``salesplan slack --http`` processes answer each Slack message once,
whichever of them each delivery reaches; two ``salesplan slack digest`` runs at the same time send
each person's digest once. The database is the only thing the processes share (on SQLite they
also share ``SALESPLAN_HOME``, where the conversation store lives, as workers on one host do).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, update

from assistant.interfaces.api.tokens import TokenStore
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import RAVI, RITA, SECRET, signature_headers
from tests.reliability.conftest import closed_port
from tests.tools import crm
from tools.store.schema import User

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys; from assistant.interfaces.cli import main; sys.argv[0] = 'salesplan'; main()"
LIMIT = 20


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Engine, str]:
    """A fresh database every worker opens: SQLite in the temp dir, or the loopback PostgreSQL."""
    if request.param == "sqlite":
        engine: Engine = request.getfixturevalue("sqlite_engine")
        return engine, f"sqlite:///{tmp_path / 'crm.db'}"
    return request.getfixturevalue("postgres_engine"), request.getfixturevalue("postgres_url")


@pytest.fixture
def shared_engine(database: tuple[Engine, str]) -> Engine:
    return database[0]


@pytest.fixture
def shared(database: tuple[Engine, str], tmp_path: Path) -> dict[str, str]:
    """The hand-built CRM in a fresh database, and the environment of every worker."""
    engine, url = database
    crm.load(engine)
    with engine.begin() as connection:
        connection.execute(update(User).where(User.id == 4).values(slack_user_id=RITA))
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "SALESPLAN_DATABASE_URL": url,
        "SALESPLAN_HOME": str(tmp_path / "home"),
        "SALESPLAN_API_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
    }


@contextmanager
def worker(args: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``salesplan <args>`` as its own process, listening on ``port``; stopped afterwards."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", CLI, *args], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def healthy(bases: list[str], processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    deadline = time.monotonic() + 90
    waiting = set(bases)
    while waiting and time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=True):
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        for base in list(waiting):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    waiting.discard(base)
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    assert not waiting, f"workers did not start: {waiting}"


@contextmanager
def workers(command: list[str], env: dict[str, str], tmp_path: Path, count: int = 2) -> Iterator[list[str]]:
    """``count`` processes of ``command``, each on its own port; yields their base URLs."""
    ports = [closed_port() for _ in range(count)]
    logs = [tmp_path / f"worker-{n}.log" for n in range(count)]
    with ExitStack() as stack:
        processes = [
            stack.enter_context(
                worker([*command, "--host", "127.0.0.1", "--port", str(port)], env, port, log)
            )
            for port, log in zip(ports, logs, strict=True)
        ]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        healthy(bases, processes, logs)
        yield bases


def test_two_api_workers_share_one_rate_limit_per_token(
    shared: dict[str, str], shared_engine: Engine, tmp_path: Path
) -> None:
    store = TokenStore(shared_engine)
    rita, ravi = store.create(4, "workers").token, store.create(5, "workers").token
    sam = {"Authorization": f"Bearer {store.create(6, 'workers').token}"}
    with workers(["serve"], shared, tmp_path) as bases, httpx.Client(timeout=60) as client:
        # a conversation continues on whichever worker the next turn reaches (first turns at once)
        with ThreadPoolExecutor(2) as pool:
            firsts = list(
                pool.map(
                    lambda base: client.post(
                        f"{base}/v1/ask", json={"question": "tell me about Globex"}, headers=sam
                    ),
                    bases,
                )
            )
        assert [r.status_code for r in firsts] == [200, 200], [r.text for r in firsts]
        follow = client.post(
            f"{bases[1]}/v1/ask",
            json={"question": "and their open deals?", "thread_id": firsts[0].json()["thread_id"]},
            headers=sam,
        )
        assert follow.status_code == 200 and "Globex - Core" in follow.json()["answer"], follow.text
        started = time.monotonic()
        outcomes = []
        for n in range(2 * LIMIT):  # alternately to each worker, as a round-robin proxy would
            response = client.get(
                f"{bases[n % 2]}/v1/deals/stalled",
                params={"limit": 1},
                headers={"Authorization": f"Bearer {rita}"},
            )
            outcomes.append((n % 2, response.status_code, response.headers.get("retry-after")))
        elapsed = time.monotonic() - started
        others = [
            client.get(f"{base}/v1/deals/stalled", headers={"Authorization": f"Bearer {ravi}"}).status_code
            for base in bases
        ]
    allowed = [worker for worker, status, _ in outcomes if status == 200]
    refused = [(worker, wait) for worker, status, wait in outcomes if status == 429]
    assert len(allowed) + len(refused) == 2 * LIMIT, outcomes
    # N a minute in total: the bucket refills one request every 60/N s while the test runs
    assert LIMIT <= len(allowed) <= LIMIT + 1 + elapsed * LIMIT / 60, (len(allowed), elapsed)
    assert {worker for worker, _ in refused} == {0, 1}  # each worker refuses once the limit is spent
    assert all(wait is not None and int(wait) >= 1 for _, wait in refused)
    assert others == [200, 200]  # the limit is per token: another user's requests go through


def test_serve_with_two_workers_shares_one_limit(
    shared: dict[str, str], shared_engine: Engine, tmp_path: Path
) -> None:
    """``salesplan serve --workers 2``: two uvicorn worker processes on one port, one limit."""
    token = TokenStore(shared_engine).create(4, "workers").token
    auth = {"Authorization": f"Bearer {token}", "Connection": "close"}  # each request may reach either
    with workers(["serve", "--workers", "2"], shared, tmp_path, count=1) as [base], httpx.Client() as client:
        started = time.monotonic()
        statuses = [
            client.get(f"{base}/v1/deals/stalled", params={"limit": 1}, headers=auth, timeout=60).status_code
            for _ in range(2 * LIMIT)
        ]
        elapsed = time.monotonic() - started
    log = (tmp_path / "worker-0.log").read_text(errors="replace")
    assert log.count("Started server process") == 2, log[-2000:]
    assert set(statuses) == {200, 429}
    assert LIMIT <= statuses.count(200) <= LIMIT + 1 + elapsed * LIMIT / 60, (statuses, elapsed)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _connections_by_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established connections to ``port`` each process holds (read from ``/proc``)."""
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    held = {}
    for pid in pids:
        count = 0
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            count += target.startswith("socket:[") and target[8:-1] in inodes
        held[pid] = count
    return held


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the connections from /proc")
def test_serve_with_two_workers_spreads_connections_opened_together(
    shared: dict[str, str], tmp_path: Path
) -> None:
    """A client that opens its connections together (a pool of keep-alive connections) is spread
    over both workers: each listens on a socket of its own, where with one shared socket the first
    worker to wake accepted every waiting connection."""
    port = closed_port()
    command = ["serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / "serve.log"
    with worker(command, shared, port, log) as supervisor, ExitStack() as stack:
        healthy([f"http://127.0.0.1:{port}"], [supervisor], [log])
        deadline = time.monotonic() + 60
        while len(_children(supervisor.pid)) < 2 or log.read_text().count("Started server process") < 2:
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        time.sleep(1)  # the second worker is serving too
        connections = [
            stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10)) for _ in range(16)
        ]
        while sum((held := _connections_by_process(_children(supervisor.pid), port)).values()) < 16:
            assert time.monotonic() < deadline, held
            time.sleep(0.1)
        assert len(connections) == 16
        assert sum(n > 0 for n in held.values()) == 2, held  # both workers hold some


def event_body(event: dict[str, Any], event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
    )


def deliver(base: str, body: str, retry: int = 0) -> int:
    headers = {"Content-Type": "application/json", **signature_headers(body)}
    if retry:
        headers["X-Slack-Retry-Num"] = str(retry)
    return httpx.post(f"{base}/slack/events", content=body, headers=headers, timeout=30).status_code


def test_two_slack_workers_answer_each_message_once(shared: dict[str, str], tmp_path: Path) -> None:
    with FakeSlack().running() as fake:
        env = {**shared, "SLACK_API_URL": fake.base_url}
        with workers(["slack", "--http"], env, tmp_path) as (first, second), ThreadPoolExecutor(4) as pool:
            mention = {"type": "app_mention", "user": RITA, "text": "<@UBOT> hello", "channel": "C1"}
            redelivered = event_body({**mention, "ts": "1700000100.000100"}, "EvTwice")
            direct = {
                **mention,
                "ts": "1700000200.000100",
                "channel": "D1",
                "text": "<@UBOT> what's my pipeline?",
            }
            as_mention = event_body(direct, "EvMention")
            as_message = event_body({**direct, "type": "message", "channel_type": "im"}, "EvMessage")
            # each pair reaches the two workers at the same moment
            statuses = [
                *pool.map(lambda args: deliver(*args), [(first, redelivered), (second, redelivered, 1)]),
                *pool.map(lambda args: deliver(*args), [(first, as_mention), (second, as_message)]),
            ]
            assert statuses == [200] * 4
            last = event_body({**mention, "ts": "1700000300.000100", "text": "<@UBOT> help"}, "EvLast")
            assert deliver(second, last) == 200
            fake.wait_for("chat.postMessage", 3, timeout=60)
            time.sleep(2)  # time enough for a duplicate answer to show up
    # the help in its channel thread (twice), the direct message in the direct message itself
    answered = sorted(
        str(call.args.get("thread_ts", call.args["channel"])) for call in fake.of("chat.postMessage")
    )
    assert answered == ["1700000100.000100", "1700000300.000100", "D1"]
    assert len(fake.of("reactions.add")) == 3  # and only three were ever worked on


def test_two_digest_runs_at_once_send_each_digest_once(shared: dict[str, str], tmp_path: Path) -> None:
    with FakeSlack().running() as fake:
        fake.users.update({RAVI: "ravi@cobalt.example", "U_MAX": "max@cobalt.example"})
        env = {**shared, "SLACK_API_URL": fake.base_url}
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", CLI, "slack", "digest", "--day", "2026-11-23"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=180)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    recipients = sorted(str(call.args["channel"]) for call in fake.of("chat.postMessage"))
    assert recipients == ["DU_MAX", "DU_RAVI", f"D{RITA}"], (recipients, outputs)
    sent = [line for output in outputs for line in output.splitlines() if line.startswith("sent: ")]
    assert len(sent) == 3, outputs


def test_slack_http_with_two_workers_answers_a_redelivered_event_once(
    shared: dict[str, str], tmp_path: Path
) -> None:
    """``salesplan slack --http --workers 2``: Slack's retries may reach either worker."""
    with FakeSlack().running() as fake:
        env = {**shared, "SLACK_API_URL": fake.base_url}
        with workers(["slack", "--http", "--workers", "2"], env, tmp_path, count=1) as [base]:
            event = {"type": "app_mention", "user": RITA, "text": "<@UBOT> hello", "channel": "C1"}
            body = event_body({**event, "ts": "1700000400.000100"}, "EvRetried")
            with ThreadPoolExecutor(4) as pool:
                statuses = list(pool.map(lambda retry: deliver(base, body, retry), range(4)))
            assert statuses == [200] * 4
            fake.wait_for("chat.postMessage", timeout=60)
            time.sleep(2)
        log = (tmp_path / "worker-0.log").read_text(errors="replace")
    assert log.count("Started server process") == 2, log[-2000:]
    assert len(fake.of("chat.postMessage")) == 1
