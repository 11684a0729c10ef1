"""``salesplan territory …``: list territories, show one, compare how evenly they are loaded, and
propose account moves that rebalance them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Column, Table

from assistant.interfaces.cli import scenario
from assistant.interfaces.cli.output import console, record, safe_console
from assistant.interfaces.cli.rebalance_options import (
    AcrossOption,
    BandOption,
    CapacityOption,
    ContinuityOption,
    EffectiveOption,
    ExcludeOption,
    KeepCustomersOption,
    KeepOption,
    KeepStageOption,
    MaxDistanceOption,
    MaxMovesOption,
    RampOption,
    rebalance_input,
)
from assistant.interfaces.cli.scoped import JsonOption, UserOption, emit, reader
from tools.evidence import Figure
from tools.rebalance import RebalancePlan
from tools.rebalance.assignment import Assignment
from tools.rebalance.models import RebalanceProposal
from tools.rebalance.ramp import RAMP_MONTHS
from tools.territory import (
    TerritoryBalance,
    TerritoryBalanceInput,
    TerritoryList,
    TerritoryListInput,
    TerritorySummary,
    TerritorySummaryInput,
)
from tools.territory.balance_measures import Spread

app = typer.Typer(help="Territories: list, summary, balance and rebalancing.", no_args_is_help=True)
app.add_typer(scenario.app, name="scenario")

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
    read = reader(ctx, user)
    emit(read("list_territories", TerritoryListInput(region=region), TerritoryList), as_json, _print_list)


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
    read = reader(ctx, user)
    params = TerritorySummaryInput(territory=name, period=period)
    emit(read("territory_summary", params, TerritorySummary), as_json, _print_summary)


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
    read = reader(ctx, user)
    params = TerritoryBalanceInput(territory=name, period=period)
    emit(read("territory_balance", params, TerritoryBalance), as_json, _print_balance)


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


@app.command("rebalance")
def rebalance(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[
        str | None,
        typer.Argument(help="Territory or region; omit for every territory you manage."),
    ] = None,
    across: AcrossOption = False,
    band: BandOption = 0.10,
    limit: Annotated[int, typer.Option(help="Most moves listed.")] = 500,
    max_moves: MaxMovesOption = None,
    keep_customers: KeepCustomersOption = False,
    keep_stage: KeepStageOption = None,
    keep: KeepOption = None,
    exclude: ExcludeOption = None,
    capacity: CapacityOption = None,
    ramp_months: RampOption = RAMP_MONTHS,
    max_km: MaxDistanceOption = None,
    continuity: ContinuityOption = 0.0,
    effective: EffectiveOption = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write the map, the balance chart, report.md and report.json here."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Propose account moves so every rep is within ±10% of the mean on potential and workload."""
    read = reader(ctx, user)
    params = rebalance_input(
        name,
        across=across,
        band=band,
        limit=limit,
        max_moves=max_moves,
        keep_customers=keep_customers,
        keep_stage=keep_stage,
        keep=keep,
        exclude=exclude,
        capacity=capacity,
        ramp_months=ramp_months,
        max_km=max_km,
        continuity=continuity,
        effective=effective,
    )
    plan = read.rebalance(params)
    emit(plan.proposal, as_json, _print_rebalance)
    if report is not None:
        _write_report(plan, report, quiet=as_json)


def _write_report(plan: RebalancePlan, directory: Path, quiet: bool) -> None:
    from tools.rebalance.charts import write_report

    written = write_report(plan, directory)
    out = safe_console(stderr=True, highlight=False) if quiet else console
    out.print(f"Report written to {esc(str(directory))}: " + ", ".join(esc(p.name) for p in written))
    if not any(p.name == "map.png" for p in written):
        out.print("No map: no account has coordinates.")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _cv(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _short(value: object) -> str:
    """$950,000 below a million, $24.1M above."""
    amount = float(str(value or 0))
    return f"${amount / 1e6:,.1f}M" if abs(amount) >= 999_950 else f"${amount:,.0f}"


def _deviation(before: float, after: float) -> str:
    return f"{before:+.0%} → {after:+.0%}"


def _print_rebalance(result: RebalanceProposal) -> None:
    names = ", ".join(t.name for t in result.territories)
    console.print(f"[bold]{esc(names)}[/]: {esc(result.message)} (as of {result.as_of})")
    if result.effective:
        console.print(f"  {esc(result.effective)}")
    if result.constraints:
        console.print(f"  constraints: {esc('; '.join(result.constraints))}")
    for group in result.groups:
        console.print(f"\n[bold]{esc(group.name)}[/] — {esc(group.message)}")
        console.print(
            f"  worst deviation ±{group.max_deviation_before:.1%} → ±{group.max_deviation_after:.1%}; "
            f"outside the band {group.outside_band_before} → {group.outside_band_after} reps; "
            f"CV of potential {_cv(group.potential_cv_before)} → {_cv(group.potential_cv_after)}; "
            f"{_fig(group.disruption)} in {_count(group.moves, 'move')}; {_fig(group.locked)}"
        )
        if group.solver is not None:
            s = group.solver
            gap = "n/a" if s.gap is None else f"{s.gap:.2%}"
            console.print(
                f"  solver: {s.engine} {s.status} (band model {s.band_status}), gap {gap}, "
                f"{s.seconds:.2f} s, {s.variables:,} variables{', restricted model' if s.restricted else ''}"
                f"{'' if s.deterministic else ' (not deterministic)'}"
            )
        if group.baseline is not None:
            b = group.baseline
            console.print(
                f"  greedy baseline (same constraints): {_count(b.moves, 'move')}, "
                f"${b.disruption:,.0f} moved, "
                f"worst ±{b.max_deviation:.1%}, CV of potential {_cv(b.potential_cv)}, "
                f"band {'met' if b.band_met else 'not met'}"
            )
    several = len(result.groups) > 1
    table = Table(
        Column("Rep", no_wrap=True),
        *(["Territory"] if several else []),
        Column("Potential", no_wrap=True),
        Column("vs mean", no_wrap=True),
        Column("Workload", no_wrap=True),
        Column("vs mean", no_wrap=True),
        "+/-",
        title="Reps before → after",
        caption="(a share of a full book after a name: a new hire ramping, or a capacity given; "
        "their deviation is against that share)"
        if any(line.share != 1 for line in result.reps)
        else None,
    )
    for line in result.reps:
        table.add_row(
            esc(line.name) + (f" ({line.share:.0%})" if line.share != 1 else ""),
            *([esc(line.group)] if several else []),
            f"{_short(line.potential_before)} → {_short(line.potential.value)}",
            _deviation(line.potential_deviation_before, line.potential_deviation_after),
            f"{line.workload_before} → {line.workload.value}",
            _deviation(line.workload_deviation_before, line.workload_deviation_after),
            f"+{line.gained_count}/-{line.lost_count}",
        )
    console.print(table)
    if result.moves:
        console.print("[bold]Moves[/], largest first")
    for index, move in enumerate(result.moves, 1):
        console.print(
            f"{index:>3}. {record(move.account, move.external_id, move.url)} {_short(move.potential)}: "
            f"{esc(move.from_rep)} → {esc(move.to_rep)} — {esc(move.reason)}"
        )
    shown, total = len(result.moves), int(result.move_count.value or 0)
    if shown < total:
        console.print(f"Showing {shown} of {total} moves (--limit).")
    before, after = result.compactness_before, result.compactness_after
    compactness = (
        f"{before.display()} → {after.display()}"
        if before.value is not None
        else "not available (no coordinates)"
    )
    console.print(f"{_fig(result.disruption)}; compactness {compactness}")
    console.print(f"[dim]{esc(result.locking)}[/]")


@app.command("assign")
def assign_command(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[str | None, typer.Argument(help="Territory or region; omit for all you manage.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="Assign the accounts in this city.")] = None,
    from_rep: Annotated[
        str | None, typer.Option("--from-rep", help="Assign this rep's accounts (a rep leaving).")
    ] = None,
    account: Annotated[
        list[str] | None, typer.Option("--account", help="Assign this account (repeat).")
    ] = None,
    rep: Annotated[
        str | None, typer.Option("--rep", help="Instead: which territory this rep (a new hire) should take.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most assignments listed.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Who should take accounts (what reps win, distance, headroom), or which territory a rep takes."""
    read = reader(ctx, user)
    params = {"territory": name, "city": city, "from_rep": from_rep, "accounts": account or [], "rep": rep}
    found = read("assign_accounts", {**params, "limit": limit}, Assignment)
    emit(found, as_json, _print_assignment)


def _print_assignment(result: Assignment) -> None:
    if result.unmatched_city:
        console.print(esc(result.note or ""))
        return
    table = Table(
        Column("Rep", no_wrap=True), "Tenure", "Won / closed", "Best industries", "Segments", "Median won"
    )
    for p in result.profiles:
        tenure = (
            "n/a"
            if p.tenure_months is None
            else f"{p.tenure_months} mo" + (f" (ramping {p.suggested_capacity:.0%})" if p.ramping else "")
        )
        table.add_row(
            esc(p.name),
            tenure,
            f"{p.won} / {p.closed}",
            esc(", ".join(f"{s.name} {s.win_rate:.0%}" for s in p.industries)),
            esc(", ".join(f"{s.name} {s.win_rate:.0%}" for s in p.segments)),
            "n/a" if p.median_won is None else _short(p.median_won),
        )
    console.print(table)
    for m in result.accounts:
        console.print(
            f"[bold]{esc(m.account)}[/] ({esc(m.industry or '-')}, {esc(m.segment or '-')}, "
            f"{esc(m.city or '-')}, {_short(m.potential)}; now {esc(m.current_owner)}) "
            f"→ [bold]{esc(m.best.rep)}[/] "
            f"(fit {m.best.score:.2f}): {esc('; '.join(m.best.reasons))}"
        )
        if m.alternatives:
            others = ", ".join(f"{c.rep} {c.score:.2f}" for c in m.alternatives)
            console.print(f"    then: {esc(others)}")
    if len(result.accounts) < result.account_count:
        console.print(f"Showing {len(result.accounts)} of {result.account_count} accounts (--limit).")
    for t in result.territories:
        console.print(f"[bold]{esc(t.territory)}[/] (fit {t.score:.2f}): {esc('; '.join(t.reasons))}")
    console.print(f"[dim]{esc(result.method)}[/]")
    if result.note:
        console.print(esc(result.note))
