"""Answers about people: one rep's scorecard, or a team's (or office's) scorecards ranked.

A team's scorecards come from one ``rep_performance`` result per rep (see
:mod:`assistant.offline.intents.people`); the team line adds the reps' own figures up, and works
out the win rate and attainment of those sums with the metric registry's definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from assistant import formatting as fmt
from assistant.offline.frame import Frame
from assistant.offline.render import render
from tools import metrics
from tools.deals.performance import PerformanceReport, RepPerformance

MAX_REPS = 12


@dataclass
class PerformanceView:
    period: str
    single: bool
    ranking: str
    lead_name: str | None
    lead_summary: str
    total: str
    lines: list[str]
    more: int
    notes: list[str]


#: Figures added to each scorecard line when the question is about them (by metric name).
EXTRA_FIGURES = {
    "Average won deal size": ("average won deal", "average_deal_size"),
    "Median sales cycle": ("median cycle", "sales_cycle"),
    "Pipeline coverage": ("coverage", "coverage"),
}


def _rep_summary(rep: RepPerformance, metric: str | None = None) -> str:
    quota = f" ({fmt.figure(rep.attainment)} of {fmt.figure(rep.quota)})" if rep.quota.value else ""
    extra = ""
    if metric in EXTRA_FIGURES:
        label, field_name = EXTRA_FIGURES[metric]
        value = getattr(rep, field_name)
        extra = f", {label} {fmt.figure(value, coverage=field_name == 'coverage')}"
    return (
        f"{fmt.figure(rep.bookings)} booked{quota}, "
        f"win rate {fmt.figure(rep.win_rate)} ({rep.won_deals} won, {rep.lost_deals} lost){extra}, "
        f"{fmt.figure(rep.open_pipeline)} open pipeline due"
    )


def _rep_line(rep: RepPerformance, metric: str | None = None) -> str:
    return f"{fmt.record(rep.rep, rep.rep_id)}: {_rep_summary(rep, metric)}"


def _team_total(reps: list[RepPerformance]) -> str:
    """The team's line: sums of the reps' own figures, and the win rate and attainment of those sums
    worked out with the metric registry's definitions (won / (won + lost); bookings / quota)."""
    bookings = sum((fmt.amount_of(r.bookings) for r in reps), Decimal(0))
    quota = sum((fmt.amount_of(r.quota) for r in reps), Decimal(0))
    won, lost = sum(r.won_deals for r in reps), sum(r.lost_deals for r in reps)
    attained = f" ({fmt.percent(metrics.ratio(bookings, quota))} of {fmt.money(quota)})" if quota else ""
    return (
        f"{fmt.money(bookings)} booked{attained}, win rate {fmt.percent(metrics.win_rate(won, lost))} "
        f"({won} won, {lost} lost)"
    )


def performance(reports: list[PerformanceReport], frame: Frame, notes: list[str]) -> str:
    """Scorecards from one report, or from one report per rep of a team."""
    result = reports[0]
    reps = [rep for report in reports for rep in report.reps]
    quotas = any(r.quota.value for r in reps)

    def key(rep: RepPerformance) -> tuple[float, float]:
        attainment = float(rep.attainment.value or 0) if quotas else 0.0
        return attainment, float(fmt.amount_of(rep.bookings))

    bottom = frame.slots.ranking == "bottom"
    reps.sort(key=key, reverse=not bottom)
    shown = reps[: min(frame.slots.limit or MAX_REPS, MAX_REPS)]
    lead = shown[0] if shown else None
    view = PerformanceView(
        period=result.period.label,
        single=len(reps) == 1,
        ranking="bottom" if bottom else "top",
        lead_name=lead.rep if lead else None,
        lead_summary=_rep_summary(lead, frame.slots.metric) if lead else "",
        total=_team_total(reps),
        lines=[_rep_line(r, frame.slots.metric) for r in shown],
        more=len(reps) - len(shown),
        notes=notes,
    )
    if lead is not None and view.single:
        return render("rep", _single(lead, result.period.label, notes))
    return render("performance", view)


@dataclass
class RepView:
    rep: str
    period: str
    bookings: str
    has_quota: bool
    quota: str
    attainment: str
    won: int
    lost: int
    win_rate: str
    deal_size: str
    cycle: str
    pipeline: str
    coverage: str
    won_deals: list[str]
    notes: list[str]


def _single(rep: RepPerformance, period: str, notes: list[str]) -> RepView:
    return RepView(
        rep=fmt.record(rep.rep, rep.rep_id),
        period=period,
        bookings=fmt.figure(rep.bookings),
        has_quota=bool(rep.quota.value),
        quota=fmt.figure(rep.quota),
        attainment=fmt.figure(rep.attainment),
        won=rep.won_deals,
        lost=rep.lost_deals,
        win_rate=fmt.figure(rep.win_rate),
        deal_size=fmt.figure(rep.average_deal_size),
        cycle=fmt.figure(rep.sales_cycle),
        pipeline=fmt.figure(rep.open_pipeline) if rep.open_pipeline.value else "",
        coverage=fmt.figure(rep.coverage, coverage=True),
        won_deals=[f"[{rid}]" for rid in rep.bookings.record_ids[:5]],
        notes=notes,
    )
