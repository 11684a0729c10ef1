"""Answers for managers: who may miss their number, 1:1 prep, forecast-call prep and qualification
scorecards (what changed and win chances: :mod:`assistant.offline.answers_outlook`).

Every figure is one the tool returned; a data set that cannot give a figure (no quotas, no contacts,
no amounts) gets a sentence saying so, never a column of n/a or $0. The functions take the tool's
output and the asker, so the CLI prints the same words (``salesplan manager …``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assistant import formatting as fmt
from assistant.offline.render import capitalised, render, whose
from tools.deals.stalled_evidence import StalledDeal
from tools.manager import ForecastCallPrep, OneOnOnePrep, QuotaPace, Scorecards
from tools.manager.forecast_moves import CategoryMoves, MovedDeal
from tools.manager.pace import RepPace
from tools.viewer import Viewer

MAX_LISTED = 10
ZERO = Decimal(0)
MAX_FLAGS = 3
STATUS = {"at_risk": "at risk of missing", "on_pace": "on pace for", "quota_met": "past"}


def signed(value: Decimal) -> str:
    return f"+{fmt.money(value)}" if value > 0 else fmt.money(value)


def _of(part: Decimal, whole: Decimal | None) -> str:
    return f"{fmt.money(part)} of {fmt.money(whole)}"


def pace_line(rep: RepPace) -> str:
    """One rep's pace: booked of quota, expected and the gap, the run-rate needed against so far."""
    booked = f"{fmt.money(rep.booked)} booked of {fmt.money(rep.quota)} ({fmt.percent(rep.attainment)})"
    if rep.status == "quota_met":
        return f"{booked}: quota met"
    short = rep.gap is not None and rep.gap > 0
    parts = [
        booked,
        f"expected {fmt.money(rep.expected)}, "
        f"{fmt.money(abs(rep.gap or ZERO))} {'short' if short else 'ahead'}",
    ]
    if short and rep.needed_per_week is not None:
        pace = f"needs {fmt.money(rep.needed_per_week)} a week"
        if rep.booked_per_week is not None:
            pace += f", has booked {fmt.money(rep.booked_per_week)} a week so far"
        parts.append(pace)
    return "; ".join(parts)


@dataclass
class QuotaRiskView:
    title: str
    reps: list[str]
    others: list[str]
    no_quota: list[str]
    period: str
    notes: list[str]


def quota_risk(result: QuotaPace, args: dict[str, Any], viewer: Viewer) -> str:
    period, left = result.period.label, fmt.plural(result.days_left, "day")
    who = whose(viewer, args.get("owner"))
    rated = [r for r in result.reps if r.status != "no_quota"]
    unrated = [r for r in result.reps if r.status == "no_quota"]
    if not rated:
        booked = [r for r in sorted(unrated, key=lambda r: (-r.booked, r.rep)) if r.booked]
        title = (
            f"**No quota is recorded for {period} for any of {who} reps**, so I can't tell who is at risk "
            "of missing their number."
            if result.reps
            else "**There are no reps in your scope to measure against quota.**"
        )
        listed = [f"{fmt.record(r.rep, r.rep_id)} {fmt.money(r.booked)}" for r in booked[:MAX_LISTED]]
        others = [f"Booked so far in {period}, most first: {', '.join(listed)}."] if listed else []
        return render("quota_risk", QuotaRiskView(title, [], others, [], period, []))
    at_risk = [r for r in rated if r.status == "at_risk"]
    if len(rated) == 1:
        title = f"**{rated[0].rep} is {STATUS[rated[0].status]} the {period} number** ({left} left)."
    elif at_risk:
        title = (
            f"**{len(at_risk)} of {who} {fmt.plural(len(rated), 'rep')} with a {period} quota "
            f"{'is' if len(at_risk) == 1 else 'are'} at risk of missing it**: their expected bookings fall "
            f"short of quota, with {left} of {result.days_total} left."
        )
    else:
        title = f"**None of {who} reps is at risk of missing the {period} number** ({left} left)."
    shown = at_risk if len(rated) > 1 and at_risk else rated
    reps = [f"**{fmt.record(r.rep, r.rep_id)}**: {pace_line(r)}" for r in shown[:MAX_LISTED]]
    rest = [
        f"{r.rep} ("
        + ("quota met" if r.status == "quota_met" else f"expected {_of(r.expected, r.quota)}")
        + ")"
        for r in rated
        if r not in shown
    ]
    notes = [
        f"Expected = booked + each open deal closing in {period} x its win probability "
        f"({result.probability}); deals not created yet are not counted."
    ]
    if result.unpriced_deals:
        notes.append(f"{fmt.plural(result.unpriced_deals, 'open deal')} closing in {period} have no amount.")
    others = [f"On pace: {', '.join(rest)}."] if rest else []
    return render("quota_risk", QuotaRiskView(title, reps, others, [r.rep for r in unrated], period, notes))


def risky_deal(deal: StalledDeal) -> str:
    """A deal at risk in one line: amount, stage, close date, value at risk and its flags."""
    facts = [fmt.deal_amount(deal.amount, deal.amount_estimated), deal.stage, fmt.close_date(deal.close_date)]
    if deal.value_at_risk is not None:
        facts.append(f"value at risk {fmt.money(deal.value_at_risk)}")
    flags = ", ".join(f.title.lower() for f in deal.flags[:MAX_FLAGS])
    return f"{fmt.record(deal.name, deal.id)}: {', '.join(facts)}" + (f" — {flags}" if flags else "")


@dataclass
class OneOnOneView:
    rep: str
    period: str
    days: str
    pace: str
    risk: str
    deals: list[str]
    coaching: list[str]
    notes: list[str]


def one_on_one(result: OneOnOnePrep, viewer: Viewer) -> str:
    pace, period = result.pace, result.period.label
    due = (
        f"{fmt.money(pace.open_amount)} open closing in {period} ({fmt.plural(pace.open_deals, 'deal')})"
        if pace.open_deals
        else f"no open deal closing in {period}"
    )
    if pace.status == "no_quota":
        booked = fmt.money(pace.booked)
        text = f"No quota is recorded for {result.rep} in {period}: {booked} booked so far, {due}."
    else:
        verdict = {"at_risk": "at risk", "on_pace": "on pace", "quota_met": "quota met"}[pace.status]
        text = f"{verdict.capitalize()}: {pace_line(pace)}."
        if pace.status != "quota_met":
            text += f" {capitalised(due)}."
    if result.flagged:
        risk = (
            f"{result.flagged} of {result.open_deals} open deals are at risk, worth "
            f"{fmt.money(result.flagged_amount)} ({fmt.money(result.value_at_risk)} value at risk), "
            "largest value at risk first:"
        )
    else:
        risk = f"None of the {fmt.plural(result.open_deals, 'open deal')} is flagged at risk."
    coaching = [f"**{c.topic}**: {c.why} [{c.playbook}]" for c in result.coaching]
    notes = []
    if result.win_rate is not None and result.peers_win_rate is not None:
        notes.append(
            f"Win rate over the last 365 days: {fmt.percent(result.win_rate)} (other reps in your scope: "
            f"{fmt.percent(result.peers_win_rate)})."
        )
    view = OneOnOneView(
        rep=fmt.record(result.rep, result.rep_id),
        period=period,
        days=f"{result.days_gone} of {result.days_total} days gone, {result.days_left} left",
        pace=text,
        risk=risk,
        deals=[risky_deal(d) for d in result.deals_at_risk],
        coaching=coaching,
        notes=notes,
    )
    return render("one_on_one", view)


def moved_deal(deal: MovedDeal, moved_value: bool = True) -> str:
    """A deal that moved: how, the value it moved (or its amount), and its close date's move."""
    facts = [deal.how, signed(deal.value) if moved_value else fmt.deal_amount(deal.amount)]
    closed = deal.how in ("won", "lost")
    if (
        not closed
        and deal.close_date
        and deal.close_date_before
        and deal.close_date != deal.close_date_before
    ):
        facts.append(f"close date {fmt.date(deal.close_date_before)} → {fmt.date(deal.close_date)}")
    owner = f", {deal.owner}" if deal.owner else ""
    return f"{fmt.record(deal.name, deal.id)}{owner}: {', '.join(facts)}"


def category_line(name: str, moves: CategoryMoves) -> str:
    change = f"{signed(moves.change)}" + (
        f" ({moves.change_share:+.0%})" if moves.change_share is not None else ""
    )
    return (
        f"{name} {fmt.money(moves.start_value)} ({fmt.plural(moves.start_deals, 'deal')}) → "
        f"{fmt.money(moves.end_value)} ({fmt.plural(moves.end_deals, 'deal')}), {change}: "
        f"{fmt.money(moves.moved_in)} moved in ({moves.moved_in_deals}), "
        f"{fmt.money(moves.moved_out)} moved out ({moves.moved_out_deals})"
        + (f", amounts {signed(moves.amount_changes)}" if moves.amount_changes else "")
    )


@dataclass
class ForecastCallView:
    title: str
    won: str
    commit: str
    explain: bool
    commit_moves: list[str]
    best_case: str
    best_case_moves: list[str]
    at_risk: str
    at_risk_deals: list[str]
    pushed: str
    pushed_deals: list[str]
    slipped: str
    slipped_deals: list[str]
    upgrades: list[str]
    playbook: str
    notes: list[str]


def _none_in_forecast(result: ForecastCallPrep, who: str) -> str:
    """The call prep when nothing is in commit or best case at either end (an export whose stages
    are all pipeline, or whose open deals have no close date)."""
    period, start = result.period.label, fmt.date(result.start)
    text = (
        f"**{capitalised(who)} commit and best case for {period} are empty, now and on {start}**: there is "
        f"no commit to inspect. Closed won so far in {period}: {fmt.money(result.closed_won)}."
    )
    if result.undated_deals:
        some = "All" if result.undated_deals == result.open_deals else f"{result.undated_deals} of"
        deals = fmt.plural(result.open_deals, "open deal")
        text += f" {some} {deals} have no close date, so they fall in no period."
    return text


def _how_many(count: int, what: str) -> str:
    return f"{fmt.plural(count, 'deal')} {what}:" if count else f"No deal {what}."


def forecast_call(result: ForecastCallPrep, args: dict[str, Any], viewer: Viewer) -> str:
    period = result.period.label
    who = whose(viewer, args.get("owner"))
    moves = (result.commit, result.best_case)
    if not any(m.start_deals or m.end_deals for m in moves):
        return _none_in_forecast(result, who)
    view = ForecastCallView(
        title=f"**Forecast call prep: {who} {period}, changes since {fmt.date(result.start)}**",
        won=f"Closed won so far: {fmt.money(result.closed_won)}.",
        commit=category_line("Commit", result.commit),
        explain=result.commit_needs_explanation,
        commit_moves=[moved_deal(m) for m in result.commit.moves],
        best_case=category_line("Best case", result.best_case),
        best_case_moves=[moved_deal(m) for m in result.best_case.moves],
        at_risk=(
            f"{fmt.plural(result.commit_at_risk_count, 'commit deal')} at risk, worth "
            f"{fmt.money(result.commit_at_risk_amount)}:"
            if result.commit_at_risk_count
            else f"No commit deal closing in {period} is flagged at risk."
        ),
        at_risk_deals=[risky_deal(d) for d in result.commit_at_risk],
        pushed=_how_many(result.pushed_count, "in commit or best case had the close date pushed"),
        pushed_deals=[moved_deal(m, moved_value=False) for m in result.pushed],
        slipped=_how_many(result.slipped_count, "in commit or best case slipped back a stage or category"),
        slipped_deals=[moved_deal(m, moved_value=False) for m in result.slipped],
        upgrades=[
            f"{fmt.record(c.name, c.id)}, {c.owner}: {fmt.deal_amount(c.amount)}, {c.stage}, "
            f"win {fmt.percent(c.win_probability)}"
            for c in result.upgrade_candidates
        ],
        playbook=result.playbook,
        notes=[result.note] if result.note else [],
    )
    return render("forecast_call", view)


@dataclass
class ScorecardView:
    title: str
    summary: str
    deals: list[str]
    letters: list[str]
    ask: str
    not_recorded: str
    notes: list[str]


def _deal_facts(deal: Any, viewer: Viewer) -> str:
    owner = deal.owner if deal.owner != viewer.name else None
    return ", ".join(p for p in (fmt.deal_amount(deal.amount), deal.stage, owner) if p)


def scorecard(result: Scorecards, args: dict[str, Any], viewer: Viewer) -> str:
    method = result.methodology
    gaps = "; ".join(
        f"{name} ({why.removeprefix('the data has ')})" for name, why in result.not_recorded.items()
    )
    not_recorded = f"Not recorded in this data, so not scored: {gaps}." if gaps else ""
    who = whose(viewer, args.get("owner"))
    if result.missing is not None:
        if result.missing in result.not_recorded:
            title = (
                f"**Whether a deal has its {result.missing.lower()} is not recorded in this data** "
                f"({result.not_recorded[result.missing]}), so I can't list the deals without one."
            )
            return render("scorecard", ScorecardView(title, "", [], [], "", "", []))
        letter = result.missing.lower()
        title = (
            f"**{result.matched} of {who} {fmt.plural(result.open_deals, 'open deal')} "
            f"{'has' if result.matched == 1 else 'have'} no {letter} evidenced** ({method})."
        )
        deals = []
        for card in result.deals:
            found = next(s for s in card.letters if s.name == result.missing)
            deals.append(f"{fmt.record(card.name, card.id)}: {_deal_facts(card, viewer)} — {found.evidence}")
        ask = next((s.ask or "" for c in result.deals for s in c.letters if s.name == result.missing), "")
        cite = next((s.playbook for c in result.deals for s in c.letters if s.name == result.missing), "")
        shown = f"Largest first ({len(deals)} of {result.matched}):" if result.matched > len(deals) else ""
        return render(
            "scorecard",
            ScorecardView(title, shown, deals, [], f"Next: {ask} [{cite}]" if ask else "", not_recorded, []),
        )
    if result.deals and not any(card.letters for card in result.deals):
        title = f"**None of {method}'s letters is recorded in this data**, so there is nothing to score."
        return render("scorecard", ScorecardView(title, "", [], [], "", not_recorded, []))
    if len(result.deals) == 1:
        card = result.deals[0]
        title = (
            f"**{method} scorecard: {fmt.record(card.name, card.id)}**: {card.score} of {card.max_score} "
            f"on what the data can show ({_deal_facts(card, viewer)})."
        )
        letters = [
            f"{s.letter} {s.name}: {s.score}/2 — {s.evidence}"
            + (f". Next: {s.ask} [{s.playbook}]" if s.ask else "")
            for s in card.letters
        ]
        return render("scorecard", ScorecardView(title, "", [], letters, "", not_recorded, []))
    if not result.deals:
        title = "**There are no open deals to score under those filters.**"
        return render("scorecard", ScorecardView(title, "", [], [], "", "", []))
    confirmed = ", ".join(f"{name} on {n}" for name, n in result.evidenced.items())
    title = f"**{method} across {who} {fmt.plural(result.open_deals, 'open deal')}**" + (
        f": evidenced (2 of 2) {confirmed}." if confirmed else "."
    )
    if result.partly_only:
        partly = fmt.or_list(result.partly_only, "and")
        not_recorded = (
            f"{partly} can only be partly known from this data (the rep's own figures). {not_recorded}"
        )
    deals = [
        f"{fmt.record(c.name, c.id)}: {_deal_facts(c, viewer)} — {c.score}/{c.max_score}"
        + (f", gaps: {', '.join(c.gaps)}" if c.gaps else ", nothing missing")
        for c in result.deals
    ]
    shown = (
        f"Largest first ({len(deals)} of {result.matched}):"
        if result.matched > len(deals)
        else "Largest first:"
    )
    return render("scorecard", ScorecardView(title, shown, deals, [], "", not_recorded, []))
