"""Filters of a metric query: names as the data writes them, resolved inside the viewer's scope.

Each filter narrows one dimension (:data:`~tools.semantic.dimensions.DIMENSIONS`) to the values a
name resolves to, so "territory: West" means exactly what grouping by territory shows. Names
resolve as in every other tool (:mod:`tools.resolve`): a name outside the viewer's scope is
unknown to them, exactly like a name that does not exist, and suggestions come from their scope.
A rep's name means their deals, a manager's their whole team (as :func:`tools.filters.team_of`);
``team`` takes a manager's name only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from tools.deals.details import resolve_deal
from tools.errors import InputError
from tools.filters import account_attribute, stages_named, team_of
from tools.resolve import best_match, resolve_account, resolve_product, resolve_territory, resolve_user
from tools.semantic.dimensions import DIMENSIONS, Joined, Link
from tools.store.repository import Repository, ViewerLike, build_scope
from tools.store.schema import Activity, Opportunity, Product, Role, Territory
from tools.store.stages import ForecastCategory


@dataclass(frozen=True)
class Narrowing:
    """One resolved filter: what it reads, its condition, and how it reads to people."""

    field: str
    description: str
    links: frozenset[Link]
    joins: tuple[str, ...]
    condition: Callable[[Joined], ColumnElement[bool]]
    #: The members a filter of several names kept, as the data names them (:func:`among`).
    members: tuple[str, ...] = ()


Resolver = Callable[[Repository, ViewerLike, str], tuple[str, list[Any]]]


def _choice(kind: str, name: str, values: Iterable[Any]) -> str:
    names = dict(enumerate(sorted({str(v) for v in values if v})))
    return best_match(kind, name, names).name


def _distinct(repo: Repository, query: Any) -> list[Any]:
    with repo.connect() as connection:
        return list(connection.execute(query.distinct()).scalars())


def _rep(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    label, ids = team_of(repo, viewer, name)
    return label, list(ids)


def _team(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    manager = resolve_user(repo, viewer, name, Role.MANAGER)
    with repo.connect() as connection:
        members = build_scope(connection, manager.id, Role.MANAGER).users or frozenset()
    return f"{manager.name}'s team", sorted(members)


def _territory(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    found = resolve_territory(repo, viewer, name)
    return found.name, [found.id]


def _region(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    region = _choice("region", name, _distinct(repo, repo.territories(viewer, Territory.region)))
    return region, [region]


def _product(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    found = resolve_product(repo, name)
    return found.name, [found.id]


def _family(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    family = _choice("product family", name, _distinct(repo, repo.products(Product.family)))
    return family, [family]


def _account(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    found = resolve_account(repo, viewer, name)
    return found.name, [found.id]


def _group(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    """An account and its subsidiaries: the records whose parent account (or own) is it."""
    found = resolve_account(repo, viewer, name)
    return f"{found.name} and its subsidiaries", [found.name]


def _attribute(field: str) -> Resolver:
    """An account column ("industry", "state"…): the value named, as stored."""

    def resolve(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
        value = account_attribute(repo, viewer, field, name)
        return value, [value]

    return resolve


def _deal(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    """A deal as every tool finds one (:func:`tools.deals.details.resolve_deal`): its reference, id,
    external id or name, in scope."""
    found = resolve_deal(repo, viewer, name)
    with repo.connect() as connection:
        label = connection.execute(select(Opportunity.name).where(Opportunity.id == found)).scalar_one()
    return label, [found]


def _loss_reason(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    reasons = _distinct(repo, repo.opportunities(viewer, Opportunity.loss_reason))
    reason = _choice("loss reason", name, reasons)
    return reason, [reason]


def _stage(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    """One stage, or several separated by commas ("Proposal, Negotiation")."""
    stages = stages_named(repo, name)
    return " or ".join(stages), stages


def _category(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    category = _choice("forecast category", name, [c.value for c in ForecastCategory])
    return category, [category]


def _activity_type(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[Any]]:
    """One activity kind, or several separated by commas ("call, meeting")."""
    kinds = _distinct(repo, repo.activities(viewer, Activity.kind))
    if not kinds:
        raise InputError("no activity (call, meeting, email) is recorded for the records you can see")
    found = []
    for part in (p.strip() for p in name.split(",")):
        if part:
            found.append(
                _choice("activity type", part.rstrip("s") if part.rstrip("s") in kinds else part, kinds)
            )
    chosen = list(dict.fromkeys(found))
    return ", ".join(chosen), chosen


#: The name filters of a query, each narrowing the dimension of the same key.
RESOLVERS: dict[str, Resolver] = {
    "rep": _rep,
    "team": _team,
    "territory": _territory,
    "region": _region,
    "product": _product,
    "product_family": _family,
    "account": _account,
    "parent_account": _group,
    "deal": _deal,
    "industry": _attribute("industry"),
    "segment": _attribute("segment"),
    "tier": _attribute("tier"),
    "country": _attribute("country"),
    "state": _attribute("state"),
    "city": _attribute("city"),
    "loss_reason": _loss_reason,
    "stage": _stage,
    "forecast_category": _category,
    "activity_type": _activity_type,
}


def narrow(repo: Repository, viewer: ViewerLike, field: str, name: str) -> Narrowing:
    """The filter ``field`` (a dimension key) set to the thing ``name`` names in scope."""
    dimension = DIMENSIONS[field]
    label, values = RESOLVERS[field](repo, viewer, name)
    return Narrowing(
        field,
        f"{field.replace('_', ' ')}: {label}",
        dimension.links,
        dimension.joins,
        lambda joined: dimension.key_of(joined).in_(values),
    )


def among(repo: Repository, viewer: ViewerLike, field: str, names: Sequence[str]) -> Narrowing:
    """The filter ``field`` set to any of several names ("GTK 500 or GTX Plus Pro", the accounts an
    earlier answer listed), each resolved as :func:`narrow` resolves one."""
    if field not in RESOLVERS:
        raise InputError(f"cannot filter by several {field!r}; use one of {', '.join(RESOLVERS)}")
    named = [
        narrow(repo, viewer, field, name) for name in dict.fromkeys(n.strip() for n in names if n.strip())
    ]
    if not named:
        raise InputError(f"any_of {field!r} names nothing")
    labels = [n.description.split(": ", 1)[1] for n in named]
    shown = labels if len(labels) <= 4 else [*labels[:3], f"{len(labels) - 3} more"]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return Narrowing(
        field,
        f"{field.replace('_', ' ')}: {listed}",
        named[0].links,
        named[0].joins,
        lambda joined: or_(*(n.condition(joined) for n in named)),
        tuple(labels),
    )


def excluded(repo: Repository, viewer: ViewerLike, field: str, name: str) -> Narrowing:
    """Everything but what ``narrow(field, name)`` keeps (a record without the value is left out too:
    "outside the US" does not count accounts whose country is unknown)."""
    if field not in RESOLVERS:
        raise InputError(f"cannot exclude by {field!r}; exclude by {', '.join(RESOLVERS)}")
    kept = narrow(repo, viewer, field, name)
    label = kept.description.split(": ", 1)[1]
    return Narrowing(
        f"not_{field}",
        f"{field.replace('_', ' ')}: not {label}",
        kept.links,
        kept.joins,
        lambda joined: ~kept.condition(joined),
    )


def amount_unknown() -> Narrowing:
    """Deals whose amount is not known: none recorded, or one the import estimated."""
    return Narrowing(
        "without_amount",
        "amount unknown: none recorded, or estimated",
        frozenset({Link.DEAL}),
        (),
        lambda joined: or_(joined.column("amount").is_(None), joined.column("amount_estimated") == true()),
    )


#: Deal fields a question can ask to be empty, and how each reads in a filter line.
MISSING = {
    "account": "no account",
    "product": "no product",
    "close_date": "no close date",
    "next_step": "no next step",
    "created": "no created date",
}


def missing_field(field: str) -> Narrowing:
    """Deals whose ``field`` is empty: "deals with no account", "opps missing a close date"."""
    key = field.strip().casefold().replace(" ", "_")
    if key not in MISSING:
        raise InputError(f"no deal field {field!r} to find empty; use one of {', '.join(MISSING)}")

    def empty(joined: Joined) -> ColumnElement[bool]:
        if key in ("account", "product", "created"):
            return joined.column("created" if key == "created" else f"{key}_id").is_(None)
        if key == "close_date":
            unset = select(Opportunity.id).where(Opportunity.close_date.is_(None))
        else:
            step = Opportunity.next_step
            unset = select(Opportunity.id).where(or_(step.is_(None), func.trim(step) == ""))
        return joined.column("deal_id").in_(unset)

    return Narrowing("missing", MISSING[key], frozenset({Link.DEAL}), (), empty)


def amount_between(low: Decimal | None, high: Decimal | None) -> list[Narrowing]:
    """Deal amount bounds (a deal without an amount is outside any bound)."""
    found = []
    if low is not None:
        found.append(
            Narrowing(
                "min_amount",
                f"amount >= ${low:,.0f}",
                frozenset({Link.DEAL}),
                (),
                lambda joined: joined.column("amount") >= low,
            )
        )
    if high is not None:
        found.append(
            Narrowing(
                "max_amount",
                f"amount <= ${high:,.0f}",
                frozenset({Link.DEAL}),
                (),
                lambda joined: joined.column("amount") <= high,
            )
        )
    return found


def account_size(
    employees: tuple[int | None, int | None], revenue: tuple[Decimal | None, Decimal | None]
) -> list[Narrowing]:
    """Bounds on the account's size, its employees or its own annual revenue ("accounts with 5k+
    employees"): a record whose account has no figure recorded is outside any bound."""
    found = []
    bounds: tuple[tuple[str, tuple[Any, Any], str], ...] = (
        ("employees", employees, ""),
        ("annual_revenue", revenue, "$"),
    )
    for column, (low, high), currency in bounds:
        label = column.replace("_", " ")
        for bound, sign, keep in ((low, ">=", True), (high, "<=", False)):
            if bound is None:
                continue
            found.append(
                Narrowing(
                    f"{'min' if keep else 'max'}_{column}",
                    f"account {label} {sign} {currency}{bound:,.0f}",
                    frozenset({Link.ACCOUNT}),
                    ("account",),
                    _size_bound(column, bound, keep),
                )
            )
    return found


def _size_bound(column: str, bound: Any, keep_above: bool) -> Callable[[Joined], ColumnElement[bool]]:
    def condition(joined: Joined) -> ColumnElement[bool]:
        value: ColumnElement[Any] = getattr(joined.account, column)
        kept: ColumnElement[bool] = value >= bound if keep_above else value <= bound
        return kept

    return condition


def _days_before(field: str, column: str, description: str, cutoff: dt.date, oldest: bool) -> Narrowing:
    """Deals whose ``column`` date is on or before ``cutoff`` (``oldest``), or after it."""
    return Narrowing(
        field,
        description,
        frozenset({Link.DEAL}),
        (),
        lambda joined: joined.column(column) <= cutoff if oldest else joined.column(column) > cutoff,
    )


def _deals_where(field: str, text: str, condition: ColumnElement[bool]) -> Narrowing:
    """Deals their own row's ``condition`` keeps (read by id, whatever else the measure joins)."""
    kept = select(Opportunity.id).where(condition)
    return Narrowing(field, text, frozenset({Link.DEAL}), (), lambda j: j.column("deal_id").in_(kept))


def inactive(today: dt.date, days: int) -> Narrowing:
    """Deals with no activity in the ``days`` before ``today`` (none ever recorded included)."""
    last = Opportunity.last_activity_at
    quiet = or_(last.is_(None), last < today - dt.timedelta(days=days))
    return _deals_where("inactive_days", f"no activity in the last {days} days", quiet)


def pushed(times: int, at_most: bool = False) -> Narrowing:
    """Deals whose close date was pushed out at least ``times`` times (or, ``at_most``, no more often:
    "take out the deals pushed 2+ times" keeps those pushed at most once)."""
    if at_most:
        said = {0: "never pushed", 1: "close date pushed at most once"}.get(
            times, f"close date pushed at most {times} times"
        )
        return _deals_where("max_pushes", said, Opportunity.close_date_pushes <= times)
    return _deals_where(
        "min_pushes", f"close date pushed {times}+ times", Opportunity.close_date_pushes >= times
    )


def past_due(today: dt.date) -> Narrowing:
    """Open deals whose close date has passed ("past due"): still open after the day they were to close."""
    overdue = and_(~Opportunity.is_closed, Opportunity.close_date < today)
    return _deals_where("past_due", f"past due: open, close date before {today}", overdue)


def ages(
    today: dt.date, min_age: int | None, max_age: int | None, min_in_stage: int | None
) -> list[Narrowing]:
    """Deal age bounds (days since created) and time in the current stage, counted to ``today``."""
    found = []
    if min_age is not None:
        cutoff = today - dt.timedelta(days=min_age)
        found.append(_days_before("min_age_days", "created", f"created {min_age}+ days ago", cutoff, True))
    if max_age is not None:
        cutoff = today - dt.timedelta(days=max_age)
        text = f"created in the last {max_age} days"
        found.append(_days_before("max_age_days", "created", text, cutoff, False))
    if min_in_stage is not None:
        cutoff = today - dt.timedelta(days=min_in_stage)
        text = f"in the current stage {min_in_stage}+ days"
        found.append(_days_before("min_days_in_stage", "stage_entered", text, cutoff, True))
    return found
