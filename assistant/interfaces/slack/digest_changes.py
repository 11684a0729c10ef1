"""What changed since a person's last digest, and the message that shows only that.

A digest remembers the deals it listed (``digest_items``: the rules each broke and its close
date). The next one compares the person's stalled deals now with that list and groups the
differences:

============ =====================================================================================
new risks    deals flagged now that were not listed last time, and listed deals breaking a new rule
slipped      listed deals whose close date moved later
went dark    listed deals that now break the no-activity rule
recovered    deals listed last time that are no longer flagged (or no longer open)
============ =====================================================================================

Deals unchanged since the last digest are left out; a day with no change sends nothing. Each group
lists at most :data:`PER_GROUP` deals, the largest value at risk first (the counts cover all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.formatting import plural
from assistant.interfaces.slack.blocks import MAX_BLOCKS, Block, SlackMessage, context, section, split_text
from assistant.interfaces.slack.safety import plain
from assistant.interfaces.slack.stalled import deal_entry
from assistant.interfaces.urls import NO_URLS, Urls
from tools.deals.stalled_evidence import StalledDeal

PER_GROUP = 5
NO_ACTIVITY = "no_activity"


@dataclass(frozen=True)
class Listed:
    """A deal as the last digest listed it."""

    name: str
    rules: frozenset[str]
    close_date: dt.date | None


@dataclass
class Changes:
    new: list[StalledDeal] = field(default_factory=list)
    slipped: list[StalledDeal] = field(default_factory=list)
    dark: list[StalledDeal] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new or self.slipped or self.dark or self.recovered)

    def listed(self, per_group: int) -> list[StalledDeal]:
        """The deals a message showing ``per_group`` of each group lists, in its order."""
        return [*self.new[:per_group], *self.slipped[:per_group], *self.dark[:per_group]]

    @property
    def count(self) -> int:
        return len(self.new) + len(self.slipped) + len(self.dark) + len(self.recovered)


def deal_key(deal: StalledDeal) -> int:
    return int(deal.id.rpartition("/")[2])


def diff(current: Sequence[StalledDeal], previous: dict[int, Listed]) -> Changes:
    """How ``current`` (riskiest first) differs from the last digest's ``previous`` deals."""
    changes = Changes()
    for deal in current:
        before = previous.get(deal_key(deal))
        rules = {flag.rule.value for flag in deal.flags}
        if before is None:
            changes.new.append(deal)
        elif deal.close_date and before.close_date and deal.close_date > before.close_date:
            changes.slipped.append(deal)
        elif NO_ACTIVITY in rules and NO_ACTIVITY not in before.rules:
            changes.dark.append(deal)
        elif rules - before.rules:
            changes.new.append(deal)
    now = {deal_key(d) for d in current}
    changes.recovered = sorted(listed.name for key, listed in previous.items() if key not in now)
    return changes


def changes_message(
    intro: str, changes: Changes, with_owner: bool, as_of: dt.date, urls: Urls = NO_URLS
) -> SlackMessage:
    """The digest: the intro, then each group that has deals (at most :data:`PER_GROUP` each)."""
    headline = f"{intro} {plural(changes.count, 'change')} since your last digest."
    blocks: list[Block] = [section(headline)]
    for title, deals in (
        ("New risks", changes.new),
        ("Slipped", changes.slipped),
        ("Went dark", changes.dark),
    ):
        if not deals:
            continue
        entries = "\n".join(deal_entry(d, with_owner, urls) for d in deals[:PER_GROUP])
        text = f"*{title}* ({len(deals)})\n{entries}"
        blocks += [section(piece) for piece in split_text(text)]
        if len(deals) > PER_GROUP:
            blocks.append(context([f"and {len(deals) - PER_GROUP} more"]))
    if changes.recovered:
        shown = ", ".join(f"*{plain(name)}*" for name in changes.recovered[:PER_GROUP])
        more = f" and {len(changes.recovered) - PER_GROUP} more" if len(changes.recovered) > PER_GROUP else ""
        blocks.append(section(f"*Recovered* ({len(changes.recovered)})\n{shown}{more}"))
    blocks.append(context([f"As of {as_of.isoformat()}"]))
    return SlackMessage(text=headline, blocks=blocks[:MAX_BLOCKS])
