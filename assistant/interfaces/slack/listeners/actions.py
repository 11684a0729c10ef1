"""Clicks on the buttons and menus of answers, lists and digests (:mod:`..actions`).

Each click is acknowledged at once (Slack wants that within three seconds) and worked on after the
acknowledgement, as the Salesplan user the *clicking* Slack user maps to — never as whoever the
message was for, and never from ids in the payload: a page or a deal named by a button is read
in the clicker's own scope (:mod:`..clicks`). An unmapped clicker is told whom to ask and shown
nothing. Replies go to the clicker alone.

* *Show more* posts the next page (:mod:`..pages`);
* *Snooze 7 days…* / *Mark reviewed…* remember the picked deal for the clicker (:mod:`..snoozes`)
  once it is read as theirs (a deal they cannot see is "not found", like one that does not exist);
  on the Home tab the tab is then published again without the deal;
* an option of a clarifying question is answered as if typed in the thread (:mod:`..choices`),
  through the same path as a message (:func:`.conversation.answer`), and the options are replaced
  by who picked what;
* *Open in CRM* is a link: its click is only acknowledged.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.actions import CHOICE, OPEN_IN_CRM, REVIEWED, SHOW_MORE, SNOOZE
from assistant.interfaces.slack.choices import read_choice
from assistant.interfaces.slack.clicks import Click, reply, tell
from assistant.interfaces.slack.confirmations import decided
from assistant.interfaces.slack.home import publish_home
from assistant.interfaces.slack.identity import Unmapped
from assistant.interfaces.slack.listeners.conversation import answer
from assistant.interfaces.slack.pages import Page, next_page
from assistant.interfaces.slack.runtime import SlackRuntime
from assistant.interfaces.slack.safety import plain
from assistant.interfaces.slack.snoozes import SNOOZE_DAYS
from tools.deals.stalled import StalledDeals, StalledQuery
from tools.errors import SalesplanError
from tools.evidence import source_label
from tools.viewer import Viewer

log = logging.getLogger("salesplan.slack")


async def _clicker(runtime: SlackRuntime, client: AsyncWebClient, click: Click) -> Viewer | None:
    """The Salesplan user who clicked; an unmapped one is told whom to ask (and gets None)."""
    who = await runtime.identity.resolve(client, click.user)
    if isinstance(who, Unmapped):
        await tell(client, click, await runtime.identity.unmapped_message(who))
        return None
    return who


async def show_more(runtime: SlackRuntime, client: AsyncWebClient, body: dict[str, Any]) -> None:
    runtime.track()
    click = Click.of(body)
    who = await _clicker(runtime, client, click)
    if who is None:
        return
    try:
        page = Page.parse(click.value)
        async with runtime.turns:
            message = await next_page(runtime.context.reads, who, page, runtime.urls)
    except ValueError:
        await tell(client, click, "Sorry, that button does not name a list to continue.")
        return
    except SalesplanError as exc:
        await tell(client, click, f"Sorry, I couldn't show more: {exc.public}")
        return
    await reply(client, click, message)


async def mark_deal(runtime: SlackRuntime, client: AsyncWebClient, body: dict[str, Any]) -> None:
    """Snooze the picked deal, or mark it reviewed, for the clicker."""
    runtime.track()
    click = Click.of(body)
    who = await _clicker(runtime, client, click)
    if who is None:
        return
    snoozing = click.action_id == SNOOZE
    try:
        found = await runtime.context.reads.arun_tool(
            who,
            "stalled_deals",
            StalledQuery(deal=click.value, limit=1),
            returns=StalledDeals,
            channel="slack",
        )
    except SalesplanError as exc:
        await tell(client, click, f"Not done: {exc.public}")
        return
    if not found.deals:
        await tell(client, click, "That deal is not stalled or at risk any more: there is nothing to snooze.")
        return
    deal = found.deals[0]
    mark = await runtime.snoozes.amark(who.user_id, deal, "snoozed" if snoozing else "reviewed")
    name = source_label(deal.name, deal.external_id)
    if snoozing and mark.until:
        text = (
            f"Snoozed {name} for {SNOOZE_DAYS} days: it stays out of your digest and your Home tab "
            f"until {mark.until.isoformat()}."
        )
    else:
        text = (
            f"Marked {name} reviewed: it stays out of your digest and your Home tab until its stage, "
            "amount or close date changes or it breaks another rule."
        )
    if click.in_home:
        await publish_home(runtime, client, click.user)
        return
    await tell(client, click, text)


async def pick_choice(
    runtime: SlackRuntime, client: AsyncWebClient, body: dict[str, Any], bot_user_id: str | None
) -> None:
    """Answer the clarifying question with the clicked option, in its thread, as the clicker."""
    runtime.track()
    click = Click.of(body)
    who = await _clicker(runtime, client, click)
    if who is None:
        return
    try:
        text, thread = read_choice(click.value)
    except ValueError:
        await tell(client, click, "Sorry, that button does not carry an answer.")
        return
    # asked where the options are: in their thread, else at the top level after the first message
    # of the conversation (an ephemeral message's own ts names no message anyone else can see)
    ts = (thread if click.is_ephemeral else None) or click.message_ts or thread
    if click.channel is None or ts is None:
        return  # not a message in a conversation: nowhere to answer
    event = {
        "type": "message",
        "user": click.user,
        "text": text,
        "channel": click.channel,
        "channel_type": "im" if click.is_direct else "channel",
        "ts": ts,
        "thread_ts": click.parent_ts,
    }
    label = text
    if click.blocks and click.message_ts:  # the options give way to who picked what
        label = next(
            (
                e.get("text", {}).get("text", text)
                for b in click.blocks
                if b.get("block_id") == click.block_id
                for e in b.get("elements", [])
                if e.get("action_id") == click.action_id
            ),
            text,
        )
        outcome = f"{who.name} picked: {label}"
        blocks = decided(click.blocks, click.block_id, outcome)
        try:
            await client.chat_update(
                channel=click.channel, ts=click.message_ts, text=plain(outcome), blocks=blocks
            )
        except SlackApiError as exc:
            log.info("updating the clarifying question failed: %s", exc.response.get("error"))
    await answer(runtime, client, event, bot_user_id, title=label)  # the option as people read it


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: Any) -> None:
        await ack()

    async def on_show_more(client: AsyncWebClient, body: dict[str, Any]) -> None:
        await show_more(runtime, client, body)

    async def on_mark(client: AsyncWebClient, body: dict[str, Any]) -> None:
        await mark_deal(runtime, client, body)

    async def on_choice(client: AsyncWebClient, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await pick_choice(runtime, client, body, context.bot_user_id)

    app.action(SHOW_MORE)(ack=acknowledge, lazy=[on_show_more])
    app.action(SNOOZE)(ack=acknowledge, lazy=[on_mark])
    app.action(REVIEWED)(ack=acknowledge, lazy=[on_mark])
    app.action(CHOICE)(ack=acknowledge, lazy=[on_choice])
    app.action(OPEN_IN_CRM)(acknowledge)
