"""Benchmark: the Slack app — time to acknowledge an event, and the daily digest for 100 reps.

* **Ack**: ``salesplan slack --http`` runs in its own process over the default demo data set, its
  Web API client pointed at a loopback fake of Slack in this process. Signed ``app_mention``
  events are posted one at a time; the figure is the time until Slack's request is answered (it
  must stay under Slack's 3 s), against ``GET /healthz`` on the same server, and the time until
  the answer is posted, for context.
* **Digest**: ``run_digest`` for a data set with 100 reps (and their managers), every person on
  the fake Slack: wall time of a real run and of a ``--dry-run``, against computing the same
  stalled-deal results directly (the floor any digest pays).

    python -m benchmarks.slack [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select, update

from assistant.bootstrap import build_app_context
from assistant.interfaces.slack.app import web_client
from assistant.interfaces.slack.digest import run_digest
from benchmarks.api import cli_server, free_port, percentile
from benchmarks.common import report
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import signature_headers
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.store.demo.generate import generate_dataset
from tools.store.schema import Role, User
from tools.viewer import Viewer

SECRET = "bench-signing-secret"
DIGEST_ACCOUNTS = 8_300  # 100 reps at 83 accounts per rep


def _mention(n: int, user: str) -> str:
    ts = f"1700000000.{n:06d}"
    event = {"type": "app_mention", "user": user, "text": "<@UBOT> which of my deals are stalled?", "ts": ts}
    return json.dumps(
        {
            "type": "event_callback",
            "event_id": f"EvBench{n}",
            "team_id": "T1",
            "event": {**event, "channel": "C1"},
        }
    )


def ack_times(events: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp, FakeSlack().running() as fake:
        home = Path(tmp)
        context = build_app_context(home=home, model="offline")
        generate_dataset(context.engine, context.stages)
        with context.engine.begin() as connection:
            rep = connection.execute(select(User.id).where(User.role == Role.REP.value).limit(1)).scalar_one()
            connection.execute(update(User).where(User.id == rep).values(slack_user_id="UREP"))
        context.engine.dispose()
        port = free_port()
        env = {
            "SALESPLAN_HOME": str(home),
            "SALESPLAN_MODEL": "offline",
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.base_url,
        }
        args = ["slack", "--http", "--host", "127.0.0.1", "--port", str(port)]
        acks: list[float] = []
        answered: list[float] = []
        health: list[float] = []
        with cli_server(args, env, port) as base, httpx.Client(base_url=base, timeout=30) as client:
            for n in range(events + 2):
                body = _mention(n, "UREP")
                headers = {"Content-Type": "application/json", **signature_headers(body, secret=SECRET)}
                started = time.perf_counter()
                response = client.post("/slack/events", content=body, headers=headers)
                acked = time.perf_counter()
                assert response.status_code == 200, response.text
                fake.wait_for("chat.postMessage", n + 1, timeout=60)
                done = time.perf_counter()
                if n >= 2:  # the first two warm the server up
                    acks.append(acked - started)
                    answered.append(done - started)
                    probe = time.perf_counter()
                    client.get("/healthz")
                    health.append(time.perf_counter() - probe)
    return [
        (
            f"ack of a signed app_mention ({events} events)",
            f"median {statistics.median(acks) * 1000:,.1f} ms, p95 {percentile(acks, 0.95) * 1000:,.1f} ms "
            "(Slack's limit: 3,000 ms)",
        ),
        ("baseline: GET /healthz on the same server", f"median {statistics.median(health) * 1000:,.1f} ms"),
        ("ack vs healthz", f"{statistics.median(acks) / statistics.median(health):,.1f}x"),
        ("answer posted after the event (context)", f"median {statistics.median(answered) * 1000:,.0f} ms"),
    ]


def digest_times() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp, FakeSlack().running() as fake:
        context = build_app_context(
            home=Path(tmp), model="offline", slack_bot_token="xoxb-bench", slack_api_url=fake.base_url
        )
        generate_dataset(context.engine, context.stages, accounts=DIGEST_ACCOUNTS)
        with context.engine.connect() as connection:
            people = connection.execute(
                select(User.id, User.role, User.name, User.territory_id, User.email).where(
                    User.role.in_([Role.REP.value, Role.MANAGER.value])
                )
            ).all()
        fake.users.update({f"U{p.id}": p.email for p in people})
        reps = sum(p.role == Role.REP.value for p in people)
        viewers = [Viewer(p.id, Role(p.role), p.name, p.territory_id) for p in people]
        for viewer in viewers:  # warm-up: scopes and per-scope facts are cached after a first use
            stalled_deals(context.repository, viewer, StalledQuery(limit=10))
        started = time.perf_counter()
        for viewer in viewers:  # the floor: the stalled-deal results every digest needs
            stalled_deals(context.repository, viewer, StalledQuery(limit=10))
        direct = time.perf_counter() - started
        started = time.perf_counter()
        dry = asyncio.run(run_digest(context, None, dry_run=True))
        dry_seconds = time.perf_counter() - started
        started = time.perf_counter()
        real = asyncio.run(run_digest(context, web_client(context.settings)))
        real_seconds = time.perf_counter() - started
        again_started = time.perf_counter()
        again = asyncio.run(run_digest(context, web_client(context.settings)))
        again_seconds = time.perf_counter() - again_started
        context.engine.dispose()
    sent = real.counts()["sent"]
    return [
        (
            f"digest for {reps} reps and {len(people) - reps} managers",
            f"{real_seconds:,.1f} s ({sent} DMs sent, "
            f"{real_seconds / max(1, len(people)) * 1000:,.0f} ms a person)",
        ),
        ("  --dry-run (compose only)", f"{dry_seconds:,.1f} s ({dry.counts()['would send']} composed)"),
        (
            "  a second run the same day",
            f"{again_seconds:,.2f} s ({again.counts()['already sent']} already sent)",
        ),
        ("baseline: the stalled-deal results alone", f"{direct:,.1f} s"),
        ("digest vs baseline", f"{real_seconds / direct:,.1f}x"),
    ]


def main(events: int = 30) -> None:
    report("Slack app: acknowledging events (HTTP mode, loopback)", ack_times(events))
    report("Slack app: the stalled-deal digest", digest_times())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=30)
    main(parser.parse_args().events)
