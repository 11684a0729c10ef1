"""The constraint options of ``territory rebalance`` and ``territory scenario create``, declared
once, and the rebalance input they make (a bad value is a one-line error naming the option)."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from tools.errors import InputError
from tools.rebalance.models import RebalanceInput
from tools.rebalance.ramp import RAMP_MONTHS

AcrossOption = Annotated[
    bool, typer.Option("--across", help="One mean for all reps, with moves between territories.")
]
BandOption = Annotated[float, typer.Option(help="Allowed deviation from the mean (0.1 = ±10%).")]
MaxMovesOption = Annotated[int | None, typer.Option("--max-moves", help="The most accounts moved.")]
KeepCustomersOption = Annotated[
    bool, typer.Option("--keep-customers", help="Customers (active ARR) stay with their rep.")
]
KeepStageOption = Annotated[
    str | None,
    typer.Option("--keep-deals-from", help="Accounts with an open deal in this stage or later stay."),
]
KeepOption = Annotated[list[str] | None, typer.Option("--keep", help="An account that stays (repeat).")]
ExcludeOption = Annotated[
    list[str] | None, typer.Option("--exclude-rep", help="A rep left out of the rebalance (repeat).")
]
CapacityOption = Annotated[
    list[str] | None,
    typer.Option("--capacity", help="NAME=SHARE, e.g. 'Sofia Fischer=0.5' for a ramping rep (repeat)."),
]
RampOption = Annotated[
    int,
    typer.Option(
        "--ramp-months",
        help="A rep hired less than this many months before the moves take effect carries a share of "
        "a full book growing from their hire date (0: no ramp).",
    ),
]
MaxDistanceOption = Annotated[
    float | None,
    typer.Option("--max-distance-km", help="Moves only to reps whose home base is this close."),
]
ContinuityOption = Annotated[
    float, typer.Option("--continuity", help="Weight of ARR and open pipeline in a move's cost.")
]
EffectiveOption = Annotated[
    str | None, typer.Option("--effective", help="YYYY-MM-DD; default: the start of next quarter.")
]


def capacities(given: list[str]) -> dict[str, float]:
    """``NAME=SHARE`` pairs as a mapping."""
    found = {}
    for text in given:
        name, _, share = text.rpartition("=")
        try:
            found[name.strip()] = float(share)
        except ValueError:
            raise InputError(f"--capacity {text!r}: write NAME=SHARE, e.g. 'Sofia Fischer=0.5'") from None
        if not name.strip():
            raise InputError(f"--capacity {text!r}: write NAME=SHARE, e.g. 'Sofia Fischer=0.5'")
    return found


def rebalance_input(
    name: str | None,
    *,
    across: bool = False,
    band: float = 0.10,
    limit: int = 500,
    max_moves: int | None = None,
    keep_customers: bool = False,
    keep_stage: str | None = None,
    keep: list[str] | None = None,
    exclude: list[str] | None = None,
    capacity: list[str] | None = None,
    ramp_months: int = RAMP_MONTHS,
    max_km: float | None = None,
    continuity: float = 0.0,
    effective: str | None = None,
) -> RebalanceInput:
    """The tool's input from command-line options."""
    given = {
        "territory": name,
        "across_territories": across,
        "band": band,
        "limit": limit,
        "max_moves": max_moves,
        "keep_customers": keep_customers,
        "keep_open_deals_from": keep_stage,
        "keep_accounts": keep or [],
        "exclude_reps": exclude or [],
        "rep_capacity": capacities(capacity or []),
        "ramp_months": ramp_months,
        "max_distance_km": max_km,
        "continuity_weight": continuity,
        "effective_date": effective,
    }
    try:
        return RebalanceInput.model_validate(given)
    except ValidationError as error:
        first = error.errors()[0]
        option = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "input"
        raise InputError(f"{option}: {first['msg']}") from None
