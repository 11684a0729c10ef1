"""The short message that goes with a shared plan: what the plan covers, in a few figures.

A header (the plan's title), the plan's opening sentence and its focus, then the headline figures
as section fields, then a context line (the horizon and the data's date, where the files are, and
with ``SALESPLAN_DEBUG`` the model and the time taken):

* a territory plan: accounts (and their potential), reps, balance (the spread of potential across
  the reps and how many are outside ±10% of the mean), moves (what the rebalancing proposes),
  bookings against quota this quarter, pipeline coverage, stalled deals;
* an account plan: potential, active ARR, open pipeline, wins in the last 180 days, health,
  contacts, cross-sell products.

:func:`summary_comment` is the same in one line of text, the comment of the uploaded files.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.formatting import count, money, multiple, percent, plural
from assistant.interfaces.slack.blocks import (
    Block,
    SlackMessage,
    context,
    fields_section,
    format_block,
    header,
    section,
)
from assistant.interfaces.slack.safety import plain
from assistant.interfaces.urls import Urls
from assistant.link_policy import LinkPolicy
from assistant.plans.models import AccountPlan, PlanDraft, TerritoryPlan
from tools.plans.account import AccountPlanFacts
from tools.plans.territory import TerritoryPlanFacts

#: The opening of the plan shown in the message (the rest is in the file).
HEADLINE_CHARS = 600


def _field(label: str, value: str) -> str:
    return f"*{plain(label)}*\n{plain(value)}"


def _moves(facts: TerritoryPlanFacts) -> str:
    proposal = facts.rebalance
    if proposal is None:
        return "none drafted (managers and RevOps)" if facts.rebalance_note else "none drafted"
    moved = int(proposal.move_count.value or 0)
    if proposal.status in ("balanced", "nothing_to_balance") or (proposal.status == "proposed" and not moved):
        return "none needed"
    if not moved:
        return "no moves meet the band"
    shown = f"{plural(moved, 'move')} · {money(proposal.disruption.value)} of potential"
    return shown if proposal.status == "proposed" else f"{shown} (the band cannot be met)"


def _balance(facts: TerritoryPlanFacts) -> str:
    spread = next((s for s in facts.balance.rep_spread if s.measure == "potential"), None)
    if spread is None or spread.coefficient_of_variation.value is None:
        return "n/a"
    outside = int(spread.outside_band_count.value or 0)
    return f"CV {percent(spread.coefficient_of_variation.value)} · {outside:,} outside ±10%"


def territory_fields(facts: TerritoryPlanFacts) -> list[str]:
    summary = facts.summary
    bookings = money(summary.bookings.value)
    if summary.quota.value:
        bookings += f" of {money(summary.quota.value)} ({percent(summary.attainment.value)})"
    return [
        _field("Accounts", f"{count(summary.accounts.value)} · {money(summary.potential.value)} potential"),
        _field("Reps", count(facts.balance.rep_count.value)),
        _field("Balance (potential)", _balance(facts)),
        _field("Moves", _moves(facts)),
        _field(f"Bookings {summary.period.label}", bookings),
        _field("Pipeline coverage", multiple(summary.pipeline_coverage.value)),
        _field(
            "Stalled or at risk",
            f"{plural(int(facts.stalled.count.value or 0), 'deal')} · {money(facts.stalled.amount.value)}",
        ),
    ]


def account_fields(facts: AccountPlanFacts) -> list[str]:
    pipeline = facts.open_pipeline
    won = money(facts.won_last_180_days.value)
    if facts.win_rate_last_180_days.value is not None:
        won += f" · win rate {percent(facts.win_rate_last_180_days.value)}"
    health = f"{count(facts.health_score.value)}/100, {facts.health_band}"
    contacts = facts.contacts
    engaged = count(contacts.engaged_last_90_days.value)
    return [
        _field("Potential", money(facts.account.potential.value)),
        _field("Active ARR", money(facts.active_arr.value)),
        _field("Open pipeline", f"{money(pipeline.value)} on {plural(pipeline.record_count, 'deal')}"),
        _field("Won, last 180 days", won),
        _field("Health", health),
        _field("Contacts", f"{count(contacts.total.value)} · {engaged} engaged in 90 days"),
        _field("Cross-sell", plural(len(facts.cross_sell), "product")),
    ]


def fields(draft: PlanDraft) -> list[str]:
    plan: AccountPlan | TerritoryPlan = draft.plan
    if isinstance(plan, AccountPlan):
        return account_fields(plan.facts)
    return territory_fields(plan.facts)


def headline(markdown: str) -> list[str]:
    """The first and the last line of the plan's ``## Summary`` section: what the plan covers, and
    (in the drafted plans) what it focuses on."""
    lines = markdown.split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if line.strip().casefold() == "## summary"), None)
    if start is None:
        return []
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("#")), len(lines))
    found = [line.strip() for line in lines[start:end] if line.strip()]
    picked = found[:1] + found[-1:] if len(found) > 1 else found
    text: list[str] = []
    for line in picked:
        if sum(len(t) for t in text) + len(line) > HEADLINE_CHARS:
            break
        text.append(line)
    return text


def plan_summary(
    draft: PlanDraft,
    policy: LinkPolicy,
    urls: Urls,
    where: str,
    internals: Sequence[str] = (),
) -> SlackMessage:
    """The plan's summary message; ``where`` says where the plan and its charts are."""
    opening = headline(draft.markdown)
    blocks: list[Block] = [header(draft.title)]
    if opening:
        blocks.append(section(format_block(opening, policy, urls)))
    blocks.append(fields_section(fields(draft)))
    horizon = draft.plan.facts.horizon
    notes = [
        f"Draft for {horizon.this_quarter} and {horizon.next_quarter}, data as of "
        f"{draft.plan.facts.as_of.isoformat()}. {where}",
        *internals,
    ]
    blocks.append(context([plain(note) for note in notes if note]))
    return SlackMessage(text=plain(draft.title), blocks=blocks)


def summary_comment(draft: PlanDraft) -> str:
    """The plan's title and headline figures as one line of mrkdwn (the comment on its files)."""
    figures = [f.replace("*", "").replace("\n", ": ") for f in fields(draft)[:4]]
    return f"*{plain(draft.title)}* — " + "; ".join(figures) + "."
