"""A click on a button or menu (a ``block_actions`` payload), and where the reply to it goes.

Slack signs the payload, so its user id is Slack's word for who clicked; the listeners map that
user to a Salesplan user (:mod:`.identity`) and act as them. Nothing else in the payload decides
what anyone may see: a button's value names a question or a page, and the tools read it in the
clicker's own scope.

The reply to a click goes where only the clicker reads it:

* in a direct message with the app, as a message in the same thread;
* in a channel (or under an ephemeral answer), as an ephemeral message to the clicker, in the
  thread the clicked message is in;
* on the App Home tab (no channel), as a direct message to the clicker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.blocks import Block, SlackMessage, section
from assistant.interfaces.slack.safety import plain


@dataclass(frozen=True)
class Click:
    user: str
    action_id: str
    block_id: str
    #: A button's value, or the value of the option picked in a menu.
    value: str
    channel: str | None
    #: The clicked message (None on the Home tab); ``thread_ts`` is where a reply to the click goes:
    #: the thread the message is in, else under the message itself (an ephemeral message has no
    #: thread of its own: at the top level, a reply to it goes to the top level too).
    message_ts: str | None
    thread_ts: str | None
    #: The thread the clicked message is in (None: it is a top-level message).
    parent_ts: str | None
    is_direct: bool
    is_ephemeral: bool
    in_home: bool
    #: The clicked message's blocks, when Slack sent them (not for ephemeral messages).
    blocks: list[Block]

    @classmethod
    def of(cls, body: dict[str, Any]) -> Click:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel_info = body.get("channel") or {}
        channel = channel_info.get("id") or container.get("channel_id")
        message_ts = message.get("ts") or container.get("message_ts")
        parent_ts = message.get("thread_ts") or container.get("thread_ts")
        is_ephemeral = bool(container.get("is_ephemeral"))
        thread_ts = parent_ts or (None if is_ephemeral else message_ts)
        selected = action.get("selected_option") or {}
        return cls(
            user=str((body.get("user") or {}).get("id", "")),
            action_id=str(action.get("action_id", "")),
            block_id=str(action.get("block_id", "")),
            value=str(action.get("value") or selected.get("value") or ""),
            channel=str(channel) if channel else None,
            message_ts=str(message_ts) if message_ts else None,
            thread_ts=str(thread_ts) if thread_ts else None,
            parent_ts=str(parent_ts) if parent_ts else None,
            is_ephemeral=is_ephemeral,
            is_direct=channel_info.get("name") == "directmessage" or str(channel or "").startswith("D"),
            in_home=container.get("type") == "view" or (body.get("view") or {}).get("type") == "home",
            blocks=list(message.get("blocks") or []),
        )


async def direct_channel(client: AsyncWebClient, user: str) -> str:
    """The id of the app's direct message with ``user``."""
    opened = await client.conversations_open(users=user)
    return str(opened["channel"]["id"])


async def reply(client: AsyncWebClient, click: Click, message: SlackMessage) -> None:
    """``message`` to the clicker alone (see the module docstring)."""
    if click.in_home or click.channel is None:
        channel = await direct_channel(client, click.user)
        await client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False, unfurl_media=False
        )
    elif click.is_direct:
        await client.chat_postMessage(
            channel=click.channel,
            thread_ts=click.thread_ts,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    else:
        await client.chat_postEphemeral(
            channel=click.channel,
            user=click.user,
            thread_ts=click.thread_ts,
            text=message.text,
            blocks=message.blocks,
        )


async def tell(client: AsyncWebClient, click: Click, text: str) -> None:
    """A short plain-text reply to the clicker alone (``text`` is made safe here)."""
    safe = plain(text)
    await reply(client, click, SlackMessage(text=safe, blocks=[section(safe)]))
