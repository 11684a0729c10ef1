"""HTTP mode: an ASGI app serving Slack's requests at ``/slack/events`` (plus ``/healthz``).

Bolt verifies each request (signature, and a timestamp at most five minutes old: 401 otherwise)
and acknowledges it within Slack's three seconds; answers run afterwards on the same event loop.
On shutdown the server waits (up to 30 s) for the answers still in flight. A body over
:data:`MAX_BODY_BYTES` is refused (413) before it is read whole, one that takes longer than
``SALESPLAN_API_BODY_TIMEOUT`` to arrive is cut off (408), and one that is not JSON or form data
(Bolt parses it before checking the signature) is a 400.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from assistant.bootstrap import AppContext, load_settings
from assistant.interfaces.api.limits import BodyReadTimeout, BodySizeLimit
from assistant.interfaces.slack.app import build_slack_app
from assistant.interfaces.slack.runtime import SlackRuntime

EVENTS_PATH = "/slack/events"
#: Slack's own requests are a few kilobytes; anything near this size is not from Slack.
MAX_BODY_BYTES = 1_048_576
log = logging.getLogger("salesplan.slack")


def create_slack_http_app(app: AsyncApp, runtime: SlackRuntime) -> FastAPI:
    handler = AsyncSlackRequestHandler(app)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await runtime.drain()

    server = FastAPI(
        title="Salesplan Slack app", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )

    server.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    server.add_middleware(BodyReadTimeout, seconds=runtime.context.settings.api_body_timeout)

    @server.post(EVENTS_PATH)
    async def events(request: Request) -> Response:
        try:
            return await handler.handle(request)
        except ValueError:  # the body is not JSON / form data (or not UTF-8): not from Slack
            log.info("refused a request whose body could not be parsed")
            return Response("the request body is not valid JSON or form data", status_code=400)

    @server.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return server


def create_slack_server() -> FastAPI:
    """The HTTP-mode app over settings read from the environment: what each worker process of
    ``salesplan slack --http --workers N`` builds for itself."""
    app, runtime = build_slack_app(AppContext(load_settings()))
    return create_slack_http_app(app, runtime)
