"""A plan's history as a PNG: bookings, pipeline created and win rate, the last four quarters and the
year to date — the same figures as the plan's history table.

Bars (left axis, dollars) are bookings and pipeline created per period; the line (right axis) is
the win rate, left out for a period with no closed deal. A period whose created deals have amounts
unknown says how many under its bars, so an unknown amount never reads as a short bar. matplotlib
is imported only here, when a chart is drawn, with the non-interactive Agg backend.

:func:`with_chart` writes the PNG for a drafted plan and links it from the plan's Markdown
(``salesplan plan … --out FILE`` puts it beside the file; ``--chart PATH`` anywhere; the API's
``/v1/plans/*/chart`` returns it).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from assistant.plans.models import AccountPlan, PlanDraft, TerritoryPlan
from assistant.plans.render import markdown
from tools.plans.history import History, PeriodLine

WIDTH = 0.38


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _dollars(value: float, _: object = None) -> str:
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:,.1f}M"
    if abs(value) >= 1_000:
        return f"${value / 1_000:,.0f}K"
    return f"${value:,.0f}"


def _value(line: PeriodLine, name: str) -> float:
    figure = getattr(line, name)
    return float(figure.value or 0)


def _panel(axes: Any, lines: list[PeriodLine], show_axis_labels: bool) -> list[Any]:
    """Bars of bookings and pipeline created, and the win rate line, for ``lines``; the legend handles."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    positions = list(range(len(lines)))
    booked = axes.bar(
        [p - WIDTH / 2 for p in positions],
        [_value(q, "bookings") for q in lines],
        WIDTH,
        color="tab:blue",
        label="Bookings (won)",
    )
    created = axes.bar(
        [p + WIDTH / 2 for p in positions],
        [_value(q, "pipeline_created") for q in lines],
        WIDTH,
        color="tab:gray",
        label="Pipeline created",
    )
    axes.yaxis.set_major_formatter(FuncFormatter(_dollars))
    axes.set_xticks(positions)
    axes.set_xticklabels(
        [
            q.period.replace(" to date", "\nto date")
            + (f"\n{q.created_without_amount:,} created\nwith no amount" if q.created_without_amount else "")
            for q in lines
        ],
        fontsize=8,
    )
    rates = axes.twinx()
    shown = [
        (p, float(q.win_rate.value))
        for p, q in zip(positions, lines, strict=True)
        if q.win_rate.value is not None
    ]
    (line,) = rates.plot(
        [p for p, _ in shown], [r for _, r in shown], "o-", color="tab:orange", label="Win rate"
    )
    rates.set_ylim(0, 1)
    rates.yaxis.set_major_formatter(PercentFormatter(1.0))
    if show_axis_labels:
        axes.set_ylabel("dollars")
        rates.set_ylabel("win rate")
    return [booked, created, line]


def draw_history(history: History, title: str, target: Path | IO[bytes]) -> None:
    """Draw ``history`` — the four quarters, and beside them the year to date — as a PNG into ``target``."""
    plt = _pyplot()
    figure, (quarters, year) = plt.subplots(
        1, 2, figsize=(10, 4.8), dpi=110, gridspec_kw={"width_ratios": [4, 1.4]}
    )
    handles = _panel(quarters, history.quarters, True)
    _panel(year, [history.year_to_date], False)
    quarters.set_title("Last four quarters", fontsize=10)
    year.set_title("Year to date", fontsize=10)
    figure.suptitle(title)
    quarters.legend(handles=handles, fontsize="small", loc="upper left")
    figure.tight_layout()
    figure.savefig(target, format="png")
    plt.close(figure)


def draw_plan_history(plan: AccountPlan | TerritoryPlan, target: Path | IO[bytes]) -> None:
    """The plan's history chart, titled with the account or the plan's scope, as a PNG into ``target``."""
    name = plan.facts.account.name if isinstance(plan, AccountPlan) else plan.facts.scope.label
    draw_history(plan.facts.history, f"{name}: bookings, pipeline created and win rate", target)


def with_chart(draft: PlanDraft, path: Path, link: str | None = None) -> PlanDraft:
    """``draft`` with its history chart written to ``path`` and linked (as ``link``) from its Markdown."""
    plan: AccountPlan | TerritoryPlan = draft.plan
    path.parent.mkdir(parents=True, exist_ok=True)
    draw_plan_history(plan, path)
    linked = plan.model_copy(update={"chart": link or str(path)})
    return draft.model_copy(update={"plan": linked, "markdown": markdown(linked), "chart": str(path)})
