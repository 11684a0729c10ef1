"""Compiling a measure's records into SQL: scoped source, anchor date, window, joins and filters.

Every query starts from a scoped select of the repository (``repo.opportunities``,
``repo.activities``, ``repo.quotas``), so a record outside the viewer's scope is never read. Each
source is shaped into one subquery with the same columns; the dimension and the filters are
compiled over it with their joins (:mod:`tools.semantic.dimensions`). Activities count only when
the deal, account and contact they are logged on are in scope too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Integer, Select, case, cast, null, or_, select

from tools.errors import InputError
from tools.evidence import record_id
from tools.periods import parse_period
from tools.semantic.dimensions import DIMENSIONS, Dimension
from tools.semantic.facts import Basis, Fact
from tools.semantic.filters import Narrowing
from tools.semantic.grains import NO_DATE, Grain
from tools.semantic.joined import Expr, Joined, Link, joins_for
from tools.semantic.windows import Window
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Account, AccountProduct, Activity, Contact, Opportunity, Quota, Role, User

DateField = Literal["close", "created"]
#: What each source's records point at (the dimensions and filters that apply to them).
DEAL_LINKS = frozenset({Link.PERSON, Link.ACCOUNT, Link.DEAL})
LINKS = {
    Basis.CLOSED: DEAL_LINKS,
    Basis.OPEN: DEAL_LINKS,
    Basis.CREATED: DEAL_LINKS,
    Basis.ACTIVITY: frozenset(Link),
    Basis.QUOTA: frozenset({Link.PERSON}),
    Basis.PEOPLE: frozenset({Link.PERSON}),
    Basis.ACCOUNTS: frozenset({Link.PERSON, Link.ACCOUNT}),
    # an installed product has an account (and its owner) and a product, but no deal stage or reason
    Basis.INSTALLED: frozenset({Link.PERSON, Link.ACCOUNT, Link.DEAL}),
}
COLUMNS = (
    "id",
    "deal_id",
    "person_id",
    "account_id",
    "product_id",
    "stage",
    "forecast_category",
    "loss_reason",
    "activity_type",
    "amount",
    "amount_estimated",
    "probability",
    "is_won",
    "created",
    "closed",
    "stage_entered",
    "day",
    "period",
)


@dataclass(frozen=True)
class Plan:
    """What one query reads, whatever the measure: the breakdown, the filters, the date field."""

    by: Dimension | Grain | None
    #: A second breakdown inside the first ("by rep and product"): rows are the pairs.
    then: Dimension | Grain | None
    narrowings: tuple[Narrowing, ...]
    date_field: DateField | None
    fy_start_month: int
    #: Only records at accounts that have a record of each of these, in the same period (``each_of``).
    every: tuple[Narrowing, ...] = ()


@dataclass(frozen=True)
class Grouped:
    """A record and the group it falls in (its label, and the key groups are put in order by)."""

    group: str
    order: Any
    fact: Fact


def anchor(basis: Basis, date_field: DateField | None) -> Expr:
    """The date a deal basis is windowed (and bucketed) on."""
    if date_field == "created" or (basis is Basis.CREATED and date_field is None):
        return Opportunity.created_at
    if basis is Basis.CLOSED:
        return Opportunity.closed_at
    if basis is Basis.OPEN:
        return Opportunity.close_date
    return case((Opportunity.is_closed, Opportunity.closed_at), else_=Opportunity.close_date)


#: Columns holding ids: a source without one gives a typed NULL, so joins on it work in PostgreSQL.
ID_COLUMNS = frozenset({"id", "deal_id", "person_id", "account_id", "product_id"})


def _shape(**given: Any) -> list[Any]:
    def missing(name: str) -> Any:
        return cast(null(), Integer) if name in ID_COLUMNS else null()

    return [given.get(name, missing(name)).label(name) for name in COLUMNS]


def _deals(repo: Repository, viewer: ViewerLike, basis: Basis, window: Window, plan: Plan) -> Select[Any]:
    day = anchor(basis, plan.date_field)
    query = repo.opportunities(
        viewer,
        *_shape(
            id=Opportunity.id,
            deal_id=Opportunity.id,
            person_id=Opportunity.owner_id,
            account_id=Opportunity.account_id,
            product_id=Opportunity.product_id,
            stage=Opportunity.stage,
            forecast_category=Opportunity.forecast_category,
            loss_reason=Opportunity.loss_reason,
            amount=Opportunity.amount,
            amount_estimated=Opportunity.amount_estimated,
            probability=Opportunity.probability,
            is_won=Opportunity.is_won,
            created=Opportunity.created_at,
            closed=Opportunity.closed_at,
            stage_entered=Opportunity.stage_entered_at,
            day=day,
        ),
    )
    if basis is Basis.CLOSED:
        query = query.where(Opportunity.is_closed)
    elif basis is Basis.OPEN:
        query = query.where(~Opportunity.is_closed)
    if window.start is not None and window.end is not None:
        query = query.where(day >= window.start, day < window.end)
    return query


def _activities(repo: Repository, viewer: ViewerLike, window: Window) -> Select[Any]:
    deal = repo.opportunities(
        viewer,
        Opportunity.id,
        Opportunity.product_id,
        Opportunity.stage,
        Opportunity.forecast_category,
        Opportunity.amount,
        Opportunity.created_at,
        Opportunity.stage_entered_at,
    ).subquery("deal")
    query = repo.activities(
        viewer,
        *_shape(
            id=Activity.id,
            deal_id=deal.c.id,
            person_id=Activity.owner_id,
            account_id=Activity.account_id,
            product_id=deal.c.product_id,
            stage=deal.c.stage,
            forecast_category=deal.c.forecast_category,
            amount=deal.c.amount,
            activity_type=Activity.kind,
            created=deal.c.created_at,
            stage_entered=deal.c.stage_entered_at,
            day=Activity.occurred_at,
        ),
    ).outerjoin(deal, deal.c.id == Activity.opportunity_id)
    if not repo.scope(viewer).unrestricted:
        query = query.where(
            or_(Activity.opportunity_id.is_(None), deal.c.id.is_not(None)),
            or_(Activity.account_id.is_(None), Activity.account_id.in_(repo.accounts(viewer, Account.id))),
            or_(Activity.contact_id.is_(None), Activity.contact_id.in_(repo.contacts(viewer, Contact.id))),
        )
    if window.start is not None and window.end is not None:
        start, end = (dt.datetime.combine(d, dt.time(0), dt.UTC) for d in (window.start, window.end))
        query = query.where(Activity.occurred_at >= start, Activity.occurred_at < end)
    return query


def _quotas(repo: Repository, viewer: ViewerLike, window: Window) -> Select[Any]:
    query = repo.quotas(viewer, *_shape(person_id=Quota.user_id, amount=Quota.amount, period=Quota.period))
    return query.where(Quota.period.in_(window.quota_periods))


def _people(repo: Repository, viewer: ViewerLike) -> Select[Any]:
    """The reps in scope today: a headcount has no date, so no window applies."""
    return repo.users(viewer, *_shape(id=User.id, person_id=User.id)).where(User.role == Role.REP)


def _accounts(repo: Repository, viewer: ViewerLike) -> Select[Any]:
    """The accounts in scope today, each with its owner: an account count has no date."""
    return repo.accounts(viewer, *_shape(id=Account.id, account_id=Account.id, person_id=Account.owner_id))


def _installed(repo: Repository, viewer: ViewerLike) -> Select[Any]:
    """The products the accounts in scope run or ran, with their ARR and status, by the account's owner."""
    shaped = _shape(
        id=AccountProduct.account_id,
        account_id=AccountProduct.account_id,
        product_id=AccountProduct.product_id,
        person_id=Account.owner_id,
        amount=AccountProduct.arr,
        stage=AccountProduct.status,
    )
    return repo.account_products(viewer, *shaped).join(Account, Account.id == AccountProduct.account_id)


def source(repo: Repository, viewer: ViewerLike, basis: Basis, window: Window, plan: Plan) -> Select[Any]:
    if basis is Basis.INSTALLED:
        return _installed(repo, viewer)
    if basis is Basis.PEOPLE:
        return _people(repo, viewer)
    if basis is Basis.ACCOUNTS:
        return _accounts(repo, viewer)
    if basis is Basis.ACTIVITY:
        return _activities(repo, viewer, window)
    if basis is Basis.QUOTA:
        return _quotas(repo, viewer, window)
    return _deals(repo, viewer, basis, window, plan)


def applicable(narrowings: Sequence[Narrowing], basis: Basis) -> list[Narrowing]:
    """The filters a basis can honour (quota rows belong to people: deal filters pass them by)."""
    return [n for n in narrowings if n.links <= LINKS[basis]]


def check_breakdown(by: Dimension | Grain | None, bases: Sequence[Basis]) -> None:
    """Refuse a breakdown a measure's records cannot be split by (quota by product, deals by
    activity type)."""
    if isinstance(by, Dimension) and Link.ACTIVITY in by.links and Basis.ACTIVITY not in bases:
        raise InputError(
            f"{by.name.lower()} is recorded on activities only; break the activities measure down by it"
        )
    if Basis.QUOTA not in bases:
        return
    if isinstance(by, Dimension) and not by.links <= LINKS[Basis.QUOTA]:
        people = [d.key for d in DIMENSIONS.values() if d.links <= LINKS[Basis.QUOTA]]
        raise InputError(
            f"quota is set per person and quarter, so it cannot be broken down by {by.key}; "
            f"group by {', '.join(people)}, quarter or year"
        )
    if isinstance(by, Grain) and by.key not in ("quarter", "year"):
        raise InputError(
            f"quota is set per quarter, so it cannot be broken down by {by.key}; use quarter or year"
        )


def fetch(repo: Repository, viewer: ViewerLike, basis: Basis, window: Window, plan: Plan) -> list[Grouped]:
    """The records of ``basis`` in ``window`` that pass the filters, each with its group."""
    facts = source(repo, viewer, basis, window, plan).subquery("facts")
    visible = None if repo.scope(viewer).unrestricted else repo.accounts(viewer, Account.id)
    joined = Joined(facts, visible)
    narrowings = applicable(plan.narrowings, basis)
    needed = {name for n in narrowings for name in n.joins}
    groups: list[Expr] = []
    for by in (plan.by, plan.then):
        if isinstance(by, Dimension):
            needed |= set(by.joins)
        groups.append(by.value(joined) if isinstance(by, Dimension) else null())
    query = select(
        *(facts.c[name] for name in COLUMNS), groups[0].label("grp"), groups[1].label("grp2")
    ).select_from(facts)
    for join in joins_for(needed):
        query = query.outerjoin(join.target(joined), join.on(joined))
    query = query.where(*(n.condition(joined) for n in narrowings))
    for each in plan.every if LINKS[basis] >= DEAL_LINKS else ():
        # "accounts that bought both X and Y": an account with a record of X, and one of Y
        query = query.where(facts.c.account_id.in_(_accounts_with(repo, viewer, basis, window, plan, each)))
    with repo.connect() as connection:
        rows = connection.execute(query).all()
    quarters: dict[str, dt.date] = {}
    found = []
    for row in rows:
        fact = _fact(repo, basis, row, quarters)
        found.append(_grouped(plan, fact, row.grp, row.grp2))
    return found


def _accounts_with(
    repo: Repository, viewer: ViewerLike, basis: Basis, window: Window, plan: Plan, each: Narrowing
) -> Select[Any]:
    """The accounts with a record of ``basis`` in ``window`` that ``each`` keeps (of closed deals, a won
    one: an account that lost a GTK 500 deal did not buy GTK 500)."""
    records = source(repo, viewer, basis, window, plan)
    facts = (records.where(Opportunity.is_won) if basis is Basis.CLOSED else records).subquery("each_facts")
    joined = Joined(facts, None if repo.scope(viewer).unrestricted else repo.accounts(viewer, Account.id))
    query = select(facts.c.account_id).select_from(facts)
    for join in joins_for(set(each.joins)):
        query = query.outerjoin(join.target(joined), join.on(joined))
    return query.where(each.condition(joined), facts.c.account_id.is_not(None))


def _fact(repo: Repository, basis: Basis, row: Any, quarters: dict[str, dt.date]) -> Fact:
    if basis is Basis.QUOTA:
        if row.period not in quarters:
            quarters[row.period] = parse_period(row.period, repo.as_of, repo.fy_start_month).start
        ref = record_id("quota", f"{row.person_id}:{row.period}")
        return Fact(ref=ref, amount=row.amount, day=quarters[row.period])
    if basis is Basis.PEOPLE:
        return Fact(ref=record_id("user", row.id))
    if basis is Basis.ACCOUNTS:
        return Fact(ref=record_id("account", row.id))
    if basis is Basis.INSTALLED:
        active = str(row.stage or "").casefold() == "active"
        return Fact(ref=record_id("account", f"{row.id}:{row.product_id}"), amount=row.amount, active=active)
    day = row.day.astimezone(dt.UTC).date() if isinstance(row.day, dt.datetime) else row.day
    kind = "activity" if basis is Basis.ACTIVITY else "opportunity"
    return Fact(
        ref=record_id(kind, row.id),
        amount=row.amount,
        estimated=bool(row.amount_estimated),
        probability=row.probability,
        won=bool(row.is_won),
        created=row.created,
        closed=row.closed,
        stage_entered=row.stage_entered,
        day=day,
        account=row.account_id,
    )


def _bucket(by: Dimension | Grain | None, fy_start_month: int, fact: Fact, value: Any) -> tuple[str, Any]:
    """The group label ``fact`` falls in by ``by``, and the key groups are put in order by."""
    if isinstance(by, Grain):
        if fact.day is None:
            return NO_DATE, dt.date.max
        start, label = by.bucket(fact.day, fy_start_month)
        return label, start
    if isinstance(by, Dimension):
        label = by.missing if value is None else str(value)
        return label, label
    return "", ""


#: Between the two parts of a group broken down twice ("Lucas Jensen · Cobalt Platform").
PAIR = " · "


def _grouped(plan: Plan, fact: Fact, value: Any, then_value: Any = None) -> Grouped:
    label, order = _bucket(plan.by, plan.fy_start_month, fact, value)
    if plan.then is None:
        return Grouped(label, order, fact)
    then_label, then_order = _bucket(plan.then, plan.fy_start_month, fact, then_value)
    return Grouped(f"{label}{PAIR}{then_label}", (order, then_order), fact)
