"""What the Slack listeners share: the app context, identity, delivery log, link policy, where
records and playbook citations link to, the deals people snoozed, and the background answers in
flight; plus posting a message (or a file when it is too long)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from assistant.bootstrap import AppContext
from assistant.interfaces.slack.blocks import Block, SlackMessage, fallback_text, markdown_message
from assistant.interfaces.slack.deliveries import DeliveryLog
from assistant.interfaces.slack.identity import SlackIdentity
from assistant.interfaces.slack.safety import plain, safe_markdown
from assistant.interfaces.slack.snoozes import Snoozes
from assistant.interfaces.urls import Urls
from assistant.link_policy import LinkPolicy

log = logging.getLogger("salesplan.slack")
WORKING_REACTION = "hourglass_flowing_sand"


@dataclass
class SlackRuntime:
    context: AppContext
    identity: SlackIdentity
    deliveries: DeliveryLog
    policy: LinkPolicy
    #: Deals people snoozed or marked reviewed (the digest and the Home tab leave them out).
    snoozes: Snoozes
    #: Where records and playbook citations link to (``SALESPLAN_CRM_RECORD_URL``, ``SALESPLAN_PUBLIC_URL``).
    urls: Urls
    #: Questions and plans worked on at once (``SALESPLAN_MAX_CONCURRENT_TURNS``); others wait.
    turns: asyncio.Semaphore
    pending: set[asyncio.Task[object]] = field(default_factory=set)

    @classmethod
    def of(cls, context: AppContext) -> SlackRuntime:
        return cls(
            context=context,
            identity=SlackIdentity(context.engine),
            deliveries=DeliveryLog(context.engine),
            policy=LinkPolicy.of(context.settings.allowed_link_hosts),
            snoozes=Snoozes(context.engine),
            urls=Urls.of(context.settings),
            turns=asyncio.Semaphore(context.settings.max_concurrent_turns),
        )

    def track(self) -> None:
        """Keep the running background answer referenced until it ends (and visible to drain)."""
        task = asyncio.current_task()
        if task is not None:
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for the answers in flight (on shutdown), at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            await asyncio.wait(set(self.pending), timeout=max(0.0, deadline - time.monotonic()))


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:80] or "salesplan"


async def post(
    client: AsyncWebClient,
    runtime: SlackRuntime,
    channel: str,
    message: SlackMessage,
    *,
    thread_ts: str | None = None,
    markdown: str | None = None,
    title: str = "Salesplan answer",
) -> None:
    """Post ``message`` in the channel (thread); when it does not fit Slack's limits and the
    Markdown it came from is given, upload that Markdown as a file instead, with a short comment."""
    if message.fits() or markdown is None:
        await client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        return
    await upload(client, runtime, channel, markdown, title=title, thread_ts=thread_ts)


async def upload(
    client: AsyncWebClient,
    runtime: SlackRuntime,
    channel: str,
    markdown: str,
    *,
    title: str,
    thread_ts: str | None = None,
) -> None:
    """The Markdown as a ``.md`` file, with the first paragraph as its comment."""
    opening = fallback_text(markdown, runtime.policy, runtime.urls)
    comment = f"{opening}\n_It is long, so here it is as a Markdown file._"
    await client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        content=safe_markdown(runtime.urls.link_citations(markdown), runtime.policy),
        filename=f"{slug(title)}.md",
        title=plain(title),
        initial_comment=comment,
    )


def answer_message(
    markdown: str,
    runtime: SlackRuntime,
    citations: list[str],
    footer: str,
    title: str | None = None,
    actions: Sequence[Block] = (),
) -> SlackMessage:
    """An answer as Block Kit, with the ``actions`` blocks under it. ``footer`` (the model and the
    time taken) and the number of records cited are internals: shown only with ``SALESPLAN_DEBUG``."""
    internals: list[str] = []
    if runtime.context.settings.debug:
        records = sum(1 for c in citations if ".md#" not in c)
        internals = [f"{records:,} record{'s' if records != 1 else ''} cited" if records else "", footer]
    title = " ".join((title or "").split())
    title = title[:1].upper() + title[1:]
    return markdown_message(
        markdown,
        runtime.policy,
        citations,
        internals=internals,
        urls=runtime.urls,
        title=title,
        actions=actions,
    )


async def react(client: AsyncWebClient, channel: str, ts: str, *, add: bool) -> None:
    """Add or remove the "working on it" reaction; failing to is never fatal."""
    try:
        if add:
            await client.reactions_add(channel=channel, timestamp=ts, name=WORKING_REACTION)
        else:
            await client.reactions_remove(channel=channel, timestamp=ts, name=WORKING_REACTION)
    except SlackApiError as exc:
        log.info("reaction %s failed: %s", "add" if add else "remove", exc.response.get("error"))
