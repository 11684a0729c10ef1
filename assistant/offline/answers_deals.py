"""Answers about deals: stalled deals, pipeline, the largest deals, one deal, and the forecast.

Every figure shown is a figure a tool returned, formatted for people; every record is named with
its id. Lists are ordered the way the tool ordered them (riskiest first, largest first), or by
the figure the question asked about ("who is behind" -> lowest attainment first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant import formatting as fmt
from assistant.offline.answers_outlook import expected_line
from assistant.offline.render import capitalised, narrowing, render, whose
from tools.deals.details import DealDetails
from tools.deals.forecasting import Forecast
from tools.deals.pipeline import PipelineSummary
from tools.deals.stalled import StalledDeals
from tools.deals.stalled_evidence import StalledDeal
from tools.deals.stalled_rules import RULES
from tools.filters import NOT_PER_PERSON
from tools.viewer import Viewer

MAX_FLAGS_SHOWN = 3
MAX_ADVICE = 4
IDS_PER_GROUP = 3
MAX_HISTORY = 6
MAX_ACTIVITIES = 3


@dataclass
class StalledDealView:
    record: str
    facts: str
    flags: list[str]


#: People listed by their count of flagged deals (the rest are counted).
MAX_OWNERS_SHOWN = 10


def estimate_note(basis: str | None) -> list[str]:
    """The note an answer with estimated amounts carries: what they were taken from."""
    if not basis:
        return []
    return [f"Amounts marked estimated are {basis}: the data has no amount for those deals."]


@dataclass
class StalledView:
    rule: str | None
    flagged: int
    open_deals: int
    whose: str
    scope: str
    amount: str
    as_of: str
    common: list[str]
    deals: list[StalledDealView]
    advice: list[str]
    notes: list[str] = field(default_factory=list)
    #: "Kenji Jensen 34, Emil Jensen 25, …" when the deals belong to several people.
    owners: list[str] = field(default_factory=list)
    more_owners: int = 0


def _deal_facts(deal: StalledDeal, viewer: Viewer, *more: str | None) -> str:
    """A flagged deal's amount, stage and owner (when not the viewer), then ``more`` when given."""
    owner = f"owner {deal.owner}" if deal.owner != viewer.name else None
    facts = (fmt.deal_amount(deal.amount, deal.amount_estimated), deal.stage, owner, *more)
    return ", ".join(p for p in facts if p)


def stalled(result: StalledDeals, args: dict[str, Any], viewer: Viewer, notes: list[str]) -> str:
    deals = [
        StalledDealView(
            record=fmt.record(d.name, d.id),
            facts=_deal_facts(
                d,
                viewer,
                f"close date {fmt.date(d.close_date)}" if d.close_date else None,
                f"risk score {d.risk_score}",
            ),
            flags=[f"{f.title} ({f.severity.value}): {f.evidence}" for f in d.flags[:MAX_FLAGS_SHOWN]],
        )
        for d in result.deals
    ]
    by_rule = sorted(result.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    titles = {rule.value: title for rule, (title, _, _) in RULES.items()}
    common = [f"{titles.get(rule, rule).lower()} ({count})" for rule, count in by_rule[:3]]
    actions = Counter((f.rule.value, f.next_action, f.playbook) for d in result.deals for f in d.flags)
    advice = [
        f"{titles.get(rule, rule)}: {action} [{citation}] ({fmt.plural(n, 'deal')})"
        for (rule, action, citation), n in actions.most_common(MAX_ADVICE)
    ]
    skipped = [f"{s.rule.value.replace('_', ' ')} ({s.reason})" for s in result.skipped_rules]
    extra = [f"Not checked: {'; '.join(skipped)}."] if skipped else []
    period = args.get("period")
    rule = args.get("rule")
    label = titles.get(str(rule), str(rule)).lower() if rule else None
    unchecked = next((s for s in result.skipped_rules if s.rule.value == rule), None)
    if unchecked is not None:
        # "any deals slipping past their close date?" where no open deal has one: said, never "none"
        others = [titles[r].lower() for r in RULES if r not in {s.rule for s in result.skipped_rules}]
        can = f" I can check for {fmt.or_list(others)} instead." if others else ""
        return f"**I can't check for {label} here**: {unchecked.reason}.{can}"
    if rule == "no_activity" and args.get("no_activity_days"):
        label = f"no activity for more than {fmt.plural(int(args['no_activity_days']), 'day')}"
    view = StalledView(
        rule=label,
        flagged=int(result.flagged.value or 0),
        open_deals=result.open_deals,
        whose=whose(viewer, args.get("owner")),
        scope=narrowing(args, period),
        amount=fmt.figure(result.flagged_amount),
        as_of=fmt.date(result.as_of),
        common=common,
        deals=deals,
        advice=advice,
        notes=extra + _held_back(result, rule) + estimate_note(result.estimate_basis) + notes,
        owners=[f"{name} {n}" for name, n in list(result.by_owner.items())[:MAX_OWNERS_SHOWN]]
        if len(result.by_owner) > 1
        else [],
        more_owners=max(0, len(result.by_owner) - MAX_OWNERS_SHOWN),
    )
    return render("stalled", view)


@dataclass
class PlayView:
    record: str
    facts: str
    actions: list[str]


@dataclass
class PlaysView:
    whose: str
    count: str
    deals: list[PlayView]
    notes: list[str]


def plays(result: StalledDeals, args: dict[str, Any], viewer: Viewer, notes: list[str]) -> str:
    """What to do about each flagged deal ("what's the play for these?" after the stalled deals):
    each deal's own next actions, cited, in place of the list again."""
    deals = [
        PlayView(
            record=fmt.record(d.name, d.id),
            facts=_deal_facts(d, viewer),
            actions=list(dict.fromkeys(f"{f.next_action} [{f.playbook}]" for f in d.flags)),
        )
        for d in result.deals
    ]
    flagged = int(result.flagged.value or 0)
    more = [f"{flagged - len(deals):,} more flagged deals are not shown."] if flagged > len(deals) else []
    view = PlaysView(
        whose=whose(viewer, args.get("owner")),
        count=fmt.plural(flagged, "stalled deal"),
        deals=deals,
        notes=more + estimate_note(result.estimate_basis) + notes,
    )
    return render("plays", view)


def _held_back(result: StalledDeals, rule: Any) -> list[str]:
    """How many more deals break a rule without counting as at risk (no rule asked): the list is
    not every deal breaking a rule, and the user can see those by asking for a rule."""
    more = result.breaking_rules - int(result.flagged.value or 0)
    if rule or more <= 0:
        return []
    scored = "learned win score" in result.ranking
    why = "break one rule only mildly" + (" or still have a healthy win score" if scored else "")
    return [
        f"{fmt.plural(more, 'more open deal')} {'breaks' if more == 1 else 'break'} a rule but "
        f"{'is' if more == 1 else 'are'} not counted as at risk: they {why}. Ask for a rule by name "
        "(e.g. 'which have no next step') to see every deal breaking it."
    ]


@dataclass
class PipelineView:
    lead_owner: str
    scope: str
    amount: str
    weighted: str
    deals: int
    group_label: str
    groups: list[str]
    notes: list[str]


GROUP_LABELS = {
    "stage": "By stage",
    "owner": "By rep",
    "product": "By product",
    "territory": "By territory",
    "month": "By close month",
    "forecast_category": "By forecast category",
}


def pipeline(result: PipelineSummary, args: dict[str, Any], viewer: Viewer, notes: list[str]) -> str:
    period = next(
        (
            f.split(" (")[0].removeprefix("close date in ")
            for f in result.filters
            if f.startswith("close date in ")
        ),
        None,
    )
    groups = []
    for group in result.groups:
        ids = ", ".join(f"[{rid}]" for rid in group.record_ids[:IDS_PER_GROUP])
        amount = fmt.estimated(fmt.money(group.amount), group.amount, group.estimated_amount)
        line = (
            f"{group.key}: {fmt.plural(group.count, 'deal')}, {amount} "
            f"({fmt.money(group.weighted_amount)} weighted)"
        )
        groups.append(f"{line} — largest: {ids}" if ids else line)
    view = PipelineView(
        lead_owner=capitalised(whose(viewer, args.get("owner"))),
        scope=narrowing(args, period),
        amount=fmt.figure(result.open_pipeline),
        weighted=fmt.figure(result.weighted_pipeline),
        deals=int(result.deal_count.value or 0),
        group_label=GROUP_LABELS.get(result.group_by.value, "Breakdown"),
        groups=groups,
        notes=estimate_note(result.estimate_basis) + unknown_note(result) + undated_note(result) + notes,
    )
    return render("pipeline", view)


def undated_note(result: PipelineSummary) -> list[str]:
    """Open deals a period could not place because they have no close date."""
    if not result.undated:
        return []
    return [
        f"{fmt.plural(result.undated, 'open deal')} without a close date cannot be placed in a period, so "
        "they are not counted here; ask for the pipeline without a period to see them."
    ]


def unknown_note(result: PipelineSummary) -> list[str]:
    """Deals counted but not summed because they have no amount at all."""
    unknown = sum(g.unknown_amounts for g in result.groups)
    if not unknown:
        return []
    return [f"{fmt.plural(unknown, 'deal')} without an amount: counted, not summed (amount unknown, not $0)."]


@dataclass
class TopDealsView:
    lead_owner: str
    scope: str
    deals: list[str]
    total_deals: int
    total_amount: str
    notes: list[str]


def top_deals(
    summary: PipelineSummary, deals: list[DealDetails], args: dict[str, Any], viewer: Viewer, notes: list[str]
) -> str:
    period = next(
        (
            f.split(" (")[0].removeprefix("close date in ")
            for f in summary.filters
            if f.startswith("close date in ")
        ),
        None,
    )
    lines = [
        f"{fmt.record(d.name, d.id)}: {fmt.deal_amount(d.amount, d.amount_estimated)}, {d.stage}, "
        f"{fmt.close_date(d.close_date)}"
        + (f", owner {d.owner}" if d.owner != viewer.name else "")
        + (f"; next step: {d.next_step}" if d.next_step else "")
        for d in deals
    ]
    view = TopDealsView(
        lead_owner=capitalised(whose(viewer, args.get("owner"))),
        scope=narrowing(args, period),
        deals=lines,
        total_deals=int(summary.deal_count.value or 0),
        total_amount=fmt.figure(summary.open_pipeline),
        notes=estimate_note(summary.estimate_basis) + notes,
    )
    return render("top_deals", view)


@dataclass
class DealView:
    record: str
    status: str
    facts: list[str]
    history: list[str]
    activities: list[str]
    notes: list[str]


def deal(result: DealDetails, notes: list[str]) -> str:
    if result.is_closed:
        outcome = "won" if result.is_won else "lost"
        status = f"was {outcome} on {fmt.date(result.closed_at)}" + (
            f" ({result.loss_reason})" if result.loss_reason else ""
        )
    else:
        closing = (
            f"closing {fmt.date(result.close_date)}" if result.close_date else "with no close date recorded"
        )
        status = f"is in {result.stage}, {closing}"
    facts = [
        f"Amount: {fmt.deal_amount(result.amount, result.amount_estimated, result.estimate_basis)}"
        + (f" ({fmt.percent(result.probability)} probability)" if result.probability is not None else ""),
        f"Account: {fmt.record(result.account, result.account_id)}"
        if result.account
        else "Account: none recorded",
        f"Owner: {result.owner}",
    ]
    if result.product:
        facts.append(f"Product: {result.product}")
    if result.forecast_category:
        facts.append(f"Forecast category: {result.forecast_category}")
    if result.days_in_stage is not None:
        facts.append(f"In {result.stage} for {fmt.days(result.days_in_stage)}")
    if result.age_days is not None:
        facts.append(f"Age: {fmt.days(result.age_days)} since {fmt.date(result.created_at)}")
    if not result.is_closed:
        step = result.next_step or "none recorded"
        due = f" (due {fmt.date(result.next_step_date)})" if result.next_step_date else ""
        facts.append(f"Next step: {step}{due}")
        touched = fmt.date(result.last_activity_at) if result.last_activity_at else "none recorded"
        facts.append(f"Last activity: {touched}")
    if result.contacts_engaged:
        facts.append(f"Contacts engaged: {', '.join(result.contacts_engaged)}")
    history = [
        f"{fmt.date(h.changed_at)}: {h.stage}, {fmt.deal_amount(h.amount)}, {fmt.close_date(h.close_date)}"
        for h in result.history[-MAX_HISTORY:]
    ]
    activities = [
        f"{fmt.date(a.occurred_at)} {a.kind}: {a.subject or 'no subject'}"
        + (f" ({a.contact})" if a.contact else "")
        + f" [{a.id}]"
        for a in result.activities[:MAX_ACTIVITIES]
    ]
    view = DealView(fmt.record(result.name, result.id), status, facts, history, activities, notes)
    return render("deal", view)


@dataclass
class ForecastView:
    lead_owner: str
    scope: str
    period: str
    won: str
    quota: str
    has_quota: bool
    #: Why there is no quota: none is set, or the deals asked about are not a whole person's book.
    no_quota: str
    attainment: str
    commit: str
    best_case: str
    pipeline: str
    gap: str
    short: bool
    coverage: str
    weighted: str
    commit_deals: list[str]
    won_deals: list[str]
    notes: list[str]
    expected: str = ""
    #: Open deals without a close date when none is dated in the period: the open figures are
    #: unknown, not zero ("none of the 2,089 open deals has a close date").
    undated_only: str = ""


def forecast(result: Forecast, args: dict[str, Any], viewer: Viewer, notes: list[str]) -> str:
    gap = result.gap_to_quota.value
    scoped = {k: v for k, v in args.items() if k != "period"}
    view = ForecastView(
        lead_owner=capitalised(whose(viewer, args.get("owner"))),
        scope=narrowing(scoped),
        period=result.period.label,
        won=fmt.figure(result.closed_won),
        quota=fmt.figure(result.quota),
        has_quota=bool(result.quota.value),
        no_quota=next(
            (f for f in result.quota.filters if f == NOT_PER_PERSON),
            "no quota is set for the period",
        ),
        attainment=fmt.figure(result.attainment),
        commit=fmt.figure(result.commit),
        best_case=fmt.figure(result.best_case),
        pipeline=fmt.figure(result.pipeline),
        gap=fmt.money(abs(Decimal(str(gap)))) if gap is not None else fmt.NOT_AVAILABLE,
        short=gap is not None and gap > 0,
        coverage=fmt.figure(result.coverage, coverage=True),
        weighted=fmt.figure(result.weighted_forecast),
        commit_deals=[f"[{rid}]" for rid in result.commit.record_ids[:5]],
        won_deals=[f"[{rid}]" for rid in result.closed_won.record_ids[:5]],
        notes=notes
        + (
            [
                f"{fmt.plural(result.undated, 'open deal')} without a close date cannot be placed in "
                f"{result.period.label}, so they are in none of the open figures; ask for the pipeline "
                "without a period to see them."
            ]
            if result.undated
            else []
        ),
        expected=expected_line(result.expected),
    )
    dated = sum(f.record_count or 0 for f in (result.commit, result.best_case, result.pipeline))
    if result.undated and not dated and result.expected is not None:  # a period not over yet
        view.undated_only = fmt.plural(result.undated, "open deal")
        view.notes = notes
    return render("forecast", view)


def _figure_of(name: str) -> Callable[[Forecast], str]:
    def cell(forecast: Forecast) -> str:
        return fmt.figure(getattr(forecast, name))

    return cell


def forecast_by_rep(forecasts: list[tuple[str, Forecast]], notes: list[str], member: str = "rep") -> str:
    """Each rep's (or region's, ``member``) forecast for one period, side by side: the furthest from
    quota first, or the most closed won first when no one has a quota. A column no one has a figure
    in (no quotas, no deal in commit) is left out rather than shown as a column of $0."""
    period = forecasts[0][1].period.label
    columns = [
        (header, _figure_of(name))
        for header, name in (("Closed won", "closed_won"), ("Commit", "commit"), ("Best case", "best_case"))
        if name == "closed_won" or any(getattr(f, name).value for _, f in forecasts)
    ]
    if any(f.quota.value for _, f in forecasts):
        columns += [
            ("Quota", lambda f: fmt.figure(f.quota) if f.quota.value else "no quota"),
            ("Attained", lambda f: fmt.figure(f.attainment) if f.quota.value else "—"),
        ]
        ordered = sorted(
            forecasts, key=lambda item: (item[1].attainment.value is None, item[1].attainment.value or 0)
        )
        order = "furthest from quota first"
    else:
        ordered = sorted(forecasts, key=lambda item: -Decimal(str(item[1].closed_won.value or 0)))
        order = "most closed won first (no quota is set)"
    won = sum((Decimal(str(f.closed_won.value or 0)) for _, f in forecasts), Decimal(0))
    lines = [
        f"**Forecast by {member} for {period}** ({fmt.plural(len(forecasts), member)}, "
        f"{fmt.money(won)} closed won in all), {order}:",
        "",
        f"| {member.capitalize()} | " + " | ".join(header for header, _ in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
        *(f"| {name} | " + " | ".join(cell(f) for _, cell in columns) + " |" for name, f in ordered),
    ]
    return "\n".join(lines + [f"\n_{note}_" for note in notes])


def stall_verdict(deal: DealDetails, result: StalledDeals) -> str:
    """Whether the stall rules flag one deal ("is it stalled?"), with each flag's evidence."""
    if deal.is_closed:
        return "**Not stalled: this deal is closed.** The stall rules look at open deals only."
    flagged = next((d for d in result.deals if d.id == deal.id), None)
    if flagged is None:
        return (
            f"**No, the stall rules do not flag this deal** as of {fmt.date(result.as_of)}: not too long "
            "without activity or in its stage, not past its close date, not pushed again and again, "
            "not without a next step or a second contact, not open much longer than usual."
        )
    flags = "; ".join(f"{f.title.lower()}: {f.evidence}" for f in flagged.flags)
    # what to do about each flag, from the playbook ("why's it flagged", "what should the rep do?")
    steps = "".join(f"\n- {f.title}: {f.next_action} [{f.playbook}]" for f in flagged.flags if f.next_action)
    said = f"**This deal is flagged as at risk** ({fmt.plural(len(flagged.flags), 'flag')}): {flags}."
    return f"{said}\n\nWhat to do (from the stalled-deal playbook):{steps}" if steps else said
