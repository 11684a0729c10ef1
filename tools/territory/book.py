"""A territory's book: which territories a question means, their accounts and the deals on them.

A territory's accounts are the accounts assigned to it (``accounts.territory_id``) that the viewer
can see; its opportunities are the viewer's visible opportunities on those accounts. So a rep's
view of their territory holds every account in it but only their own deals, and a manager's
totals are the sums of their reports'.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from tools.errors import InputError
from tools.evidence import ExternalId, RecordUrl, record_id
from tools.filters import deal_in_territories
from tools.periods import Period
from tools.resolve import resolve_territory
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity, Territory, User
from tools.viewer import Viewer

#: Workload weight of an account by segment; other or unknown segments count 1.
SEGMENT_WEIGHTS = {"SMB": 1, "Mid-Market": 2, "Enterprise": 4}
OTHER_SEGMENT_WEIGHT = 1


class TerritoryRef(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str


class PeriodRef(BaseModel):
    label: str
    start: dt.date
    last_day: dt.date
    quota_periods: list[str]


def period_ref(period: Period) -> PeriodRef:
    return PeriodRef(
        label=period.label, start=period.start, last_day=period.last_day, quota_periods=period.quota_periods
    )


def chosen_territories(
    repo: Repository, viewer: Viewer, name: str | None, *, own_by_default: bool
) -> list[TerritoryRef]:
    """The territory ``name`` means, or with no name the viewer's default territories.

    The default is the viewer's own territory (a manager: the team's territories; RevOps: all)
    when ``own_by_default``, else every territory in the viewer's scope.
    """
    if name and name.strip():
        found = resolve_territory(repo, viewer, name)
        return [TerritoryRef(id=record_id("territory", found.id), name=found.name)]
    query = repo.territories(viewer, Territory.id, Territory.name).order_by(Territory.name)
    scope = repo.scope(viewer)
    if own_by_default and scope.territories is not None:
        query = query.where(Territory.id.in_(scope.territories))
    with repo.connect() as connection:
        rows = connection.execute(query).all()
    if not rows:
        raise InputError("you have no territory of your own; name one (try 'salesplan territory list')")
    return [TerritoryRef(id=record_id("territory", tid), name=tname) for tid, tname in rows]


def territory_ids(territories: list[TerritoryRef]) -> list[int]:
    return [int(t.id.split("/", 1)[1]) for t in territories]


def accounts_in(repo: Repository, viewer: Viewer, ids: list[int]) -> Select[Any]:
    """The viewer's accounts in the territories (columns are replaced by callers).

    An account is in a territory when it is assigned to it; an account with no territory (exports
    that only assign reps, like the Maven CRM) is in the territories of the reps who work it (own
    an opportunity on it), the same rule :func:`tools.filters.deal_in_territories` uses for deals.
    """
    worked_there = (
        select(Opportunity.account_id)
        .join(User, User.id == Opportunity.owner_id)
        .where(User.territory_id.in_(ids), Opportunity.account_id.is_not(None))
    )
    return repo.accounts(viewer, Account.id).where(
        or_(
            Account.territory_id.in_(ids),
            and_(Account.territory_id.is_(None), Account.id.in_(worked_there)),
        )
    )


def deals_in(repo: Repository, viewer: Viewer, ids: list[int]) -> Select[Any]:
    """The viewer's opportunities in the territories (see :func:`tools.filters.deal_in_territories`).

    Accounts are outer-joined, so callers can group by :func:`deal_territory`.
    """
    return (
        repo.opportunities(viewer, Opportunity.id)
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .where(deal_in_territories(ids))
    )


def deal_territory() -> ColumnElement[Any]:
    """The territory a deal counts toward: its account's, else its owner's home territory."""
    owner_home = select(User.territory_id).where(User.id == Opportunity.owner_id).scalar_subquery()
    return func.coalesce(Account.territory_id, owner_home)


def won_in(period: Period) -> list[ColumnElement[bool]]:
    """Bookings conditions: won, with ``closed_at`` in the period (the metric registry's definition)."""
    return [
        Opportunity.is_won.is_(True),
        Opportunity.closed_at >= period.start,
        Opportunity.closed_at < period.end,
    ]


def due_in(period: Period) -> ColumnElement[bool]:
    """Open pipeline of a period: close date in the period."""
    return (Opportunity.close_date >= period.start) & (Opportunity.close_date < period.end)


def period_filter(period: Period) -> str:
    return f"{period.label} ({period.start} to {period.last_day})"
