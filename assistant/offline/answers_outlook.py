"""Answers about where deals are heading: what changed in the pipeline since a day, and the chances
of winning deals (the learned win score with its top factors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant import formatting as fmt
from assistant.offline.render import capitalised, render, whose
from tools.deals.changes import ChangedDeal, PipelineChanges
from tools.deals.outlook import ExpectedBookings
from tools.deals.win_scores import ScoredDeal, WinScores
from tools.viewer import Viewer

DEALS_PER_GROUP = 3
#: Up to this many deals, each is shown with its factors; more are listed one line each.
DETAILED = 3
MAX_LISTED = 10


def _change(kind: str, deal: ChangedDeal) -> str:
    """What changed on one deal, in the words of its group."""
    if kind in ("advanced", "slipped_back"):
        return f"{deal.stage_before} → {deal.stage}"
    if kind in ("pushed", "pulled_in"):
        return f"close date {fmt.date(deal.close_date_before)} → {fmt.date(deal.close_date)}"
    if kind in ("amount_up", "amount_down"):
        return f"{fmt.deal_amount(deal.amount_before)} → {fmt.deal_amount(deal.amount)}"
    if kind == "new":
        return f"{fmt.deal_amount(deal.amount)}, {deal.stage}"
    return fmt.deal_amount(deal.amount_before if deal.amount is None else deal.amount)


@dataclass
class ChangesView:
    title: str
    groups: list[str]
    unchanged: bool
    notes: list[str]


def pipeline_changes(result: PipelineChanges, args: dict[str, Any], viewer: Viewer) -> str:
    who = capitalised(whose(viewer, args.get("owner")))
    title = (
        f"**{who} open pipeline since {fmt.date(result.start)}: {fmt.money(result.start_value)} "
        f"({fmt.plural(result.start_deals, 'deal')}) → {fmt.money(result.end_value)} "
        f"({fmt.plural(result.end_deals, 'deal')}) on {fmt.date(result.end)}**"
    )
    groups = []
    for group in result.groups:
        if not group.count:
            continue
        listed = "; ".join(
            f"{fmt.record(d.name, d.id)} ({_change(group.kind, d)})" for d in group.deals[:DEALS_PER_GROUP]
        )
        more = " — largest: " if group.count > DEALS_PER_GROUP else ": "
        groups.append(
            f"**{group.title}**: {fmt.plural(group.count, 'deal')}, {fmt.money(group.amount)}{more}{listed}"
        )
    notes = [result.note] if result.note else []
    return render("changes", ChangesView(title, groups, not groups, notes))


def _scored(deal: ScoredDeal) -> str:
    facts = [fmt.deal_amount(deal.amount), deal.stage, fmt.close_date(deal.close_date)]
    return (
        f"{fmt.record(deal.name, deal.id)}: win {fmt.percent(deal.probability)} "
        f"(stage {fmt.percent(deal.stage_probability)}), {', '.join(facts)}"
    )


@dataclass
class WinScoresView:
    title: str
    basis: str
    deals: list[str]
    factors: list[list[str]]
    #: One deal's top factors.
    reasons: list[str]


def win_scores(result: WinScores, args: dict[str, Any], viewer: Viewer) -> str:
    model = result.used == "model"
    basis = (
        "From the learned win score (a model trained on your organisation's closed deals); the stage "
        "probability is shown beside it."
        if model
        else f"The win score is the stage probability here: {result.reason}."
    )
    if not result.deals:
        title = "**No open deals match, so there is nothing to score.**"
        return render("win_scores", WinScoresView(title, "", [], [], []))
    if len(result.deals) == 1:
        deal = result.deals[0]
        facts = ", ".join([fmt.deal_amount(deal.amount), deal.stage, fmt.close_date(deal.close_date)])
        title = (
            f"**{fmt.record(deal.name, deal.id)}: {fmt.percent(deal.probability)} chance to win** (its stage "
            f"alone: {fmt.percent(deal.stage_probability)}); {facts}."
        )
        reasons = [f.text for f in deal.factors] if model else []
        return render("win_scores", WinScoresView(title, basis, [], [], reasons))
    detailed = len(result.deals) <= DETAILED
    title = f"**Win chances of {whose(viewer, args.get('owner'))} open deals**, largest value at stake first"
    deals = [_scored(d) for d in result.deals[:MAX_LISTED]]
    factors = [[f.text for f in d.factors] if detailed and model else [] for d in result.deals[:MAX_LISTED]]
    return render("win_scores", WinScoresView(title, basis, deals, factors, []))


def expected_line(expected: ExpectedBookings | None) -> str:
    """The forecast's expected bookings in one line (empty once the period is over); a part that adds
    nothing (no open deal dated in the period, no run-rate) is left out rather than shown as $0."""
    if expected is None:
        return ""
    parts = ["closed won"]
    if expected.open_expected:
        parts.append(
            f"open deals weighted by their {expected.probability} ({fmt.money(expected.open_expected)})"
        )
    if expected.run_rate:
        days = fmt.plural(expected.days_left, "day")
        parts.append(
            f"the run-rate of deals not created yet ({fmt.money(expected.run_rate)} for the {days} left)"
        )
    return (
        f"Expected bookings: {fmt.money(expected.value)} (80% range {fmt.money(expected.low)} to "
        f"{fmt.money(expected.high)}): {' + '.join(parts)}"
    )
