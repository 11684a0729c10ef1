"""``salesplan territory scenario create|list|compare|publish``: rebalances saved with their
constraints, compared side by side, and published as a CRM import file, hand-over checklists and
a report (see :mod:`tools.rebalance.scenarios`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Column, Table

from assistant.interfaces.cli.output import console
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
from tools.rebalance.ramp import RAMP_MONTHS
from tools.rebalance.scenarios import (
    Published,
    ScenarioCompareInput,
    ScenarioLine,
    ScenarioList,
    ScenarioListInput,
)

app = typer.Typer(
    help="Territory scenarios: save rebalances, compare them, publish one.", no_args_is_help=True
)


@app.command("create")
def create(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[str, typer.Argument(help="The scenario's name, e.g. 'keep customers, 10 moves'.")],
    territory: Annotated[
        str | None, typer.Option("--territory", "-t", help="Territory or region; default: all you manage.")
    ] = None,
    across: AcrossOption = False,
    band: BandOption = 0.10,
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
    as_json: JsonOption = False,
) -> None:
    """Run a rebalance with these constraints and save it as a scenario."""
    params = rebalance_input(
        territory,
        across=across,
        band=band,
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
    read = reader(ctx, user)
    line = read.reads.scenario_create(read.viewer, name, params, channel="cli")
    emit(line, as_json, lambda found: _print_lines([found], f"Saved scenario {found.id}"))


@app.command("list")
def list_command(ctx: typer.Context, user: UserOption, as_json: JsonOption = False) -> None:
    """The scenarios you can see."""
    read = reader(ctx, user)
    found = read("list_scenarios", ScenarioListInput(), ScenarioList)
    emit(found, as_json, lambda result: _print_lines(result.scenarios, "Scenarios"))


@app.command("compare")
def compare(
    ctx: typer.Context,
    user: UserOption,
    names: Annotated[
        list[str] | None, typer.Argument(help="Scenario names or ids; default: your two most recent.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Two or more scenarios side by side: balance, moves, disruption, distance."""
    read = reader(ctx, user)
    found = read("compare_scenarios", ScenarioCompareInput(scenarios=names or []), ScenarioList)
    emit(found, as_json, _print_comparison)


def _print_comparison(result: ScenarioList) -> None:
    if result.note:
        console.print(esc(result.note))
    if result.scenarios:
        _print_lines(result.scenarios, "Scenarios side by side")


@app.command("publish")
def publish(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[str, typer.Argument(help="The scenario's name or id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the files.")] = Path("scenario"),
    as_json: JsonOption = False,
) -> None:
    """Write moves.csv (CRM import), handover.md, the report and maps; mark the scenario published."""
    read = reader(ctx, user)
    published = read.reads.scenario_publish(read.viewer, name, out, channel="cli")
    emit(published, as_json, _print_published)


def _print_published(published: Published) -> None:
    _print_lines([published.scenario], "Published")
    console.print(f"Written to {esc(published.directory)}: {esc(', '.join(published.files))}")


def _pct(value: float) -> str:
    return f"±{value:.1%}"


def _pair(before: float, after: float) -> str:
    return f"{_pct(before)} → {_pct(after)}"


def _km(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} km"


def _cv(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _print_lines(lines: list[ScenarioLine], title: str) -> None:
    if not lines:
        console.print("No scenarios yet: create one with 'salesplan territory scenario create NAME'.")
        return
    table = Table(Column("", no_wrap=True), *(Column(esc(f"{s.id}. {s.name}")) for s in lines), title=title)
    rows: list[tuple[str, list[str]]] = [
        ("status", [s.status for s in lines]),
        ("territories", [", ".join(s.territories) for s in lines]),
        ("constraints", ["; ".join(s.constraints) or "none" for s in lines]),
        (
            "worst deviation",
            [f"{_pct(s.worst_deviation_before)} → {_pct(s.worst_deviation_after)}" for s in lines],
        ),
        ("CV of potential", [f"{_cv(s.potential_cv_before)} → {_cv(s.potential_cv_after)}" for s in lines]),
        ("reps outside the band", [str(s.reps_outside_band_after) for s in lines]),
        ("moves", [str(s.moves) for s in lines]),
        ("potential moved", [f"${s.potential_moved:,.0f}" for s in lines]),
        ("customers moved (ARR)", [f"{s.customers_moved} (${s.arr_moved:,.0f})" for s in lines]),
        (
            "mean distance",
            ["n/a" if s.mean_distance_km is None else f"{s.mean_distance_km:,.0f} km" for s in lines],
        ),
        ("greedy baseline", [f"{s.baseline_moves} moves, {_pct(s.baseline_worst_deviation)}" for s in lines]),
        ("effective", [s.effective for s in lines]),
    ]
    for label, values in rows:
        table.add_row(label, *(esc(v) for v in values))
    console.print(table)
