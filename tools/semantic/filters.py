"""Filters of a metric query: names as the data writes them, resolved inside the viewer's scope.

Each filter narrows one dimension (:data:`~tools.semantic.dimensions.DIMENSIONS`) to the values a
name resolves to, so "territory: West" means exactly what grouping by territory shows. Names
resolve as in every other tool (:mod:`tools.resolve`): a name outside the viewer's scope is
unknown to them, exactly like a name that does not exist, and suggestions come from their scope.
A rep's name means their deals, a manager's their whole team (as :func:`tools.filters.team_of`);
``team`` takes a manager's name only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from tools.deals.details import resolve_deal
from tools.errors import InputError
from tools.filters import account_attribute, stages_named, team_of
from tools.resolve import best_match, resolve_account, resolve_product, resolve_territory, resolve_user
from tools.semantic.dimensions import DIMENSIONS
from tools.semantic.joined import Joined, Link
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
        # as the rows of a breakdown name them: a team by its manager ("Hannah Moreau", not "Hannah
        # Moreau's team"), so a member with no records is not listed twice
        tuple(label.removesuffix("'s team") if field == "team" else label for label in labels),
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


def each_of_filter(every: Sequence[Narrowing]) -> list[str]:
    """How an ``each_of`` filter reads: "at accounts with each of: product GTK 500, product MG Advanced"."""
    if not every:
        return []
    return [f"at accounts with each of: {', '.join(n.description.replace(':', '') for n in every)}"]
