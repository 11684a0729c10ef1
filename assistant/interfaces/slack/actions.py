"""The buttons and menus under an answer, a stalled-deal list, a digest and the Home tab.

==================  ==========================================================================
action id           what a click does (:mod:`.listeners.actions`, :mod:`.listeners.home`)
==================  ==========================================================================
``page_more``       *Show more*: posts the next page of a list an answer cut short (:mod:`.pages`)
``open_in_crm``     *Open in CRM*: a link button to the record (Slack still sends the click: acked)
``deal_snooze``     *Snooze 7 days…*: a menu of the listed deals (:mod:`.snoozes`)
``deal_reviewed``   *Mark reviewed…*: a menu of the listed deals
``choice_<n>``      one answer to a clarifying question, as if typed in the thread (:mod:`.choices`)
``home_ask_<n>``    a quick action of the Home tab: a question answered in a direct message
``<kind>_confirm``  Confirm / Cancel of a pending action (:mod:`.confirmations`)
==================  ==========================================================================

Slack's limits are kept here: a button's text at most 75 characters and its value 2,000; a
menu's options at most 100, each with a text of at most 75 characters and a value of at most 150;
an actions block at most 25 elements, with action ids unique within the block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.interfaces.slack.blocks import MAX_BLOCKS, Block, SlackMessage
from assistant.interfaces.slack.safety import plain_label

SHOW_MORE = "page_more"
OPEN_IN_CRM = "open_in_crm"
SNOOZE = "deal_snooze"
REVIEWED = "deal_reviewed"
CHOICE = re.compile(r"^choice_\d+$")
HOME_ASK = re.compile(r"^home_ask_\d+$")
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_ELEMENTS = 25


def plain_text(text: str, limit: int = BUTTON_TEXT) -> dict[str, str]:
    """A ``plain_text`` object of at most ``limit`` characters. Labels come from the data (deal
    and people names), so like every text the app posts they can notify no one (:func:`plain_label`)."""
    safe = plain_label(text)
    short = safe if len(safe) <= limit else safe[: limit - 1].rstrip() + "…"
    return {"type": "plain_text", "text": short}


def button(action_id: str, text: str, value: str, *, primary: bool = False) -> Block | None:
    """A button, or None when its value does not fit Slack's limit."""
    if len(value) > BUTTON_VALUE:
        return None
    found: Block = {"type": "button", "action_id": action_id, "text": plain_text(text), "value": value}
    if primary:
        found["style"] = "primary"
    return found


def link_button(action_id: str, text: str, url: str) -> Block:
    return {"type": "button", "action_id": action_id, "text": plain_text(text), "url": url}


def show_more_button(value: str) -> Block | None:
    return button(SHOW_MORE, "Show more", value)


def open_in_crm_button(url: str) -> Block:
    return link_button(OPEN_IN_CRM, "Open in CRM", url)


def deal_menus(deals: Sequence[tuple[str, str]]) -> list[Block]:
    """*Snooze 7 days…* and *Mark reviewed…* over ``deals`` (reference, label), in list order."""
    options = [
        {"text": plain_text(label), "value": reference}
        for reference, label in deals[:MAX_OPTIONS]
        if len(reference) <= OPTION_VALUE
    ]
    if not options:
        return []
    return [
        {
            "type": "static_select",
            "action_id": action_id,
            "placeholder": plain_text(title),
            "options": options,
        }
        for action_id, title in ((SNOOZE, "Snooze 7 days…"), (REVIEWED, "Mark reviewed…"))
    ]


def actions_block(elements: Sequence[Block | None], block_id: str | None = None) -> list[Block]:
    """One actions block of ``elements`` (those that are not None), or none when there are none."""
    kept = [e for e in elements if e is not None][:MAX_ELEMENTS]
    if not kept:
        return []
    block: Block = {"type": "actions", "elements": kept}
    if block_id:
        block["block_id"] = block_id[:255]
    return [block]


def with_actions(message: SlackMessage, actions: Sequence[Block]) -> SlackMessage:
    """``message`` with ``actions`` added before its closing context block, within 50 blocks."""
    if not actions:
        return message
    blocks = list(message.blocks)
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "context" else len(blocks)
    blocks[at:at] = actions
    if len(blocks) > MAX_BLOCKS:  # drop body blocks before the actions, never the actions
        over = len(blocks) - MAX_BLOCKS
        blocks = blocks[: at - over] + blocks[at:]
    return SlackMessage(text=message.text, blocks=blocks)
