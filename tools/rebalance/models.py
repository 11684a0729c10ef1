"""What a rebalancing proposal is made of: the input, the moves, per-rep lines and per-group results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from tools.evidence import ExternalId, Figure, RecordUrl
from tools.rebalance.problem import DEFAULT_BAND
from tools.rebalance.ramp import RAMP_MONTHS
from tools.territory.book import TerritoryRef

#: Accounts listed per rep as gained or lost (the counts are always complete).
MAX_ACCOUNTS_PER_REP = 2

Status = Literal["balanced", "proposed", "infeasible", "no_solution", "nothing_to_balance"]


class RebalanceInput(BaseModel):
    territory: str | None = Field(
        default=None, description="Territory or region name; empty means every territory you manage."
    )
    across_territories: bool = Field(
        default=False,
        description="Balance all the reps against one mean and allow moves between territories; "
        "by default each territory is balanced on its own.",
    )
    band: float = Field(
        default=DEFAULT_BAND,
        ge=0.01,
        le=0.5,
        description="Allowed deviation from the mean, e.g. 0.1 for ±10%.",
    )
    limit: int = Field(default=8, ge=1, le=500, description="Most moves listed; counts and totals cover all.")
    max_moves: int | None = Field(
        default=None, ge=0, le=100_000, description="The most accounts moved in all; empty means no limit."
    )
    keep_customers: bool = Field(
        default=False, description="Keep every customer (an account with active ARR) with its owner."
    )
    keep_open_deals_from: str | None = Field(
        default=None,
        description="Keep accounts with an open deal in this stage or a later one, e.g. 'Discovery'.",
    )
    keep_accounts: list[str] = Field(
        default_factory=list, max_length=200, description="Account names (or ids) that must not move."
    )
    exclude_reps: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Reps left out: their book stays as it is and they are not counted in the mean.",
    )
    rep_capacity: dict[str, float] = Field(
        default_factory=dict,
        description="Rep name -> share of a full book (1 full, 0.5 a new hire ramping up); overrides "
        "the ramp from the hire date.",
    )
    ramp_months: int = Field(
        default=RAMP_MONTHS,
        ge=0,
        le=24,
        description="A rep hired less than this many months before the effective date carries a share "
        "of a full book growing linearly from the hire date; 0 treats everyone as fully ramped.",
    )
    max_distance_km: float | None = Field(
        default=None,
        gt=0,
        le=20_000,
        description="An account may only go to a rep whose home base is within this many km.",
    )
    continuity_weight: float = Field(
        default=0.0,
        ge=0.0,
        le=10.0,
        description="How much the relationship at stake (ARR and open pipeline) adds to the cost of "
        "a move; 0 counts potential only.",
    )
    effective_date: dt.date | None = Field(
        default=None, description="When the moves take effect; empty means the start of next quarter."
    )

    @field_validator("rep_capacity")
    @classmethod
    def _capacity(cls, value: dict[str, float]) -> dict[str, float]:
        for name, share in value.items():
            if not 0.05 <= share <= 2.0:
                raise ValueError(f"capacity of {name} must be between 0.05 and 2, not {share:g}")
        return value


class AccountRef(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    potential: Decimal


class Move(BaseModel):
    id: str = Field(description="The account moved.")
    external_id: ExternalId = None
    url: RecordUrl = None
    account: str
    from_rep: str
    from_id: str
    to_rep: str
    to_id: str
    group: str
    potential: Decimal
    workload: int | float
    open_deals: int = Field(description="Open deals of the old owner on the account, which move with it.")
    distance_km: float | None = Field(description="From the account to the new rep's home base.")
    arr: Decimal = Field(default=Decimal(0), description="The account's active ARR.")
    reason: str


class RampingRep(BaseModel):
    """A new hire balanced toward less than a full book on the effective date (from their hire date;
    a ``rep_capacity`` given for them takes its place)."""

    id: str
    name: str
    share: float = Field(
        description="Share of a full book; their target is the total x share / sum of shares."
    )
    hire_date: dt.date
    months_in_seat: float = Field(description="Months from the hire date to the effective date.")


class RepLine(BaseModel):
    """One rep before and after; deviations are value / target - 1, where the target is the group's
    mean (or, for a rep with a share below 1, the total x share / sum of shares)."""

    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    group: str
    home_base: str | None = Field(default=None, description="The city of most of the rep's accounts.")
    share: float = Field(default=1.0, description="Share of a full book (below 1 while ramping).")
    accounts_before: int
    accounts_after: int
    potential_before: Decimal
    potential: Figure = Field(description="After the moves; the formula shows before, gained and lost.")
    workload_before: int | float
    workload: Figure = Field(description="After the moves; the formula shows before, gained and lost.")
    open_pipeline_before: Decimal
    open_pipeline_after: Decimal
    potential_deviation_before: float
    potential_deviation_after: float
    workload_deviation_before: float
    workload_deviation_after: float
    compactness_before_km: float | None
    compactness_after_km: float | None
    gained_count: int
    lost_count: int
    gained: list[AccountRef] = Field(description=f"Largest first, at most {MAX_ACCOUNTS_PER_REP}.")
    lost: list[AccountRef] = Field(description=f"Largest first, at most {MAX_ACCOUNTS_PER_REP}.")


class SolverReport(BaseModel):
    engine: str = "OR-Tools CP-SAT"
    band_status: str = Field(
        description="CP-SAT status of the within-band model (INFEASIBLE: band impossible)."
    )
    status: str = Field(description="CP-SAT status of the model whose solution is proposed.")
    objective: float | None = Field(description="Disruption: potential moved + 1 per move (scaled units).")
    best_bound: float | None
    gap: float | None = Field(description="(objective - best bound) / objective; 0 when proven optimal.")
    seconds: float
    deterministic_time: float
    variables: int
    restricted: bool = Field(
        description="True when accounts could move only to their nearest under-loaded reps."
    )
    deterministic: bool


class BaselineReport(BaseModel):
    """The greedy baseline on the same data."""

    moves: int
    disruption: Decimal
    band_met: bool
    max_deviation: float
    potential_cv: float | None
    workload_cv: float | None


class GroupResult(BaseModel):
    name: str
    territories: list[str]
    reps: int
    status: Status
    message: str
    max_deviation_before: float
    max_deviation_after: float
    potential_cv_before: float | None
    potential_cv_after: float | None
    workload_cv_before: float | None
    workload_cv_after: float | None
    outside_band_before: int
    outside_band_after: int
    accounts: Figure
    locked: Figure
    mean_potential: Figure
    mean_workload: Figure
    moves: int
    disruption: Figure
    solver: SolverReport | None
    baseline: BaselineReport | None


class RebalanceProposal(BaseModel):
    """Account moves that bring every rep within the band on potential and workload, disrupting least."""

    territories: list[TerritoryRef]
    across_territories: bool
    band: float
    as_of: dt.date
    status: Status
    message: str
    locking: str
    groups: list[GroupResult]
    reps: list[RepLine]
    move_count: Figure
    disruption: Figure
    compactness_before: Figure
    compactness_after: Figure
    moves: list[Move] = Field(description="Largest potential first, at most `limit`; move_count counts all.")
    effective_date: dt.date | None = None
    effective: str = Field(default="", description="When the moves take effect, and whether mid-quarter.")
    constraints: list[str] = Field(default_factory=list, description="The constraints honoured.")
    ramping: list[RampingRep] = Field(
        default_factory=list, description="Reps balanced toward less than a full book, and their share."
    )
