"""*Show more*: the next page of a list an answer cut short.

A :class:`Page` is the tool call behind the list (its name and arguments, without ``limit``) and
how many items were shown; it travels as the button's value. A click runs the same tool call again
with a larger limit, **as the Slack user who clicked** (through the audited read path), and posts
the items after the ones shown, :data:`PAGE_SIZE` at a time, with another *Show more* while there
are more. So the value chooses which list and where it continues, never whose data: someone else
clicking sees the next page of *their own* list, and a value edited to name other filters still
reads only the clicker's scope (an argument the tool does not know is refused).

Lists that page (:data:`PAGEABLE`): the stalled and at-risk deals (``stalled_deals``; in an answer,
``/salesplan stalled`` and a page of its own).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.interfaces.slack.actions import actions_block, deal_menus, show_more_button
from assistant.interfaces.slack.blocks import Block, SlackMessage, context, section, split_text
from assistant.interfaces.slack.stalled import deal_entry
from assistant.interfaces.urls import NO_URLS, Urls
from assistant.reads import ReadService
from tools.deals.stalled import StalledDeals
from tools.deals.stalled_evidence import StalledDeal
from tools.evidence import source_label
from tools.store.schema import Role
from tools.viewer import Viewer

PAGE_SIZE = 10
#: Tools whose lists page, with the kind of record they list.
PAGEABLE = {"stalled_deals": "opportunity"}
#: The most a tool lists at once (its ``limit``'s bound).
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    tool: str
    shown: int
    args: dict[str, Any] = field(default_factory=dict)

    def value(self) -> str:
        return json.dumps({"tool": self.tool, "shown": self.shown, "args": self.args}, separators=(",", ":"))

    @classmethod
    def parse(cls, value: str) -> Page:
        """The page a button's value names (:class:`ValueError` when it names none)."""
        data = json.loads(value)
        if not isinstance(data, dict) or data.get("tool") not in PAGEABLE:
            raise ValueError("not a page")
        shown, args = data.get("shown"), data.get("args") or {}
        if not isinstance(shown, int) or not 0 <= shown < MAX_LIMIT or not isinstance(args, dict):
            raise ValueError("not a page")
        return cls(str(data["tool"]), shown, {k: v for k, v in args.items() if k != "limit"})


def deal_options(deals: Sequence[StalledDeal]) -> list[tuple[str, str]]:
    """The deals as menu options: reference and label."""
    return [(deal.id, source_label(deal.name, deal.external_id)) for deal in deals]


def stalled_actions(result: StalledDeals, shown: Sequence[StalledDeal], page: Page | None) -> list[Block]:
    """The menus over the listed deals, and *Show more* when ``page`` says there are more."""
    more = show_more_button(page.value()) if page is not None else None
    return actions_block([*deal_menus(deal_options(shown)), more])


def whose(viewer: Viewer) -> str:
    if viewer.role is Role.REP:
        return "your"
    return "your team's" if viewer.role is Role.MANAGER else "everyone's"


def page_message(result: StalledDeals, page: Page, viewer: Viewer, urls: Urls = NO_URLS) -> SlackMessage:
    """The deals after the ``page.shown`` already listed."""
    flagged = int(result.flagged.value or 0)
    deals = result.deals[page.shown : page.shown + PAGE_SIZE]
    if not deals:
        text = f"That was all of {whose(viewer)} {flagged:,} stalled or at-risk deals."
        return SlackMessage(text=text, blocks=[section(text)])
    last = page.shown + len(deals)
    headline = f"*Stalled or at-risk deals {page.shown + 1}–{last} of {flagged:,}*, riskiest first"
    entries = "\n".join(deal_entry(deal, viewer.role is not Role.REP, urls) for deal in deals)
    blocks: list[Block] = [section(headline), *(section(piece) for piece in split_text(entries))]
    following = Page(page.tool, last, page.args) if flagged > last and last < MAX_LIMIT else None
    blocks += stalled_actions(result, deals, following)
    blocks.append(context([f"As of {result.as_of.isoformat()}"]))
    return SlackMessage(text=headline.replace("*", ""), blocks=blocks)


async def next_page(reads: ReadService, viewer: Viewer, page: Page, urls: Urls = NO_URLS) -> SlackMessage:
    """Run the page's tool call as ``viewer`` with room for one more page, and show that page."""
    limit = min(page.shown + PAGE_SIZE, MAX_LIMIT)
    params = {**page.args, "limit": limit}
    result = await reads.arun_tool(viewer, page.tool, params, returns=StalledDeals, channel="slack")
    return page_message(result, page, viewer, urls)


def stalled_page(args: dict[str, Any], result: StalledDeals, shown: int) -> Page | None:
    """The page after the first ``shown`` deals of ``result``, when it has more."""
    more = int(result.flagged.value or 0) > shown
    return Page("stalled_deals", shown, {k: v for k, v in args.items() if k != "limit"}) if more else None
