"""The Confirm and Cancel buttons of a proposed CRM change.

A click is acknowledged at once; the decision runs after the acknowledgement, as the Salesplan
user the clicking Slack user is mapped to (:mod:`..identity`). :class:`~assistant.changes.ChangeDesk`
checks that the change is that user's own and still proposed, and refuses a stale one; the
buttons are then replaced by what happened. Anyone else clicking, or a refusal, gets a message
only they see, and the buttons stay.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.changes import CANCEL, CONFIRM, decided
from assistant.interfaces.slack.identity import Unmapped
from assistant.interfaces.slack.runtime import SlackRuntime
from assistant.interfaces.slack.safety import plain
from tools.errors import SalesplanError

log = logging.getLogger("salesplan.slack")
SOURCES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}


async def decide(runtime: SlackRuntime, client: AsyncWebClient, body: dict[str, Any], confirm: bool) -> None:
    """Confirm or cancel the change the clicked button carries, as the clicking user."""
    runtime.track()
    action = body["actions"][0]
    user = body["user"]["id"]
    channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id")
    message = body.get("message") or {}
    who = await runtime.identity.resolve(client, user)
    if isinstance(who, Unmapped):
        await _tell(client, channel, user, await runtime.identity.unmapped_message(who))
        return
    desk = runtime.context.changes
    try:
        change_id = int(action["value"])
        if confirm:
            change = await asyncio.to_thread(desk.confirm, who, change_id, channel="slack")
            crm = SOURCES.get(change.source, change.source)
            outcome = f"Confirmed by {who.name}: written to {crm} — {change.describe()}"
        else:
            change = await asyncio.to_thread(desk.cancel, who, change_id, channel="slack")
            outcome = f"Cancelled by {who.name}: nothing was written — {change.describe()}"
    except SalesplanError as exc:
        await _tell(client, channel, user, f"Not done: {exc.public}")
        return
    except ValueError:
        await _tell(client, channel, user, "Not done: that button does not name a change")
        return
    blocks = decided(message.get("blocks") or [], action.get("block_id", ""), outcome)
    try:
        ts = str(message.get("ts") or body.get("container", {}).get("message_ts", ""))
        await client.chat_update(channel=channel, ts=ts, text=plain(outcome), blocks=blocks)
    except SlackApiError as exc:
        log.info("updating the proposal message failed: %s", exc.response.get("error"))
        await _tell(client, channel, user, outcome)


async def _tell(client: AsyncWebClient, channel: str | None, user: str, text: str) -> None:
    """A message only ``user`` sees, in the channel of the click."""
    await client.chat_postEphemeral(channel=channel or user, user=user, text=plain(text))


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: Any) -> None:
        await ack()

    async def on_confirm(client: AsyncWebClient, body: dict[str, Any]) -> None:
        await decide(runtime, client, body, confirm=True)

    async def on_cancel(client: AsyncWebClient, body: dict[str, Any]) -> None:
        await decide(runtime, client, body, confirm=False)

    app.action(CONFIRM)(ack=acknowledge, lazy=[on_confirm])
    app.action(CANCEL)(ack=acknowledge, lazy=[on_cancel])
