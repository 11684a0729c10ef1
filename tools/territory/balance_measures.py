"""The measures of territory balance and the statistics of their spread.

* workload = accounts weighted by segment (SMB 1, Mid-Market 2, Enterprise 4, other 1) and by tier
  (A 1.5, B 1, C 0.5, other 1: a tier-A account asks for more attention than a tier-C one) + open
  opportunities;
* compactness = mean distance (km) of a rep's (territory's) accounts to their centroid, over the
  accounts with coordinates; "not available" when none has any (the Maven export has none);
* for each measure: mean, population standard deviation (the reps are the whole population, not
  a sample), spread (max - min), coefficient of variation (standard deviation / mean) and the
  reps (territories) outside a +/-10% band around the mean.

The balance tool (:mod:`tools.territory.balance`) reads the books and builds the lines; the
rebalancing proposal (:mod:`tools.rebalance`) weighs accounts and states workloads the same way.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Select

from tools.evidence import ExternalId, Figure, RecordUrl, Unit, format_value
from tools.metrics import METRICS, ratio
from tools.rollup import measure, money
from tools.store.schema import Account
from tools.territory.book import OTHER_SEGMENT_WEIGHT, SEGMENT_WEIGHTS
from tools.territory.geo import Point, mean_distance_km

BAND = Decimal("0.10")
#: Workload weight of an account by tier, multiplying its segment weight; other or no tier counts 1.
TIER_WEIGHTS = {"A": Decimal("1.5"), "B": Decimal(1), "C": Decimal("0.5")}
OTHER_TIER_WEIGHT = Decimal(1)
WORKLOAD_FORMULA = (
    "accounts weighted by segment (SMB 1, Mid-Market 2, Enterprise 4, other 1) x tier (A 1.5, B 1, "
    "C 0.5, other 1) + open opportunities"
)


def account_weight(segment: str | None, tier: str | None) -> Decimal:
    """An account's share of a workload: its segment weight times its tier weight."""
    return SEGMENT_WEIGHTS.get(segment or "", OTHER_SEGMENT_WEIGHT) * TIER_WEIGHTS.get(
        (tier or "").strip().upper(), OTHER_TIER_WEIGHT
    )


def workload_value(value: Decimal) -> int | float:
    """A workload as people read it: a whole number when it is one, else two decimals."""
    return int(value) if value == value.to_integral_value() else round(float(value), 2)


class BalanceLine(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    territory: str | None
    potential: Figure
    workload: Figure
    open_pipeline: Figure
    bookings: Figure
    compactness: Figure | None = Field(
        default=None, description="Mean km from the accounts to their centroid; value null when unknown."
    )


class Outlier(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    above_mean: bool
    deviation: Figure = Field(description="value / mean - 1 (the formula shows both)")


class Spread(BaseModel):
    measure: str
    mean: Figure
    standard_deviation: Figure
    spread: Figure
    coefficient_of_variation: Figure
    outside_band_count: Figure
    outside_band: list[Outlier] = Field(description="More than 10% above or below the mean, largest first.")


def account_points(connection: Connection, accounts: Select[Any], key: Any) -> dict[Any, list[Point]]:
    """The coordinates of the accounts of each key (accounts without coordinates are left out)."""
    points: dict[Any, list[Point]] = defaultdict(list)
    located = accounts.with_only_columns(key, Account.latitude, Account.longitude).where(
        Account.latitude.is_not(None), Account.longitude.is_not(None)
    )
    for owner, latitude, longitude in connection.execute(located):
        points[owner].append((float(latitude), float(longitude)))
    return points


def compactness_figure(name: str, points: list[Point], accounts: int, filters: list[str]) -> Figure:
    """Mean distance of accounts to their centroid; "not available" when none has coordinates."""
    km = mean_distance_km(points)
    formula = (
        f"mean great-circle distance of the {len(points)} of {accounts} accounts with coordinates to "
        "their centroid"
        if km is not None
        else "not available: no account has coordinates"
    )
    return Figure.of(
        f"{name}: compactness",
        None if km is None else round(km, 1),
        Unit.KM,
        formula,
        filters,
        (),
        len(points),
    )


def spread_of(lines: list[BalanceLine], name: str, kind: str, filters: list[str], limit: int) -> Spread:
    """How one measure (a :class:`BalanceLine` field) spreads across ``lines``, reps or territories."""
    values = [Decimal(str(getattr(line, name).value or 0)) for line in lines]
    ids = [line.id for line in lines]
    unit = Unit.COUNT if name == "workload" else Unit.USD
    label = METRICS[name].name.lower() if name in METRICS else name
    per = f"per {kind}"

    def shown(value: Decimal | None) -> Decimal | float | None:
        if value is None:
            return None
        return money(value) if unit is Unit.USD else round(float(value), 2)

    def fig(title: str, value: Decimal | float | None, unit_: Unit, formula: str) -> Figure:
        return measure(title, value, unit_, formula, filters, ids, len(ids))

    mean = sum(values, Decimal(0)) / len(values) if values else None
    sd = statistics.pstdev(values) if values else None
    outside = sorted(
        (
            (abs(value - mean), line, value)
            for line, value in zip(lines, values, strict=True)
            if mean and abs(value - mean) > BAND * mean
        ),
        key=lambda item: (-item[0], item[1].name),
    )
    outliers = [
        Outlier(
            id=line.id,
            name=line.name,
            above_mean=mean is not None and value > mean,
            deviation=measure(
                f"{line.name}: deviation from the mean {label}",
                ratio(value - mean, mean) if mean else None,
                Unit.RATIO,
                f"{label} {format_value(shown(value), unit)} / mean {format_value(shown(mean), unit)} - 1",
                filters,
                [line.id],
                1,
            ),
        )
        for _, line, value in outside[:limit]
    ]
    return Spread(
        measure=name,
        mean=fig(f"Mean {label} {per}", shown(mean), unit, f"sum of {label} {per} / number of {kind}s"),
        standard_deviation=fig(
            f"Standard deviation of {label} {per}",
            shown(sd),
            unit,
            f"population standard deviation of {label} {per}",
        ),
        spread=fig(
            f"Spread of {label} {per}",
            shown(max(values) - min(values)) if values else None,
            unit,
            f"max - min of {label} {per}",
        ),
        coefficient_of_variation=fig(
            f"Coefficient of variation of {label} {per}",
            None if sd is None or not mean else ratio(sd, mean),
            Unit.RATIO,
            f"standard deviation / mean of {label} {per}",
        ),
        outside_band_count=measure(
            f"{kind.capitalize()}s outside +/-10% of the mean {label}",
            len(outside),
            Unit.COUNT,
            f"count of {kind}s with |{label} - mean| > 10% of the mean",
            filters,
            [line.id for _, line, _ in outside],
            len(outside),
        ),
        outside_band=outliers,
    )
