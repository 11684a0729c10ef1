"""Slow clients on a real uvicorn server on loopback, driven through raw sockets.

A slowloris client sends its headers and then dribbles the body one byte at a time: it gets 408
once ``SALESPLAN_API_BODY_TIMEOUT`` has passed and its connection is closed, while ordinary
requests are answered at once in the meantime. A client that trickles a body the route never reads
gets its answer and the connection is closed, not kept open by the trickle.
"""

from __future__ import annotations

import json
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from assistant.interfaces.api import create_app
from assistant.interfaces.slack.app import build_slack_app
from assistant.interfaces.slack.http import EVENTS_PATH, create_slack_http_app
from tests.fakes import FakeSlack
from tests.interfaces.api_support import api_context, issue_tokens
from tests.interfaces.slack_support import signature_headers, slack_context
from tests.interfaces.test_api_concurrency import serving

pytestmark = pytest.mark.slow
TIMEOUT = 2.0
#: How long a client keeps dribbling before giving up on the server (well past the timeout).
PATIENCE = TIMEOUT + 8.0
SLOW_CLIENTS = 12


@dataclass
class Dribble:
    """One raw connection: the head is sent at once, then one body byte every ``every`` seconds
    until the server answers and closes the connection (or ``PATIENCE`` runs out)."""

    port: int
    head: bytes
    every: float = 0.2
    response: bytes = b""
    closed_after: float | None = None  # seconds from the head to the server closing the connection
    answered_after: float | None = None
    sent: int = 0
    thread: threading.Thread = field(init=False)

    def start(self) -> Dribble:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        # A selector, not select.select: a long test run may hold more than 1,024 descriptors.
        with (
            socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock,
            selectors.DefaultSelector() as sel,
        ):
            sel.register(sock, selectors.EVENT_READ)
            sock.sendall(self.head)
            started = time.monotonic()
            next_byte = started + self.every
            while time.monotonic() - started < PATIENCE:
                if sel.select(max(0.0, next_byte - time.monotonic())):
                    try:
                        chunk = sock.recv(65536)
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        self.closed_after = time.monotonic() - started
                        return
                    if not self.response:
                        self.answered_after = time.monotonic() - started
                    self.response += chunk
                if time.monotonic() >= next_byte:
                    try:
                        sock.sendall(b" ")
                        self.sent += 1
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the server closed its side; the read above sees the end
                    next_byte += self.every

    def join(self) -> Dribble:
        self.thread.join(PATIENCE + 5)
        return self

    @property
    def status(self) -> int:
        return int(self.response.split(b" ", 2)[1]) if self.response.startswith(b"HTTP/1.1 ") else 0


def head(method: str, path: str, length: int, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_slowloris_body_is_cut_off_with_408_and_the_server_keeps_answering(tmp_path: Path) -> None:
    context = api_context(tmp_path / "home", api_body_timeout=TIMEOUT, api_rate_limit_per_minute=1000)
    token = issue_tokens(context)["rita"]
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with serving(create_app(context=context)) as base:
        port = int(base.rsplit(":", 1)[1])
        slow = [Dribble(port, head("POST", "/v1/ask", 4_000, auth)).start() for _ in range(SLOW_CLIENTS)]
        time.sleep(0.3)
        # While a dozen clients dribble, ordinary requests are answered at once.
        started = time.monotonic()
        with httpx.Client(base_url=base, timeout=30) as client:
            deals = client.get("/v1/deals/stalled", headers=auth)
            asked = client.post("/v1/ask", json={"question": "which of my deals are stalled?"}, headers=auth)
        served_in = time.monotonic() - started
        assert deals.status_code == 200 and asked.status_code == 200, (deals.text, asked.text)
        assert all(d.thread.is_alive() and not d.response for d in slow), "cut off before the timeout"
        assert served_in < TIMEOUT, served_in
        for dribble in (d.join() for d in slow):
            assert dribble.status == 408, dribble.response[:300]
            answered = dribble.answered_after
            assert answered is not None and TIMEOUT - 0.1 <= answered < TIMEOUT + 3, answered
            assert dribble.closed_after is not None and dribble.closed_after < TIMEOUT + 3
            assert dribble.sent >= 5  # it really was dribbling the body all along
            headers, _, body = dribble.response.partition(b"\r\n\r\n")
            assert b"application/problem+json" in headers and b"connection: close" in headers.lower()
            assert json.loads(body)["detail"] == f"the request body did not arrive within {TIMEOUT:g} seconds"


def test_a_trickled_body_nobody_reads_does_not_keep_the_connection_open(tmp_path: Path) -> None:
    context = api_context(tmp_path / "home", api_body_timeout=TIMEOUT, api_rate_limit_per_minute=1000)
    token = issue_tokens(context)["rita"]
    with serving(create_app(context=context)) as base:
        port = int(base.rsplit(":", 1)[1])
        trickle = Dribble(port, head("GET", "/v1/deals/stalled", 4_000, {"Authorization": f"Bearer {token}"}))
        trickle.start().join()
    assert trickle.status == 200, trickle.response[:300]
    assert trickle.closed_after is not None and trickle.closed_after < TIMEOUT, trickle.closed_after


def test_the_slack_endpoint_cuts_off_a_slowloris_body_too() -> None:
    with FakeSlack().running() as fake:
        context = slack_context(fake, api_body_timeout=TIMEOUT)
        app, runtime = build_slack_app(context)
        with serving(create_slack_http_app(app, runtime)) as base:
            port = int(base.rsplit(":", 1)[1])
            signed = {"Content-Type": "application/json", **signature_headers("{}")}
            dribble = Dribble(port, head("POST", EVENTS_PATH, 2_000, signed)).start().join()
    assert dribble.status == 408, dribble.response[:300]
    assert dribble.closed_after is not None and dribble.closed_after < TIMEOUT + 3
    assert fake.calls == []
