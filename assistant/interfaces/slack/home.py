"""The App Home tab: where a person stands, published (``views.publish``) each time they open it.

Built for the Salesplan user the Slack user maps to, from the data they may see, read through the
audited read path like any other Slack read (channel ``slack``):

* **stalled deals** — the count, and the riskiest :data:`HOME_DEALS` (their own, a manager's
  team's), leaving out deals they snoozed or marked reviewed (:mod:`.snoozes`), with the
  *Snooze 7 days…* / *Mark reviewed…* menus;
* **this quarter** — bookings, commit, best case and quota attainment (``forecast``);
* **what changed since yesterday** — the pipeline's moves since the day before the data's as-of
  date (``pipeline_changes``): a line per kind of change, with the largest deals;
* **quick actions** — buttons that ask a question (:data:`QUICK_ACTIONS`); the answer comes in a
  direct message, through the same path as a typed question (:mod:`.listeners.home`).

A part that cannot be read says so and the others still show. A Slack user who maps to no
Salesplan user sees only the polite note of whom to ask, and no data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from slack_sdk.web.async_client import AsyncWebClient

from assistant.formatting import figure, money, plural
from assistant.interfaces.slack.actions import actions_block, button
from assistant.interfaces.slack.blocks import Block, context, fields_section, header, section, split_text
from assistant.interfaces.slack.identity import Unmapped
from assistant.interfaces.slack.pages import stalled_actions, whose
from assistant.interfaces.slack.runtime import SlackRuntime
from assistant.interfaces.slack.safety import plain
from assistant.interfaces.slack.snoozes import sort_out
from assistant.interfaces.slack.stalled import deal_entry
from tools.deals.changes import ChangesQuery, PipelineChanges
from tools.deals.forecasting import Forecast
from tools.deals.stalled import StalledDeals, StalledQuery
from tools.errors import SalesplanError
from tools.store.schema import Role
from tools.viewer import Viewer

log = logging.getLogger("salesplan.slack")
HOME_DEALS = 3
#: Deals read to find the riskiest ones not snoozed.
READ_DEALS = 25
CHANGED_DEALS = 2
QUICK_ACTIONS = (
    ("My stalled deals", "Which of my deals are stalled?"),
    ("Prepare my 1:1", "Prepare my 1:1"),
    ("My forecast", "What's my forecast this quarter?"),
    ("What changed this week", "What changed in my pipeline this week?"),
)
MAX_HOME_BLOCKS = 100


def _divider() -> Block:
    return {"type": "divider"}


async def _part(title: str, building: Awaitable[list[Block]]) -> list[Block]:
    """A part of the tab, or a line saying it could not be read."""
    try:
        return await building
    except SalesplanError as exc:
        return [section(f"*{title}*\n{plain(f'Not available: {exc.public}')}")]
    except Exception:  # one failing part must not blank the tab; the details go to the log
        log.exception("building the Home tab part %r failed", title)
        return [section(f"*{title}*\nNot available right now.")]


async def stalled_part(runtime: SlackRuntime, viewer: Viewer) -> list[Block]:
    result = await runtime.context.reads.arun_tool(
        viewer, "stalled_deals", StalledQuery(limit=READ_DEALS), returns=StalledDeals, channel="slack"
    )
    marks = await runtime.snoozes.aof(viewer.user_id)
    sorted_out = sort_out(result.deals, marks, runtime.snoozes.today())
    flagged = int(result.flagged.value or 0)
    shown = sorted_out.shown[:HOME_DEALS]
    title = f"*Stalled deals* · {flagged:,} of {whose(viewer)} {plural(result.open_deals, 'open deal')}"
    if flagged:
        title += f", worth {money(result.flagged_amount.value or 0)}"
    blocks = [section(title)]
    if shown:
        entries = "\n".join(deal_entry(d, viewer.role is not Role.REP, runtime.urls) for d in shown)
        blocks += [section(piece) for piece in split_text(entries)]
        blocks += stalled_actions(result, shown, None)
    elif flagged:
        blocks.append(section("Every one of them is snoozed or marked reviewed."))
    if sorted_out.hidden:
        blocks.append(context([f"{plural(len(sorted_out.hidden), 'deal')} snoozed or reviewed not shown"]))
    return blocks


async def quarter_part(runtime: SlackRuntime, viewer: Viewer) -> list[Block]:
    result = await runtime.context.reads.arun_tool(
        viewer, "forecast", {"period": "this quarter"}, returns=Forecast, channel="slack"
    )
    fields = [
        f"*Booked*\n{figure(result.closed_won)}",
        f"*Commit*\n{figure(result.commit)}",
        f"*Best case*\n{figure(result.best_case)}",
    ]
    if result.quota.value:
        fields.append(f"*Quota attainment*\n{figure(result.attainment)} of {figure(result.quota)}")
    return [section(f"*This quarter* · {plain(result.period.label)}"), fields_section(fields)]


async def changes_part(runtime: SlackRuntime, viewer: Viewer) -> list[Block]:
    result = await runtime.context.reads.arun_tool(
        viewer,
        "pipeline_changes",
        ChangesQuery(since="yesterday", limit=CHANGED_DEALS),
        returns=PipelineChanges,
        channel="slack",
    )
    title = f"*What changed since {result.start.isoformat()}*"
    lines = [
        f"• {plain(group.title)}: {plural(group.count, 'deal')}"
        + (f" ({money(group.amount)})" if group.amount else "")
        + (" — " + ", ".join(plain(d.name) for d in group.deals) if group.deals else "")
        for group in result.groups
        if group.count
    ]
    if not lines:
        lines = ["Nothing moved in your pipeline."]
    value = f"Open pipeline {money(result.start_value)} → {money(result.end_value)}"
    return [section(f"{title}\n" + "\n".join(lines)), context([value])]


def quick_actions() -> list[Block]:
    buttons = [button(f"home_ask_{i}", label, question) for i, (label, question) in enumerate(QUICK_ACTIONS)]
    return [section("*Quick actions* · the answer comes in a direct message"), *actions_block(buttons)]


async def home_blocks(runtime: SlackRuntime, viewer: Viewer) -> list[Block]:
    blocks = [header(f"Salesplan · {viewer.name}")]
    for title, part in (
        ("Stalled deals", stalled_part),
        ("This quarter", quarter_part),
        ("What changed", changes_part),
    ):
        blocks += await _part(title, part(runtime, viewer))
        blocks.append(_divider())
    blocks += quick_actions()
    return blocks[:MAX_HOME_BLOCKS]


async def publish_home(runtime: SlackRuntime, client: AsyncWebClient, slack_user: str) -> None:
    """Publish the Home tab of ``slack_user`` (their own data, or the note for an unmapped user)."""
    who = await runtime.identity.resolve(client, slack_user)
    if isinstance(who, Unmapped):
        note = plain(await runtime.identity.unmapped_message(who))
        blocks = [header("Salesplan"), section(note)]
    else:
        blocks = await home_blocks(runtime, who)
    await client.views_publish(user_id=slack_user, view={"type": "home", "blocks": blocks})
