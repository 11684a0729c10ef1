"""Account tools: search accounts, the account profile and whitespace (what else they could buy).

All three read through the viewer's scoped selects, so an account outside the viewer's scope is
never listed, never counted among peers and, asked for by name, is reported exactly like an
account that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func

from tools.accounts.search_filters import conditions_of, lookup, parents_of
from tools.evidence import ExternalId, Figure, RecordUrl, Unit, record_id
from tools.rollup import first_ids, measure, metric, money, sample_ids
from tools.store.repository import Repository
from tools.store.schema import Account, Activity, Opportunity, Territory, User
from tools.viewer import Viewer

POTENTIAL_FORMULA = "accounts.potential (estimated annual spend available)"


class AccountSearch(BaseModel):
    name: str | None = Field(default=None, description="Part of the account name (case-insensitive).")
    names: list[str] | None = Field(
        default=None,
        max_length=50,
        description="Only these accounts, by their exact names (an earlier list).",
    )
    industry: str | None = Field(default=None, description="Industry, e.g. 'Healthcare'.")
    segment: str | None = Field(default=None, description="Segment: 'SMB', 'Mid-Market' or 'Enterprise'.")
    territory: str | None = Field(default=None, description="Territory name, e.g. 'West Enterprise'.")
    country: str | None = Field(default=None, description="The account's country.")
    state: str | None = Field(default=None, description="The account's state: 'Texas' or 'TX'.")
    city: str | None = Field(default=None, description="The account's city.")
    tier: str | None = Field(default=None, description="Account tier, e.g. 'A'.")
    owner: str | None = Field(default=None, description="The account owner's name.")
    min_potential: Decimal | None = Field(
        default=None, ge=0, description="Only accounts with at least this potential."
    )
    has_open_pipeline: bool | None = Field(
        default=None, description="True: only accounts with open opportunities; false: only those without."
    )
    inactive_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Only accounts with no activity you can see in the last N days (or none ever).",
    )
    parent: str | None = Field(default=None, description="Only the subsidiaries of this parent account.")
    min_employees: int | None = Field(
        default=None, ge=0, description="Only accounts with at least this many employees."
    )
    min_annual_revenue: Decimal | None = Field(
        default=None, ge=0, description="Only accounts whose own annual revenue is at least this."
    )
    max_employees: int | None = Field(
        default=None, ge=0, description="Only accounts with at most this many employees."
    )
    max_annual_revenue: Decimal | None = Field(
        default=None, ge=0, description="Only accounts whose own annual revenue is at most this."
    )
    outside_country: str | None = Field(default=None, description="Only accounts in another country.")
    with_product: str | None = Field(
        default=None, description="Only accounts that have bought this product (a won deal, or they own it)."
    )
    without_product: str | None = Field(
        default=None, description="Only accounts that have not bought this product (no won deal, not owned)."
    )
    has_won: bool | None = Field(
        default=None, description="True: only accounts where a deal you can see was won; false: none was."
    )
    without_contact_role: str | None = Field(
        default=None,
        max_length=60,
        description="Only accounts with no contact of this buying role on file (Economic Buyer, Champion…).",
    )
    has_bought: bool | None = Field(
        default=None,
        description="True: only accounts that have bought from us (a won deal or an owned product); "
        "false: only those that never have.",
    )
    is_subsidiary: bool | None = Field(
        default=None, description="True: only accounts with a parent account; false: only those without."
    )
    established_before: int | None = Field(
        default=None, ge=1000, le=2200, description="Only accounts established before this year."
    )
    established_after: int | None = Field(
        default=None, ge=1000, le=2200, description="Only accounts established after this year."
    )
    sort_by: Literal["potential", "name", "open_pipeline", "employees", "annual_revenue"] = Field(
        default="potential",
        description="Order: potential, name, open_pipeline, employees or annual_revenue (largest first).",
    )
    limit: int = Field(default=20, ge=1, le=100, description="How many accounts to list (1-100).")


class AccountLine(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    industry: str | None
    segment: str | None
    tier: str | None
    territory: str | None = Field(description="Empty when the territory is outside your view.")
    owner: str | None = Field(description="Empty when the owner is outside your view.")
    potential: Figure
    employees: int | None = None
    annual_revenue: Decimal | None = Field(default=None, description="The company's own annual revenue.")
    country: str | None = None
    parent: str | None = Field(default=None, description="The parent account, when it is in your view.")
    open_pipeline: Figure = Field(
        description="Your open opportunities on the account (record_count = deals)."
    )
    last_activity_at: dt.datetime | None = Field(description="Your latest activity on the account.")


class AccountSearchResult(BaseModel):
    filters: list[str]
    matched: Figure = Field(description="How many accounts match (the list shows the first `limit`).")
    total_potential: Figure
    total_open_pipeline: Figure
    accounts: list[AccountLine]


def search_accounts(repo: Repository, viewer: Viewer, params: AccountSearch) -> AccountSearchResult:
    """Find accounts in your scope by name, industry, segment, territory, tier, owner or potential.

    Each account comes with its potential, your open pipeline on it and your latest activity.
    Industry, segment, territory and owner names are matched forgivingly.

    Args:
        name: Part of the account name (case-insensitive).
        names: Only these accounts, by exact name (the accounts an earlier answer listed).
        industry: Industry, e.g. 'Healthcare'.
        segment: Segment: 'SMB', 'Mid-Market' or 'Enterprise'.
        territory: Territory name, e.g. 'West Enterprise'.
        country: The account's country.
        state: The account's state: 'Texas' or 'TX'.
        city: The account's city.
        tier: Account tier, e.g. 'A'.
        owner: The account owner's name.
        min_potential: Only accounts with at least this potential.
        has_open_pipeline: True: only accounts with open opportunities; false: only those without.
        inactive_days: Only accounts with no activity you can see in the last N days (or none ever).
        parent: Only the subsidiaries of this parent account.
        min_employees: Only accounts with at least this many employees.
        min_annual_revenue: Only accounts whose own annual revenue is at least this.
        max_employees: Only accounts with at most this many employees.
        max_annual_revenue: Only accounts whose own annual revenue is at most this.
        outside_country: Only accounts in another country.
        with_product: Only accounts that have bought this product (a won deal, or they own it).
        without_product: Only accounts that have not bought this product (no won deal, not owned).
        has_won: True: only accounts where a deal you can see was won; false: none was.
        without_contact_role: Only accounts with no contact of this buying role on file.
        has_bought: True: only accounts that have bought from us; false: only those that never have.
        is_subsidiary: True: only accounts with a parent account; false: only those without.
        established_before: Only accounts established before this year.
        established_after: Only accounts established after this year.
        sort_by: Order: potential, name, open_pipeline, employees or annual_revenue (largest first).
        limit: How many accounts to list (1-100).

    Returns:
        The matching accounts, how many matched in all, and their total potential and open pipeline.

    Raises:
        UnknownName: A territory or owner you named is not in your scope.
        AmbiguousName: A name matches several territories, people, industries or segments equally well.
    """
    with repo.connect() as connection:
        conditions, described = conditions_of(repo, viewer, params, connection)
        pipe = (
            repo.opportunities(
                viewer,
                Opportunity.account_id.label("account_id"),
                func.sum(Opportunity.amount).label("amount"),
                func.count(Opportunity.id).label("deals"),
            )
            .where(~Opportunity.is_closed, Opportunity.account_id.is_not(None))
            .group_by(Opportunity.account_id)
            .subquery()
        )
        open_amount = func.coalesce(pipe.c.amount, 0)
        matching = repo.accounts(viewer, Account.id).outerjoin(pipe, pipe.c.account_id == Account.id)
        matching = matching.where(*conditions)
        if params.has_open_pipeline is not None:
            matching = matching.where(
                pipe.c.deals.is_not(None) if params.has_open_pipeline else pipe.c.deals.is_(None)
            )
            described.append("with open pipeline" if params.has_open_pipeline else "without open pipeline")
        if params.inactive_days is not None:
            since = dt.datetime.combine(
                repo.as_of - dt.timedelta(days=params.inactive_days), dt.time(), dt.UTC
            )
            recent = repo.activities(viewer, Activity.account_id).where(
                Activity.occurred_at >= since, Activity.account_id.is_not(None)
            )
            matching = matching.where(Account.id.not_in(recent))
            described.append(f"no activity in the {params.inactive_days} days before {repo.as_of}")
        count, potential, pipeline, deals = connection.execute(
            matching.with_only_columns(
                func.count(Account.id),
                func.sum(Account.potential),
                func.sum(pipe.c.amount),
                func.coalesce(func.sum(pipe.c.deals), 0),
            )
        ).one()
        by_potential = func.coalesce(Account.potential, 0).desc()
        orders: dict[str, list[ColumnElement[Any]]] = {
            "potential": [by_potential],
            "name": [Account.name.asc()],
            "open_pipeline": [open_amount.desc(), by_potential],
            "employees": [func.coalesce(Account.employees, -1).desc()],
            "annual_revenue": [func.coalesce(Account.annual_revenue, -1).desc()],
        }
        order = orders[params.sort_by]
        rows = connection.execute(
            matching.with_only_columns(
                Account.id,
                Account.name,
                Account.industry,
                Account.segment,
                Account.tier,
                Account.territory_id,
                Account.owner_id,
                Account.potential,
                Account.employees,
                Account.country,
                Account.annual_revenue,
                Account.parent_account_id,
                pipe.c.amount,
                func.coalesce(pipe.c.deals, 0).label("deals"),
            )
            .order_by(*order, Account.id)
            .limit(params.limit)
        ).all()
        ids = [r.id for r in rows]
        parents = parents_of(connection, repo, viewer, {r.parent_account_id for r in rows})
        territories = lookup(
            connection,
            repo.territories(viewer, Territory.id, Territory.name).where(
                Territory.id.in_({r.territory_id for r in rows})
            ),
        )
        owners = lookup(
            connection, repo.users(viewer, User.id, User.name).where(User.id.in_({r.owner_id for r in rows}))
        )
        last_activity = lookup(
            connection,
            repo.activities(viewer, Activity.account_id, func.max(Activity.occurred_at))
            .where(Activity.account_id.in_(ids))
            .group_by(Activity.account_id),
        )
        open_of_listed = repo.opportunities(viewer, Opportunity.id).where(
            ~Opportunity.is_closed, Opportunity.account_id.in_(ids)
        )
        deal_ids = sample_ids(
            connection,
            open_of_listed,
            "opportunity",
            Opportunity.id,
            [Opportunity.amount.desc()],
            group=Opportunity.account_id,
        )
        all_deal_ids = first_ids(
            connection,
            repo.opportunities(viewer, Opportunity.id).where(
                ~Opportunity.is_closed, Opportunity.account_id.in_(matching.with_only_columns(Account.id))
            ),
            "opportunity",
            Opportunity.id,
            [Opportunity.amount.desc()],
        )
    lines = [
        AccountLine(
            id=record_id("account", r.id),
            name=r.name,
            industry=r.industry,
            segment=r.segment,
            tier=r.tier,
            territory=territories.get(r.territory_id),
            owner=owners.get(r.owner_id),
            potential=measure(
                "Potential", r.potential, Unit.USD, POTENTIAL_FORMULA, [], [record_id("account", r.id)], 1
            ),
            employees=r.employees,
            annual_revenue=r.annual_revenue,
            country=r.country,
            parent=parents.get(r.parent_account_id),
            open_pipeline=metric(
                "open_pipeline",
                money(r.amount),
                ["open", "your opportunities"],
                deal_ids.get(r.id, []),
                int(r.deals),
            ),
            last_activity_at=last_activity.get(r.id),
        )
        for r in rows
    ]
    account_ids = [line.id for line in lines]
    return AccountSearchResult(
        filters=described,
        matched=measure(
            "Matching accounts",
            int(count),
            Unit.COUNT,
            "count of accounts matching the filters",
            described,
            account_ids,
            int(count),
        ),
        total_potential=measure(
            "Total potential",
            money(potential),
            Unit.USD,
            f"sum of {POTENTIAL_FORMULA} over the matching accounts",
            described,
            account_ids,
            int(count),
        ),
        total_open_pipeline=metric(
            "open_pipeline", money(pipeline), [*described, "open"], all_deal_ids, int(deals)
        ),
        accounts=lines,
    )


def largest_open_account(repo: Repository, viewer: Viewer) -> str | None:
    """The name of the viewer's account with the most open pipeline, if they have open deals."""
    query = (
        repo.opportunities(viewer, Account.name)
        .select_from(Opportunity)
        .join(Account, Account.id == Opportunity.account_id)
        .where(~Opportunity.is_closed)
        .group_by(Account.id, Account.name)
        .order_by(func.sum(Opportunity.amount).desc(), Account.id)
        .limit(1)
    )
    with repo.connect() as connection:
        name = connection.execute(query).scalar()
    return None if name is None else str(name)
