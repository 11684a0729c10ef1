"""Every Confirm / Cancel pair (:mod:`..confirmations`): one listener, a decision per kind.

A click is acknowledged at once; the decision runs after the acknowledgement, as the Salesplan
user the clicking Slack user is mapped to (:mod:`..identity`). The kind, read from the action id
(``change_confirm`` → ``change``), picks the decision from :data:`DECISIONS`; a decision checks
the clicker may decide (a proposed CRM change must be the clicker's own and still proposed) and
says what happened, which then replaces the pair. Anyone else clicking, a refusal, or a kind no
longer known gets a reply only they see, and the buttons stay.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.changes import KIND as CHANGE
from assistant.interfaces.slack.changes import decide_change
from assistant.interfaces.slack.clicks import Click, tell
from assistant.interfaces.slack.confirmations import PAIR_ACTION, decided
from assistant.interfaces.slack.identity import Unmapped
from assistant.interfaces.slack.runtime import SlackRuntime
from assistant.interfaces.slack.safety import plain
from tools.errors import SalesplanError
from tools.viewer import Viewer

log = logging.getLogger("salesplan.slack")
#: Confirm (True) or cancel (False) the pending action ``value`` as the viewer; returns what happened.
Decision = Callable[[SlackRuntime, Viewer, str, bool], Awaitable[str]]
DECISIONS: dict[str, Decision] = {CHANGE: decide_change}


async def decide(runtime: SlackRuntime, client: AsyncWebClient, body: dict[str, Any]) -> None:
    """Run the clicked pair's decision as the clicking user, then replace the pair by its outcome."""
    runtime.track()
    click = Click.of(body)
    pair = PAIR_ACTION.match(click.action_id)
    who = await runtime.identity.resolve(client, click.user)
    if isinstance(who, Unmapped):
        await tell(client, click, await runtime.identity.unmapped_message(who))
        return
    decision = DECISIONS.get(pair["kind"]) if pair else None
    if pair is None or decision is None:
        await tell(client, click, "Not done: that button is no longer in use")
        return
    try:
        outcome = await decision(runtime, who, click.value, pair["choice"] == "confirm")
    except SalesplanError as exc:
        await tell(client, click, f"Not done: {exc.public}")
        return
    except ValueError:
        await tell(client, click, "Not done: that button does not name anything to decide")
        return
    if click.channel and click.message_ts and click.blocks:  # not an ephemeral message: update it
        blocks = decided(click.blocks, click.block_id, outcome)
        try:
            await client.chat_update(
                channel=click.channel, ts=click.message_ts, text=plain(outcome), blocks=blocks
            )
            return
        except SlackApiError as exc:
            log.info("updating the message of a decided action failed: %s", exc.response.get("error"))
    await tell(client, click, outcome)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: Any) -> None:
        await ack()

    async def on_click(client: AsyncWebClient, body: dict[str, Any]) -> None:
        await decide(runtime, client, body)

    app.action(PAIR_ACTION)(ack=acknowledge, lazy=[on_click])
