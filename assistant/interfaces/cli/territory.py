"""``salesplan territory …``: list territories, show one, and compare how evenly they are loaded."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Column, Table

from assistant.interfaces.cli.output import console
from assistant.interfaces.cli.scoped import JsonOption, UserOption, as_viewer, emit
from tools.evidence import Figure
from tools.territories import (
    TerritoryBalance,
    TerritoryBalanceInput,
    TerritoryList,
    TerritoryListInput,
    TerritorySummary,
    TerritorySummaryInput,
    list_territories,
    territory_balance,
    territory_summary,
)
from tools.territory_balance import Spread

app = typer.Typer(help="Territories: list, summary and balance.", no_args_is_help=True)

PeriodDefaultOption = Annotated[
    str, typer.Option("--period", "-p", help="e.g. 'this quarter', 'Q1 2027', 'last month', '2026', 'YTD'.")
]


def _fig(figure: Figure) -> str:
    return f"{figure.name}: [bold]{figure.display()}[/]"


@app.command("list")
def list_command(
    ctx: typer.Context,
    user: UserOption,
    region: Annotated[str | None, typer.Option(help="Only territories in this region.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Territories you can see, with accounts, reps, potential and open pipeline."""
    repo, viewer = as_viewer(ctx, user)
    emit(list_territories(repo, viewer, TerritoryListInput(region=region)), as_json, _print_list)


def _print_list(result: TerritoryList) -> None:
    table = Table(
        Column("Territory", no_wrap=True),
        "Region",
        "Segment",
        "Accounts",
        "Reps",
        "Potential",
        "Open pipeline",
    )
    for line in result.territories:
        table.add_row(
            esc(line.name),
            esc(line.region or "-"),
            esc(line.segment or "-"),
            line.accounts.display(),
            line.reps.display(),
            line.potential.display(),
            line.open_pipeline.display(),
        )
    console.print(table)
    console.print(f"{_fig(result.accounts)}, {_fig(result.potential)}, {_fig(result.open_pipeline)}")


@app.command("show")
def show(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[str | None, typer.Argument(help="Territory name; omit for your own territory.")] = None,
    period: PeriodDefaultOption = "this quarter",
    as_json: JsonOption = False,
) -> None:
    """A territory's accounts, potential, pipeline, bookings vs quota, coverage gaps and top accounts."""
    repo, viewer = as_viewer(ctx, user)
    params = TerritorySummaryInput(territory=name, period=period)
    emit(territory_summary(repo, viewer, params), as_json, _print_summary)


def _print_summary(summary: TerritorySummary) -> None:
    names = ", ".join(t.name for t in summary.territories)
    console.print(f"[bold]{esc(names)}[/] — {summary.period.label} (as of {summary.as_of})")
    console.print(f"{_fig(summary.accounts)}, {_fig(summary.potential)}")
    segments = ", ".join(f"{b.label} {b.accounts.display()}" for b in summary.by_segment)
    industries = ", ".join(f"{b.label} {b.accounts.display()}" for b in summary.by_industry)
    console.print(f"  by segment: {esc(segments)}\n  by industry: {esc(industries)}")
    console.print(
        f"{_fig(summary.open_deals)}, {_fig(summary.open_pipeline)}, {_fig(summary.weighted_pipeline)}, "
        f"due in the period {summary.pipeline_due_in_period.display()}"
    )
    console.print(
        f"{_fig(summary.bookings)} vs {_fig(summary.quota)} — {_fig(summary.attainment)}, "
        f"{_fig(summary.pipeline_coverage)}"
    )
    for gap in (summary.no_activity_60_days, summary.no_open_pipeline):
        largest = ", ".join(a.name for a in gap.largest[:5])
        console.print(f"{_fig(gap.accounts)}{': ' + esc(largest) if largest else ''}")
    table = Table(Column("Top account", no_wrap=True), "Segment", "Industry", "Potential", "Open pipeline")
    for account in summary.top_accounts:
        table.add_row(
            esc(account.name),
            esc(account.segment or "-"),
            esc(account.industry or "-"),
            account.potential.display(),
            account.open_pipeline.display(),
        )
    console.print(table)


@app.command("balance")
def balance(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[
        str | None, typer.Argument(help="Territory name; omit for every territory you see.")
    ] = None,
    period: PeriodDefaultOption = "this quarter",
    as_json: JsonOption = False,
) -> None:
    """Potential, workload, open pipeline and bookings per rep and territory, with their spread."""
    repo, viewer = as_viewer(ctx, user)
    params = TerritoryBalanceInput(territory=name, period=period)
    emit(territory_balance(repo, viewer, params), as_json, _print_balance)


def _print_balance(result: TerritoryBalance) -> None:
    console.print(
        f"[bold]{esc(', '.join(t.name for t in result.territories))}[/] — bookings in {result.period.label}"
    )
    for title, lines, spreads in (
        ("Rep", result.reps, result.rep_spread),
        ("Territory", result.territory_lines, result.territory_spread),
    ):
        table = Table(Column(title, no_wrap=True), "Potential", "Workload", "Open pipeline", "Bookings")
        for line in lines:
            table.add_row(
                esc(line.name),
                line.potential.display(),
                line.workload.display(),
                line.open_pipeline.display(),
                line.bookings.display(),
            )
        console.print(table)
        for spread in spreads:
            console.print(_spread_line(spread))


def _spread_line(spread: Spread) -> str:
    outside = ", ".join(f"{o.name} {o.deviation.display()}" for o in spread.outside_band) or "none"
    return (
        f"  {spread.measure.replace('_', ' ')}: mean {spread.mean.display()}, sd "
        f"{spread.standard_deviation.display()}, spread {spread.spread.display()}, CV "
        f"{spread.coefficient_of_variation.display()}; outside ±10%: {esc(outside)}"
    )
