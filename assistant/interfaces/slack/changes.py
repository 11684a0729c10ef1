"""Proposed CRM changes in Slack: the Confirm / Cancel buttons under an answer that proposes one,
and the line that replaces them once the proposer has decided."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.interfaces.slack.blocks import Block, context
from assistant.interfaces.slack.safety import plain

if TYPE_CHECKING:
    from assistant.service import ProposedChangeRef

CONFIRM = "change_confirm"
CANCEL = "change_cancel"
BLOCK_PREFIX = "change_"


def _shown(change: ProposedChangeRef) -> str:
    old = change.old or ("(none)" if change.field == "activity" else "(empty)")
    return f"{change.record} · {change.field.replace('_', ' ')}: {old} → {change.new}"


def change_actions(changes: Sequence[ProposedChangeRef]) -> list[Block]:
    """One actions block per proposed change: Confirm (writes it to the CRM) and Cancel."""
    blocks: list[Block] = []
    for change in changes:
        value = str(change.id)
        confirm = {
            "type": "button",
            "action_id": CONFIRM,
            "value": value,
            "style": "primary",
            "text": {"type": "plain_text", "text": "Confirm"},
            "confirm": {
                "title": {"type": "plain_text", "text": "Write to the CRM?"},
                "text": {"type": "mrkdwn", "text": plain(_shown(change))[:300], "verbatim": True},
                "confirm": {"type": "plain_text", "text": "Write it"},
                "deny": {"type": "plain_text", "text": "Not yet"},
            },
        }
        cancel = {
            "type": "button",
            "action_id": CANCEL,
            "value": value,
            "text": {"type": "plain_text", "text": "Cancel"},
        }
        block_id = f"{BLOCK_PREFIX}{value}"
        blocks.append({"type": "actions", "block_id": block_id, "elements": [confirm, cancel]})
    return blocks


def decided(blocks: Sequence[Block], block_id: str, outcome: str) -> list[Block]:
    """The message's blocks with the decided change's buttons replaced by ``outcome``."""
    return [context([plain(outcome)]) if b.get("block_id") == block_id else dict(b) for b in blocks]
