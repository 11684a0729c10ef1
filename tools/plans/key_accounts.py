"""Ranking a plan's accounts by what the data has, and saying which measure ranks them.

The ranking measure is the first the data holds, in this order:

1. potential (``accounts.potential``);
2. annual revenue (``accounts.annual_revenue``) when no account has potential;
3. won revenue in the last 12 months (the plan's deals won on the account) when neither is recorded;
4. open pipeline (the plan's open deals on the account, known amounts) otherwise.

Each account line also carries its open deals — with the number whose amount is unknown (counted,
never summed as $0) or estimated — its won revenue in the last 12 months and the latest activity.
The same ranking lists the largest accounts of a coverage gap (no open pipeline, no recent
activity), so the key accounts and the gaps are ordered alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Select, case, func, literal

from tools.evidence import Figure, Unit, record_id
from tools.plans.history import TRAILING_DAYS
from tools.plans.holdings import Holdings
from tools.rollup import money
from tools.store.repository import Repository
from tools.store.schema import Account, Activity, Opportunity, User
from tools.viewer import Viewer

KEY_ACCOUNTS = 10
Basis = Literal["potential", "annual_revenue", "won_revenue", "open_pipeline"]
LABELS: dict[str, str] = {
    "potential": "potential",
    "annual_revenue": "annual revenue",
    "won_revenue": "won revenue in the last 12 months",
    "open_pipeline": "open pipeline",
}


class OpenBook(BaseModel):
    """Open deals and what they add up to; a deal with no amount is counted, never summed as $0."""

    deals: int
    amount: Figure
    without_amount: int
    estimated: int = 0


class KeyAccount(BaseModel):
    id: str
    name: str
    segment: str | None
    industry: str | None
    owner: str | None
    value: Figure = Field(description="The ranking measure's value for the account.")
    won: Figure
    open: OpenBook
    last_activity_at: dt.datetime | None


class Ranking(BaseModel):
    basis: Basis
    label: str = Field(description="The ranking measure in words, e.g. 'annual revenue'.")
    why: str | None = Field(default=None, description="Why a measure after potential was used.")
    total: int = Field(description="How many accounts the ranking covers (only the first are listed).")
    accounts: list[KeyAccount]


def choose_basis(repo: Repository, deals: Select[Any], held: Holdings) -> tuple[Basis, str | None]:
    """The first ranking measure the data holds, and why the earlier ones were passed over."""
    if held.potential:
        return "potential", None
    if held.annual_revenue:
        return "annual_revenue", "no account potential is recorded"
    since = repo.as_of - dt.timedelta(days=TRAILING_DAYS - 1)
    with repo.connect() as connection:
        won = connection.execute(
            deals.where(Opportunity.is_won.is_(True), Opportunity.closed_at >= since).limit(1)
        ).first()
    if won is not None:
        return "won_revenue", "no account potential or annual revenue is recorded"
    return "open_pipeline", "no account potential, annual revenue or recent won revenue is recorded"


def rank(
    repo: Repository,
    viewer: Viewer,
    accounts: Select[Any],
    deals: Select[Any],
    basis: Basis,
    why: str | None = None,
    *,
    uncovered: bool = False,
    quiet_since: dt.datetime | None = None,
    limit: int = KEY_ACCOUNTS,
) -> Ranking:
    """The ``limit`` first of ``accounts`` by ``basis``; only those with no open deal (``uncovered``)
    or no activity since ``quiet_since`` when asked."""
    since = repo.as_of - dt.timedelta(days=TRAILING_DAYS - 1)
    estimated = getattr(Opportunity, "amount_estimated", None)
    one = literal(1)
    won = (
        deals.where(Opportunity.is_won.is_(True), Opportunity.closed_at >= since)
        .with_only_columns(
            Opportunity.account_id.label("account_id"), func.sum(Opportunity.amount).label("won")
        )
        .group_by(Opportunity.account_id)
        .subquery()
    )
    book = (
        deals.where(~Opportunity.is_closed)
        .with_only_columns(
            Opportunity.account_id.label("account_id"),
            func.count(Opportunity.id).label("deals"),
            func.sum(Opportunity.amount).label("amount"),
            func.sum(case((Opportunity.amount.is_(None), one), else_=0)).label("unknown"),
            (
                func.sum(case((estimated.is_(True), one), else_=0)) if estimated is not None else literal(0)
            ).label("estimated"),
        )
        .group_by(Opportunity.account_id)
        .subquery()
    )
    owners = repo.users(viewer, User.id, User.name).subquery()
    value = {
        "potential": Account.potential,
        "annual_revenue": Account.annual_revenue,
        "won_revenue": won.c.won,
        "open_pipeline": book.c.amount,
    }[basis]
    query = (
        accounts.outerjoin(won, won.c.account_id == Account.id)
        .outerjoin(book, book.c.account_id == Account.id)
        .outerjoin(owners, owners.c.id == Account.owner_id)
    )
    if uncovered:
        query = query.where(book.c.deals.is_(None))
    if quiet_since is not None:
        touched = repo.activities(viewer, Activity.account_id).where(
            Activity.occurred_at >= quiet_since, Activity.account_id.is_not(None)
        )
        query = query.where(Account.id.not_in(touched))
    rows = connection_rows(
        repo,
        query.with_only_columns(
            Account.id,
            Account.name,
            Account.segment,
            Account.industry,
            owners.c.name.label("owner"),
            value.label("value"),
            won.c.won,
            book.c.deals,
            book.c.amount,
            book.c.unknown,
            book.c.estimated,
            func.count(Account.id).over().label("total"),
        )
        .order_by(value.desc().nulls_last(), Account.id)
        .limit(limit),
    )
    touched_at = _last_activity(repo, viewer, [r.id for r in rows])
    label = LABELS[basis]
    return Ranking(
        basis=basis,
        label=label,
        why=why,
        total=int(rows[0].total) if rows else 0,
        accounts=[_line(r, basis, label, touched_at.get(r.id)) for r in rows],
    )


def connection_rows(repo: Repository, query: Select[Any]) -> list[Any]:
    with repo.connect() as connection:
        return list(connection.execute(query).all())


def _last_activity(repo: Repository, viewer: Viewer, ids: list[int]) -> dict[int, dt.datetime]:
    if not ids:
        return {}
    query = (
        repo.activities(viewer, Activity.account_id, func.max(Activity.occurred_at))
        .where(Activity.account_id.in_(ids))
        .group_by(Activity.account_id)
    )
    with repo.connect() as connection:
        return {int(a): at for a, at in connection.execute(query).all()}


def _line(row: Any, basis: Basis, label: str, touched: dt.datetime | None) -> KeyAccount:
    rid = record_id("account", row.id)
    source = {
        "potential": "accounts.potential",
        "annual_revenue": "accounts.annual_revenue",
        "won_revenue": "sum(amount) of deals won on the account in the last 12 months",
        "open_pipeline": "sum(amount) of open deals on the account",
    }[basis]
    return KeyAccount(
        id=rid,
        name=row.name,
        segment=row.segment,
        industry=row.industry,
        owner=row.owner,
        value=Figure.of(
            label.capitalize(), None if row.value is None else money(row.value), Unit.USD, source, [], [rid]
        ),
        won=Figure.of(
            "Won revenue, last 12 months",
            money(row.won),
            Unit.USD,
            "sum(amount) of deals won on the account in the last 12 months",
            [],
            [rid],
        ),
        open=OpenBook(
            deals=int(row.deals or 0),
            amount=Figure.of(
                "Open pipeline", money(row.amount), Unit.USD, "sum(amount) of open deals", [], [rid]
            ),
            without_amount=int(row.unknown or 0),
            estimated=int(row.estimated or 0),
        ),
        last_activity_at=touched,
    )
