"""Where the answer to a mention or a direct message goes, and which conversation it continues.

**Direct messages** (``message.im``, or a mention in a direct message): the answer is a message in
the direct message itself, not a thread under the question; a question asked in a thread there is
answered in that thread. The conversation (the memory the next question continues) is the direct
message's day, ``slack:<channel>:day:<YYYY-MM-DD>`` (UTC; the day of the message, or of the first
message of its thread): consecutive messages continue each other — "and last quarter?" after a
bookings question — threads under that day's messages included, and the next day starts afresh.

**Channels**: the conversation is the thread under the question, ``slack:<channel>:<thread ts>``;
a mention in that thread continues it. An answer everyone may read (:mod:`.privacy`) is posted in
that thread. An answer with the asker's data is an ephemeral message to the asker and the channel
gets nothing: in the thread when the question was asked in one, else in the channel under the
question (Slack shows an ephemeral message in a thread only once the thread has replies). A private
answer too long for a message goes to the asker's direct message as a Markdown file (a file cannot
be ephemeral), with an ephemeral note saying so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.blocks import MAX_BLOCKS, SlackMessage, context, pack, section
from assistant.interfaces.slack.clicks import direct_channel
from assistant.interfaces.slack.runtime import SlackRuntime, post, upload

LONG_PRIVATE = "It is long, so I sent it to you as a Markdown file in our direct message."


@dataclass(frozen=True)
class Place:
    """Where a question was asked: by whom, in which channel, at which ts, in which thread."""

    user: str
    channel: str
    ts: str
    #: The thread the question is in (None: asked at the top level).
    thread_ts: str | None
    direct: bool

    @classmethod
    def of(cls, event: dict[str, Any]) -> Place:
        channel = str(event["channel"])
        thread_ts = event.get("thread_ts")
        return cls(
            user=str(event["user"]),
            channel=channel,
            ts=str(event["ts"]),
            thread_ts=str(thread_ts) if thread_ts else None,
            direct=event.get("channel_type") == "im" or channel.startswith("D"),
        )

    @property
    def root(self) -> str:
        """The first message of the question's thread (the question itself at the top level)."""
        return self.thread_ts or self.ts

    def thread_id(self) -> str:
        """The Salesplan thread (conversation) the question continues (see the module docstring)."""
        if self.direct:
            return f"slack:{self.channel}:day:{_day(self.root)}"
        return f"slack:{self.channel}:{self.root}"


def _day(ts: str) -> str:
    try:
        return dt.datetime.fromtimestamp(float(ts), dt.UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        return ts


@dataclass
class Reply:
    message: SlackMessage
    #: The Markdown the message came from: sent as a file when the message is too long.
    markdown: str | None = None
    #: Only the asker may see it (in a channel: an ephemeral message).
    private: bool = False


def with_note(message: SlackMessage, note: str) -> SlackMessage:
    """``message`` with a closing context line, its text sections packed to make room for it within
    Slack's 50 blocks (left off when even then there is none)."""
    blocks = pack(message.blocks, MAX_BLOCKS - 1)
    if len(blocks) >= MAX_BLOCKS:
        return message
    return SlackMessage(text=message.text, blocks=[*blocks, context([note])])


async def deliver(client: AsyncWebClient, runtime: SlackRuntime, place: Place, reply: Reply) -> None:
    """Send ``reply`` to the question asked at ``place`` (see the module docstring)."""
    if place.direct or not reply.private:
        thread = place.thread_ts if place.direct else place.root
        await post(client, runtime, place.channel, reply.message, thread_ts=thread, markdown=reply.markdown)
    else:
        await ephemeral(client, runtime, place, reply)


async def ephemeral(client: AsyncWebClient, runtime: SlackRuntime, place: Place, reply: Reply) -> None:
    """``reply`` to the asker alone, in the channel (a long one as a file in their direct message)."""
    message = reply.message
    if not message.fits() and reply.markdown is not None:
        direct = await direct_channel(client, place.user)
        await upload(client, runtime, direct, reply.markdown, title="Salesplan answer")
        message = SlackMessage(text=LONG_PRIVATE, blocks=[section(LONG_PRIVATE)])
    await client.chat_postEphemeral(
        channel=place.channel,
        user=place.user,
        thread_ts=place.thread_ts,
        text=message.text,
        blocks=message.blocks,
    )
