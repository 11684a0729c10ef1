"""Slack listeners: one module per kind of request, registered on the app by :func:`register_listeners`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from assistant.interfaces.slack.listeners import (
    actions,
    commands,
    confirmations,
    conversation,
    deliveries,
    home,
)
from assistant.interfaces.slack.runtime import SlackRuntime


def register_listeners(app: AsyncApp, runtime: SlackRuntime) -> None:
    deliveries.register(app, runtime)
    conversation.register(app, runtime)
    commands.register(app, runtime)
    confirmations.register(app, runtime)
    actions.register(app, runtime)
    home.register(app, runtime)
