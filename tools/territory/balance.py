"""Territory balance: how evenly potential, workload, pipeline and bookings are spread.

Per rep the measures count the rep's own book in the viewer's scope (accounts they own, open
opportunities they own, deals they won in the period); per territory they count the territory's
accounts and the viewer's deals on them.

The measures (workload, compactness) and the statistics of their spread (mean, standard
deviation, spread, coefficient of variation, who is outside the +/-10% band) are defined in
:mod:`tools.territory.balance_measures`; this module reads the books in a few GROUP BY queries
and builds one line per rep and per territory.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Select, func

from tools.evidence import Figure, Unit, record_id
from tools.rollup import measure, metric, money, period_of, sample_ids
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity, Role, Territory, User
from tools.territory.balance_measures import (
    WORKLOAD_FORMULA,
    BalanceLine,
    Spread,
    account_points,
    account_weight,
    compactness_figure,
    spread_of,
    workload_value,
)
from tools.territory.book import (
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
from tools.viewer import Viewer

#: Record ids listed per figure of a balance line (the full count is always given).
LINE_IDS = 10
MEASURES = ("potential", "workload", "open_pipeline", "bookings")


class TerritoryBalanceInput(BaseModel):
    territory: str | None = Field(
        default=None, description="Territory name; empty means every territory you see."
    )
    period: str = Field(default="this quarter", description="Period for bookings, e.g. 'this quarter'.")
    limit: int = Field(
        default=50, ge=1, le=500, description="Most reps (territories) listed; statistics cover them all."
    )


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
        rep_points = account_points(
            connection,
            repo.accounts(viewer, Account.id).where(Account.owner_id.in_(rep_ids)),
            Account.owner_id,
        )
        territory_points = account_points(connection, accounts_in(repo, viewer, tids), Account.territory_id)
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
        rep_spread=_known_first([spread_of(rep_lines, m, "rep", scope, limit) for m in MEASURES]),
        territory_spread=_known_first(
            [spread_of(territory_lines, m, "territory", scope, limit) for m in MEASURES]
        ),
    )


def _known_first(spreads: list[Spread]) -> list[Spread]:
    """Measures the data has values of first (an export without account potential is judged by
    workload), in their usual order otherwise."""
    return sorted(spreads, key=lambda s: s.coefficient_of_variation.value is None)


def _largest(lines: list[BalanceLine], limit: int) -> list[BalanceLine]:
    return sorted(lines, key=lambda line: (-Decimal(str(line.potential.value or 0)), line.name))[:limit]
