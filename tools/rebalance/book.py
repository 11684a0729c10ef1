"""What a rebalance works on: the territories it covers, their reps and accounts, and the locks.

An account is locked (it never moves) when it has an open deal in a late stage (forecast category
best case or commit) or activity in the last :data:`RECENT_ACTIVITY_DAYS` days. Everything is
read through the viewer's scoped selects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func

from tools.errors import InputError, NotPermitted
from tools.evidence import record_id
from tools.resolve import best_match
from tools.rollup import money
from tools.store.repository import Repository
from tools.store.schema import Account, Activity, Opportunity, Role, Territory, User
from tools.store.stages import ForecastCategory
from tools.territory.balance_measures import account_weight
from tools.territory.book import TerritoryRef
from tools.viewer import Viewer

RECENT_ACTIVITY_DAYS = 30
LATE_CATEGORIES = (ForecastCategory.BEST_CASE, ForecastCategory.COMMIT)
ALLOWED_ROLES = (Role.MANAGER, Role.REVOPS, Role.ADMIN)


@dataclass
class AccountFacts:
    id: int
    name: str
    owner: int
    territory: int
    potential: Decimal
    weight: Decimal
    open_deals: int
    open_amount: Decimal
    lock: str | None
    latitude: float | None
    longitude: float | None
    external_id: str | None = None
    city: str | None = None
    state: str | None = None
    industry: str | None = None
    segment: str | None = None
    #: Active ARR (products owned); read when a constraint or the report needs it.
    arr: Decimal = Decimal("0.00")

    @property
    def workload(self) -> Decimal:
        return self.weight + self.open_deals


def _managed(repo: Repository, viewer: Viewer) -> list[Any]:
    scope = repo.scope(viewer)
    query = repo.territories(viewer, Territory.id, Territory.name, Territory.region)
    if scope.territories is not None:
        query = query.where(Territory.id.in_(scope.territories))
    with repo.connect() as connection:
        return list(connection.execute(query.order_by(Territory.name, Territory.id)).all())


def chosen_territories(repo: Repository, viewer: Viewer, name: str | None) -> list[TerritoryRef]:
    """The territories a rebalance covers: a territory, every managed one in a region, or all."""
    if viewer.role not in ALLOWED_ROLES:
        raise NotPermitted(
            "only managers and RevOps can ask for a rebalance of the territories they manage; "
            "ask your manager for one"
        )
    rows = _managed(repo, viewer)
    if not rows:
        raise InputError("you manage no territory to rebalance")
    picked = rows
    if name and name.strip():
        key = " ".join(name.split()).casefold()
        picked = [r for r in rows if r.name.casefold() == key] or [
            r for r in rows if (r.region or "").casefold() == key
        ]
        if not picked:
            found = best_match("territory", name, {int(r.id): str(r.name) for r in rows})
            picked = [r for r in rows if r.id == found.id]
    return [TerritoryRef(id=record_id("territory", r.id), name=r.name) for r in picked]


def hire_dates(
    connection: Connection, repo: Repository, viewer: Viewer, reps: Iterable[int]
) -> dict[int, dt.date | None]:
    """Each rep's hire date (None: not recorded, so fully ramped)."""
    query = repo.users(viewer, User.id, User.hire_date).where(User.id.in_(list(reps)))
    return {int(uid): hired for uid, hired in connection.execute(query)}


def read_book(
    connection: Connection, repo: Repository, viewer: Viewer, tids: list[int]
) -> tuple[dict[int, tuple[str, int]], dict[int, AccountFacts], dict[int, int]]:
    """Reps (name, home territory), their accounts in the territories, and open deals per rep that
    stay with the rep whatever moves."""
    reps = {
        int(uid): (str(name), int(home))
        for uid, name, home in connection.execute(
            repo.users(viewer, User.id, User.name, User.territory_id)
            .where(User.role == Role.REP.value, User.territory_id.in_(tids))
            .order_by(User.name, User.id)
        )
    }
    accounts_query = repo.accounts(viewer, Account.id).where(
        Account.owner_id.in_(list(reps)), Account.territory_id.in_(tids)
    )
    accounts: dict[int, AccountFacts] = {}
    for row in connection.execute(
        accounts_query.with_only_columns(
            Account.id,
            Account.name,
            Account.owner_id,
            Account.territory_id,
            Account.segment,
            Account.tier,
            Account.potential,
            Account.latitude,
            Account.longitude,
            Account.external_id,
            Account.city,
            Account.state,
            Account.industry,
        ).order_by(Account.id)
    ):
        accounts[int(row.id)] = AccountFacts(
            id=int(row.id),
            name=str(row.name),
            owner=int(row.owner_id),
            territory=int(row.territory_id),
            potential=money(row.potential),
            weight=account_weight(row.segment, row.tier),
            open_deals=0,
            open_amount=money(None),
            lock=None,
            latitude=row.latitude,
            longitude=row.longitude,
            external_id=row.external_id,
            city=row.city,
            state=row.state,
            industry=row.industry,
            segment=row.segment,
        )
    cutoff = repo.as_of - dt.timedelta(days=RECENT_ACTIVITY_DAYS)
    late = {s.name for s in repo.stages.open_stages if s.forecast_category in LATE_CATEGORIES}
    fixed: dict[int, int] = defaultdict(int)
    deals = repo.opportunities(
        viewer,
        Opportunity.id,
        Opportunity.account_id,
        Opportunity.owner_id,
        Opportunity.stage,
        Opportunity.amount,
        Opportunity.last_activity_at,
    ).where(~Opportunity.is_closed, Opportunity.account_id.in_(accounts_query))
    for deal in connection.execute(deals.order_by(Opportunity.id)):
        facts = accounts[int(deal.account_id)]
        if deal.owner_id == facts.owner:
            facts.open_deals += 1
            facts.open_amount += money(deal.amount)
        if facts.lock is None and deal.stage in late:
            facts.lock = f"late-stage deal in {deal.stage} [{record_id('opportunity', deal.id)}]"
        elif facts.lock is None and deal.last_activity_at is not None and deal.last_activity_at >= cutoff:
            facts.lock = f"deal activity on {deal.last_activity_at} [{record_id('opportunity', deal.id)}]"
    rep_deals = repo.opportunities(viewer, Opportunity.owner_id, func.count(Opportunity.id)).where(
        ~Opportunity.is_closed, Opportunity.owner_id.in_(list(reps))
    )
    for owner, count in connection.execute(rep_deals.group_by(Opportunity.owner_id)):
        fixed[int(owner)] = int(count)
    for facts in accounts.values():
        fixed[facts.owner] -= facts.open_deals
    since = dt.datetime.combine(cutoff, dt.time(), dt.UTC)
    recent = repo.activities(viewer, Activity.account_id, func.max(Activity.occurred_at)).where(
        Activity.account_id.in_(accounts_query), Activity.occurred_at >= since
    )
    for account_id, last in connection.execute(recent.group_by(Activity.account_id)):
        facts = accounts[int(account_id)]
        if facts.lock is None:
            day = last.date() if isinstance(last, dt.datetime) else last
            facts.lock = f"activity on {day}"
    return reps, accounts, dict(fixed)
