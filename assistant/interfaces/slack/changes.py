"""Proposed CRM changes in Slack: the Confirm / Cancel pair (:mod:`.confirmations`, kind
``change``) under an answer that proposes one, and what a click on it does.

:class:`~assistant.changes.ChangeDesk` checks that the change is the clicking user's own and still
proposed, and refuses a stale one; the outcome then replaces the pair.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.interfaces.slack.blocks import Block
from assistant.interfaces.slack.confirmations import Dialog, confirm_pair

if TYPE_CHECKING:
    from assistant.interfaces.slack.runtime import SlackRuntime
    from assistant.service import ProposedChangeRef
    from tools.viewer import Viewer

KIND = "change"
CONFIRM = f"{KIND}_confirm"
CANCEL = f"{KIND}_cancel"
SOURCES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}


def _shown(change: ProposedChangeRef) -> str:
    old = change.old or ("(none)" if change.field == "activity" else "(empty)")
    return f"{change.record} · {change.field.replace('_', ' ')}: {old} → {change.new}"


def change_actions(changes: Sequence[ProposedChangeRef]) -> list[Block]:
    """One pair per proposed change: Confirm (writes it to the CRM) and Cancel."""
    return [
        confirm_pair(
            KIND,
            str(change.id),
            dialog=Dialog("Write to the CRM?", _shown(change), confirm="Write it"),
        )
        for change in changes
    ]


async def decide_change(runtime: SlackRuntime, who: Viewer, value: str, confirm: bool) -> str:
    """Confirm or cancel change ``value`` as ``who``; what happened (raises
    :class:`~tools.errors.SalesplanError` when refused, :class:`ValueError` for a bad value)."""
    desk = runtime.context.changes
    change_id = int(value)
    if confirm:
        change = await asyncio.to_thread(desk.confirm, who, change_id, channel="slack")
        crm = SOURCES.get(change.source, change.source)
        return f"Confirmed by {who.name}: written to {crm} — {change.describe()}"
    change = await asyncio.to_thread(desk.cancel, who, change_id, channel="slack")
    return f"Cancelled by {who.name}: nothing was written — {change.describe()}"
