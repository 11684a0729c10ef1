"""The App Home tab: published when opened, and its quick actions (:mod:`..home`).

``app_home_opened`` is acknowledged at once and the tab is published afterwards (Slack sends the
event for the Messages tab too: only the Home tab is published). A quick action is a question: it
is posted to the person's direct message with the app, and answered there through the same path as
a typed question (:func:`.conversation.answer`), as the Slack user who clicked.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.actions import HOME_ASK
from assistant.interfaces.slack.clicks import Click, direct_channel
from assistant.interfaces.slack.home import publish_home
from assistant.interfaces.slack.listeners.conversation import answer
from assistant.interfaces.slack.runtime import SlackRuntime
from assistant.interfaces.slack.safety import plain


async def opened(runtime: SlackRuntime, client: AsyncWebClient, event: dict[str, Any]) -> None:
    runtime.track()
    if event.get("tab", "home") == "home" and event.get("user"):
        await publish_home(runtime, client, str(event["user"]))


async def ask_from_home(
    runtime: SlackRuntime, client: AsyncWebClient, body: dict[str, Any], bot_user_id: str | None
) -> None:
    """The quick action's question, in the clicker's direct message, and its answer there."""
    runtime.track()
    click = Click.of(body)
    question = click.value.strip()
    if not question or not click.user:
        return
    channel = await direct_channel(client, click.user)
    asked = await client.chat_postMessage(
        channel=channel, text=f"From your Home tab: {plain(question)}", unfurl_links=False, unfurl_media=False
    )
    event = {
        "type": "message",
        "user": click.user,
        "text": question,
        "channel": channel,
        "channel_type": "im",
        "ts": str(asked["ts"]),
    }
    await answer(runtime, client, event, bot_user_id)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: Any) -> None:
        await ack()

    async def on_opened(client: AsyncWebClient, event: dict[str, Any]) -> None:
        await opened(runtime, client, event)

    async def on_quick_action(
        client: AsyncWebClient, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ask_from_home(runtime, client, body, context.bot_user_id)

    app.event("app_home_opened")(ack=acknowledge, lazy=[on_opened])
    app.action(HOME_ASK)(ack=acknowledge, lazy=[on_quick_action])
