"""A Confirm / Cancel pair for any action waiting for a yes, and the line that replaces it.

A pending action is named by its *kind* and a *value* (a proposed CRM change: kind ``change``,
value the change's number). The pair's buttons have the action ids ``<kind>_confirm`` and
``<kind>_cancel`` and sit in the block ``<kind>_<value>``; one listener
(:mod:`.listeners.confirmations`) takes every such click, finds the kind's decision in its
registry and runs it as the clicking user. Once decided, the pair is replaced by a line saying
what happened (:func:`decided`); the other blocks of the message stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.interfaces.slack.blocks import Block, context
from assistant.interfaces.slack.safety import plain

#: The action id of either button of a pair: its kind, and which of the two it is.
PAIR_ACTION = re.compile(r"^(?P<kind>[a-z][a-z0-9_]*)_(?P<choice>confirm|cancel)$")


@dataclass(frozen=True)
class Dialog:
    """The "are you sure?" Slack shows before the Confirm click is sent."""

    title: str
    text: str
    confirm: str = "Yes"
    deny: str = "Not yet"


def _plain_text(text: str, limit: int) -> dict[str, str]:
    return {"type": "plain_text", "text": text[:limit]}


def confirm_pair(
    kind: str,
    value: str,
    *,
    dialog: Dialog | None = None,
    confirm_label: str = "Confirm",
    cancel_label: str = "Cancel",
) -> Block:
    """One actions block: Confirm (primary, behind ``dialog`` when given) and Cancel for ``value``."""
    confirm: Block = {
        "type": "button",
        "action_id": f"{kind}_confirm",
        "value": value,
        "style": "primary",
        "text": _plain_text(confirm_label, 75),
    }
    if dialog is not None:
        confirm["confirm"] = {
            "title": _plain_text(dialog.title, 100),
            "text": {"type": "mrkdwn", "text": plain(dialog.text)[:300], "verbatim": True},
            "confirm": _plain_text(dialog.confirm, 30),
            "deny": _plain_text(dialog.deny, 30),
        }
    cancel = {
        "type": "button",
        "action_id": f"{kind}_cancel",
        "value": value,
        "text": _plain_text(cancel_label, 75),
    }
    return {"type": "actions", "block_id": f"{kind}_{value}"[:255], "elements": [confirm, cancel]}


def decided(blocks: Sequence[Block], block_id: str, outcome: str) -> list[Block]:
    """The message's blocks with the decided pair (block ``block_id``) replaced by ``outcome``."""
    return [context([plain(outcome)]) if b.get("block_id") == block_id else dict(b) for b in blocks]
