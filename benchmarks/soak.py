"""Benchmark: a bounded soak of the HTTP API — steady load for N minutes, watching memory.

``salesplan serve`` runs in its own process over the default demo data set (2,000 accounts,
about 8,600 deals) with the offline model. Every rep and manager has a token; ``--concurrency``
clients keep a steady mix in flight: questions (80%, in conversations of up to five turns, then a
new thread) and drafted plans (20%: an account plan of one of the user's accounts, or the user's
territory plan). After a warm-up (2 minutes by default: the server's caches — each user's names
in scope, the memory a plan's data takes — fill during its first thousand or so requests, and RSS
rises with them), the server's resident memory (RSS, from ``/proc``) is sampled every 10 s.

Figures: per minute, the requests, errors, median / p95 latency and median RSS; the server's RSS
at the start (the median of the first minute's samples) and at the end (the last minute's), and
the growth (target: under 10%). The baseline, measured in the same run, is the first minute: the
last minute's median latency is compared with it, so a server that slows down as it runs shows.

    python -m benchmarks.soak [--minutes N] [--concurrency C] [--warmup-seconds S]

It takes ``--minutes`` (default 10) plus the warm-up and half a minute of set-up, so
``python -m benchmarks`` runs it only when ``SALESPLAN_BENCH_SOAK=1``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from assistant.bootstrap import build_app_context
from assistant.interfaces.api.tokens import TokenStore
from benchmarks.api import cli_server, free_port, percentile
from benchmarks.common import report
from tools.store.demo.generate import generate_dataset
from tools.store.schema import Account, Role, User

SAMPLE_SECONDS = 10.0
TURNS_PER_THREAD = 5
PLAN_SHARE = 0.2
QUESTIONS = (
    "which of my deals are stalled?",
    "what's my pipeline by stage this quarter?",
    "what's my forecast?",
    "what are my 3 biggest deals?",
    "tell me about {account}",
    "and their stalled deals?",
    "only the ones over 20k",
    "why?",
    "how is my team doing this quarter?",
    "what does our playbook say about multi-threading?",
)


@dataclass
class Soaker:
    """A user of the soak: their token, a few account names they can see, their conversation."""

    token: str
    accounts: list[str]
    thread: str | None = None
    turns: int = 0


@dataclass
class Samples:
    """What the soak records: (seconds since the measured start, latency, ok) and RSS samples."""

    requests: list[tuple[float, float, bool]] = field(default_factory=list)
    rss_mb: list[tuple[float, float]] = field(default_factory=list)


def _users(home: Path) -> list[Soaker]:
    """Tokens for every rep and manager of the demo data set, with accounts from their scope."""
    context = build_app_context(home=home, model="offline")
    generate_dataset(context.engine, context.stages)
    seen: list[tuple[int, list[str]]] = []
    with context.engine.connect() as connection:
        people = connection.execute(
            select(User.id, User.role).where(User.role.in_([Role.REP.value, Role.MANAGER.value]))
        ).all()
        for person in people:
            owners = (
                select(User.id).where(User.manager_id == person.id)  # a manager: their reps' accounts
                if person.role == Role.MANAGER.value
                else select(User.id).where(User.id == person.id)
            )
            query = select(Account.name).where(Account.owner_id.in_(owners)).order_by(func.random()).limit(5)
            seen.append((person.id, list(connection.execute(query).scalars())))
    store = TokenStore(context.engine)
    users = [Soaker(store.create(uid, "soak").token, names) for uid, names in seen if names]
    context.engine.dispose()
    return users


def _server_pid() -> int:
    """The process id of the server: the one child process this benchmark started."""
    children: list[int] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    if len(children) != 1:
        raise RuntimeError(f"expected one server process, found {children}")
    return children[0]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


def _request(user: Soaker, rng: random.Random) -> tuple[str, dict[str, object]]:
    """The next request of ``user``: a question in their conversation, or a plan."""
    if rng.random() < PLAN_SHARE:
        if rng.random() < 0.5:
            return "/v1/plans/account", {"name": rng.choice(user.accounts)}
        return "/v1/plans/territory", {}
    if user.thread is None or user.turns >= TURNS_PER_THREAD:
        user.thread, user.turns = None, 0
    user.turns += 1
    question = rng.choice(QUESTIONS).format(account=rng.choice(user.accounts))
    body: dict[str, object] = {"question": question}
    if user.thread is not None:
        body["thread_id"] = user.thread
    return "/v1/ask", body


async def _load(
    base: str, users: list[Soaker], concurrency: int, warmup: float, seconds: float, pid: int
) -> Samples:
    if concurrency > len(users):
        raise ValueError(f"--concurrency is at most the number of users ({len(users)})")
    samples = Samples()
    rng = random.Random(7)
    start = time.monotonic() + warmup  # the measured part starts after the warm-up
    stop = start + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def worker(number: int) -> None:
            mine = users[number::concurrency]
            while time.monotonic() < stop:
                user = rng.choice(mine)
                path, body = _request(user, rng)
                began = time.monotonic()
                try:
                    response = await client.post(
                        path, json=body, headers={"Authorization": f"Bearer {user.token}"}
                    )
                    ok = response.status_code == 200
                    if ok and path == "/v1/ask":
                        user.thread = response.json()["thread_id"]
                except httpx.HTTPError:
                    ok = False
                ended = time.monotonic()
                if began >= start:
                    samples.requests.append((began - start, ended - began, ok))

        async def sampler() -> None:
            await asyncio.sleep(max(0.0, start - time.monotonic()))
            while time.monotonic() < stop:
                samples.rss_mb.append((time.monotonic() - start, _rss_mb(pid)))
                await asyncio.sleep(SAMPLE_SECONDS)
            samples.rss_mb.append((time.monotonic() - start, _rss_mb(pid)))

        await asyncio.gather(sampler(), *(worker(n) for n in range(concurrency)))
    return samples


def _minutes(samples: Samples) -> list[tuple[int, list[float], int, float]]:
    """Per whole minute: its latencies, its errors and its median RSS."""
    latencies: dict[int, list[float]] = defaultdict(list)
    errors: dict[int, int] = defaultdict(int)
    for at, seconds, ok in samples.requests:
        minute = int(at // 60)
        latencies[minute].append(seconds)
        errors[minute] += not ok
    return [(m, latencies[m], errors[m], _rss_in(samples, m * 60, m * 60 + 60)) for m in sorted(latencies)]


def _rss_in(samples: Samples, first: float, last: float) -> float:
    """The median RSS sampled between ``first`` and ``last`` (seconds into the measured part)."""
    return statistics.median([mb for at, mb in samples.rss_mb if first <= at <= last])


def main(minutes: float = 10.0, concurrency: int = 4, warmup: float = 120.0) -> None:
    seconds = minutes * 60
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp:
        home = Path(tmp)
        users = _users(home)
        port = free_port()
        env = {
            "SALESPLAN_HOME": str(home),
            "SALESPLAN_MODEL": "offline",
            "SALESPLAN_API_RATE_LIMIT_PER_MINUTE": "100000",
        }
        with cli_server(["serve", "--host", "127.0.0.1", "--port", str(port)], env, port) as base:
            pid = _server_pid()
            samples = asyncio.run(_load(base, users, concurrency, warmup, seconds, pid))
    per_minute = _minutes(samples)
    window = min(60.0, seconds / 2)
    rss_start = _rss_in(samples, 0, window)
    rss_end = _rss_in(samples, seconds - window, seconds + SAMPLE_SECONDS)
    growth = (rss_end - rss_start) / rss_start * 100
    total = len(samples.requests)
    errors = sum(not ok for _, _, ok in samples.requests)
    first, last = per_minute[0][1], per_minute[-1][1]
    rows = [
        (
            f"minute {m + 1}",
            f"{len(lat):,} requests, {err} errors, median {statistics.median(lat) * 1000:,.0f} ms, "
            f"p95 {percentile(lat, 0.95) * 1000:,.0f} ms, RSS {rss:,.0f} MB",
        )
        for m, lat, err, rss in per_minute
    ]
    rows += [
        ("requests", f"{total:,} in {minutes:g} min ({total / seconds:,.1f}/s), {errors} errors"),
        (
            "latency, last minute vs first (baseline)",
            f"median {statistics.median(last) * 1000:,.0f} ms vs {statistics.median(first) * 1000:,.0f} ms "
            f"({statistics.median(last) / statistics.median(first):,.2f}x)",
        ),
        (
            "server RSS",
            f"start {rss_start:,.0f} MB (after {warmup:g} s warm-up), end {rss_end:,.0f} MB, "
            f"peak {max(mb for _, mb in samples.rss_mb):,.0f} MB; {len(samples.rss_mb)} samples",
        ),
        ("RSS growth", f"{growth:+.1f}% (target: under 10%)"),
    ]
    report(
        f"Soak: HTTP API on loopback, offline model, default demo data, {len(users)} users, "
        f"{concurrency} requests in flight, {minutes:g} min",
        rows,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup-seconds", type=float, default=120.0)
    arguments = parser.parse_args()
    main(arguments.minutes, arguments.concurrency, arguments.warmup_seconds)
