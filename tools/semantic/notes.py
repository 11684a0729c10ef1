"""How a metric result explains itself: the dates each measure is read by, the period rules that
applied, and what the numbers leave out."""

from __future__ import annotations

import datetime as dt

from tools.semantic.compile import applicable
from tools.semantic.facts import Basis
from tools.semantic.filters import Narrowing
from tools.semantic.measures import DATED_BY, Default, Measure
from tools.semantic.models import MetricQuery, PeriodInfo
from tools.semantic.windows import Window


def dated_by(measure: Measure, date_field: str | None) -> str:
    """The dates ``measure``'s records are windowed on (``date_field`` moves the deal dates)."""
    deals = {Basis.CLOSED, Basis.OPEN, Basis.CREATED}
    parts = []
    for basis in measure.needs:
        if basis in deals and date_field == "created":
            parts.append(DATED_BY[Basis.CREATED])
        elif basis is Basis.CREATED and date_field == "close":
            parts.append("close date (closed_at of closed deals, close_date of open ones)")
        else:
            parts.append(DATED_BY[basis])
    found = list(dict.fromkeys(parts))
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]


def window_filter(measure: Measure, window: Window, date_field: str | None) -> str:
    """The period as a figure's filter reads it."""
    dated = f", by {dated_by(measure, date_field)}" if window.bounded else ""
    return f"period: {window.describe()}{dated}"


def info(window: Window) -> PeriodInfo:
    return PeriodInfo(label=window.label, start=window.start, end=window.last_day)


def period_note(params: MetricQuery, measures: list[Measure], windows: dict[str, Window]) -> str:
    """The period each measure covers and why: the one asked for, or each measure's default."""
    if params.period:
        window = windows[measures[0].key]
        dated = "; ".join(f"{m.name} by {dated_by(m, params.date_field)}" for m in measures)
        return f"{window.describe()}: {dated}."
    parts = []
    for m in measures:
        window = windows[m.key]
        if m.default in (Default.ALL_OPEN, Default.NOW, Default.ACCOUNTS_NOW):
            parts.append(f"{m.name} covers {window.label}")
        else:
            dated = dated_by(m, params.date_field)
            parts.append(f"{m.name} covers {m.default.value}, {window.describe()}, by {dated}")
    return "No period was given: " + "; ".join(parts) + "."


def explain(
    params: MetricQuery, measures: list[Measure], narrowings: list[Narrowing], window: Window, today: dt.date
) -> list[str]:
    """What a reader should know before quoting the numbers: a period still under way being compared,
    filters the quota cannot follow, a share that does not apply, an open-deal snapshot compared."""
    notes = []
    if params.compare and window.start is not None and window.start <= today < (window.last_day or today):
        notes.append(
            f"{window.label} runs to {window.last_day}, past today ({today}), so it is set against a whole "
            "earlier period; ask for 'QTD' or 'YTD' to compare the same number of days"
        )
    needs_quota = any(Basis.QUOTA in m.needs for m in measures)
    passed = [n.field for n in narrowings if n not in applicable(narrowings, Basis.QUOTA)]
    if needs_quota and passed:
        notes.append(
            f"quota is set per person: the {', '.join(passed)} filter narrows the deals, not the quota"
        )
    if params.share_of_total and not measures[0].additive:
        notes.append(f"share of total applies to sums and counts, not to {measures[0].name}")
    if params.compare and not params.period:
        for m in measures:
            if m.default is Default.ALL_OPEN:
                notes.append(
                    f"{m.name} covers the deals open now, with no earlier snapshot to compare; "
                    "give a period to compare deals due in it"
                )
    return notes
