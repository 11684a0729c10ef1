"""The API on a real uvicorn server on loopback: 50 reps ask at the same time; every request
succeeds and no answer mentions or cites a record outside its asker's scope."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from assistant.bootstrap import AppContext
from assistant.interfaces.api import create_app
from assistant.interfaces.api.tokens import TokenStore
from assistant.settings import Settings
from tools.store.demo.generate import generate_dataset
from tools.store.schema import Account, Opportunity, Role, User
from tools.viewer import Viewer

ASKERS = 50
pytestmark = pytest.mark.slow
QUESTIONS = ("which of my deals are stalled?", "what's my pipeline by stage?", "what are my 3 biggest deals?")
RECORD = re.compile(r"\b(opportunity|account)/(\d+)\b")


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` under uvicorn on 127.0.0.1 (an ephemeral port); yields the base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_fifty_parallel_asks_by_different_users(tmp_path: Path) -> None:
    context = AppContext(Settings(home=tmp_path / "home", model="offline", api_rate_limit_per_minute=1000))
    generate_dataset(context.engine, context.stages, accounts=4_200, opportunities=6_000)
    with context.engine.connect() as connection:
        reps = connection.execute(
            select(User.id, User.name, User.territory_id).where(User.role == Role.REP.value).order_by(User.id)
        ).all()[:ASKERS]
    assert len(reps) == ASKERS
    viewers = {r.id: Viewer(r.id, Role.REP, r.name, r.territory_id) for r in reps}
    store = TokenStore(context.engine)
    tokens = {uid: store.create(uid, "load").token for uid in viewers}
    repository = context.repository
    with repository.connect() as connection:
        visible = {
            uid: {
                *(
                    f"opportunity/{i}"
                    for i in connection.execute(repository.opportunities(v, Opportunity.id)).scalars()
                ),
                *(f"account/{i}" for i in connection.execute(repository.accounts(v, Account.id)).scalars()),
            }
            for uid, v in viewers.items()
        }

    async def ask_all(base: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/v1/ask",
                        json={"question": QUESTIONS[n % len(QUESTIONS)]},
                        headers={"Authorization": f"Bearer {tokens[uid]}"},
                    )
                    for n, uid in enumerate(viewers)
                )
            )

    with serving(create_app(context=context)) as base:
        responses = asyncio.run(ask_all(base))
    assert [r.status_code for r in responses] == [200] * ASKERS, [
        r.text for r in responses if r.status_code != 200
    ]
    threads = set()
    for uid, response in zip(viewers, responses, strict=True):
        body = response.json()
        threads.add(body["thread_id"])
        mentioned = {f"{kind}/{n}" for kind, n in RECORD.findall(body["answer"])}
        cited = {c for c in body["citations"] if RECORD.fullmatch(c)}
        assert mentioned | cited <= visible[uid], (viewers[uid].name, (mentioned | cited) - visible[uid])
    assert len(threads) == ASKERS
