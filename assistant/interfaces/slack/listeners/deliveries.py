"""A global middleware that lets each event or command through once (see :mod:`..deliveries`).

It runs after Bolt has verified the request's signature and timestamp, so an unsigned request
cannot claim a key. A repeated delivery is acknowledged (200) and goes no further.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp

from assistant.interfaces.slack.deliveries import delivery_key
from assistant.interfaces.slack.runtime import SlackRuntime

log = logging.getLogger("salesplan.slack")


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def once(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        key = delivery_key(body)
        if key is not None and not await runtime.deliveries.claim(key):
            log.info("dropped a repeated delivery of %s", key)
            return BoltResponse(status=200, body="")
        await next()
        return None

    app.middleware(once)
