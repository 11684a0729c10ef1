"""Mentions and direct messages: answered where the asker reads them, each place a conversation.

The event is acknowledged at once; the answer is a lazy listener running after the
acknowledgement. While it runs, the question carries a "working on it" reaction. In channels the
app answers mentions; in a direct message it answers every message. Where the answer goes and
which conversation it continues (memory is also keyed by the Salesplan user, so each person's
conversation is their own) is :mod:`..replies`; in a channel, an answer with the asker's data goes
to the asker alone unless they say to share it (:mod:`..privacy`), and so do an unmapped person's
note and apologies for a failed answer. Help is posted for everyone.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from assistant.audit import AuditLog
from assistant.interfaces.slack.answer_actions import answer_actions
from assistant.interfaces.slack.blocks import SlackMessage, section
from assistant.interfaces.slack.changes import change_actions
from assistant.interfaces.slack.help import help_message
from assistant.interfaces.slack.identity import Unmapped
from assistant.interfaces.slack.privacy import MENTION_NOTE, is_private, read_share, shared_note
from assistant.interfaces.slack.replies import Place, Reply, deliver, with_note
from assistant.interfaces.slack.runtime import SlackRuntime, answer_message, react
from assistant.interfaces.slack.safety import plain
from tools.errors import SalesplanError

log = logging.getLogger("salesplan.slack")
SLACK_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>|<((?:https?|mailto):[^>]*)>")
HELP_WORDS = {"", "help", "?", "hi", "hello"}


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
    """Answer one message where its asker (and, for a public answer, the channel) reads it; the
    answer's header is ``title``, else the question."""
    runtime.track()
    place = Place.of(event)
    await react(client, place.channel, place.ts, add=True)
    try:
        asked = question_text(event.get("text") or "", bot_user_id)
        reply = await _reply(runtime, client, place, asked, title)
        await deliver(client, runtime, place, reply)
    finally:
        await react(client, place.channel, place.ts, add=False)


def _note(text: str) -> Reply:
    """A short note for the asker alone (``text`` is made safe here)."""
    safe = plain(text)
    return Reply(SlackMessage(text=safe, blocks=[section(safe)]), private=True)


async def _reply(
    runtime: SlackRuntime, client: AsyncWebClient, place: Place, asked: str, title: str | None = None
) -> Reply:
    who = await runtime.identity.resolve(client, place.user)
    if isinstance(who, Unmapped):
        return _note(await runtime.identity.unmapped_message(who))
    question, shared = read_share(asked)
    if question.casefold().strip("!.") in HELP_WORDS:
        return Reply(help_message(who.name))
    thread = place.thread_id()
    try:
        async with runtime.turns:
            result = await runtime.context.assistant.aask(who, question, thread, channel="slack")
    except SalesplanError as exc:
        return _note(f"Sorry, I couldn't answer that: {exc}")
    except Exception:  # the user gets a short apology; the details go to the log
        log.exception("answering a Slack message failed")
        return _note("Sorry, something went wrong while answering. Please try again in a moment.")
    footer = f"{result.model} · {result.latency_ms:,} ms"
    actions = answer_actions(result, place.root) + change_actions(result.proposed_changes)
    # the buttons of proposed changes must come with the answer: never as a file
    markdown = None if result.proposed_changes else result.answer
    note: str | None = None
    private = False
    if not place.direct:
        earlier = await asyncio.to_thread(AuditLog(runtime.context.engine).conversation, who.user_id, thread)
        if is_private(result, earlier):
            note, private = (shared_note(who.name), False) if shared else (MENTION_NOTE, True)
    message = answer_message(
        result.answer, runtime, result.citations, footer, title=title or question, actions=actions
    )
    if note is not None:
        message = with_note(message, note)
    return Reply(message, markdown, private=private)


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
