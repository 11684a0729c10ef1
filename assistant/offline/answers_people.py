"""Answers about people: one rep's scorecard, or a team's (or office's) scorecards ranked.

A team's scorecards come from one ``rep_performance`` result per rep (see
:mod:`assistant.offline.intents.people`); the team line adds the reps' own figures up, and works
out the win rate and attainment of those sums with the metric registry's definitions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from assistant import formatting as fmt
from assistant.offline.frame import Frame
from assistant.offline.render import render
from tools import metrics
from tools.deals.performance import PerformanceReport, RepPerformance
from tools.territory.roster import Roster, RosterPerson
from tools.viewer import Viewer

MAX_REPS = 12
#: The most people a roster answer lists one per line.
MAX_ROSTER = 30


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
    due = (
        f"{fmt.figure(rep.open_pipeline)} open pipeline due"
        if rep.open_pipeline.value
        else "no open deals due"
    )
    if not rep.won_deals + rep.lost_deals:
        # nothing closed: said so, never "$0 booked, win rate n/a"
        return f"no deals closed{quota}{extra}, {due}"
    return (
        f"{fmt.figure(rep.bookings)} booked{quota}, "
        f"win rate {fmt.figure(rep.win_rate)} ({rep.won_deals:,} won, {rep.lost_deals:,} lost){extra}, {due}"
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
        f"({won:,} won, {lost:,} lost)"
    )


def performance(reports: list[PerformanceReport], frame: Frame, notes: list[str]) -> str:
    """Scorecards from one report, or from one report per rep of a team."""
    result = reports[0]
    reps = [rep for report in reports for rep in report.reps]
    quotas = any(r.quota.value for r in reps)

    def key(rep: RepPerformance) -> tuple[float, float]:
        attainment = float(rep.attainment.value or 0) if quotas else 0.0
        return attainment, float(fmt.amount_of(rep.bookings))

    notes = list(notes)
    if frame.slots.period is None and result.period.label.endswith("to date"):
        notes.append("No period was named, so this covers the fiscal year to date.")
    if not quotas and (
        frame.slots.measure in ("attainment", "quota") or "ttainment" in (frame.slots.metric or "")
    ):
        notes.append(
            "The data has no quotas for these reps, so attainment cannot be worked out; "
            "bookings and win rates are shown."
        )
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


@dataclass
class RosterView:
    headline: str
    lines: list[str]
    unknown: list[str]
    notes: list[str]


def _place(person: RosterPerson) -> str:
    if person.territory and person.region and person.region != person.territory:
        return f"{person.territory} ({person.region})"
    return person.territory or ""


def _roster_line(person: RosterPerson, viewer: Viewer) -> str:
    who = "You" if person.id == f"user/{viewer.user_id}" else fmt.record(person.name, person.id)
    reports = f", {fmt.plural(person.direct_reports, 'direct report')}" if person.direct_reports else ""
    manager = f"reports to {person.manager}" if person.manager else "reports to no one in the data"
    place = f", {_place(person)}" if person.territory else ""
    return f"{who}: {person.role}{place}, {manager}{reports}"


def _roles(people: list[RosterPerson]) -> str:
    counts = Counter(p.role for p in people)
    return " and ".join(fmt.plural(n, role) for role, n in counts.items())


def roster(result: Roster, viewer: Viewer, notes: list[str], team_asked: bool = False) -> str:
    """Who is who: one person in a sentence; a team or a place as one line per person.

    A rep asking for their team gets their own line: a rep's scope is their own records, so their
    teammates are not listed (said in the answer)."""
    people = result.people
    if len(people) == 1 and result.team is None:
        person = people[0]
        me = person.id == f"user/{viewer.user_id}"
        subject = "You are" if me else f"**{fmt.record(person.name, person.id)}** is"
        manager = f", reporting to **{person.manager}**" if person.manager else ", at the top of the org"
        place = f" in {_place(person)}" if person.territory else " with no territory"
        headline = f"{subject} a {person.role}{place}{manager}."
        if me and team_asked and not person.direct_reports:
            headline += " You see your own records only, so I can't list your teammates; ask your manager."
        if person.direct_reports:
            them = "you" if me else person.name
            headline += f" {fmt.plural(person.direct_reports, 'person', 'people')} report to {them} directly."
        lines: list[str] = []
    else:
        whose = ("Your" if result.team == viewer.name else f"{result.team}'s") if result.team else None
        where = "".join(
            f" in {f.split(': ', 1)[1]}{' region' if f.startswith('region:') else ''}"
            for f in result.count.filters
            if f.startswith(("territory:", "region:"))
        )
        if not people and result.unknown:
            headline = ""  # the names that match no one are said below
        elif not people:
            headline = f"**No one you can see matches{where or ' that'}.**"
        elif whose:
            headline = f"**{whose} team: {_roles(people)}{where}.**"
        elif any(f.startswith("people:") for f in result.count.filters):
            headline = (
                f"**{fmt.or_list([p.name for p in people], 'and')}**: role, territory and manager of each."
            )
        else:
            headline = f"**{_roles(people)}{where}.**"
        lines = [_roster_line(p, viewer) for p in people[:MAX_ROSTER]]
        if len(people) > MAX_ROSTER:
            lines.append(f"… and {len(people) - MAX_ROSTER} more")
    return render("roster", RosterView(headline=headline, lines=lines, unknown=result.unknown, notes=notes))
