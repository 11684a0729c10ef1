"""A global middleware that lets each event or command through once (see :mod:`..deliveries`).

It runs after Bolt has verified the request's signature and timestamp, so an unsigned request
cannot claim a key. A repeated delivery is acknowledged (200) and goes no further; so is the
second event of a message the app answers (a mention in a direct message comes as both
``app_mention`` and ``message.im``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp

from assistant.interfaces.slack.deliveries import delivery_key
from assistant.interfaces.slack.listeners.conversation import is_direct_message
from assistant.interfaces.slack.runtime import SlackRuntime

log = logging.getLogger("salesplan.slack")


def answered_message_key(body: dict[str, Any]) -> str | None:
    """``message:<channel>:<ts>`` for an event the app answers (a mention, a direct message)."""
    event = body.get("event")
    if body.get("type") != "event_callback" or not isinstance(event, dict):
        return None
    answered = event.get("type") == "app_mention" or (
        event.get("type") == "message" and is_direct_message(event)
    )
    if not answered or not event.get("channel") or not event.get("ts"):
        return None
    return f"message:{event['channel']}:{event['ts']}"


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def once(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        keys = [key for key in (delivery_key(body), answered_message_key(body)) if key is not None]
        if keys and not await runtime.deliveries.claim(*keys):
            log.info("dropped a repeated delivery of %s", " / ".join(keys))
            return BoltResponse(status=200, body="")
        await next()
        return None

    app.middleware(once)
