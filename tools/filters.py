"""Deal filters people ask for ("Darcel's deals", "in West", "over 50k", "closing this quarter").

:func:`deal_conditions` turns a :class:`DealFilter` into SQL conditions on opportunities plus the
human-readable filter descriptions every :class:`~tools.evidence.Figure` lists. Names resolve
inside the viewer's scope; naming a manager means their whole team.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, func, or_, select

from tools.errors import InputError
from tools.periods import Period, parse_period
from tools.resolve import (
    best_match,
    resolve_account,
    resolve_product,
    resolve_state,
    resolve_territory,
    resolve_user,
)
from tools.store.repository import Repository, ViewerLike, build_scope
from tools.store.schema import Account, Opportunity, Role, Territory, User
from tools.store.stages import ForecastCategory

#: The largest amount a filter takes (money columns hold up to 14 digits before the point).
MAX_AMOUNT = Decimal("1e12")


class DealFilter(BaseModel):
    """Optional filters on opportunities; every one narrows the viewer's own scope."""

    owner: str | None = Field(
        default=None, description="A rep's or manager's name (a manager means the team)."
    )
    territory: str | None = Field(default=None, description="Territory name, e.g. 'West Enterprise'.")
    region: str | None = Field(default=None, description="Region name: the territories in it, e.g. 'West'.")
    account: str | None = Field(default=None, description="Account name.")
    product: str | None = Field(default=None, description="Product name.")
    stage: str | None = Field(
        default=None, description="Stage name, e.g. 'Proposal', or several: 'Proposal, Negotiation'."
    )
    min_amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Only deals of at least this amount."
    )
    max_amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Only deals of at most this amount."
    )
    period: str | None = Field(
        default=None,
        description="Close date within a period: 'this quarter', 'Q1 2027', 'next month', '2026'.",
    )
    forecast_category: str | None = Field(
        default=None, description="Forecast category: commit, best_case or pipeline."
    )
    industry: str | None = Field(default=None, description="The account's industry.")
    segment: str | None = Field(default=None, description="The account's segment.")
    country: str | None = Field(default=None, description="The account's country.")
    state: str | None = Field(default=None, description="The account's state: 'Texas' or 'TX'.")
    city: str | None = Field(default=None, description="The account's city.")


class ResolvedFilter(BaseModel):
    conditions: list[Any] = []
    descriptions: list[str] = []
    period: Period | None = None
    owner_ids: list[int] | None = None
    territory_id: int | None = None
    #: The territories of a region asked for: the people whose quotas its deals count against.
    region_territories: list[int] | None = None
    #: Whether the deals kept are whole books of people (a quota applies to them): False once a
    #: filter keeps only some of a person's deals (a product, an account, a stage, a state…).
    quota_applies: bool = True

    model_config = {"arbitrary_types_allowed": True}


def deal_in_territories(ids: Sequence[int]) -> ColumnElement[bool]:
    """A deal lies in a territory through its account, or through its owner's home territory when
    the account has no territory (or the deal no account, as in exports that only assign reps)."""
    accounts_there = select(Account.id).where(Account.territory_id.in_(ids))
    owners_there = select(User.id).where(User.territory_id.in_(ids))
    unplaced = select(Account.id).where(Account.territory_id.is_(None))
    return or_(
        Opportunity.account_id.in_(accounts_there),
        and_(
            Opportunity.owner_id.in_(owners_there),
            or_(Opportunity.account_id.is_(None), Opportunity.account_id.in_(unplaced)),
        ),
    )


def team_of(repo: Repository, viewer: ViewerLike, name: str) -> tuple[str, list[int]]:
    """The person called ``name`` (in scope) and the user ids their deals are owned by."""
    person = resolve_user(repo, viewer, name)
    with repo.connect() as connection:
        role = connection.execute(repo.users(viewer, User.role).where(User.id == person.id)).scalar_one()
        if role == Role.MANAGER.value:
            members = build_scope(connection, person.id, Role.MANAGER).users or frozenset()
            return f"{person.name}'s team", sorted(members)
    return person.name, [person.id]


#: Why deals narrowed to some of the people's deals have no quota.
NOT_PER_PERSON = "quotas are set per person, so none applies to these deals alone"
#: The account columns a deal can be filtered by, by filter name.
ACCOUNT_ATTRIBUTES = {
    "industry": Account.industry,
    "segment": Account.segment,
    "country": Account.country,
    "state": Account.state,
    "city": Account.city,
}


#: Account columns that are the org's categories, named the same whoever asks: a filter on one the
#: viewer has no account in matches nothing instead of being refused. Places are the viewer's own.
ORG_CATEGORIES = frozenset({"industry", "segment", "country"})


def account_attribute(repo: Repository, viewer: ViewerLike, field: str, name: str) -> str:
    """The value of the account column ``field`` that ``name`` names, as stored ("texas" is "TX"
    where the export stores codes): among the org's categories, or the places of the viewer's accounts."""
    if field == "tier":
        return account_tier(repo, viewer, name)
    with repo.connect() as connection:
        column = ACCOUNT_ATTRIBUTES[field]
        values = select(column) if field in ORG_CATEGORIES else repo.accounts(viewer, column)
        stored = sorted({str(v) for v in connection.execute(values.distinct()).scalars() if v})
    if field == "state":
        return resolve_state(name, stored)
    if field == "country":
        name = COUNTRY_SHORT.get(name.strip().casefold().replace(".", ""), name)  # "US", "U.K."
    return best_match(field, name, dict(enumerate(stored))).name


#: Countries as people shorten them, to the name an export writes.
COUNTRY_SHORT = {"us": "United States", "usa": "United States", "united states of america": "United States"}
COUNTRY_SHORT |= {"uk": "United Kingdom", "great britain": "United Kingdom", "uae": "United Arab Emirates"}


def account_tier(repo: Repository, viewer: ViewerLike, name: str) -> str:
    """An account tier as written ("tier a", "A"), as the data stores it."""
    with repo.connect() as connection:
        tiers = [
            str(t) for t in connection.execute(repo.accounts(viewer, Account.tier).distinct()).scalars() if t
        ]
    if not tiers:
        raise InputError("the data records no account tiers, so nothing can be filtered by tier")
    written = name.strip().removeprefix("tier ").removeprefix("Tier ").strip()
    same = [t for t in tiers if t.casefold() == written.casefold()]
    return same[0] if same else best_match("tier", written, dict(enumerate(sorted(tiers)))).name


def stages_named(repo: Repository, written: str) -> list[str]:
    """The stages a filter names: one, or several separated by commas ("Proposal, Negotiation")."""
    found = []
    for part in (p.strip() for p in written.split(",")):
        stage = repo.stages.find(part) if part else None
        if part and stage is None:
            raise InputError(f"no stage named {part!r}; stages are {', '.join(repo.stages.names)}")
        if stage is not None:
            found.append(stage.name)
    return list(dict.fromkeys(found))


def deal_conditions(repo: Repository, viewer: ViewerLike, deal_filter: DealFilter) -> ResolvedFilter:
    result = ResolvedFilter()
    conditions: list[ColumnElement[bool]] = []
    if deal_filter.owner:
        label, owners = team_of(repo, viewer, deal_filter.owner)
        conditions.append(Opportunity.owner_id.in_(owners))
        result.descriptions.append(f"owner: {label}")
        result.owner_ids = owners
    if deal_filter.territory:
        territory = resolve_territory(repo, viewer, deal_filter.territory)
        conditions.append(deal_in_territories([territory.id]))
        result.descriptions.append(f"territory: {territory.name}")
        result.territory_id = territory.id
    if deal_filter.region:
        # a region is the territories in it (those the viewer sees)
        with repo.connect() as connection:
            places = list(connection.execute(repo.territories(viewer, Territory.id, Territory.region)))
        regions = dict(enumerate(sorted({str(place.region) for place in places if place.region})))
        region = best_match("region", deal_filter.region, regions).name
        result.region_territories = [place.id for place in places if place.region == region]
        conditions.append(deal_in_territories(result.region_territories))
        result.descriptions.append(f"region: {region}")
    if deal_filter.account:
        account = resolve_account(repo, viewer, deal_filter.account)
        conditions.append(Opportunity.account_id == account.id)
        result.descriptions.append(f"account: {account.name}")
    if deal_filter.product:
        product = resolve_product(repo, deal_filter.product)
        conditions.append(Opportunity.product_id == product.id)
        result.descriptions.append(f"product: {product.name}")
    if deal_filter.stage:
        stages = stages_named(repo, deal_filter.stage)
        conditions.append(Opportunity.stage.in_(stages))
        result.descriptions.append(f"stage: {' or '.join(stages)}")
    if deal_filter.min_amount is not None:
        conditions.append(Opportunity.amount >= deal_filter.min_amount)
        result.descriptions.append(f"amount >= ${deal_filter.min_amount:,.0f}")
    if deal_filter.max_amount is not None:
        conditions.append(Opportunity.amount <= deal_filter.max_amount)
        result.descriptions.append(f"amount <= ${deal_filter.max_amount:,.0f}")
    if deal_filter.forecast_category:
        category = ForecastCategory.parse(deal_filter.forecast_category)
        if category is None:
            raise InputError(
                f"no forecast category {deal_filter.forecast_category!r}; use commit, best_case or pipeline"
            )
        conditions.append(func.coalesce(Opportunity.forecast_category, "pipeline") == category.value)
        result.descriptions.append(f"forecast category: {category.value.replace('_', ' ')}")
    for field, column in ACCOUNT_ATTRIBUTES.items():
        if (name := getattr(deal_filter, field)) is not None and name.strip():
            value = account_attribute(repo, viewer, field, name)
            conditions.append(Opportunity.account_id.in_(select(Account.id).where(column == value)))
            result.descriptions.append(f"{field}: {value}")
    if deal_filter.period:
        result.period = parse_period(deal_filter.period, repo.as_of, repo.fy_start_month)
    whole_books = ("owner", "territory", "region", "period")
    result.quota_applies = all(
        getattr(deal_filter, f) is None for f in DealFilter.model_fields if f not in whole_books
    )
    result.conditions = conditions
    return result
