"""Answers about accounts and territories: profile, whitespace, account search, territories, balance."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant import formatting as fmt
from assistant.offline.render import render
from assistant.offline.replies import ErrorView
from tools.accounts import AccountSearchResult
from tools.accounts.profile import AccountProfile
from tools.accounts.search import AccountLine
from tools.accounts.whitespace import WhitespaceReport
from tools.evidence import Figure
from tools.territory import TerritoryList
from tools.territory.balance import TerritoryBalance
from tools.territory.balance_measures import WORKLOAD_FORMULA, Spread
from tools.territory.summary import TerritorySummary

MAX_CONTACTS_PER_ROLE = 3
MAX_DEALS = 5
MAX_ACTIVITIES = 3
MAX_CROSS_SELL = 5
MAX_LINES = 10
MEASURE_NAMES = {
    "potential": "Potential",
    "workload": "Workload",
    "open_pipeline": "Open pipeline",
    "bookings": "Bookings",
}


#: A question about one buying role ("who's the economic buyer at Acme?"): the role, as the data names it.
ROLE_ASKED = re.compile(
    r"\b(champion|economic buyer|technical evaluator|executive sponsor|decision[- ]maker|blocker)s?\b",
    re.I,
)
#: "who have I talked to there?", "when did I last talk to them?": the contacts and the last touch.
CONTACTS_ASKED = re.compile(
    r"\b(?:talk(?:ed)? to|spoken? (?:to|with)|who do (?:i|we) know|contacts?|key people"
    r"|last (?:talk|touch|contact|spoke|heard|activity|call|meeting|email)|when did (?:i|we) last)\b",
    re.I,
)
ROLE_NAMES = {"decision-maker": "economic buyer", "decision maker": "economic buyer"}


def _lead(result: AccountProfile, question: str) -> str | None:
    """The line that answers a question about the account's people before the rest of the profile."""
    name = result.firmographics.name
    role = ROLE_ASKED.search(question)
    if role:
        wanted = ROLE_NAMES.get(role[1].lower(), role[1].lower())
        found = [
            f"{c.name}{f' ({c.title})' if c.title else ''}"
            for group in result.contacts.by_role
            if (group.buying_role or "").lower() == wanted
            for c in group.contacts
        ]
        if found:
            return f"The {wanted} at {name}: {', '.join(found)}."
        return f"No contact at {name} is recorded as {wanted}."
    if CONTACTS_ASKED.search(question) and not result.contacts.by_role and result.contacts.gaps:
        # "who are the contacts at Cancity?" where the data holds none: said first, not among the gaps
        return f"No contacts at {name} are recorded: {result.contacts.gaps[0]}."
    if CONTACTS_ASKED.search(question):
        last = result.recent_activities[0] if result.recent_activities else None
        if last is None:
            return f"No activity with {name} is recorded."
        who = f" with {last.contact}" if last.contact else ""
        subject = last.subject or "no subject"
        return f"Last touch with {name}: {last.kind} on {fmt.date(last.occurred_at)}{who} ({subject})."
    return None


@dataclass
class AccountView:
    name: str
    lead: str | None
    description: str
    health: str
    band: str
    figures: list[str]
    contacts: list[str]
    gaps: list[str]
    products: list[str]
    deals: list[str]
    more_deals: int
    activities: list[str]
    notes: list[str]


#: "who owns it?", "who's the account owner", "who covers them": the account's owner asked for.
ASKS_OWNER = re.compile(r"\b(?:owns?|owned|owner|who (?:covers|handles|manages|has))\b", re.I)


def account(result: AccountProfile, notes: list[str], plan_note: bool = False, question: str = "") -> str:
    firm = result.firmographics
    place = ", ".join(p for p in (firm.city, firm.state or firm.country) if p)
    # "who owns it?" of an account without an owner in the data: said, not left out
    owner = (
        f"owner {firm.owner}" if firm.owner else "no owner recorded" if ASKS_OWNER.search(question) else None
    )
    parts = (", ".join(p for p in (firm.segment, firm.industry) if p), place, firm.territory, owner)
    description = "; ".join(p for p in parts if p)
    open_count = result.open_pipeline.record_count
    size = [
        f"{label}: {fmt.figure(value)}"
        for label, value in (("Annual revenue", firm.annual_revenue), ("employees", firm.employees))
        if value.value is not None
    ]
    won = result.won_last_180_days.value
    rate = result.win_rate_last_180_days
    figures = [
        f"Potential: {fmt.figure(firm.potential)}" if firm.potential.value is not None else "",
        "; ".join(size),
        f"Active ARR: {fmt.figure(result.active_arr)}" if result.active_arr.value else "No active ARR",
        f"Open pipeline: {fmt.figure(result.open_pipeline)} in {fmt.plural(open_count, 'deal')} "
        f"({fmt.figure(result.weighted_pipeline)} weighted)"
        if open_count
        else "No open deals",
        (
            f"Won in the last 180 days: {fmt.figure(result.won_last_180_days)}"
            if won
            else "Nothing won in the last 180 days"
        )
        + (f"; win rate {fmt.figure(rate)}" if rate.value is not None else ""),
    ]
    figures = [f for f in figures if f]
    contacts = [
        f"{group.buying_role}: "
        + "; ".join(
            f"{c.name}{f' ({c.title})' if c.title else ''} [{c.id}]"
            # "who do we know there and when did we last talk to each?": each one's last engagement
            + (f", last engaged {fmt.date(c.last_engaged_at)}" if c.last_engaged_at else "")
            for c in group.contacts[:MAX_CONTACTS_PER_ROLE]
        )
        for group in result.contacts.by_role
    ]
    products = [f"{p.product} ({p.status}, {fmt.figure(p.arr)} ARR)" for p in result.products]
    deals = [
        f"{fmt.record(d.name, d.id)}: {d.stage}, {fmt.figure(d.amount)}, {fmt.close_date(d.close_date)}"
        + (f"; next step: {d.next_step}" if d.next_step else "")
        for d in result.open_opportunities[:MAX_DEALS]
    ]
    activities = [
        f"{fmt.date(a.occurred_at)} {a.kind}: {a.subject or 'no subject'} [{a.id}]"
        for a in result.recent_activities[:MAX_ACTIVITIES]
    ]
    plan = (
        ["Plan drafting is not available here; this profile is what a plan starts from."] if plan_note else []
    )
    view = AccountView(
        name=fmt.record(firm.name, firm.id),
        lead=_lead(result, question),
        description=description,
        health=fmt.count(result.health.score.value),
        band=result.health.band,
        figures=figures,
        contacts=contacts,
        gaps=result.contacts.gaps,
        products=products,
        deals=deals,
        more_deals=max(0, open_count - len(deals)),
        activities=activities,
        notes=plan + notes,
    )
    return render("account", view)


@dataclass
class WhitespaceView:
    account: str
    not_owned: int
    best: str | None
    candidates: list[str]
    owned: list[str]
    peers: str
    gaps: list[str]
    notes: list[str]
    #: "does not own" the installed products, or "has not bought" where only won deals say what it has.
    verb: str = "does not own"
    held: str = "Owns today"
    missing: list[str] = field(default_factory=list)


def whitespace(result: WhitespaceReport, notes: list[str]) -> str:
    yearly = " a year" if result.held_by == "installed products" else ""  # ARR, or an amount won once
    candidates = [
        f"{c.product}: expected {fmt.figure(c.expected_value)}{yearly} — {c.reason} [{c.id}]"
        for c in result.cross_sell[:MAX_CROSS_SELL]
    ]
    best = result.cross_sell[0] if result.cross_sell else None
    in_play = [
        f"{p.product} (already in play: {', '.join(f'[{o}]' for o in p.open_opportunities)})"
        for p in result.not_owned
        if p.open_opportunities
    ]
    view = WhitespaceView(
        account=fmt.record(result.account, result.account_id),
        not_owned=len(result.not_owned),
        best=f"{best.product} (expected {fmt.figure(best.expected_value)}{yearly})" if best else None,
        candidates=candidates,
        owned=result.owned,
        peers=f"{result.peer_group.description} ({fmt.figure(result.peer_group.accounts)} peers)",
        gaps=in_play,
        notes=notes,
        verb="has not bought" if result.held_by == "won deals" else "does not own",
        missing=[p.product for p in result.not_owned],
        held="Bought so far (won deals; the data records no installed products)"
        if result.held_by == "won deals"
        else "Owns today",
    )
    return render("whitespace", view)


@dataclass
class AccountsView:
    matched: int
    filters: str
    potential: str
    pipeline: str
    lines: list[str]
    notes: list[str]


def _account_line(a: AccountLine, where: bool = False) -> str:
    """One account: what the data has about its size and value (a figure it lacks is left out), and
    its country when the search was by country."""
    parts = [a.country] if where and a.country else []
    if a.parent:
        parts.append(f"parent {a.parent}")  # "list w the parent": the group it belongs to
    if a.annual_revenue is not None:
        parts.append(f"annual revenue {fmt.money(a.annual_revenue)}")
    if a.employees is not None:
        parts.append(f"{a.employees:,} employees")
    if a.potential.value is not None:
        parts.append(f"potential {fmt.figure(a.potential)}")
    parts.append(f"open pipeline {fmt.figure(a.open_pipeline)}" if a.open_pipeline.value else "no open deals")
    parts += [p for p in (a.segment, a.industry, a.territory) if p]
    if a.owner:
        parts.append(f"owner {a.owner}")
    return f"{fmt.record(a.name, a.id)}: {', '.join(parts)}"


def accounts(result: AccountSearchResult, notes: list[str]) -> str:
    filters = [f for f in result.filters if f != "accounts in your scope"]
    where = any(f.startswith("country:") for f in filters)
    lines = [_account_line(a, where) for a in result.accounts]
    view = AccountsView(
        matched=int(result.matched.value or 0),
        filters=f" ({'; '.join(filters)})" if filters else "",
        # no account in the data has a potential: say nothing of it rather than "$0"
        potential=fmt.figure(result.total_potential)
        if any(a.potential.value is not None for a in result.accounts) or not result.accounts
        else "",
        # "no open pipeline" rather than "$0 of open pipeline", which reads like a missing figure
        pipeline=fmt.figure(result.total_open_pipeline) if result.total_open_pipeline.value else "",
        lines=lines,
        notes=notes,
    )
    return render("accounts", view)


@dataclass
class TerritoriesView:
    count: int
    region: str | None
    accounts: str
    potential: str
    pipeline: str
    lines: list[str]
    notes: list[str]


def territories(result: TerritoryList, args: dict[str, Any], notes: list[str]) -> str:
    lines = [
        f"{fmt.record(t.name, t.id)}: {fmt.figure(t.accounts)} accounts, {fmt.figure(t.reps)} reps, "
        f"potential {fmt.figure(t.potential)}, open pipeline {fmt.figure(t.open_pipeline)}"
        for t in result.territories
    ]
    view = TerritoriesView(
        count=len(result.territories),
        region=args.get("region"),
        accounts=fmt.figure(result.accounts),
        potential=fmt.figure(result.potential),
        pipeline=fmt.figure(result.open_pipeline),
        lines=lines,
        notes=notes,
    )
    return render("territories", view)


@dataclass
class TerritoryView:
    names: str
    period: str
    pipeline: str
    deals: str
    weighted: str
    bookings: str
    quota: str
    has_quota: bool
    attainment: str
    coverage: str
    due: str
    accounts: str
    potential: str
    segments: list[str]
    quiet: str
    uncovered: str
    gaps: list[str]
    top: list[str]
    notes: list[str]


def _brief(name: str, rid: str, potential: Figure, pipeline: Figure) -> str:
    if potential.value is None:  # the data has no potential for it: its pipeline alone, no "unknown"
        return f"{fmt.record(name, rid)}: open pipeline {fmt.figure(pipeline)}"
    return f"{fmt.record(name, rid)}: potential {fmt.figure(potential)}, open pipeline {fmt.figure(pipeline)}"


def territory(
    result: TerritorySummary, notes: list[str], plan_note: bool = False, territories: int | None = None
) -> str:
    """``territories``: how many territories the summary covers when its list was shortened."""
    plan = (
        ["Plan drafting is not available here; this summary is what a plan starts from."] if plan_note else []
    )
    names = ", ".join(t.name for t in result.territories)
    if territories and territories > len(result.territories):
        names += f" and {territories - len(result.territories)} more"
    gaps = [_brief(a.name, a.id, a.potential, a.open_pipeline) for a in result.no_open_pipeline.largest[:3]]
    view = TerritoryView(
        names=names,
        period=result.period.label,
        pipeline=fmt.figure(result.open_pipeline),
        deals=fmt.figure(result.open_deals),
        weighted=fmt.figure(result.weighted_pipeline),
        bookings=fmt.figure(result.bookings),
        quota=fmt.figure(result.quota),
        has_quota=bool(result.quota.value),
        attainment=fmt.figure(result.attainment),
        coverage=fmt.figure(result.pipeline_coverage, coverage=True),
        due=fmt.figure(result.pipeline_due_in_period) if result.pipeline_due_in_period.value else "none",
        accounts=fmt.figure(result.accounts),
        # an export with no potential or segments: nothing said of them, never "$0" or "(not set)"
        potential=fmt.figure(result.potential) if result.potential.value else "",
        segments=[
            f"{b.label}: {fmt.figure(b.accounts)}"
            + (f" ({fmt.figure(b.potential)})" if b.potential.value else "")
            for b in result.by_segment
            if len(result.by_segment) > 1 or not b.label.startswith("(")
        ],
        quiet=fmt.figure(result.no_activity_60_days.accounts),
        uncovered=fmt.figure(result.no_open_pipeline.accounts),
        gaps=gaps,
        # ranked by potential: with no potential in the data there is no ranking to show
        top=[_brief(a.name, a.id, a.potential, a.open_pipeline) for a in result.top_accounts[:5]]
        if result.potential.value
        else [],
        notes=plan + notes,
    )
    return render("territory", view)


@dataclass
class BalanceView:
    measure: str
    reps: int
    territories: str
    period: str
    workload_cv: str
    workload_mean: str
    outside: int
    above: list[str]
    below: list[str]
    measures: list[str]
    lines: list[str]
    workload: str
    notes: list[str]


def _measure_line(spread: Spread) -> str:
    name = MEASURE_NAMES.get(spread.measure, spread.measure)
    return (
        f"{name} per rep: mean {fmt.figure(spread.mean)}, spread {fmt.figure(spread.spread)}, "
        f"variation {fmt.figure(spread.coefficient_of_variation)}, "
        f"{fmt.figure(spread.outside_band_count)} outside ±10%"
    )


def balance(result: TerritoryBalance, notes: list[str]) -> str:
    # a measure the data has no values of (the Maven export has no account potential) says nothing
    # about balance: judge by the first one that varies, and say which ones the data lacks
    known = [s for s in result.rep_spread if s.coefficient_of_variation.value is not None]
    lacking = [MEASURE_NAMES.get(s.measure, s.measure).lower() for s in result.rep_spread if s not in known]
    spreads = known or result.rep_spread
    workload = next((s for s in spreads if s.measure == "workload"), spreads[0] if spreads else None)
    if workload is None:
        return render("error", ErrorView("", "", "", "the territory balance result was empty"))
    if lacking:
        notes = [
            *notes,
            f"The data has no values for {', '.join(lacking)}, so the balance is judged without it.",
        ]

    def outliers(above: bool) -> list[str]:
        return [
            f"{o.name} ({'+' if above else ''}{fmt.percent(o.deviation.value)}) [{o.id}]"
            for o in workload.outside_band
            if o.above_mean is above
        ][:5]

    lines = [
        f"{fmt.record(r.name, r.id)}: workload {fmt.figure(r.workload)}, "
        f"potential {fmt.figure(r.potential)}, open pipeline {fmt.figure(r.open_pipeline)}, "
        f"bookings {fmt.figure(r.bookings)}"
        for r in result.reps[:MAX_LINES]
    ]
    view = BalanceView(
        measure=MEASURE_NAMES.get(workload.measure, workload.measure),
        reps=int(result.rep_count.value or 0),
        territories=", ".join(t.name for t in result.territories),
        period=result.period.label,
        workload_cv=fmt.figure(workload.coefficient_of_variation),
        workload_mean=fmt.figure(workload.mean),
        outside=int(workload.outside_band_count.value or 0),
        above=outliers(True),
        below=outliers(False),
        measures=[_measure_line(s) for s in spreads],
        lines=lines,
        workload=WORKLOAD_FORMULA,
        notes=notes,
    )
    return render("balance", view)
