"""What an answer offers to do next, read from the answer itself: the actions under it.

* a clarifying question: a button per option (:mod:`.choices`);
* a list of stalled deals: *Snooze 7 days…* and *Mark reviewed…* over the deals it shows
  (:mod:`.snoozes`), and *Show more* when it showed fewer than it found (the tool's record ids
  name every flagged deal, the answer's records the ones it shows; :mod:`.pages`);
* an answer about one deal or one account (``deal_details``, ``account_profile`` …): *Open in
  CRM*, a link to the record built from ``SALESPLAN_CRM_RECORD_URL`` (none when it is not set).

Proposed CRM changes get their Confirm / Cancel pair from :mod:`.changes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.interfaces.slack.actions import actions_block, deal_menus, open_in_crm_button, show_more_button
from assistant.interfaces.slack.blocks import Block
from assistant.interfaces.slack.choices import choice_actions
from assistant.interfaces.slack.pages import PAGEABLE, Page

if TYPE_CHECKING:
    from assistant.service import Answer

BLOCK_ID = "answer_actions"
#: Tools that answer about one record, and the kind of that record.
ONE_RECORD = {
    "deal_details": "opportunity",
    "account_profile": "account",
    "account_facts": "account",
    "account_purchases": "account",
    "account_whitespace": "account",
    "account_plan": "account",
}


def _of_kind(references: list[str], kind: str) -> list[str]:
    return list(dict.fromkeys(r for r in references if r.startswith(f"{kind}/")))


def page_of(result: Answer) -> Page | None:
    """The next page of the list the answer cut short, if it did."""
    for call in reversed(result.tool_calls):
        kind = PAGEABLE.get(call.name)
        if kind is None:
            continue
        shown = _of_kind([r.id for r in result.records], kind)
        found = _of_kind(result.citations, kind)
        if len(found) > len(shown):
            return Page(call.name, len(shown), {k: v for k, v in call.args.items() if k != "limit"})
        return None
    return None


def listed_deals(result: Answer) -> list[tuple[str, str]]:
    """The deals a stalled-deal answer shows (reference, label), in its order."""
    if not any(call.name in PAGEABLE for call in result.tool_calls):
        return []
    return [(r.id, r.label) for r in result.records if r.id.startswith("opportunity/")]


def record_url(result: Answer) -> str | None:
    """The CRM link of the one deal or account the answer is about."""
    kinds = {ONE_RECORD[c.name] for c in result.tool_calls if c.name in ONE_RECORD}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    records = [r for r in result.records if r.id.startswith(f"{kind}/")]
    return records[0].url if len(records) == 1 else None


def answer_actions(result: Answer, thread_ts: str | None) -> list[Block]:
    """The actions blocks under ``result`` (none when it offers nothing)."""
    page = page_of(result)
    url = record_url(result)
    elements = [
        *deal_menus(listed_deals(result)),
        show_more_button(page.value()) if page else None,
        open_in_crm_button(url) if url else None,
    ]
    return choice_actions(result.answer, thread_ts) + actions_block(elements, BLOCK_ID)
