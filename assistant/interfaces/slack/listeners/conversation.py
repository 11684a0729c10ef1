"""Mentions and direct messages: answered in the thread, the thread being the conversation.

The event is acknowledged at once; the answer is a lazy listener running after the
acknowledgement. While it runs, the question carries a "working on it" reaction. The thread id
the assistant remembers is ``slack:<channel>:<thread ts>`` — a reply in the thread continues the
conversation (memory is also keyed by the Salesplan user, so each person's thread is their own).
In channels the app answers mentions; in a direct message it answers every message.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.answer_actions import answer_actions
from assistant.interfaces.slack.blocks import SlackMessage, section
from assistant.interfaces.slack.changes import change_actions
from assistant.interfaces.slack.help import help_message
from assistant.interfaces.slack.identity import Unmapped
from assistant.interfaces.slack.runtime import SlackRuntime, answer_message, post, react
from assistant.interfaces.slack.safety import plain
from tools.errors import SalesplanError

log = logging.getLogger("salesplan.slack")
SLACK_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>|<((?:https?|mailto):[^>]*)>")
HELP_WORDS = {"", "help", "?", "hi", "hello"}


def thread_id(channel: str, thread_ts: str) -> str:
    return f"slack:{channel}:{thread_ts}"


def question_text(text: str, bot_user_id: str | None) -> str:
    """The question in a message: without the app's mention, with Slack's link and entity markup undone."""
    if bot_user_id:
        text = text.replace(f"<@{bot_user_id}>", " ")
    text = SLACK_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    return " ".join(html.unescape(text).split())


def is_direct_message(event: dict[str, Any]) -> bool:
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") is None
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


async def answer(
    runtime: SlackRuntime,
    client: AsyncWebClient,
    event: dict[str, Any],
    bot_user_id: str | None,
    title: str | None = None,
) -> None:
    """Answer one message in its thread; the answer's header is ``title``, else the question."""
    runtime.track()
    channel, ts = event["channel"], event["ts"]
    thread_ts = event.get("thread_ts") or ts
    await react(client, channel, ts, add=True)
    try:
        message = await _reply(runtime, client, event, bot_user_id, channel, thread_ts, title)
        if message is not None:
            await post(client, runtime, channel, message[0], thread_ts=thread_ts, markdown=message[1])
    finally:
        await react(client, channel, ts, add=False)


async def _reply(
    runtime: SlackRuntime,
    client: AsyncWebClient,
    event: dict[str, Any],
    bot_user_id: str | None,
    channel: str,
    thread_ts: str,
    title: str | None = None,
) -> tuple[SlackMessage, str | None] | None:
    who = await runtime.identity.resolve(client, event["user"])
    if isinstance(who, Unmapped):
        text = plain(await runtime.identity.unmapped_message(who))
        return SlackMessage(text=text, blocks=[section(text)]), None
    question = question_text(event.get("text") or "", bot_user_id)
    if question.casefold().strip("!.") in HELP_WORDS:
        return help_message(who.name), None
    try:
        async with runtime.turns:
            result = await runtime.context.assistant.aask(
                who, question, thread_id(channel, thread_ts), channel="slack"
            )
    except SalesplanError as exc:
        text = plain(f"Sorry, I couldn't answer that: {exc}")
        return SlackMessage(text=text, blocks=[section(text)]), None
    except Exception:  # the user gets a short apology; the details go to the log
        log.exception("answering a Slack message failed")
        text = "Sorry, something went wrong while answering. Please try again in a moment."
        return SlackMessage(text=text, blocks=[section(text)]), None
    footer = f"{result.model} · {result.latency_ms:,} ms"
    actions = answer_actions(result, thread_ts) + change_actions(result.proposed_changes)
    message = answer_message(
        result.answer, runtime, result.citations, footer, title=title or question, actions=actions
    )
    if result.proposed_changes:  # the buttons must come with it: never as a file
        return message, None
    return message, result.answer


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: Any) -> None:
        await ack()

    async def on_mention(client: AsyncWebClient, event: dict[str, Any], context: AsyncBoltContext) -> None:
        await answer(runtime, client, event, context.bot_user_id)

    async def on_direct_message(
        client: AsyncWebClient, event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await answer(runtime, client, event, context.bot_user_id)

    async def direct(event: dict[str, Any]) -> bool:
        return is_direct_message(event)

    app.event("app_mention")(ack=acknowledge, lazy=[on_mention])
    app.event("message", matchers=[direct])(ack=acknowledge, lazy=[on_direct_message])
    # Other message events (edits, deletions, the app's own posts) are acknowledged and ignored.
    app.event("message")(acknowledge)
