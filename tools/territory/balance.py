"""Territory balance: how evenly potential, workload, pipeline and bookings are spread.

Per rep the measures count the rep's own book in the viewer's scope (accounts they own, open
opportunities they own, deals they won in the period); per territory they count the territory's
accounts and the viewer's deals on them.

* workload = accounts weighted by segment (SMB 1, Mid-Market 2, Enterprise 4, other 1) and by tier
  (A 1.5, B 1, C 0.5, other 1: a tier-A account asks for more attention than a tier-C one) + open
  opportunities;
* compactness = mean distance (km) of a rep's (territory's) accounts to their centroid, over the
  accounts with coordinates; "not available" when none has any (the Maven export has none);
* for each measure: mean, population standard deviation (the reps are the whole population, not
  a sample), spread (max - min), coefficient of variation (standard deviation / mean) and the
  reps (territories) outside a +/-10% band around the mean.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Select, func

from tools.evidence import Figure, Unit, format_value, record_id
from tools.metrics import METRICS, ratio
from tools.rollup import measure, metric, money, period_of, sample_ids
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity, Role, Territory, User
from tools.territory.book import (
    OTHER_SEGMENT_WEIGHT,
    SEGMENT_WEIGHTS,
    PeriodRef,
    TerritoryRef,
    accounts_in,
    chosen_territories,
    deal_territory,
    deals_in,
    period_filter,
    period_ref,
    territory_ids,
    won_in,
)
from tools.territory.geo import Point, mean_distance_km
from tools.viewer import Viewer

BAND = Decimal("0.10")
#: Record ids listed per figure of a balance line (the full count is always given).
LINE_IDS = 10
MEASURES = ("potential", "workload", "open_pipeline", "bookings")
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


class TerritoryBalanceInput(BaseModel):
    territory: str | None = Field(
        default=None, description="Territory name; empty means every territory you see."
    )
    period: str = Field(default="this quarter", description="Period for bookings, e.g. 'this quarter'.")
    limit: int = Field(
        default=50, ge=1, le=500, description="Most reps (territories) listed; statistics cover them all."
    )


class BalanceLine(BaseModel):
    id: str
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


class TerritoryBalance(BaseModel):
    """Potential, workload, pipeline and bookings per rep and per territory, and how evenly they spread."""

    territories: list[TerritoryRef]
    period: PeriodRef
    rep_count: Figure
    reps: list[BalanceLine] = Field(description="Reps by potential, largest first (at most `limit`).")
    territory_lines: list[BalanceLine]
    rep_spread: list[Spread]
    territory_spread: list[Spread]


class _Book:
    """Per-key (rep or territory) aggregates of one measure set, with their record samples."""

    def __init__(self) -> None:
        self.potential: dict[int, Decimal] = defaultdict(Decimal)
        self.accounts: dict[int, int] = defaultdict(int)
        self.weights: dict[int, Decimal] = defaultdict(Decimal)
        self.open_count: dict[int, int] = defaultdict(int)
        self.open_amount: dict[int, Decimal] = defaultdict(Decimal)
        self.won_count: dict[int, int] = defaultdict(int)
        self.won_amount: dict[int, Decimal] = defaultdict(Decimal)
        self.account_ids: dict[Any, list[str]] = {}
        self.open_ids: dict[Any, list[str]] = {}
        self.won_ids: dict[Any, list[str]] = {}


def _read_book(
    connection: Connection,
    keys: tuple[Any, Any],
    accounts: Select[Any],
    deals: Select[Any],
    won: Select[Any],
) -> _Book:
    """Aggregate accounts (grouped by ``keys[0]``) and deals (by ``keys[1]``) in a few GROUP BY queries."""
    account_key, key = keys
    book = _Book()
    rows = connection.execute(
        accounts.with_only_columns(
            account_key, Account.segment, Account.tier, func.count(Account.id), func.sum(Account.potential)
        ).group_by(account_key, Account.segment, Account.tier)
    )
    for owner, segment, tier, count, potential in rows:
        book.accounts[owner] += int(count)
        book.potential[owner] += money(potential)
        book.weights[owner] += int(count) * account_weight(segment, tier)
    open_deals = deals.where(~Opportunity.is_closed)
    for group, selected, amount in (
        (book.open_count, open_deals, book.open_amount),
        (book.won_count, won, book.won_amount),
    ):
        for owner, count, total in connection.execute(
            selected.with_only_columns(
                key, func.count(Opportunity.id), func.sum(Opportunity.amount)
            ).group_by(key)
        ):
            group[owner], amount[owner] = int(count), money(total)
    by_amount = [Opportunity.amount.desc()]
    book.account_ids = sample_ids(
        connection,
        accounts,
        "account",
        Account.id,
        [Account.potential.desc()],
        group=account_key,
        limit=LINE_IDS,
    )
    book.open_ids = sample_ids(
        connection, open_deals, "opportunity", Opportunity.id, by_amount, group=key, limit=LINE_IDS
    )
    book.won_ids = sample_ids(
        connection, won, "opportunity", Opportunity.id, by_amount, group=key, limit=LINE_IDS
    )
    return book


def _line(
    book: _Book, key: int, rid: str, name: str, territory: str | None, filters: list[str], won: list[str]
) -> BalanceLine:
    accounts, opens = book.account_ids.get(key, []), book.open_ids.get(key, [])
    workload = workload_value(book.weights[key] + book.open_count[key])
    return BalanceLine(
        id=rid,
        name=name,
        territory=territory,
        potential=measure(
            "Potential",
            money(book.potential[key]),
            Unit.USD,
            "sum(accounts.potential)",
            filters,
            accounts,
            book.accounts[key],
        ),
        workload=measure(
            "Workload",
            workload,
            Unit.COUNT,
            f"{WORKLOAD_FORMULA} = {workload_value(book.weights[key])} + {book.open_count[key]}",
            filters,
            [*accounts[: LINE_IDS // 2], *opens[: LINE_IDS // 2]],
            book.accounts[key] + book.open_count[key],
        ),
        open_pipeline=metric(
            "open_pipeline", money(book.open_amount[key]), [*filters, "open"], opens, book.open_count[key]
        ),
        bookings=metric(
            "bookings",
            money(book.won_amount[key]),
            [*filters, *won],
            book.won_ids.get(key, []),
            book.won_count[key],
        ),
    )


def _compactness(connection: Connection, accounts: Select[Any], key: Any) -> dict[Any, list[Point]]:
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


def _spread(lines: list[BalanceLine], name: str, kind: str, filters: list[str], limit: int) -> Spread:
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


def territory_balance(repo: Repository, viewer: Viewer, params: TerritoryBalanceInput) -> TerritoryBalance:
    """Compare reps and territories on potential, workload, pipeline and bookings, and how evenly they spread.

    Per rep: the accounts they own, their open opportunities and their deals won in the period; per
    territory: its accounts and your deals on them. Workload = accounts weighted by segment (SMB 1,
    Mid-Market 2, Enterprise 4) + open opportunities. For each measure: mean, population standard
    deviation, spread (max - min), coefficient of variation (standard deviation / mean) and who is
    more than 10% above or below the mean. You only see reps and deals in your own scope.

    Args:
        territory: Territory name; empty means every territory you see.
        period: Period for bookings, e.g. 'this quarter', 'last quarter', '2026'.
        limit: Most reps (territories) listed, largest potential first; statistics cover them all.

    Returns:
        One line per rep and per territory, and the spread of each measure across them.

    Raises:
        UnknownName: No territory you can see has that name.
        InputError: The period is not understood.
    """
    period = period_of(repo, params.period)
    territories = chosen_territories(repo, viewer, params.territory, own_by_default=False)
    tids = territory_ids(territories)
    territory_names = dict(zip(tids, (t.name for t in territories), strict=True))
    won_filter = [f"won in {period_filter(period)}"]
    reps_query = repo.users(viewer, User.id, User.name, User.territory_id).where(User.role == Role.REP.value)
    if params.territory:
        reps_query = reps_query.where(User.territory_id.in_(tids))
    with repo.connect() as connection:
        reps = connection.execute(reps_query.order_by(User.name, User.id)).all()
        home: dict[int, str] = dict(
            connection.execute(
                repo.territories(viewer, Territory.id, Territory.name).where(
                    Territory.id.in_({r.territory_id for r in reps})
                )
            ).all()
        )
        rep_ids = reps_query.with_only_columns(User.id)
        rep_deals = repo.opportunities(viewer, Opportunity.id).where(Opportunity.owner_id.in_(rep_ids))
        rep_book = _read_book(
            connection,
            (Account.owner_id, Opportunity.owner_id),
            repo.accounts(viewer, Account.id).where(Account.owner_id.in_(rep_ids)),
            rep_deals,
            rep_deals.where(*won_in(period)),
        )
        rep_points = _compactness(
            connection,
            repo.accounts(viewer, Account.id).where(Account.owner_id.in_(rep_ids)),
            Account.owner_id,
        )
        territory_points = _compactness(connection, accounts_in(repo, viewer, tids), Account.territory_id)
        deals = deals_in(repo, viewer, tids)
        territory_book = _read_book(
            connection,
            (Account.territory_id, deal_territory()),
            accounts_in(repo, viewer, tids),
            deals,
            deals.where(*won_in(period)),
        )
    rep_lines = [
        _line(
            rep_book,
            r.id,
            record_id("user", r.id),
            r.name,
            home.get(r.territory_id),
            [f"owner: {r.name}", "your scope"],
            won_filter,
        )
        for r in reps
    ]
    territory_lines = [
        _line(
            territory_book,
            tid,
            record_id("territory", tid),
            name,
            name,
            [f"territory: {name}", "your scope"],
            won_filter,
        )
        for tid, name in territory_names.items()
    ]
    for line, key, book, points in [
        *((line, r.id, rep_book, rep_points) for line, r in zip(rep_lines, reps, strict=True)),
        *(
            (line, tid, territory_book, territory_points)
            for line, tid in zip(territory_lines, territory_names, strict=True)
        ),
    ]:
        line.compactness = compactness_figure(
            line.name, points.get(key, []), book.accounts[key], ["your scope"]
        )
    scope = [f"territory: {', '.join(territory_names.values())}", "your scope"]
    limit = params.limit
    return TerritoryBalance(
        territories=territories,
        period=period_ref(period),
        rep_count=measure(
            "Reps",
            len(rep_lines),
            Unit.COUNT,
            "count of reps in your scope",
            scope,
            [r.id for r in rep_lines],
            len(rep_lines),
        ),
        reps=_largest(rep_lines, limit),
        territory_lines=_largest(territory_lines, limit),
        rep_spread=[_spread(rep_lines, m, "rep", scope, limit) for m in MEASURES],
        territory_spread=[_spread(territory_lines, m, "territory", scope, limit) for m in MEASURES],
    )


def _largest(lines: list[BalanceLine], limit: int) -> list[BalanceLine]:
    return sorted(lines, key=lambda line: (-Decimal(str(line.potential.value or 0)), line.name))[:limit]
