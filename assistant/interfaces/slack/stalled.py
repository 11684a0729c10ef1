"""Stalled deals as Block Kit: ``/salesplan stalled`` and the entries of the daily digest.

Each deal is one compact entry — name and source CRM id (a link to the record when
``SALESPLAN_CRM_RECORD_URL`` is set), amount, stage, close date — with its
riskiest flag's evidence and the suggested next step, with the heading of its playbook passage
(a link to the playbook page with ``SALESPLAN_PUBLIC_URL``, :mod:`assistant.interfaces.urls`).
Data text (deal names, next steps) is made safe like any other text (:mod:`.safety`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from assistant.formatting import deal_amount, estimated, money, plural
from assistant.interfaces.slack.blocks import (
    MAX_BLOCKS,
    Block,
    SlackMessage,
    citation_links,
    context,
    fields_section,
    header,
    section,
    split_text,
)
from assistant.interfaces.slack.safety import plain, record_link
from assistant.interfaces.urls import NO_URLS, Urls
from tools.deals.stalled import StalledDeals
from tools.deals.stalled_evidence import StalledDeal
from tools.evidence import Figure

#: Deals listed in one message (the counts cover them all).
LISTED = 10
SEVERITY_ORDER = {"high": 0, "medium": 1}
TITLE = "Stalled and at-risk deals"


def _amount(value: Decimal | float | int | None) -> str:
    return money(value) if value is not None else "no amount"


def _worth(figure: Figure) -> str:
    """A total at risk, saying how much of it is estimated."""
    return estimated(_amount(figure.value), figure.value, figure.estimated)


def deal_entry(deal: StalledDeal, with_owner: bool = False, urls: Urls = NO_URLS) -> str:
    flags = sorted(deal.flags, key=lambda f: SEVERITY_ORDER.get(f.severity.value, 2))
    facts = [deal_amount(deal.amount, deal.amount_estimated), plain(deal.stage)]
    if deal.close_date:
        facts.append(f"closes {deal.close_date.isoformat()}")
    if with_owner:
        facts.append(plain(deal.owner))
    lines = [f"• *{record_link(deal.name, deal.external_id, deal.url)}* · {' · '.join(facts)}"]
    if flags:
        top = flags[0]
        others = f" (+{len(flags) - 1} more)" if len(flags) > 1 else ""
        lines.append(f"    ◦ {plain(top.title)} ({top.severity.value}): {plain(top.evidence)}{others}")
        lines.append(f"    ◦ _Next step:_ {plain(top.next_action)} ({citation_links([top.playbook], urls)})")
    return "\n".join(lines)


def _deal_sections(deals: Sequence[StalledDeal], with_owner: bool, urls: Urls) -> list[Block]:
    text = "\n".join(deal_entry(d, with_owner, urls) for d in deals)
    return [section(piece) for piece in split_text(text)] if text else []


def _citations(deals: Sequence[StalledDeal]) -> list[str]:
    return sorted({f.playbook for d in deals for f in d.flags})


def _common_problems(result: StalledDeals) -> str:
    counts = Counter({rule: n for rule, n in result.by_rule.items() if n})
    titles = {f.rule.value: f.title for d in result.deals for f in d.flags}
    return ", ".join(f"{titles.get(rule, rule)} ({n})" for rule, n in counts.most_common(3)) or "none"


def _footer(result: StalledDeals, shown: Sequence[StalledDeal], urls: Urls) -> Block:
    citations = _citations(shown)
    elements = [f"As of {result.as_of.isoformat()}"]
    if citations:
        elements.append(f"Playbook: {citation_links(citations, urls, limit=6)}")
    return context(elements)


def stalled_message(result: StalledDeals, whose: str = "your", urls: Urls = NO_URLS) -> SlackMessage:
    """``/salesplan stalled``: a header, the count, the figures, the riskiest deals."""
    flagged = int(result.flagged.value or 0)
    worth = _worth(result.flagged_amount)
    if flagged == 0:
        headline = f"*None of {whose} {plural(result.open_deals, 'open deal')} is stalled or at risk.*"
        return SlackMessage(text=headline.replace("*", ""), blocks=[header(TITLE), section(headline)])
    headline = (
        f"*{flagged} of {whose} {plural(result.open_deals, 'open deal')} "
        f"{'is' if flagged == 1 else 'are'} stalled or at risk*, worth {worth}."
    )
    shown = result.deals[:LISTED]
    blocks: list[Block] = [
        header(TITLE),
        section(headline),
        fields_section(
            [
                f"*Open deals*\n{result.open_deals:,}",
                f"*Stalled or at risk*\n{flagged:,}",
                f"*Worth*\n{worth}",
                f"*Most common problems*\n{plain(_common_problems(result))}",
            ]
        ),
    ]
    blocks += _deal_sections(shown, whose != "your", urls)
    if flagged > len(shown):
        blocks.append(context([f"Showing the {len(shown)} riskiest of {flagged}."]))
    blocks.append(_footer(result, shown, urls))
    return SlackMessage(text=headline.replace("*", ""), blocks=blocks[:MAX_BLOCKS])
