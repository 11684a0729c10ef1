"""Benchmark: the HTTP API under load on loopback, with the offline model.

``salesplan serve`` runs in its own process over the default demo data set; a client in this
process keeps ``--concurrency`` requests in flight. Figures: throughput and p50/p95 latency of
``POST /v1/ask`` (questions from different reps, each with their own token), against the same
server's ``GET /healthz`` measured in the same run (the cost of HTTP, uvicorn and FastAPI alone);
then the same asks against ``salesplan serve --workers N`` (default: one worker per core) on the
same database, in the same run, and the throughput of N workers against one.

    python -m benchmarks.api [--asks N] [--concurrency C] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from assistant.bootstrap import build_app_context
from assistant.interfaces.api.tokens import TokenStore
from benchmarks.common import report
from tools.store.demo.generate import generate_dataset
from tools.store.schema import Role, User

QUESTIONS = (
    "which of my deals are stalled?",
    "what's my pipeline by stage this quarter?",
    "what's my forecast?",
    "what are my 3 biggest deals?",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def cli_server(args: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """``salesplan ARGS`` in a child process, serving on 127.0.0.1:PORT; yields its base URL."""
    executable = str(Path(sys.executable).with_name("salesplan"))
    process = subprocess.Popen(
        [executable, *args], env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {process.stderr.read().decode()[-2000:] if process.stderr else ''}"
                )
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def load(
    base: str, requests: list[tuple[str, str, dict[str, object] | None, dict[str, str]]], concurrency: int
) -> tuple[float, list[float], int]:
    """Run the requests with ``concurrency`` in flight; returns wall seconds, latencies, errors."""
    latencies: list[float] = []
    errors = 0
    queue = list(reversed(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors
            while queue:
                method, path, body, headers = queue.pop()
                started = time.perf_counter()
                response = await client.request(method, path, json=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, errors


def _row(name: str, wall: float, latencies: list[float], errors: int) -> tuple[str, str]:
    return (
        name,
        f"{len(latencies) / wall:,.1f} req/s, p50 {statistics.median(latencies) * 1000:,.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:,.0f} ms, {errors} errors",
    )


def main(asks: int = 200, concurrency: int = 8, workers: int | None = None) -> None:
    workers = workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp:
        home = Path(tmp)
        context = build_app_context(home=home, model="offline")
        generate_dataset(context.engine, context.stages)
        with context.engine.connect() as connection:
            reps = list(
                connection.execute(
                    select(User.id).where(User.role == Role.REP.value).order_by(User.id)
                ).scalars()
            )
        store = TokenStore(context.engine)
        tokens = [store.create(uid, "bench").token for uid in reps]
        context.engine.dispose()
        env = {
            "SALESPLAN_HOME": str(home),
            "SALESPLAN_MODEL": "offline",
            "SALESPLAN_API_RATE_LIMIT_PER_MINUTE": "100000",
            # the questions are data questions: no process indexes the playbook meanwhile
            "SALESPLAN_PLAYBOOK_AUTO_INDEX": "false",
        }
        ask_requests = [
            (
                "POST",
                "/v1/ask",
                {"question": QUESTIONS[n % len(QUESTIONS)]},
                {"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
            )
            for n in range(asks)
        ]
        port = free_port()
        with cli_server(["serve", "--host", "127.0.0.1", "--port", str(port)], env, port) as base:
            asyncio.run(load(base, ask_requests[: 2 * concurrency], concurrency))  # warm-up
            ask = asyncio.run(load(base, ask_requests, concurrency))
            health = asyncio.run(load(base, [("GET", "/healthz", None, {})] * (asks * 5), concurrency))
        port = free_port()
        serve_workers = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        with cli_server(serve_workers, env, port) as base:
            # every worker warms up: each builds its graph and opens the database on its first turns
            asyncio.run(load(base, ask_requests[: 4 * concurrency], concurrency))
            several = asyncio.run(load(base, ask_requests, concurrency))
    ask_rate = len(ask[1]) / ask[0]
    several_rate = len(several[1]) / several[0]
    health_rate = len(health[1]) / health[0]
    report(
        f"HTTP API on loopback, offline model, default demo data, {concurrency} requests in flight "
        f"({os.cpu_count()} cores, shared with the client)",
        [
            _row(f"POST /v1/ask, 1 worker ({asks} asks by {len(reps)} reps)", *ask),
            _row(f"baseline: GET /healthz, 1 worker ({asks * 5} requests)", *health),
            (
                "ask vs healthz",
                f"{health_rate / ask_rate:,.0f}x the time per request; p95 "
                f"{percentile(ask[1], 0.95) / percentile(health[1], 0.95):,.0f}x",
            ),
            _row(f"POST /v1/ask, serve --workers {workers}", *several),
            (f"{workers} workers vs 1", f"{several_rate / ask_rate:,.2f}x the asks per second"),
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None, help="Default: one per core.")
    arguments = parser.parse_args()
    main(arguments.asks, arguments.concurrency, arguments.workers)
