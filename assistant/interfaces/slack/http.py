"""HTTP mode: an ASGI app serving Slack's requests at ``/slack/events`` (plus ``/healthz``).

Bolt verifies each request (signature, and a timestamp at most five minutes old: 401 otherwise)
and acknowledges it within Slack's three seconds; answers run afterwards on the same event loop.
On shutdown the server waits (up to 30 s) for the answers still in flight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from assistant.interfaces.slack.runtime import SlackRuntime

EVENTS_PATH = "/slack/events"


def create_slack_http_app(app: AsyncApp, runtime: SlackRuntime) -> FastAPI:
    handler = AsyncSlackRequestHandler(app)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await runtime.drain()

    server = FastAPI(
        title="Salesplan Slack app", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )

    @server.post(EVENTS_PATH)
    async def events(request: Request) -> Response:
        return await handler.handle(request)

    @server.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return server
